// Route packets (channel 1) and the end-to-end messages inside them.
//
//   frame header (length u32 | channel u16 = 1) | route u32 | counter u64 | AEAD(inner) ‖ tag
//
// A relay reads the route ID, looks it up, rewrites it and sends the packet on: it never
// needs (or has) the key. The counter is the AEAD nonce under a key that exists for one
// direction of one hop pair (source and hop) only, so it never repeats under a key.
import type { Aead } from '../crypto/aead.ts';
import { frameNonce } from '../link/frame.ts';
import { PUBLIC_KEY_BYTES, TAG_BYTES } from '../../spec/link-wire.ts';
import { decodeWith, Writer } from '../../spec/bytes.ts';
import { MAX_SACK_RANGES } from './constants.ts';
import { DATAGRAM_HEADER_BYTES, FIRST_SERVICE_CHANNEL, FRAME_HEADER_BYTES, MIN_ROUTE_PACKET_BYTES, ROUTE_CHANNEL, ROUTE_PACKET_HEADER_BYTES, RouteMsg, SETUP_ID_BYTES, STREAM_ID_BYTES } from '../../spec/route-wire.ts';
import { writeFrameHeader } from './framing.ts';
import { CREATE_BLOB_BYTES, CREATED_REPLY_BYTES } from './hop-crypto.ts';

const EMPTY = new Uint8Array(0);

/** The route ID of a route packet (the payload of a channel-1 frame); undefined when too short. */
export function routeIdOf(packet: Uint8Array): number | undefined {
  if (packet.length < MIN_ROUTE_PACKET_BYTES) return undefined;
  return ((packet[0] << 24) | (packet[1] << 16) | (packet[2] << 8) | packet[3]) >>> 0;
}

/** A whole channel-1 frame carrying `packet` with its route ID replaced: what a relay sends. */
export function forwardFrame(packet: Uint8Array, nextRoute: number): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + packet.length);
  writeFrameHeader(out, ROUTE_CHANNEL, packet.length);
  out.set(packet, FRAME_HEADER_BYTES);
  new DataView(out.buffer).setUint32(FRAME_HEADER_BYTES, nextRoute);
  return out;
}

/** A whole channel-1 frame: `inner` sealed under `key` with `counter`, addressed to `routeId`. */
export function sealRouteFrame(aead: Aead, key: Uint8Array, counter: number, routeId: number, inner: Uint8Array): Uint8Array {
  const packetLen = ROUTE_PACKET_HEADER_BYTES + inner.length + TAG_BYTES;
  const out = new Uint8Array(FRAME_HEADER_BYTES + packetLen);
  writeFrameHeader(out, ROUTE_CHANNEL, packetLen);
  const v = new DataView(out.buffer);
  v.setUint32(FRAME_HEADER_BYTES, routeId);
  v.setUint32(FRAME_HEADER_BYTES + 4, Math.floor(counter / 2 ** 32));
  v.setUint32(FRAME_HEADER_BYTES + 8, counter >>> 0);
  aead.sealInto(key, frameNonce(counter), EMPTY, inner, out, FRAME_HEADER_BYTES + ROUTE_PACKET_HEADER_BYTES);
  return out;
}

/** Opens a route packet under `key`: its counter and plaintext, or undefined when it does not authenticate. */
export function openRoutePacket(aead: Aead, key: Uint8Array, packet: Uint8Array): { counter: number; inner: Uint8Array } | undefined {
  if (packet.length < MIN_ROUTE_PACKET_BYTES) return undefined;
  const v = new DataView(packet.buffer, packet.byteOffset, packet.length);
  const counter = v.getUint32(4) * 2 ** 32 + v.getUint32(8);
  if (counter > Number.MAX_SAFE_INTEGER) return undefined;
  const inner = aead.open(key, frameNonce(counter), EMPTY, packet.subarray(ROUTE_PACKET_HEADER_BYTES));
  return inner ? { counter, inner } : undefined;
}

// ---- end-to-end messages --------------------------------------------------------------

export type SackRange = [start: number, end: number];

export type RouteInner =
  | { type: typeof RouteMsg.Extend; setupId: Uint8Array; nextKey: Uint8Array; blob: Uint8Array }
  | { type: typeof RouteMsg.Extended; setupId: Uint8Array; reply: Uint8Array }
  | { type: typeof RouteMsg.ExtendAck; setupId: Uint8Array }
  | { type: typeof RouteMsg.ExtendFailed; setupId: Uint8Array; reason: number }
  | { type: typeof RouteMsg.Data; streamId: Uint8Array; offset: number; fin: boolean; bytes: Uint8Array }
  | { type: typeof RouteMsg.Ack; streamId: Uint8Array; cumulative: number; fin: boolean; duplicate: boolean; ranges: SackRange[] }
  | { type: typeof RouteMsg.Ping; nonce: number; sentAt: number }
  | { type: typeof RouteMsg.Pong; nonce: number; sentAt: number }
  | { type: typeof RouteMsg.Open; streamId: Uint8Array; channel: number; rejoin: boolean }
  | { type: typeof RouteMsg.OpenOk; streamId: Uint8Array }
  | { type: typeof RouteMsg.Reset; streamId: Uint8Array; reason: number }
  | { type: typeof RouteMsg.Datagram; channel: number; bytes: Uint8Array };

/** type u8 | stream id 16 | offset u48 | flags u8 | bytes */
export const DATA_HEADER_BYTES = 1 + STREAM_ID_BYTES + 6 + 1;
const FLAG_FIN = 0x01;
/** Ack only: data the receiver already had arrived since its last ack (a resend was needless). */
const FLAG_DUPLICATE = 0x02;
/**
 * Open only: the stream was open before (on a route that failed); a destination that does not
 * know it must answer Reset, not start a new stream that would wait for bytes 0.. forever.
 */
