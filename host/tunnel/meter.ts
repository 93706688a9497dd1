// What one end of a tunnel knows about one of its routes: what it sent and received, and,
// from the other end's Reports, what arrived there. Every Packet carries a sequence number
// per route and direction, so the receiver knows exactly how many were sent up to the
// highest it saw; loss is counted, not guessed. The delivered rate while a route is busy is
// its capacity as the scheduler sees it (the discovered link capacity is only the start).
import { TunnelMsg, type TunnelMessage } from './wire.ts';

/** Rates and loss are measured over windows of this length... */
export const METER_WINDOW_MS = 1000;
/** ...and a route's capacity is the best delivered rate of this long a history. */
export const CAPACITY_MEMORY_MS = 10_000;

type Report = Extract<TunnelMessage, { type: typeof TunnelMsg.Report }>;

/** Cumulative counter samples; rate over the last window. */
class Series {
  private readonly samples: Array<[t: number, v: number]> = [];

  add(t: number, v: number): void {
    this.samples.push([t, v]);
    while (this.samples.length > 2 && t - this.samples[1][0] >= METER_WINDOW_MS) this.samples.shift();
  }

  /** Increase per second over the window (0 with fewer than two samples). */
  rate(): number {
    if (this.samples.length < 2) return 0;
    const [t0, v0] = this.samples[0];
    const [t1, v1] = this.samples[this.samples.length - 1];
    return t1 > t0 ? ((v1 - v0) * 1000) / (t1 - t0) : 0;
  }

  /** Increase between the window's first and last sample. */
  delta(): number {
    return this.samples.length < 2 ? 0 : this.samples[this.samples.length - 1][1] - this.samples[0][1];
  }
}

export interface RouteMeasure {
  /** Bytes per second sent / received here (inner packets plus the tunnel header). */
  txRate: number;
  rxRate: number;
  /** Fraction lost of what we send (from the far end's reports) and of what it sends (counted here). */
  lossOut: number;
  lossIn: number;
  /** Bytes per second the far end received from us. */
  deliveredRate: number;
  /** Best delivered rate over CAPACITY_MEMORY_MS. */
  peakDelivered: number;
  /** Round trip from report echoes, ms (undefined before the first). */
  rttMs: number | undefined;
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** ms since anything arrived on the route. */
  silentMs: number;
}

export class RouteMeter {
  private seq = 0;
  packetsSent = 0;
  bytesSent = 0;
  packetsReceived = 0;
  bytesReceived = 0;
  /** Highest sequence number received (+1: packets the far end has sent up to it); 0 before any. */
  private rxSpan = 0;
  lastHeard: number;
  /** The far end's latest report sent-at time and when it arrived, for the echo. */
  private echo = { sentAt: 0, at: 0 };
  private rtt: number | undefined;
  private readonly tx = new Series();
  private readonly rx = new Series();
  private readonly delivered = new Series();
  private readonly farReceived = new Series();
  private readonly farSpan = new Series();
  private readonly inReceived = new Series();
  private readonly inSpan = new Series();
  private readonly peaks: Array<[t: number, rate: number]> = [];

  constructor(now: number) {
    this.lastHeard = now;
  }

  /** The sequence number of the next packet sent on the route. */
  nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) >>> 0;
    return s;
  }

  sent(bytes: number): void {
    this.packetsSent++;
    this.bytesSent += bytes;
  }

  /** Anything arrived on the route (the route is alive). */
  heard(now: number): void {
    this.lastHeard = now;
  }

  /** A Packet with `seq` arrived. Sequence numbers wrap after 2^32 (hours at full rate). */
  received(seq: number, bytes: number, now: number): void {
    this.packetsReceived++;
    this.bytesReceived += bytes;
    this.rxSpan = Math.max(this.rxSpan, seq + 1);
    this.lastHeard = now;
  }

  /** The far end's Report: what it received of ours. */
  onReport(m: Report, now: number): void {
    this.lastHeard = now;
    this.echo = { sentAt: m.sentAt, at: now };
    if (m.echo > 0 && m.echo <= now) {
      const sample = now - m.echo - m.held;
      if (sample >= 0) this.rtt = this.rtt === undefined ? sample : 0.875 * this.rtt + 0.125 * sample;
    }
    this.delivered.add(now, m.bytes);
    this.farReceived.add(now, m.received);
    this.farSpan.add(now, m.highestSeq);
    const d = this.delivered.rate();
    this.peaks.push([now, d]);
    while (this.peaks.length && now - this.peaks[0][0] > CAPACITY_MEMORY_MS) this.peaks.shift();
  }

  /** Our Report to the far end. */
  report(now: number): Report {
    this.tx.add(now, this.bytesSent);
    this.rx.add(now, this.bytesReceived);
    this.inReceived.add(now, this.packetsReceived);
    this.inSpan.add(now, this.rxSpan);
    const held = this.echo.at > 0 ? now - this.echo.at : 0;
    return { type: TunnelMsg.Report, received: this.packetsReceived >>> 0, bytes: this.bytesReceived % 2 ** 48, highestSeq: this.rxSpan >>> 0, sentAt: now, echo: this.echo.sentAt, held };
  }

  measure(now: number): RouteMeasure {
    const lossOf = (got: Series, span: Series) => {
      const s = span.delta();
      return s > 0 ? Math.min(1, Math.max(0, 1 - got.delta() / s)) : 0;
    };
    return {
      txRate: this.tx.rate(),
      rxRate: this.rx.rate(),
      lossOut: lossOf(this.farReceived, this.farSpan),
      lossIn: lossOf(this.inReceived, this.inSpan),
      deliveredRate: this.delivered.rate(),
      peakDelivered: this.peaks.reduce((m, [, r]) => Math.max(m, r), 0),
      rttMs: this.rtt,
      packetsSent: this.packetsSent,
      packetsReceived: this.packetsReceived,
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
      silentMs: now - this.lastHeard,
    };
  }
}
