// Store-and-forward transfers along a chain under loss, reordering and duplication: the
// destination must receive exactly the bytes the application wrote, in order, once.
import { describe, expect, it } from 'vitest';
import { chainConfigs, patternBytes, pump, SafSim } from '../../testbed/sim-saf.ts';
import { equalBytes } from '../../spec/bytes.ts';

function transfer(o: Parameters<typeof chainConfigs>[0] & { bytes: number; seed?: number; limitMs?: number }) {
  const { configs, links } = chainConfigs(o);
  const sim = new SafSim(configs, links, o.seed ?? 7);
  const data = patternBytes(o.bytes, o.seed ?? 7);
  sim.linksUp();
  // Memory bound: no node ever holds more for a route than its configured buffer.
  sim.onStep = (s) => {
    for (const e of s.engines) for (const r of e.occupancies()) if (r.held > r.bufferBytes) throw new Error(`buffer overrun ${JSON.stringify(r)}`);
  };
  pump(sim, 1, data);
  const t = sim.runUntil(() => sim.receivedBytes(o.hops, 1) >= data.length, o.limitMs ?? 60_000);
  return { sim, data, t, got: sim.received(o.hops, 1) };
}

describe('store-and-forward transfer', () => {
  it.each([1, 3, 8])('delivers exactly the written bytes over %i lossless hops', (hops) => {
    const { data, got, sim } = transfer({ hops, bytes: 300_000 });
    expect(equalBytes(got, data)).toBe(true);
    expect(sim.engines[0].stats.retransmittedBytes).toBe(0);
    for (const e of sim.engines) expect(Object.values(e.stats.dropped).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it.each([
    [3, 0.05],
    [5, 0.1],
    [8, 0.3],
    [8, 0.5],
  ])('over %i hops with %f loss per hop each way, bytes arrive intact, in order, once', (hops, loss) => {
    const { data, got, sim } = transfer({ hops, loss, bytes: 200_000, limitMs: 120_000 });
    expect(equalBytes(got, data)).toBe(true);
    const dest = sim.engines[hops].stats;
    expect(dest.deliveredBytes).toBe(data.length); // exactly once
    expect(sim.engines[0].stats.retransmittedBytes).toBeGreaterThan(0);
  });

  it('survives reordering and duplication', () => {
    const { data, got, sim } = transfer({ hops: 4, loss: 0.05, reorder: 0.2, reorderMs: 8, duplicate: 0.1, bytes: 200_000 });
    expect(equalBytes(got, data)).toBe(true);
    expect(sim.engines.reduce((a, e) => a + e.stats.duplicateBytes, 0)).toBeGreaterThan(0);
  });

  it('8 hops at 50% loss keep at least 40% of the bottleneck rate (the limit is 50%)', () => {
    const rate = 1250; // bytes/ms = 10 Mb/s
    const { configs, links } = chainConfigs({ hops: 8, loss: 0.5, rate, bufferBytes: 512 * 1024, sourceBufferBytes: 2 * 1024 * 1024 });
    const sim = new SafSim(configs, links, 3);
    sim.linksUp();
    pump(sim, 1, patternBytes(20_000_000, 3));
    sim.run(3000);
    const at0 = sim.receivedBytes(8, 1);
    sim.run(8000);
    const goodput = (sim.receivedBytes(8, 1) - at0) / 5000; // bytes per ms
    // Independent reference: the link rate in payload bytes per ms.
    expect(goodput / rate).toBeGreaterThan(0.4);
    expect(goodput / rate).toBeLessThan(0.5);
  });

  it('end-to-end delivery without store-and-forward would be (1-p)^h: 1 in 256 at 8 hops, 50%', () => {
    // The overview's arithmetic, checked against plain forwarding in the simulator.
    const { configs, links } = chainConfigs({ hops: 8, loss: 0.5, routes: [{ mode: 'plain' }] });
    const sim = new SafSim(configs, links, 11);
    sim.linksUp();
    const data = patternBytes(1_400 * 4000, 5);
    pump(sim, 1, data);
    sim.run(8000);
    const frac = sim.receivedBytes(8, 1) / sim.engines[0].stats.dataBytesSent;
    expect(frac).toBeGreaterThan(1 / 256 / 3);
    expect(frac).toBeLessThan((1 / 256) * 3);
  });
});