const FLAG_REJOIN = 0x01;

export function encodeRouteInner(m: RouteInner): Uint8Array {
  const w = new Writer(m.type === RouteMsg.Data ? DATA_HEADER_BYTES + m.bytes.length : m.type === RouteMsg.Datagram ? DATAGRAM_HEADER_BYTES + m.bytes.length : 64).u8(m.type);
  switch (m.type) {
    case RouteMsg.Extend:
      w.bytes(m.setupId).bytes(m.nextKey).bytes(m.blob);
      break;
    case RouteMsg.Extended:
      w.bytes(m.setupId).bytes(m.reply);
      break;
    case RouteMsg.ExtendAck:
      w.bytes(m.setupId);
      break;
    case RouteMsg.ExtendFailed:
      w.bytes(m.setupId).u8(m.reason);
      break;
    case RouteMsg.Data:
      w.bytes(m.streamId).u48(m.offset).u8(m.fin ? FLAG_FIN : 0).bytes(m.bytes);
      break;
    case RouteMsg.Ack:
      w.bytes(m.streamId).u48(m.cumulative).u8((m.fin ? FLAG_FIN : 0) | (m.duplicate ? FLAG_DUPLICATE : 0)).u8(m.ranges.length);
      for (const [s, e] of m.ranges) w.u48(s).u48(e);
      break;
    case RouteMsg.Ping:
    case RouteMsg.Pong:
      w.u32(m.nonce).f64(m.sentAt);
      break;
    case RouteMsg.Open:
      w.bytes(m.streamId).u16(m.channel).u8(m.rejoin ? FLAG_REJOIN : 0);
      break;
    case RouteMsg.OpenOk:
      w.bytes(m.streamId);
      break;
    case RouteMsg.Reset:
      w.bytes(m.streamId).u8(m.reason);
      break;
    case RouteMsg.Datagram:
      w.u16(m.channel).bytes(m.bytes);
      break;
  }
  return w.finish();
}

export function decodeRouteInner(b: Uint8Array): RouteInner | undefined {
  return decodeWith(b, (r): RouteInner => {
    const type = r.u8();
    let m: RouteInner;
    switch (type) {
      case RouteMsg.Extend:
        m = { type: RouteMsg.Extend, setupId: r.bytes(SETUP_ID_BYTES).slice(), nextKey: r.bytes(PUBLIC_KEY_BYTES).slice(), blob: r.bytes(CREATE_BLOB_BYTES).slice() };
        break;
      case RouteMsg.Extended:
        m = { type: RouteMsg.Extended, setupId: r.bytes(SETUP_ID_BYTES).slice(), reply: r.bytes(CREATED_REPLY_BYTES).slice() };
        break;
      case RouteMsg.ExtendAck:
        m = { type: RouteMsg.ExtendAck, setupId: r.bytes(SETUP_ID_BYTES).slice() };
        break;
      case RouteMsg.ExtendFailed:
        m = { type: RouteMsg.ExtendFailed, setupId: r.bytes(SETUP_ID_BYTES).slice(), reason: r.u8() };
        break;
      case RouteMsg.Data: {
        const streamId = r.bytes(STREAM_ID_BYTES).slice();
        const offset = r.u48();
        const flags = r.u8();
        if (flags & ~FLAG_FIN) r.fail();
        const bytes = r.rest();
        if (offset + bytes.length > 2 ** 48) r.fail();
        m = { type: RouteMsg.Data, streamId, offset, fin: (flags & FLAG_FIN) !== 0, bytes };
        break;
      }
      case RouteMsg.Ack: {
        const streamId = r.bytes(STREAM_ID_BYTES).slice();
        const cumulative = r.u48();
        const flags = r.u8();
        if (flags & ~(FLAG_FIN | FLAG_DUPLICATE)) r.fail();
        const n = r.u8();
        if (n > MAX_SACK_RANGES) r.fail();
        const ranges: SackRange[] = [];
        for (let i = 0; i < n; i++) {
          const s = r.u48();
          const e = r.u48();
          if (e <= s || s < cumulative) r.fail();
          ranges.push([s, e]);
        }
        m = { type: RouteMsg.Ack, streamId, cumulative, fin: (flags & FLAG_FIN) !== 0, duplicate: (flags & FLAG_DUPLICATE) !== 0, ranges };
        break;
      }
      case RouteMsg.Ping:
        m = { type: RouteMsg.Ping, nonce: r.u32(), sentAt: r.f64() };
        break;
      case RouteMsg.Pong:
        m = { type: RouteMsg.Pong, nonce: r.u32(), sentAt: r.f64() };
        break;
      case RouteMsg.Open: {
        const streamId = r.bytes(STREAM_ID_BYTES).slice();
        const channel = r.u16();
        const flags = r.u8();
        if (flags & ~FLAG_REJOIN) r.fail();
        m = { type: RouteMsg.Open, streamId, channel, rejoin: (flags & FLAG_REJOIN) !== 0 };
        break;
      }
      case RouteMsg.OpenOk:
        m = { type: RouteMsg.OpenOk, streamId: r.bytes(STREAM_ID_BYTES).slice() };
        break;
      case RouteMsg.Reset:
        m = { type: RouteMsg.Reset, streamId: r.bytes(STREAM_ID_BYTES).slice(), reason: r.u8() };
        break;
      case RouteMsg.Datagram: {
        const channel = r.u16();
        if (channel < FIRST_SERVICE_CHANNEL) r.fail();
        m = { type: RouteMsg.Datagram, channel, bytes: r.rest() };
        break;
      }
      default:
        return r.fail();
    }
    r.end();
    return m;
  });
}
