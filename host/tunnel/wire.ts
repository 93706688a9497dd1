// The IP tunnel's messages: datagrams on routes (host/mesh datagrams, channel TUNNEL_CHANNEL)
// between a client node and a gateway node. All integers big-endian. One route joins a
// tunnel by a challenge the gateway sends on that route and the client signs with its node
// key, so a route is bound to the key that signed, and a signature made for one route (one
// nonce) is worth nothing on another.
//
//   client -> gateway  Hello      type
//   gateway -> client  Challenge  type | nonce 32
//   client -> gateway  Auth       type | client key 33 | session 16 | capacity u32 (kB/s, 0 unknown) | signature 64
//   gateway -> client  Welcome    type | session 16 | client address u32 | prefix length u8 | gateway address u32 | dns u32 | mtu u16
//   gateway -> client  Refuse     type | reason u8
//   both ways          Packet     type | seq u32 (per route and direction) | one IPv4 packet
//   both ways          Report     type | received u32 | bytes u48 | highest seq u32 | sent at f64 | echo f64 | held f64
//   client -> gateway  Bye        type | session 16
import { sha256Of } from '../crypto/kdf.ts';
import { decodeWith, Writer } from '../../spec/bytes.ts';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../../spec/link-wire.ts';
import { MAX_DATAGRAM_BYTES } from '../../spec/route-wire.ts';

/** Datagram channel of the tunnel at both ends of a route. */
export const TUNNEL_CHANNEL = 6;
/** The service name a gateway offers to discovery. */
export const GATEWAY_SERVICE = 'gateway';

export const TunnelMsg = {
  Hello: 1,
  Challenge: 2,
  Auth: 3,
  Welcome: 4,
  Refuse: 5,
  Packet: 6,
  Report: 7,
  Bye: 8,
} as const;

export const RefuseCode = {
  NotAllowed: 1,
  BadSignature: 2,
  PoolFull: 3,
  NoChallenge: 4,
} as const;

export const NONCE_BYTES = 32;
export const SESSION_BYTES = 16;
/** type | seq */
export const PACKET_HEADER_BYTES = 5;
/** Largest inner IP packet: a tunnel Packet fills one route datagram, so the TUN's MTU. */
export const TUNNEL_MTU = MAX_DATAGRAM_BYTES - PACKET_HEADER_BYTES;

const AUTH_LABEL = new TextEncoder().encode('skywire-tunnel/1 auth');

export type TunnelMessage =
  | { type: typeof TunnelMsg.Hello }
  | { type: typeof TunnelMsg.Challenge; nonce: Uint8Array }
  | { type: typeof TunnelMsg.Auth; clientKey: Uint8Array; session: Uint8Array; capacityKBps: number; signature: Uint8Array }
  | { type: typeof TunnelMsg.Welcome; session: Uint8Array; address: number; prefixLength: number; gateway: number; dns: number; mtu: number }
  | { type: typeof TunnelMsg.Refuse; reason: number }
  | { type: typeof TunnelMsg.Packet; seq: number; packet: Uint8Array }
  | { type: typeof TunnelMsg.Report; received: number; bytes: number; highestSeq: number; sentAt: number; echo: number; held: number }
  | { type: typeof TunnelMsg.Bye; session: Uint8Array };

/** What the client signs to join a route to the tunnel: the gateway's key, its nonce for this route, the client key and session. */
export function authDigest(gatewayKey: Uint8Array, nonce: Uint8Array, clientKey: Uint8Array, session: Uint8Array): Uint8Array {
  return sha256Of(AUTH_LABEL, gatewayKey, nonce, clientKey, session);
}

/** A Packet message without a copy through a Writer: the hot path. */
export function encodePacket(seq: number, packet: Uint8Array): Uint8Array {
  const out = new Uint8Array(PACKET_HEADER_BYTES + packet.length);
  out[0] = TunnelMsg.Packet;
  new DataView(out.buffer).setUint32(1, seq);
  out.set(packet, PACKET_HEADER_BYTES);
  return out;
}

export function encodeTunnel(m: TunnelMessage): Uint8Array {
  if (m.type === TunnelMsg.Packet) return encodePacket(m.seq, m.packet);
  const w = new Writer(128).u8(m.type);
  switch (m.type) {
    case TunnelMsg.Hello:
      break;
    case TunnelMsg.Challenge:
      w.bytes(m.nonce);
      break;
    case TunnelMsg.Auth:
      w.bytes(m.clientKey).bytes(m.session).u32(m.capacityKBps).bytes(m.signature);
      break;
    case TunnelMsg.Welcome:
      w.bytes(m.session).u32(m.address).u8(m.prefixLength).u32(m.gateway).u32(m.dns).u16(m.mtu);
      break;
    case TunnelMsg.Refuse:
      w.u8(m.reason);
      break;
    case TunnelMsg.Report:
      w.u32(m.received).u48(m.bytes).u32(m.highestSeq).f64(m.sentAt).f64(m.echo).f64(m.held);
      break;
    case TunnelMsg.Bye:
      w.bytes(m.session);
      break;
  }
  return w.finish();
}

/** Undefined for anything malformed (short, long, unknown type, out-of-range field). */
export function decodeTunnel(b: Uint8Array): TunnelMessage | undefined {
  return decodeWith(b, (r): TunnelMessage => {
    const type = r.u8();
    let m: TunnelMessage;
    switch (type) {
      case TunnelMsg.Hello:
        m = { type };
        break;
      case TunnelMsg.Challenge:
        m = { type, nonce: r.bytes(NONCE_BYTES).slice() };
        break;
      case TunnelMsg.Auth:
        m = { type, clientKey: r.bytes(PUBLIC_KEY_BYTES).slice(), session: r.bytes(SESSION_BYTES).slice(), capacityKBps: r.u32(), signature: r.bytes(SIGNATURE_BYTES).slice() };
        break;
      case TunnelMsg.Welcome: {
        m = { type, session: r.bytes(SESSION_BYTES).slice(), address: r.u32(), prefixLength: r.u8(), gateway: r.u32(), dns: r.u32(), mtu: r.u16() };
        if (m.prefixLength > 32 || m.mtu < 576) r.fail();
        break;
      }
      case TunnelMsg.Refuse:
        m = { type, reason: r.u8() };
        break;
      case TunnelMsg.Packet: {
        const seq = r.u32();
        const packet = r.rest();
        if (packet.length === 0) r.fail();
        return { type, seq, packet };
      }
      case TunnelMsg.Report:
        m = { type, received: r.u32(), bytes: r.u48(), highestSeq: r.u32(), sentAt: r.f64(), echo: r.f64(), held: r.f64() };
        break;
      case TunnelMsg.Bye:
        m = { type, session: r.bytes(SESSION_BYTES).slice() };
        break;
      default:
        return r.fail();
    }
    r.end();
    return m;
  });
}
