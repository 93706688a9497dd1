// A route's life after setup: keepalive, idle expiry, explicit teardown, link loss, the
// per-peer limits, and the per-route accounting every hop keeps.
import { describe, expect, it } from 'vitest';
import { ROUTE_CHANNEL } from '../../spec/route-wire.ts';
import { decodeDatagramFrames } from '../../host/mesh/framing.ts';
import { routeIdOf } from '../../host/mesh/route-packet.ts';
import { SoftwareForwardingTable } from '../../host/mesh/forwarding.ts';
import { SimMesh } from '../../testbed/sim-mesh.ts';
import { chain, chainPath, sendOver, testData } from './support/fixtures.ts';

const timers = { ruleIdleMs: 2000, keepaliveMs: 500, routeFailMs: 400 };

describe('keepalive, expiry and teardown', () => {
  it('keepalives hold an idle route for many idle periods; without them every relay forgets it', async () => {
    const { sim, names } = chain(4, { latencyMs: 5 }, timers, 'idle');
    await sim.run(50);
    const src = sim.node('n0');
    const info = await sim.settle(src.addRoute(chainPath(sim, names, 0, 3)));
    await sim.run(5 * timers.ruleIdleMs);
    for (const n of names.slice(1)) expect(sim.node(n).status().rules.length).toBeGreaterThan(0);
    expect(await sim.settle(src.ping(info.id))).toBe(30);
    expect(src.routes()[0].state).toBe('up');

    // The source vanishes without a word: relays expire the rules after ruleIdleMs.
    sim.kill('n0');
    await sim.run(timers.ruleIdleMs / 2);
    expect(sim.node('n1').status().rules.length).toBe(2);
    await sim.run(timers.ruleIdleMs);
    for (const n of names.slice(1)) {
      expect(sim.node(n).status().rules).toEqual([]);
      expect(sim.node(n).hopViews()).toEqual([]);
    }
    expect(sim.node('n1').status().counters.rulesExpired).toBe(2);
    expect(sim.node('n3').status().counters.rulesExpired).toBe(1);
    expect(sim.node('n1').status().links.find((l) => l.up)!.routesFrom).toBe(0);
  });

  it('deleteRoute removes the rules at every hop at once', async () => {
    const { sim, names } = chain(5, { latencyMs: 5 }, timers, 'delete');
    await sim.run(50);
    const src = sim.node('n0');
    const a = await sim.settle(src.addRoute(chainPath(sim, names, 0, 4)));
    const b = await sim.settle(src.addRoute(chainPath(sim, names, 0, 2)));
    expect(sim.node('n1').status().rules).toHaveLength(4);
    src.deleteRoute(a.id);
    await sim.run(100); // well inside the idle time: this is the teardown, not expiry
    expect(sim.node('n1').status().rules).toHaveLength(2); // route b's
    for (const n of ['n3', 'n4']) expect(sim.node(n).status().rules).toEqual([]);
    expect(src.routes().map((r) => r.id)).toEqual([b.id]);
    src.deleteRoute(b.id);
    await sim.run(100);
    for (const n of names) expect(sim.node(n).status().rules).toEqual([]);
    for (const n of names) expect(sim.node(n).status().counters.rulesExpired).toBe(0);
  });

  it('a relay that loses its next link tears the route down both ways; the source learns within a round trip', async () => {
    const { sim, names } = chain(5, { latencyMs: 5 }, timers, 'linkdown');
    await sim.run(50);
    const src = sim.node('n0');
    const info = await sim.settle(src.addRoute(chainPath(sim, names, 0, 4)));
    sim.kill('n3', { notify: true, detectMs: 0 });
    const t0 = sim.clock.now();
    await sim.runUntil(() => src.routes().find((r) => r.id === info.id)?.state === 'failed', 1000);
    expect(src.routes()[0].state).toBe('failed');
    expect(sim.clock.now() - t0).toBeLessThanOrEqual(5 * 3); // n2 -> n1 -> n0, one link latency each
    for (const n of ['n1', 'n2', 'n4']) expect(sim.node(n).status().rules).toEqual([]);
  });

  it('a silent dead relay is noticed within routeFailMs plus one maintenance period', async () => {
    const { sim, names } = chain(4, { latencyMs: 5 }, timers, 'silent');
    await sim.run(50);
    const src = sim.node('n0');
    const info = await sim.settle(src.addRoute(chainPath(sim, names, 0, 3)));
    await sim.run(timers.keepaliveMs * 3);
    sim.kill('n2'); // no link-down events: only silence
    const t0 = sim.clock.now();
    await sim.runUntil(() => src.routes().find((r) => r.id === info.id)?.state === 'failed', 10_000);
    const detect = sim.clock.now() - t0;
    // Idle route: the next keepalive (<= keepaliveMs) goes unanswered for routeFailMs.
    expect(detect).toBeLessThanOrEqual(timers.keepaliveMs + timers.routeFailMs + timers.routeFailMs / 4 + 10);
    expect(src.status().counters.routesFailed).toBe(1);
  });
});

