// Round-trip time estimate and retransmission timeout, after RFC 6298: smoothed RTT and
// variance from unambiguous samples (Karn: never from answers to retransmitted messages),
// RTO = srtt + 4 * rttvar within a layer's bounds, and a timeout's backoff kept for the next
// exchange so a path slower than the initial RTO still gets measured.
//
// Every layer that retransmits uses this one estimate with bounds of its own, named for what
// it retransmits: LINK_RTO (handshakes and rekeys), SETUP_RTO (route setup), STREAM_RTO
// (end-to-end stream segments) and HOP_RTO (store-and-forward hop datagrams). Each set says
// beside its definition why its numbers differ.

/** A layer's retransmission timeout bounds, ms. */
export interface RtoBounds {
  /** Before any RTT sample. */
  readonly initialMs: number;
  /** Never shorter: scheduler jitter and delayed acks are not loss. */
  readonly minMs: number;
  /** Backoff stops here. */
  readonly maxMs: number;
}

/** One RFC 6298 (2.2, 2.3) update of smoothed RTT and variance by a sample, in ms. */
export function smoothRtt(srtt: number | undefined, rttvar: number, sampleMs: number): { srtt: number; rttvar: number } {
  const r = Math.max(sampleMs, 0);
  if (srtt === undefined) return { srtt: r, rttvar: r / 2 };
  return { srtt: 0.875 * srtt + 0.125 * r, rttvar: 0.75 * rttvar + 0.25 * Math.abs(srtt - r) };
}

export interface RtoOptions {
  /** Lower bound of the variance term (RFC 6298's clock granularity G): srtt + max(4 rttvar, this). */
  varianceFloorMs?: number;
  /** Added to the timeout: how long the receiver may hold back its acknowledgement. */
  ackDelayMs?: number;
  /** Consecutive timeouts so far: the timeout doubles per timeout, up to the bound's maximum. */
  backoff?: number;
}

/** RTO = srtt + max(4 rttvar, floor) + ack delay within `bounds`, doubled per backoff. */
export function rtoFrom(bounds: RtoBounds, srtt: number | undefined, rttvar: number, o: RtoOptions = {}): number {
  const base = srtt === undefined ? bounds.initialMs : srtt + Math.max(4 * rttvar, o.varianceFloorMs ?? 0) + (o.ackDelayMs ?? 0);
  return Math.min(bounds.maxMs, Math.max(bounds.minMs, base) * 2 ** (o.backoff ?? 0));
}

/** An RTT estimate whose timeout keeps a backoff until the next sample (link and neighbour exchanges). */
export class RttEstimator {
  private s: number | undefined;
  private v = 0;
  private timeout: number;

  constructor(private readonly bounds: RtoBounds) {
    this.timeout = bounds.initialMs;
  }

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
    this.timeout = rtoFrom(this.bounds, this.s, this.v);
  }

  /** A retransmission timer fired and backed off to `rto`: keep it (RFC 6298, 5.5). */
  backOff(rto: number): void {
    this.timeout = Math.max(this.timeout, Math.min(rto, this.bounds.maxMs));
  }
}
