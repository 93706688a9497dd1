// Flow scheduling over routes: by capacity, one route per flow, rebalancing and failover.
import { describe, expect, it } from 'vitest';
import { FLOW_MOVE_HOLD_MS, FlowScheduler } from '../../host/tunnel/scheduler.ts';

/** Packets of `flows` flows for `ms`, each flow sending `rate` bytes/s in 1000-byte packets. */
function drive(s: FlowScheduler, flows: number[], from: number, ms: number, rate = 100_000): Map<number, Set<number>> {
  const routesOf = new Map<number, Set<number>>();
  const gap = 1000 / (rate / 1000);
  for (let t = from; t < from + ms; t += gap) {
    for (const f of flows) {
      const r = s.pick(f, 1000, t)!;
      if (!routesOf.has(f)) routesOf.set(f, new Set());
      routesOf.get(f)!.add(r);
    }
    if (Math.floor(t / 1000) !== Math.floor((t + gap) / 1000)) s.rebalance(t);
  }
  return routesOf;
}

const count = (s: FlowScheduler, now: number) => Object.fromEntries(s.status(now).map((r) => [r.id, r.bulkFlows]));

describe('flow scheduler', () => {
  it('two equal routes share four flows two and two, each flow on one route only', () => {
    const s = new FlowScheduler();
    s.setRoute(1, 500_000);
    s.setRoute(2, 500_000);
    const seen = drive(s, [11, 12, 13, 14], 0, 5000);
    for (const routes of seen.values()) expect(routes.size).toBe(1);
    expect(count(s, 5000)).toEqual({ 1: 2, 2: 2 });
    expect(s.moves).toBe(0);
  });

  it('routes of 4 and 2 units take flows in proportion (3 and 1), with a light control flow beside them', () => {
    const s = new FlowScheduler();
    s.setRoute(1, 500_000);
    s.setRoute(2, 250_000);
    s.pick(99, 100, 0); // a control connection: a few bytes, then quiet
    const seen = drive(s, [11, 12, 13, 14], 1, 6000);
    for (const routes of seen.values()) expect(routes.size).toBe(1);
    expect(count(s, 6000)).toEqual({ 1: 3, 2: 1 });
  });

  it('a failed route moves its flows at once; a route that comes back gets flows by rebalancing, not all at once', () => {
    const s = new FlowScheduler();
    s.setRoute(1, 500_000);
    s.setRoute(2, 500_000);
    drive(s, [11, 12, 13, 14], 0, 3000);
    s.removeRoute(2, 3000);
    expect(count(s, 3000)).toEqual({ 1: 4 });
    expect(s.failovers).toBe(2);
    drive(s, [11, 12, 13, 14], 3000, 3000);
    s.setRoute(3, 500_000);
    // One move per rebalance, and a flow that moved holds still.
    drive(s, [11, 12, 13, 14], 6000, 2500);
    const mid = count(s, 8500);
    expect(mid[3]).toBe(2);
    expect(mid[1]).toBe(2);
    expect(s.moves).toBe(2);
    drive(s, [11, 12, 13, 14], 8500, FLOW_MOVE_HOLD_MS);
    expect(s.moves).toBe(2); // balanced: no more moves
  });

  it('a silent route takes no flows until it is usable again; with no usable route the silent ones are still tried', () => {
    const s = new FlowScheduler();
    s.setRoute(1, 500_000);
    s.setRoute(2, 500_000);
    s.setUsable(2, false, 0);
    expect(new Set([1, 2, 3, 4, 5].map((f) => s.pick(f, 100, 1)))).toEqual(new Set([1]));
    s.setUsable(1, false, 2);
    expect(s.pick(6, 100, 3)).toBeDefined();
    s.removeRoute(1, 4);
    s.removeRoute(2, 4);
    expect(s.pick(7, 100, 5)).toBeUndefined();
  });
});
