// Per-route round-trip estimate, retransmission timeout and congestion window of a stream.
//
// RTO after RFC 6298: srtt and rttvar from unambiguous samples (Karn: never from a segment
// that was sent twice), RTO = srtt + max(4 rttvar, granularity), never below
// STREAM_RTO.minMs (a scheduler stall or a delayed ack on a loaded host is not loss), doubled
// on each timeout and kept doubled until a fresh sample arrives.
//
// Congestion window: AIMD on the bytes in flight per route (slow start from ten segments,
// left when the RTT shows a queue building, then one segment per round trip). Loss on a radio hop is often noise, not congestion, so
// a loss is read with the round trip it came with (the idea of TCP Veno and Westwood): when
// the RTT is close to the route's minimum, no queue has built up anywhere on the path
// and the loss is taken as random, the window shrinks by RANDOM_LOSS_BETA only; when the RTT
// has grown (a queue is filling) it halves. "The RTT" is the smallest of the last eight
// samples, so jitter on a radio link or a loaded host does not read as a queue. Either way at most once per window of data (a
// burst of losses is one event). A timeout collapses the window to MIN_WINDOW_SEGMENTS and
// slow start finds the rate again.
import { ACK_DELAY_MS } from './constants.ts';
import { type RtoBounds, rtoFrom, smoothRtt } from '../link/rtt.ts';

/**
 * End-to-end stream segments. Initial 1 s before the first sample (RFC 6298's value): a
 * stream has no earlier exchange to learn from. Floor 200 ms, ten times the link's: a
 * segment crosses every hop and loaded hosts, and a needless resend of bulk data costs the
 * whole route. Cap 8 s: a route silent this long is the failure detector's business
 * (routeFailMs).
 */
export const STREAM_RTO: RtoBounds = { initialMs: 1000, minMs: 200, maxMs: 8000 };
/** Initial window (RFC 6928's ten segments). */
export const INITIAL_WINDOW_SEGMENTS = 10;
/** The window never shrinks below this: one loss must not stall a route on a lone segment. */
export const MIN_WINDOW_SEGMENTS = 2;
/** Window after a loss that came with no queueing delay (random loss, for example radio noise). */
export const RANDOM_LOSS_BETA = 0.8;
/** Window after a loss that came with a grown RTT (congestion). */
export const CONGESTION_BETA = 0.5;
/**
 * The RTT counts as grown (a queue is building) when it exceeds the route's minimum by this
 * fraction of the minimum, and by at least QUEUE_DELAY_FLOOR_MS (jitter on a fast path).
 */
export const QUEUE_DELAY_FRACTION = 0.25;
export const QUEUE_DELAY_FLOOR_MS = 5;
/** The queueing delay is judged from the smallest of this many RTT samples (HyStart's round minimum). */
export const QUEUE_ROUND_SAMPLES = 8;
/** Losses shown by acks, none of them needless, after which a learnt reordering allowance is dropped. */
export const REORDER_FORGET_LOSSES = 16;

export class RouteControl {
  private s: number | undefined;
  private v = 0;
  private minRtt = Infinity;
  /**
   * Queueing delay: the smallest RTT of the last QUEUE_ROUND_SAMPLES samples above the
   * route's minimum. The smallest of several, because jitter raises single samples only.
   */
  private queueDelay = 0;
  private roundMin = Infinity;
  private roundSamples = 0;
  /** Consecutive timeouts without a fresh sample (the RTO is multiplied by 2^backoff). */
  backoff = 0;
  /** Congestion window and slow-start threshold, bytes. */
  cwnd: number;
  ssthresh = Infinity;
  /** Losses of segments sent at or before this route sequence number belong to the last reduction. */
  private recoverySeq = 0;
  /**
   * Extra reordering allowance, ms, learnt from needless resends (the receiver flags data it
   * already had): RACK's adaptive reordering window, in short. Doubles per needless resend up
   * to one srtt; forgotten after REORDER_FORGET_LOSSES losses without one.
   */
  private reorderExtra = 0;
  private lossesSinceSpurious = 0;
  /** Window reductions, by cause (for status and tests). */
  randomLosses = 0;
  congestionLosses = 0;
  timeouts = 0;

  constructor(
    private readonly segmentBytes: number,
    private readonly maxWindowBytes: number,
  ) {
    this.cwnd = Math.min(maxWindowBytes, INITIAL_WINDOW_SEGMENTS * segmentBytes);
  }

