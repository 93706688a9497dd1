// One neighbour as seen by the engine: the datagrams we sent it that are not yet
// acknowledged (each with the route messages it carried), the acknowledgements we owe it,
// its pacer, and the routes that leave or enter through it.
import {
  ACK_BITMAP_BITS,
  ACK_EVERY_DATAGRAMS,
  DEFAULT_LINK_OVERHEAD_BYTES,
  MAX_ACK_DELAY_MS,
  HOP_RTO,
} from './constants.ts';
import type { NeighbourConfig } from './config.ts';
import { Pacer } from './pacer.ts';
import type { RouteState } from './route.ts';
import type { HopAckMsg } from './wire.ts';
import { rtoFrom, smoothRtt } from '../link/rtt.ts';

/** One route message inside a datagram in flight: enough to resend it or release it. */
export interface InflightItem {
  route: RouteState;
  epoch: number;
  /** Data: its offset and size; a Sync has size 0 and `sync` set. */
  offset: number;
  len: number;
  sync?: boolean;
}

export interface Inflight {
  seq: number;
  sentAt: number;
  items: InflightItem[];
}

export class Neighbour {
  readonly pacer: Pacer;
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

  // ---- routes through this neighbour ----
  readonly outRealtime: RouteState[] = [];
  readonly outBulk: RouteState[] = [];
  readonly inRoutes: RouteState[] = [];
  rrRealtime = 0;
  rrBulk = 0;

  constructor(readonly cfg: NeighbourConfig) {
    this.pacer = new Pacer(cfg.rateBytesPerSec === undefined ? undefined : cfg.rateBytesPerSec / 1000, cfg.overheadBytes ?? DEFAULT_LINK_OVERHEAD_BYTES, cfg.pacerBurstDatagrams);
  }

  get id(): number {
    return this.cfg.id;
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

  /** The neighbour started a new session (it may have restarted): forget what we owed it. */
  resetReceive(): void {
    this.recvLargest = -1;
    this.recvSeen.clear();
    this.ackPending = 0;
    this.ackNow = false;
    this.ackDeadline = Infinity;
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
