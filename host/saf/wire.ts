// Hop datagram codec: the one place where store-and-forward messages are laid out. A hop
// datagram is the payload of one channel-2 frame (HOP_CHANNEL) in one encrypted link frame.
//
//   datagram: version u8 | flags u8 | seq u32 | message*
//   Data:     type=1 | flags u8 | offset u48 | length u16 | route packet (its route ID first)
//   HopAck:   type=2 | largest u32 | bitmap u64 (bit i: seq largest-1-i arrived)
//   Credit:   type=3 | flags u8 | route u32 | freed u48 | window u32
// All integers big-endian. Decoding never throws: it returns a reject reason.
import { getU48, putU48 } from '../../spec/bytes.ts';
import { FRAME_HEADER_BYTES, HOP_CHANNEL, MIN_ROUTE_PACKET_BYTES, writeChannelHeader } from '../../spec/route-wire.ts';
import {
  ACK_BITMAP_BITS,
  Cls,
  CREDIT_BYTES,
  DATA_HEADER_BYTES,
  DATAGRAM_HEADER_BYTES,
  FLAG_ACK_ELICITING,
  FLAG_REALTIME,
  HOP_ACK_BYTES,
  MAX_PACKET_BYTES,
  SAF_MTU_BYTES,
  SAF_VERSION,
  SafMsg,
} from './constants.ts';

export interface DataMsg {
  type: typeof SafMsg.Data;
  cls: Cls;
  /** Hop offset of the packet in its lane. */
  offset: number;
  /** The route packet (route u32 | counter u64 | sealed); its route ID names the lane. */
  packet: Uint8Array;
}
export interface HopAckMsg {
  type: typeof SafMsg.HopAck;
  largest: number;
  /** Bits 0..31 of the bitmap (seq largest-1 .. largest-32). */
  lo: number;
  /** Bits 32..63 (seq largest-33 .. largest-64). */
  hi: number;
}
export interface CreditMsg {
  type: typeof SafMsg.Credit;
  cls: Cls;
  /** Route ID of the lane on this hop (as the upstream node sends it). */
  route: number;
  /** Offset below which the receiver's lane buffer is free: the sender may send below freed + window. */
  freed: number;
  window: number;
}
export type SafMessage = DataMsg | HopAckMsg | CreditMsg;

export interface Datagram {
  ackEliciting: boolean;
  seq: number;
  messages: SafMessage[];
}

export type SafReject = 'truncated' | 'oversized' | 'badVersion' | 'badFlags' | 'badType' | 'badLength' | 'badOffset';
export const SAF_REJECTS: readonly SafReject[] = ['truncated', 'oversized', 'badVersion', 'badFlags', 'badType', 'badLength', 'badOffset'];

/** Wire size of one message. */
export function messageBytes(m: SafMessage): number {
  switch (m.type) {
    case SafMsg.Data:
      return DATA_HEADER_BYTES + m.packet.length;
    case SafMsg.HopAck:
      return HOP_ACK_BYTES;
    case SafMsg.Credit:
      return CREDIT_BYTES;
  }
}

/**
 * Builds one datagram in place, behind room for its channel header, so `finish` hands the
 * link a whole channel-2 frame without another copy.
 */
export class DatagramWriter {
  readonly buf = new Uint8Array(FRAME_HEADER_BYTES + SAF_MTU_BYTES);
  private readonly v = new DataView(this.buf.buffer);
  private at = FRAME_HEADER_BYTES + DATAGRAM_HEADER_BYTES;
  ackEliciting = false;
  count = 0;

  constructor(readonly seq: number) {}

  /** Bytes of the datagram so far (without the channel header). */
  get length(): number {
    return this.at - FRAME_HEADER_BYTES;
  }
  get room(): number {
    return this.buf.length - this.at;
  }
  get empty(): boolean {
    return this.count === 0;
  }

