// Token-bucket pacer per neighbour. Store-and-forward keeps its queue in the engine, where
// QoS can reorder it, by releasing datagrams no faster than the link carries them: the
// queue below (socket, qdisc, radio) then stays a datagram or two deep.
import { linkWireBytes, MESH_MTU_BYTES, PACER_CATCH_UP_MS, PACER_SLACK_MS } from './constants.ts';

/** Tokens this close to a full datagram count as full (float rounding of the refill). */
const TOKEN_SLACK = 1e-3;
/** The shortest wait readyAt names, so a timer set for it always moves time on. */
const MIN_WAIT_MS = 1e-3;

export class Pacer {
  private tokens: number;
  private last = -Infinity;
  /** When readyAt said the next datagram may go (a backlog waits for it); undefined: none waits. */
  private wakeAt: number | undefined;
  private readonly burst: number;
  private readonly full: number;
  /** Full datagrams that may go back to back. */
  readonly burstDatagrams: number;

  /**
   * `rate` in bytes per ms (undefined: unlimited). `burstDatagrams` defaults to PACER_SLACK_MS
   * worth of datagrams at the rate, at least one.
   */
  constructor(
    private readonly rate: number | undefined,
    burstDatagrams?: number,
  ) {
    this.full = linkWireBytes(MESH_MTU_BYTES);
    this.burstDatagrams = burstDatagrams ?? (rate === undefined ? 1 : Math.max(1, Math.min(64, Math.floor((rate * PACER_SLACK_MS) / this.full))));
    this.burst = this.burstDatagrams * this.full;
    this.tokens = this.burst;
  }

  get paced(): boolean {
    return this.rate !== undefined;
  }

  /** Bytes per ms (Infinity when unpaced). */
  get bytesPerMs(): number {
    return this.rate ?? Infinity;
  }

  private refill(now: number): void {
    if (this.rate === undefined) return;
    if (this.last !== -Infinity) {
      // A backlog that waited past its time (the timer fired late) gets the lost time back.
      const late = this.wakeAt === undefined ? 0 : Math.min(PACER_CATCH_UP_MS, Math.max(0, now - this.wakeAt));
      // (Tokens already above the usual cap, from such a catch-up a moment ago, are kept.)
      const cap = Math.max(this.burst + late * this.rate, this.tokens);
      this.tokens = Math.min(cap, this.tokens + (now - this.last) * this.rate);
    }
    this.wakeAt = undefined;
    this.last = now;
  }

  /** May a data datagram go now? (A full datagram's worth of tokens is there, to a thousandth of a byte.) */
  ready(now: number): boolean {
    if (this.rate === undefined) return true;
    this.refill(now);
    return this.tokens >= this.full - TOKEN_SLACK;
  }

  /** Charges one link payload of `bytes`. */
  consume(bytes: number, now: number): void {
    if (this.rate === undefined) return;
    this.refill(now);
    this.tokens -= linkWireBytes(bytes);
  }

  /** When `ready` will next be true (strictly later than `now` when it is not true now). */
  readyAt(now: number): number {
    if (this.rate === undefined) return now;
    this.refill(now);
    if (this.tokens >= this.full - TOKEN_SLACK) return now;
    this.wakeAt = now + Math.max((this.full - this.tokens) / this.rate, MIN_WAIT_MS);
    return this.wakeAt;
  }

  /** Time one full datagram occupies the link, ms (0 when unpaced). */
  datagramMs(): number {
    return this.rate === undefined ? 0 : this.full / this.rate;
  }
}
