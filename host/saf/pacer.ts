// Token-bucket pacer per neighbour. Store-and-forward keeps its queue in the engine, where
// QoS can reorder it, by releasing datagrams no faster than the link carries them: the
// queue below (socket, qdisc, radio) then stays about one datagram deep.
import { PACER_BURST_DATAGRAMS, SAF_MTU_BYTES } from './constants.ts';

export class Pacer {
  private tokens: number;
  private last = -Infinity;
  private readonly burst: number;
  private readonly full: number;

  /** `rate` in bytes per ms (undefined: unlimited). */
  constructor(
    private readonly rate: number | undefined,
    private readonly overhead: number,
    burstDatagrams = PACER_BURST_DATAGRAMS,
  ) {
    this.full = SAF_MTU_BYTES + overhead;
    this.burst = burstDatagrams * this.full;
    this.tokens = this.burst;
  }

  private refill(now: number): void {
    if (this.rate === undefined) return;
    if (this.last !== -Infinity) this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.rate);
    this.last = now;
  }

  /** May a data datagram go now? (A full datagram's worth of tokens is there.) */
  ready(now: number): boolean {
    if (this.rate === undefined) return true;
    this.refill(now);
    return this.tokens >= this.full - 1e-9;
  }

  /** Charges one datagram of `bytes` payload. */
  consume(bytes: number, now: number): void {
    if (this.rate === undefined) return;
    this.refill(now);
    this.tokens -= bytes + this.overhead;
  }

  /** When `ready` will next be true. */
  readyAt(now: number): number {
    if (this.rate === undefined || this.tokens >= this.full - 1e-9) return now;
    return now + (this.full - this.tokens) / this.rate;
  }

  /** Time one full datagram occupies the link, ms (0 when unpaced). */
  datagramMs(): number {
    return this.rate === undefined ? 0 : (SAF_MTU_BYTES + this.overhead) / this.rate;
  }
}