  /** Appends a message; false (nothing written) when it does not fit. */
  add(m: SafMessage): boolean {
    const n = messageBytes(m);
    if (n > this.room) return false;
    const v = this.v;
    const p = this.at;
    v.setUint8(p, m.type);
    switch (m.type) {
      case SafMsg.Data:
        v.setUint8(p + 1, m.cls === Cls.realtime ? FLAG_REALTIME : 0);
        putU48(v, p + 2, m.offset);
        v.setUint16(p + 8, m.packet.length);
        this.buf.set(m.packet, p + DATA_HEADER_BYTES);
        this.ackEliciting = true;
        break;
      case SafMsg.HopAck:
        v.setUint32(p + 1, m.largest);
        v.setUint32(p + 5, m.hi);
        v.setUint32(p + 9, m.lo);
        break;
      case SafMsg.Credit:
        v.setUint8(p + 1, m.cls === Cls.realtime ? FLAG_REALTIME : 0);
        v.setUint32(p + 2, m.route);
        putU48(v, p + 6, m.freed);
        v.setUint32(p + 12, m.window);
        break;
    }
    this.at += n;
    this.count++;
    return true;
  }

  /** The finished channel-2 frame (channel header, datagram header, messages), a view of `buf`. */
  finish(): Uint8Array {
    const len = this.at - FRAME_HEADER_BYTES;
    writeChannelHeader(this.buf, 0, HOP_CHANNEL, len);
    this.v.setUint8(FRAME_HEADER_BYTES, SAF_VERSION);
    this.v.setUint8(FRAME_HEADER_BYTES + 1, this.ackEliciting ? FLAG_ACK_ELICITING : 0);
    this.v.setUint32(FRAME_HEADER_BYTES + 2, this.seq);
    return this.buf.subarray(0, this.at);
  }
}

/** Parses one datagram (the payload of a channel-2 frame). Packets are views into `b`. */
export function decodeDatagram(b: Uint8Array): Datagram | SafReject {
  if (b.length < DATAGRAM_HEADER_BYTES) return 'truncated';
  if (b.length > SAF_MTU_BYTES) return 'oversized';
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  if (v.getUint8(0) !== SAF_VERSION) return 'badVersion';
  const flags = v.getUint8(1);
  if (flags & ~FLAG_ACK_ELICITING) return 'badFlags';
  const seq = v.getUint32(2);
  const messages: SafMessage[] = [];
  let p = DATAGRAM_HEADER_BYTES;
  let data = false;
  while (p < b.length) {
    const type = v.getUint8(p);
    const left = b.length - p;
    switch (type) {
      case SafMsg.Data: {
        if (left < DATA_HEADER_BYTES) return 'truncated';
        const f = v.getUint8(p + 1);
        if (f & ~FLAG_REALTIME) return 'badFlags';
        const len = v.getUint16(p + 8);
        if (len < MIN_ROUTE_PACKET_BYTES || len > MAX_PACKET_BYTES || DATA_HEADER_BYTES + len > left) return 'badLength';
        const offset = getU48(v, p + 2);
        if (offset + len > 2 ** 48) return 'badOffset';
        const cls = f & FLAG_REALTIME ? Cls.realtime : Cls.bulk;
        messages.push({ type, cls, offset, packet: b.subarray(p + DATA_HEADER_BYTES, p + DATA_HEADER_BYTES + len) });
        p += DATA_HEADER_BYTES + len;
        data = true;
        break;
      }
      case SafMsg.HopAck:
        if (left < HOP_ACK_BYTES) return 'truncated';
        messages.push({ type, largest: v.getUint32(p + 1), hi: v.getUint32(p + 5), lo: v.getUint32(p + 9) });
        p += HOP_ACK_BYTES;
        break;
      case SafMsg.Credit: {
        if (left < CREDIT_BYTES) return 'truncated';
        const f = v.getUint8(p + 1);
        if (f & ~FLAG_REALTIME) return 'badFlags';
        const cls = f & FLAG_REALTIME ? Cls.realtime : Cls.bulk;
        messages.push({ type, cls, route: v.getUint32(p + 2), freed: getU48(v, p + 6), window: v.getUint32(p + 12) });
        p += CREDIT_BYTES;
        break;
      }
      default:
        return 'badType';
    }
  }
  const eliciting = (flags & FLAG_ACK_ELICITING) !== 0;
  // Data must be acknowledged, and only data asks for it.
  if (eliciting !== data) return 'badFlags';
  return { ackEliciting: eliciting, seq, messages };
}

export { ACK_BITMAP_BITS };
