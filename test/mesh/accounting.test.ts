// Per-route accounting at every hop outlives the rule: when a route is torn down or its
// rules expire, each hop keeps a settled record (route ID, neighbours, bytes, packets, start
// and end) in its status until the payment side collects it, bounded.
import { describe, expect, it } from 'vitest';
import { deterministicRandom } from '../../host/crypto/random.ts';
import { SoftwareForwardingTable } from '../../host/mesh/forwarding.ts';
import { RuleBook } from '../../host/mesh/rules.ts';
import { chainWithRoute, collect, testData } from './support/fixtures.ts';

describe('settled accounting', () => {
  it('keeps every hop\'s final counters when the source tears the route down', async () => {
    const { sim, src, route } = await chainWithRoute(4, { latencyMs: 3 });
    const rx = collect(sim, 'n3', 6);
    const startedBy = sim.clock.now();
    const s = await sim.settle(src.openStream({ channel: 6, routes: [route.id] }));
    await sim.settle(s.writeAll(testData(50_000)));
    s.end();
    await sim.settle(s.finished);
    expect(rx.bytes().length).toBe(50_000);
    // What the relays' live rules say just before the teardown.
    const live = new Map(['n1', 'n2'].map((n) => [n, sim.node(n).status().rules.map((r) => ({ routeId: r.routeId, bytes: r.bytes, packets: r.packets }))]));
    src.deleteRoute(route.id);
    await sim.run(200);
    const endedBy = sim.clock.now();
    for (const n of ['n1', 'n2']) {
      const st = sim.node(n).status();
      expect(st.rules).toEqual([]);
      expect(st.settled).toHaveLength(2); // forward and back rule of the route at this relay
      for (const rec of st.settled) {
        expect(rec.reason).toBe('teardown');
        expect(rec.to).toBeDefined(); // a relay forwards both ways
        expect(rec.nextRoute).toBeGreaterThan(0);
        expect(rec.startedAt).toBeLessThanOrEqual(startedBy);
        expect(rec.endedAt).toBeGreaterThan(rec.startedAt);
        expect(rec.endedAt).toBeLessThanOrEqual(endedBy);
        expect(live.get(n)).toContainEqual({ routeId: rec.routeId, bytes: rec.bytes, packets: rec.packets });
      }
      const forward = st.settled.find((r) => r.from === sim.neighbourId(n, n === 'n1' ? 'n0' : 'n1'))!;
      expect(forward.bytes).toBeGreaterThan(50_000); // the data, with headers
      // Collected once, then gone from the status.
      expect(sim.node(n).takeSettled()).toHaveLength(2);
      expect(sim.node(n).status().settled).toEqual([]);
    }
    // The destination's rule delivered locally.
    const end = sim.node('n3').status().settled;
    expect(end).toHaveLength(1);
    expect(end[0].reason).toBe('teardown');
    expect(end[0].to).toBeUndefined();
    expect(end[0].packets).toBeGreaterThan(30);
    sim.close();
  });

  it('settles rules that expire when the source vanished', async () => {
    const { sim, src, route } = await chainWithRoute(3, { latencyMs: 3 }, { ruleIdleMs: 2_000, keepaliveMs: 600 });
    await sim.settle(src.ping(route.id));
    sim.kill('n0'); // no teardown, no keepalives: the relay's rules go idle
    await sim.run(5_000);
    const st = sim.node('n1').status();
    expect(st.rules).toEqual([]);
    expect(st.settled.map((r) => r.reason)).toEqual(['expired', 'expired']);
    expect(st.settled.every((r) => r.packets > 0)).toBe(true);
    sim.close();
  });

  it('is bounded: the oldest uncollected records are dropped and counted', () => {
    let now = 0;
    const book = new RuleBook(new SoftwareForwardingTable(), deterministicRandom('settled-bound'), () => now, 3);
    const ids = Array.from({ length: 5 }, () => {
      const id = book.allocateId();
      book.install(id, 1, { kind: 'forward', port: 2, nextRoute: 7, qos: false, hop: 'plain' }, undefined, now);
      return id;
    });
    for (const id of ids) {
      now += 10;
      book.account(book.get(id)!, 100, now);
      book.remove(id, 'expired');
    }
    expect(book.settledDropped).toBe(2);
    expect(book.settled().map((r) => r.routeId)).toEqual(ids.slice(2));
    expect(book.settled()[0]).toEqual({ routeId: ids[2], from: 1, to: 2, nextRoute: 7, bytes: 100, packets: 1, startedAt: 0, endedAt: 30, reason: 'expired' });
    expect(book.takeSettled()).toHaveLength(3);
    expect(book.settled()).toEqual([]);
  });
});
