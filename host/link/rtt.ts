// Round-trip time estimate and retransmission timeout, after RFC 6298: smoothed RTT and
// variance from unambiguous samples (Karn: never from answers to retransmitted messages),
// RTO = srtt + 4 * rttvar within [MIN_RTO_MS, MAX_RTO_MS], and a timeout's backoff kept
// for the next exchange so a path slower than the initial RTO still gets measured.
import { INITIAL_RTO_MS, MAX_RTO_MS, MIN_RTO_MS } from './constants.ts';

export class RttEstimator {
  private s: number | undefined;
  private v = 0;
  private timeout = INITIAL_RTO_MS;

  /** Smoothed RTT in ms; undefined before the first sample. */
  get srtt(): number | undefined {
    return this.s;
  }

  /** Current retransmission timeout in ms. */
  get rto(): number {
    return this.timeout;
  }

  sample(ms: number): void {
    const r = Math.max(ms, 0);
    if (this.s === undefined) {
      this.s = r;
      this.v = r / 2;
    } else {
      this.v = 0.75 * this.v + 0.25 * Math.abs(this.s - r);
      this.s = 0.875 * this.s + 0.125 * r;
    }
    this.timeout = Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, this.s + 4 * this.v));
  }

  /** A retransmission timer fired and backed off to `rto`: keep it (RFC 6298, 5.5). */
  backOff(rto: number): void {
    this.timeout = Math.max(this.timeout, Math.min(rto, MAX_RTO_MS));
  }
}
