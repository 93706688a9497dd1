// End to end: the source keeps data until the destination acknowledges it, so a relay that
// crashes (losing its buffer) costs a resend from the source, not data. And plain
// forwarding, the per-route switch that turns store-and-forward off.
import { describe, expect, it } from 'vitest';
import { chainConfigs, patternBytes, pump, SafSim } from '../../testbed/sim-saf.ts';
import { equalBytes } from '../../spec/bytes.ts';

describe('relay crash', () => {
  it.each([
    [0, 1],
    [0.05, 2],
    [0.2, 3],
  ])('a relay that crashes mid-transfer loses nothing end to end (loss %f)', (loss, seed) => {
    const hops = 4;
    const { configs, links } = chainConfigs({ hops, loss, bufferBytes: 64 * 1024, sourceBufferBytes: 512 * 1024 });
    const sim = new SafSim(configs, links, seed);
    sim.linksUp();
    const data = patternBytes(1_500_000, seed);
    pump(sim, 1, data);
    sim.run(800);
    // Node 2 holds bytes it has acknowledged upstream but not yet forwarded.
    const heldAtCrash = sim.engines[2].occupancies()[0].held;
    expect(heldAtCrash).toBeGreaterThan(0);
    const deliveredAtCrash = sim.receivedBytes(hops, 1);
    sim.crash(2, 300);
    sim.runUntil(() => sim.receivedBytes(hops, 1) >= data.length, 120_000);
    expect(sim.receivedBytes(hops, 1)).toBeGreaterThan(deliveredAtCrash);
    expect(equalBytes(sim.received(hops, 1), data)).toBe(true);
    expect(sim.engines[0].stats.epochsStarted).toBeGreaterThanOrEqual(1); // the recovery restarted the route
  });

  it('a renewed link session with a relay that kept its state does not restart the route', () => {
    const hops = 3;
    const { configs, links } = chainConfigs({ hops, loss: 0.05, bufferBytes: 64 * 1024, sourceBufferBytes: 512 * 1024 });
    const sim = new SafSim(configs, links, 6);
    sim.linksUp();
    const data = patternBytes(600_000, 6);
    pump(sim, 1, data);
    sim.run(300);
    // Both ends of every link see a new session (as after a failed key rotation), nobody restarted.
    sim.linksUp();
    sim.runUntil(() => sim.receivedBytes(hops, 1) >= data.length, 30_000);
    expect(equalBytes(sim.received(hops, 1), data)).toBe(true);
    expect(sim.engines[0].stats.epochsStarted).toBe(0);
    expect(sim.engines.reduce((a, e) => a + e.stats.syncsSent, 0)).toBeGreaterThan(hops); // the verify probes
  });

  it('the last relay before the destination may crash too', () => {
    const hops = 3;
    const { configs, links } = chainConfigs({ hops, bufferBytes: 64 * 1024, sourceBufferBytes: 512 * 1024 });
    const sim = new SafSim(configs, links, 9);
    sim.linksUp();
    const data = patternBytes(800_000, 9);
    pump(sim, 1, data);
    sim.run(400);
    sim.crash(2, 100);
    sim.run(900);
    sim.crash(1, 50);
    sim.runUntil(() => sim.receivedBytes(hops, 1) >= data.length, 60_000);
    expect(equalBytes(sim.received(hops, 1), data)).toBe(true);
  });
});

describe('plain forwarding (store-and-forward off for a route)', () => {
  it('without loss delivers everything, holding nothing at relays', () => {
    const { configs, links } = chainConfigs({ hops: 3, routes: [{ mode: 'plain' }] });
    const sim = new SafSim(configs, links, 1);
    sim.linksUp();
    const data = patternBytes(300_000, 1);
    pump(sim, 1, data);
    let maxHeld = 0;
    const prev = sim.onStep;
    sim.onStep = (s) => {
      prev?.(s);
      for (let i = 1; i < 3; i++) maxHeld = Math.max(maxHeld, s.engines[i].occupancies()[0].held);
    };
    sim.runUntil(() => sim.receivedBytes(3, 1) >= data.length, 10_000);
    expect(equalBytes(sim.received(3, 1), data)).toBe(true);
    expect(maxHeld).toBe(0);
    expect(sim.engines[1].stats.hopAcksSent).toBe(0);
  });

  it('under loss skips what was lost, never resends, never duplicates, and keeps order', () => {
    const { configs, links } = chainConfigs({ hops: 3, loss: 0.1, routes: [{ mode: 'plain' }, {}] });
    const sim = new SafSim(configs, links, 3);
    sim.linksUp();
    const data = patternBytes(400_000, 3);
    pump(sim, 1, data);
    pump(sim, 2, data);
    sim.run(6000);
    // The store-and-forward route beside it gets everything.
    expect(equalBytes(sim.received(3, 2), data)).toBe(true);
    const got = sim.received(3, 1);
    const dest = sim.engines[3].stats;
    expect(dest.plainGapBytes).toBeGreaterThan(0);
    // Every delivered chunk is a piece of the original, each after the previous: in order, once.
    const whole = Buffer.from(data);
    let pos = 0;
    for (const chunk of sim.delivered[3].get(1)!) {
      const at = whole.indexOf(Buffer.from(chunk), pos);
      expect(at).toBeGreaterThanOrEqual(pos);
      pos = at + chunk.length;
    }
    expect(got.length + dest.plainGapBytes).toBeLessThanOrEqual(data.length);
    const lossFraction = dest.plainGapBytes / (got.length + dest.plainGapBytes);
    const expectLoss = 1 - 0.9 ** 3;
    expect(Math.abs(lossFraction - expectLoss)).toBeLessThan(0.06);
  });
});
