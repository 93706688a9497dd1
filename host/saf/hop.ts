// One neighbour as the engine sees it: the datagrams we sent it that are not yet
// acknowledged (each with the route packets it carried), the acknowledgements we owe it, its
// RTT and pacer, its lanes, and the packets waiting for a plain hop to it.
import { rtoFrom, smoothRtt } from '../link/rtt.ts';
import { ACK_BITMAP_BITS, ACK_EVERY_DATAGRAMS, Cls, HOP_RTO, MAX_ACK_DELAY_MS } from './constants.ts';
import type { Holding, InLane, OutLane, OutMsg } from './lanes.ts';
import { Pacer } from './pacer.ts';
import type { HopAckMsg } from './wire.ts';

export interface Inflight {
  seq: number;
  sentAt: number;
  msgs: OutMsg[];
}

/** A whole channel-1 frame waiting for a paced plain hop. */
export interface PlainFrame {
  frame: Uint8Array;
  held: Holding | undefined;
}

/** Lanes key: route ID and class in one number (route < 2^32, so it stays exact). */
export const laneKey = (route: number, cls: Cls): number => route * 2 + cls;

export class Neighbour {
  /** Next datagram sequence number (u32, wraps). */
  nextSeq = 0;
  /** Unacknowledged datagrams in send order. */
  readonly inflight = new Map<number, Inflight>();
  /** Consecutive timeouts without an acknowledgement (exponential backoff). */
  backoff = 0;
  private srtt: number | undefined;
  private rttvar = 0;

  // ---- acknowledgements we owe ----
  recvLargest = -1;
  private readonly recvSeen = new Set<number>();
  ackPending = 0;
  ackDeadline = Infinity;
  ackNow = false;

  // ---- lanes ----
  readonly out = new Map<number, OutLane>();
  readonly in = new Map<number, InLane>();
  /** Outgoing lanes with something queued, per class, taken in turn. */
  readonly pending: [OutLane[], OutLane[]] = [[], []];
  readonly rr: [number, number] = [0, 0];

  // ---- plain hop queues (paced links only), per class ----
  readonly plain: [PlainFrame[], PlainFrame[]] = [[], []];
  readonly plainHead: [number, number] = [0, 0];
  plainBytes = 0;
  readonly plainLimit: number;
  /** Per class: the last datagram opportunity went to the plain queue (they alternate). */
  readonly plainTurn: [boolean, boolean] = [false, false];
  /** A writer found the plain queue full. */
  plainBlocked = false;

  constructor(
    readonly id: number,
    readonly pacer: Pacer,
    plainLimit: number,
  ) {
    this.plainLimit = plainLimit;
  }

  /** Retransmission timeout after RFC 6298, plus the receiver's ack delay, with backoff. */
  get rto(): number {
    return rtoFrom(HOP_RTO, this.srtt, this.rttvar, { ackDelayMs: MAX_ACK_DELAY_MS, backoff: this.backoff });
  }

  get smoothedRtt(): number | undefined {
    return this.srtt;
  }

  rttSample(ms: number): void {
    ({ srtt: this.srtt, rttvar: this.rttvar } = smoothRtt(this.srtt, this.rttvar, ms));
  }

  /** An ack-eliciting datagram `seq` arrived: schedule its acknowledgement. */
  noteReceived(seq: number, now: number): void {
    const d = this.recvLargest < 0 ? 1 : (seq - this.recvLargest) | 0;
    if (d > 0) {
      // A gap (d > 1) means loss or reordering: acknowledge at once so the sender sees it.
      if (d > 1) this.ackNow = true;
      this.recvLargest = seq >>> 0;
      for (const s of this.recvSeen) if (((this.recvLargest - s) >>> 0) > ACK_BITMAP_BITS) this.recvSeen.delete(s);
    } else if (d < 0) this.ackNow = true; // late or duplicate: the sender may be waiting on it
    this.recvSeen.add(seq >>> 0);
    this.ackPending++;
    if (this.ackPending >= ACK_EVERY_DATAGRAMS) this.ackNow = true;
    if (this.ackDeadline === Infinity) this.ackDeadline = now + MAX_ACK_DELAY_MS;
  }

  ackDue(now: number): boolean {
    return this.ackPending > 0 && (this.ackNow || now >= this.ackDeadline);
  }

  /** The acknowledgement to send; clears what we owe. */
  takeAck(): HopAckMsg {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < ACK_BITMAP_BITS; i++) {
      if (!this.recvSeen.has((this.recvLargest - 1 - i) >>> 0)) continue;
      if (i < 32) lo |= 1 << i;
      else hi |= 1 << (i - 32);
    }
    this.ackPending = 0;
    this.ackNow = false;
    this.ackDeadline = Infinity;
    return { type: 2, largest: this.recvLargest >>> 0, lo: lo >>> 0, hi: hi >>> 0 };
  }

  plainQueued(cls: Cls): number {
    return this.plain[cls].length - this.plainHead[cls];
  }

  pushPlain(cls: Cls, f: PlainFrame): void {
    this.plain[cls].push(f);
    this.plainBytes += f.frame.length;
  }

  shiftPlain(cls: Cls): PlainFrame | undefined {
    const q = this.plain[cls];
    const f = q[this.plainHead[cls]];
    if (!f) return undefined;
    this.plainHead[cls]++;
    this.plainBytes -= f.frame.length;
    if (this.plainHead[cls] === q.length) {
      q.length = 0;
      this.plainHead[cls] = 0;
    }
    return f;
  }

  /** Plain frames still waiting (for release when the neighbour goes down). */
  drainPlain(): PlainFrame[] {
    const out: PlainFrame[] = [];
    for (const c of [Cls.realtime, Cls.bulk] as const) {
      out.push(...this.plain[c].slice(this.plainHead[c]));
      this.plain[c] = [];
      this.plainHead[c] = 0;
    }
    this.plainBytes = 0;
    return out;
  }
}

/** Sequence numbers a HopAck reports as received. */
export function ackedSeqs(m: HopAckMsg): number[] {
  const out = [m.largest >>> 0];
  for (let i = 0; i < ACK_BITMAP_BITS; i++) {
    const bit = i < 32 ? (m.lo >>> i) & 1 : (m.hi >>> (i - 32)) & 1;
    if (bit) out.push((m.largest - 1 - i) >>> 0);
  }
  return out;
}