describe('per-peer limits', () => {
  it('a neighbour may hold at most maxRoutesPerPeer routes through a node', async () => {
    const { sim, names } = chain(3, { latencyMs: 5 }, { maxRoutesPerPeer: 3 }, 'route-limit');
    await sim.run(50);
    const src = sim.node('n0');
    // Routes that end at n1: its own per-neighbour limit is all that applies (routes that go on
    // past n1 share what n2 accepts from n1 as well: test/mesh/fairness.test.ts).
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => sim.settle(src.addRoute(chainPath(sim, names, 0, 1)))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([expect.stringMatching(/refused \(reason 1\)/), expect.stringMatching(/refused \(reason 1\)/)]);
    expect(sim.node('n1').status().counters.refusedRouteLimit).toBe(2);
    expect(sim.node('n1').status().links.find((l) => l.neighbour === sim.neighbourId('n1', 'n0'))!.routesFrom).toBe(3);
    // Routes through n1 from its other neighbour are not affected by n0's use.
    const back = await sim.settle(sim.node('n2').addRoute(chainPath(sim, ['n2', 'n1', 'n0'], 0, 2)));
    expect(back.state).toBe('up');
    // Freeing one lets the next one in.
    src.deleteRoute(src.routes().find((r) => r.state === 'up')!.id);
    await sim.run(50);
    expect((await sim.settle(src.addRoute(chainPath(sim, names, 0, 1)))).state).toBe('up');
  });

  it('route setups from one neighbour are rate limited (token bucket)', async () => {
    const { sim, names } = chain(3, { latencyMs: 5 }, { setupRatePerPeer: 10, setupBurstPerPeer: 4 }, 'rate-limit');
    await sim.run(50);
    const src = sim.node('n0');
    const burst = await Promise.allSettled(Array.from({ length: 10 }, () => sim.settle(src.addRoute(chainPath(sim, names, 0, 1)))));
    expect(burst.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    expect(sim.node('n1').status().counters.refusedRateLimit).toBe(6);
    await sim.run(1000); // the bucket refills at 10/s
    const later = await Promise.allSettled(Array.from({ length: 4 }, () => sim.settle(src.addRoute(chainPath(sim, names, 0, 1)))));
    expect(later.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
  });
});

describe('a full forwarding table', () => {
  it('refuses new routes instead of failing, and says why', async () => {
    const sim = new SimMesh('table-full');
    sim.addNode('a');
    sim.addNode('b', { table: new SoftwareForwardingTable(3) });
    sim.addNode('c');
    sim.link('a', 'b');
    sim.link('b', 'c');
    await sim.run(50);
    const path = { firstNeighbour: sim.neighbourId('a', 'b'), hops: ['b', 'c'].map((n) => ({ publicKey: sim.node(n).publicKey, address: sim.node(n).address })) };
    await sim.settle(sim.node('a').addRoute(path)); // b: forward + backward rules
    await sim.settle(sim.node('a').addRoute({ ...path, hops: path.hops.slice(0, 1) })); // b: one local rule
    await expect(sim.settle(sim.node('a').addRoute(path))).rejects.toThrow(/reason 5/);
    expect(sim.node('b').status().rules).toHaveLength(3);
  });
});

describe('accounting', () => {
  it('every hop counts the bytes and packets of each route, matching what crossed the wire', async () => {
    const { sim, names } = chain(4, { latencyMs: 5 }, {}, 'accounting');
    // Reference: count route packets per (receiving node, route ID) on the wire.
    const wire = new Map<string, { packets: number; bytes: number }>();
    sim.observers.push((e) => {
      if (!e.delivered) return;
      for (const f of decodeDatagramFrames(e.bytes).frames) {
        if (f.channel !== ROUTE_CHANNEL) continue;
        const k = `${e.to}:${routeIdOf(f.payload)}`;
        const w = wire.get(k) ?? { packets: 0, bytes: 0 };
        w.packets++;
        w.bytes += f.payload.length;
        wire.set(k, w);
      }
    });
    await sim.run(50);
    const src = sim.node('n0');
    const info = await sim.settle(src.addRoute(chainPath(sim, names, 0, 3)));
    const data = testData(100_000, 3);
    const rx = await sendOver(sim, 'n0', 'n3', [info.id], 4, data);
    await sim.run(20);
    expect(rx.received.length).toBe(data.length);
    let checked = 0;
    for (const n of names) {
      for (const rule of sim.node(n).status().rules) {
        const w = wire.get(`${n}:${rule.routeId}`) ?? { packets: 0, bytes: 0 };
        expect({ n, packets: rule.packets, bytes: rule.bytes }).toEqual({ n, packets: w.packets, bytes: w.bytes });
        checked++;
      }
    }
    expect(checked).toBe(1 + 2 + 2 + 1);
    // Relays forwarded at least the payload, and the counters agree with the node totals.
    const relay = sim.node('n1').status();
    const fwdRule = relay.rules.find((r) => r.from === sim.neighbourId('n1', 'n0'))!;
    expect(fwdRule.bytes).toBeGreaterThan(data.length);
    // Rules also count what n1 consumed itself while it was the tail (Extend for n2 and its ExtendAck).
    expect(relay.counters.packetsForwarded).toBe(relay.rules.reduce((t, r) => t + r.packets, 0) - 2);
  });
});