  get srtt(): number | undefined {
    return this.s;
  }
  get rttvar(): number {
    return this.v;
  }

  /** Bytes this route may have in flight now. */
  get window(): number {
    return Math.min(this.maxWindowBytes, Math.max(MIN_WINDOW_SEGMENTS * this.segmentBytes, this.cwnd));
  }

  get rto(): number {
    return rtoFrom(STREAM_RTO, this.s, this.v, { varianceFloorMs: 2 * ACK_DELAY_MS, backoff: this.backoff });
  }

  /**
   * How long after its send a segment that later acks passed over counts as lost: the RTO's
   * srtt + 4 rttvar without its floor (the acks are evidence; the floor is for silence), at
   * least 1.25 srtt, plus the receiver's ack delay. On a steady path that is about one RTT; on a jittery one (datagrams
   * overtaking each other) the variance term waits out the reordering instead of resending.
   */
  get lossDelay(): number {
    return this.s === undefined ? this.rto : Math.max(1.25 * this.s, this.s + 4 * this.v) + ACK_DELAY_MS + this.reorderExtra;
  }

  /** A resend after a loss shown by acks turned out needless: allow the route more reordering. */
  onSpuriousLoss(): void {
    const srtt = this.s ?? 0;
    this.reorderExtra = Math.min(srtt, Math.max(srtt / 4, 2 * this.reorderExtra));
    this.lossesSinceSpurious = 0;
  }

  sample(ms: number): void {
    const r = Math.max(0, ms);
    this.minRtt = Math.min(this.minRtt, r);
    this.roundMin = Math.min(this.roundMin, r);
    if (++this.roundSamples >= QUEUE_ROUND_SAMPLES) {
      this.queueDelay = this.roundMin - this.minRtt;
      this.roundMin = Infinity;
      this.roundSamples = 0;
    }
    ({ srtt: this.s, rttvar: this.v } = smoothRtt(this.s, this.v, r));
    this.backoff = 0;
  }

  /** Even the smallest recent RTT exceeds the minimum: a queue is building on the path. */
  private get queueing(): boolean {
    return this.queueDelay > Math.max(QUEUE_DELAY_FLOOR_MS, QUEUE_DELAY_FRACTION * this.minRtt);
  }

  /**
   * `bytes` newly acknowledged: the window grows (slow start, then additive increase). Slow
   * start ends as soon as the RTT shows a queue (as HyStart does), before it overflows a
   * small router buffer (a rate-limited radio or tbf link) and loses a window's worth.
   */
  onAcked(bytes: number): void {
    if (this.cwnd < this.ssthresh && this.queueing) this.ssthresh = this.cwnd;
    if (this.cwnd < this.ssthresh) this.cwnd += bytes;
    else this.cwnd += (this.segmentBytes * bytes) / this.cwnd;
    this.cwnd = Math.min(this.cwnd, this.maxWindowBytes);
  }

  /** A segment sent as route sequence `seq` was lost (later ones were acknowledged); `sendSeq` is the newest sent. */
  onLoss(seq: number, sendSeq: number): void {
    if (++this.lossesSinceSpurious >= REORDER_FORGET_LOSSES) this.reorderExtra = 0;
    if (seq <= this.recoverySeq) return;
    this.recoverySeq = sendSeq;
    const queueing = this.queueing;
    if (queueing) this.congestionLosses++;
    else this.randomLosses++;
    this.cwnd = Math.max(MIN_WINDOW_SEGMENTS * this.segmentBytes, this.cwnd * (queueing ? CONGESTION_BETA : RANDOM_LOSS_BETA));
    this.ssthresh = this.cwnd;
  }

  /**
   * Segments of this route up to sequence `seq` timed out. Segments sent before the last
   * reduction time out one after another; only the first of them backs off and shrinks.
   */
  onTimeout(seq: number, sendSeq: number): void {
    if (seq <= this.recoverySeq && this.backoff > 0) return;
    this.timeouts++;
    this.backoff = Math.min(this.backoff + 1, 16);
    this.ssthresh = Math.max(MIN_WINDOW_SEGMENTS * this.segmentBytes, this.cwnd / 2);
    this.cwnd = MIN_WINDOW_SEGMENTS * this.segmentBytes;
    this.recoverySeq = sendSeq;
  }
}
