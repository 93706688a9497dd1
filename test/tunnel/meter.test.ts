// Route meters: loss is counted from sequence numbers, the delivered rate and the RTT come from
// the far end's reports, and a route's capacity is its best delivered rate of the last seconds.
import { describe, expect, it } from 'vitest';
import { CAPACITY_MEMORY_MS, RouteMeter } from '../../host/tunnel/meter.ts';

/** Two meters joined by a link that loses every `lossEvery`-th packet and takes `oneWayMs`. */
function run(lossEvery: number, rateBytesPerSec: number, seconds: number, oneWayMs = 20) {
  const a = new RouteMeter(0);
  const b = new RouteMeter(0);
  const size = 1000;
  const gap = (size / rateBytesPerSec) * 1000;
  let nextReport = 250;
  for (let t = 0; t < seconds * 1000; t += gap) {
    const seq = a.nextSeq();
    a.sent(size);
    if ((seq + 1) % lossEvery !== 0) b.received(seq, size, t + oneWayMs);
    if (t >= nextReport) {
      // b reports at t + oneWay; the report reaches a one way later; a answers, echoing it.
      const r = b.report(t + oneWayMs);
      a.onReport(r, t + 2 * oneWayMs);
      b.onReport(a.report(t + 2 * oneWayMs + 5), t + 3 * oneWayMs + 5);
      nextReport += 250;
    }
  }
  return { a, b, end: seconds * 1000 };
}

describe('route meter', () => {
  it('counts loss each way from sequence numbers, exactly', () => {
    const { a, b, end } = run(10, 100_000, 3);
    expect(a.measure(end).lossOut).toBeCloseTo(0.1, 2);
    expect(b.measure(end).lossIn).toBeCloseTo(0.1, 2);
    expect(a.measure(end).lossIn).toBe(0); // nothing came a's way
  });

  it('measures the delivered rate, the best of it as capacity, and the round trip from echoes', () => {
    const { a, end } = run(1_000_000, 250_000, 4);
    const m = a.measure(end);
    expect(m.deliveredRate).toBeGreaterThan(240_000);
    expect(m.deliveredRate).toBeLessThan(260_000);
    expect(m.peakDelivered).toBeGreaterThanOrEqual(m.deliveredRate);
    // b's report is answered 5 ms after it arrives; a's echo comes back one way later: 2 x 20 ms.
    expect(m.rttMs).toBeCloseTo(40, 0);
  });

  it('forgets a peak older than the capacity memory', () => {
    const a = new RouteMeter(0);
    const rep = (t: number, bytes: number) => a.onReport({ type: 7, received: 0, bytes, highestSeq: 0, sentAt: t, echo: 0, held: 0 }, t);
    rep(0, 0);
    rep(1000, 500_000); // 500 kB/s for a second
    for (let t = 2000; t <= 2000 + CAPACITY_MEMORY_MS; t += 1000) rep(t, 500_000 + (t - 1000) * 10);
    expect(a.measure(2000 + CAPACITY_MEMORY_MS).peakDelivered).toBeLessThan(20_000);
  });
});
