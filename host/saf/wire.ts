// Store-and-forward datagram codec: the one place where its messages are laid out. A
// datagram is the payload of one encrypted link frame (a Data inner message).
//
//   datagram: version u8 | flags u8 | seq u32 | message*
//   Data:         type=1 | flags u8 | route u32 | epoch u16 | offset u48 | length u16 | bytes
//   HopAck:       type=2 | largest u32 | bitmap u64 (bit i: seq largest-1-i arrived)
//   Credit:       type=3 | flags u8 | route u32 | epoch u16 | freed u48 | window u32 | e2e u48
//   Sync:         type=4 | flags u8 | route u32 | epoch u16 | base u48
//   ResetRequest: type=5 | route u32 | epoch u16
// All integers big-endian. Decoding never throws: it returns a reject reason.
import {
  ACK_BITMAP_BITS,
  CREDIT_BYTES,
  CREDIT_FLAG_UNSYNCED,
  DATA_FLAG_PLAIN,
  DATA_HEADER_BYTES,
  DATAGRAM_HEADER_BYTES,
  FLAG_ACK_ELICITING,
  HOP_ACK_BYTES,
  RESET_REQUEST_BYTES,
  SAF_MTU_BYTES,
  SAF_VERSION,
  SafMsg,
  SYNC_BYTES,
  SYNC_FLAG_VERIFY,
} from './constants.ts';
import { putU48, getU48 } from '../../spec/bytes.ts';

export interface DataMsg {
  type: typeof SafMsg.Data;
  plain: boolean;
  route: number;
  epoch: number;
  offset: number;
  bytes: Uint8Array;
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
  unsynced: boolean;
  route: number;
  epoch: number;
  /** Offset below which the receiver's route buffer is free: it may hold [freed, freed + window). */
  freed: number;
  window: number;
  /** Offset up to which the destination has delivered the route's bytes (end-to-end acknowledgement). */
  e2e: number;
}
export interface SyncMsg {
  type: typeof SafMsg.Sync;
  /** Only check that the next hop holds this epoch (after a link session restart). */
  verify: boolean;
  route: number;
  epoch: number;
  base: number;
}
export interface ResetRequestMsg {
  type: typeof SafMsg.ResetRequest;
  route: number;
  epoch: number;
}
export type SafMessage = DataMsg | HopAckMsg | CreditMsg | SyncMsg | ResetRequestMsg;

export interface Datagram {
  ackEliciting: boolean;
  seq: number;
  messages: SafMessage[];
}

export type SafReject = 'truncated' | 'oversized' | 'badVersion' | 'badFlags' | 'badType' | 'badLength' | 'badOffset';

/** Wire size of one message. */
export function messageBytes(m: SafMessage): number {
  switch (m.type) {
    case SafMsg.Data:
      return DATA_HEADER_BYTES + m.bytes.length;
    case SafMsg.HopAck:
      return HOP_ACK_BYTES;
    case SafMsg.Credit:
      return CREDIT_BYTES;
    case SafMsg.Sync:
      return SYNC_BYTES;
    case SafMsg.ResetRequest:
      return RESET_REQUEST_BYTES;
  }
}


/** Builds one datagram in place, up to SAF_MTU_BYTES. */
export class DatagramWriter {
  readonly buf = new Uint8Array(SAF_MTU_BYTES);
  private readonly v = new DataView(this.buf.buffer);
  private at = DATAGRAM_HEADER_BYTES;
  ackEliciting = false;
  readonly messages: SafMessage[] = [];

  constructor(readonly seq: number) {}

  get length(): number {
    return this.at;
  }
  get room(): number {
    return SAF_MTU_BYTES - this.at;
  }
  get empty(): boolean {
    return this.messages.length === 0;
  }

