// Round-trip time estimate and retransmission timeout, after RFC 6298: smoothed RTT and
// variance from unambiguous samples (Karn: never from answers to retransmitted messages),
// RTO = srtt + 4 * rttvar within [MIN_RTO_MS, MAX_RTO_MS], and a timeout's backoff kept
// for the next exchange so a path slower than the initial RTO still gets measured.
import { INITIAL_RTO_MS, MAX_RTO_MS, MIN_RTO_MS } from './constants.ts';

/** One RFC 6298 (2.2, 2.3) update of smoothed RTT and variance by a sample, in ms. */
export function smoothRtt(srtt: number | undefined, rttvar: number, sampleMs: number): { srtt: number; rttvar: number } {
  const r = Math.max(sampleMs, 0);
  if (srtt === undefined) return { srtt: r, rttvar: r / 2 };
  return { srtt: 0.875 * srtt + 0.125 * r, rttvar: 0.75 * rttvar + 0.25 * Math.abs(srtt - r) };
}

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
    ({ srtt: this.s, rttvar: this.v } = smoothRtt(this.s, this.v, ms));
    this.timeout = Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, this.s + 4 * this.v));
  }

  /** A retransmission timer fired and backed off to `rto`: keep it (RFC 6298, 5.5). */
  backOff(rto: number): void {
    this.timeout = Math.max(this.timeout, Math.min(rto, MAX_RTO_MS));
  }
}