  /** Appends a message; false (nothing written) when it does not fit. */
  add(m: SafMessage): boolean {
    const n = messageBytes(m);
    if (n > this.room) return false;
    const v = this.v;
    let p = this.at;
    v.setUint8(p++, m.type);
    switch (m.type) {
      case SafMsg.Data:
        v.setUint8(p++, m.plain ? DATA_FLAG_PLAIN : 0);
        v.setUint32(p, m.route);
        v.setUint16(p + 4, m.epoch);
        putU48(v, p + 6, m.offset);
        v.setUint16(p + 12, m.bytes.length);
        this.buf.set(m.bytes, p + 14);
        this.ackEliciting ||= !m.plain;
        break;
      case SafMsg.HopAck:
        v.setUint32(p, m.largest);
        v.setUint32(p + 4, m.hi);
        v.setUint32(p + 8, m.lo);
        break;
      case SafMsg.Credit:
        v.setUint8(p++, m.unsynced ? CREDIT_FLAG_UNSYNCED : 0);
        v.setUint32(p, m.route);
        v.setUint16(p + 4, m.epoch);
        putU48(v, p + 6, m.freed);
        v.setUint32(p + 12, m.window);
        putU48(v, p + 16, m.e2e);
        break;
      case SafMsg.Sync:
        v.setUint8(p++, m.verify ? SYNC_FLAG_VERIFY : 0);
        v.setUint32(p, m.route);
        v.setUint16(p + 4, m.epoch);
        putU48(v, p + 6, m.base);
        this.ackEliciting = true;
        break;
      case SafMsg.ResetRequest:
        v.setUint32(p, m.route);
        v.setUint16(p + 4, m.epoch);
        break;
    }
    this.at += n;
    this.messages.push(m);
    return true;
  }

  /** The finished datagram (a copy the caller may keep). */
  finish(): Uint8Array {
    this.v.setUint8(0, SAF_VERSION);
    this.v.setUint8(1, this.ackEliciting ? FLAG_ACK_ELICITING : 0);
    this.v.setUint32(2, this.seq);
    return this.buf.slice(0, this.at);
  }
}

/** Parses one datagram. Data bytes are views into `b`. */
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
  while (p < b.length) {
    const type = v.getUint8(p);
    const left = b.length - p;
    switch (type) {
      case SafMsg.Data: {
        if (left < DATA_HEADER_BYTES) return 'truncated';
        const f = v.getUint8(p + 1);
        if (f & ~DATA_FLAG_PLAIN) return 'badFlags';
        const len = v.getUint16(p + 14);
        if (len === 0 || DATA_HEADER_BYTES + len > left) return 'badLength';
        const offset = getU48(v, p + 8);
        if (offset + len > 2 ** 48) return 'badOffset';
        messages.push({ type, plain: (f & DATA_FLAG_PLAIN) !== 0, route: v.getUint32(p + 2), epoch: v.getUint16(p + 6), offset, bytes: b.subarray(p + DATA_HEADER_BYTES, p + DATA_HEADER_BYTES + len) });
        p += DATA_HEADER_BYTES + len;
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
        if (f & ~CREDIT_FLAG_UNSYNCED) return 'badFlags';
        const freed = getU48(v, p + 8);
        const e2e = getU48(v, p + 18);
        messages.push({ type, unsynced: (f & CREDIT_FLAG_UNSYNCED) !== 0, route: v.getUint32(p + 2), epoch: v.getUint16(p + 6), freed, window: v.getUint32(p + 14), e2e });
        p += CREDIT_BYTES;
        break;
      }
      case SafMsg.Sync: {
        if (left < SYNC_BYTES) return 'truncated';
        const f = v.getUint8(p + 1);
        if (f & ~SYNC_FLAG_VERIFY) return 'badFlags';
        messages.push({ type, verify: (f & SYNC_FLAG_VERIFY) !== 0, route: v.getUint32(p + 2), epoch: v.getUint16(p + 6), base: getU48(v, p + 8) });
        p += SYNC_BYTES;
        break;
      }
      case SafMsg.ResetRequest:
        if (left < RESET_REQUEST_BYTES) return 'truncated';
        messages.push({ type, route: v.getUint32(p + 1), epoch: v.getUint16(p + 5) });
        p += RESET_REQUEST_BYTES;
        break;
      default:
        return 'badType';
    }
  }
  const eliciting = (flags & FLAG_ACK_ELICITING) !== 0;
  return { ackEliciting: eliciting, seq, messages };
}

/** Serial-number comparison of u16 epochs: true when a is newer than b. */
export function epochNewer(a: number, b: number): boolean {
  const d = (a - b) & 0xffff;
  return d !== 0 && d < 0x8000;
}

export { ACK_BITMAP_BITS };
