// Pings tolerate loss: a lost Ping or Pong is repeated, the ping still answers and the route
// stays up; only silence for routeFailMs (the failure detector) fails a route.
import { describe, expect, it } from 'vitest';
import { ROUTE_CHANNEL } from '../../spec/route-wire.ts';
import { decodeDatagramFrames } from '../../host/mesh/framing.ts';
import type { WireEvent } from '../../testbed/sim-mesh.ts';
import { chainWithRoute } from './support/fixtures.ts';

const routePacket = (e: WireEvent) => decodeDatagramFrames(e.bytes).frames.some((f) => f.channel === ROUTE_CHANNEL);

describe('ping', () => {
  it('answers despite a lost Ping and a lost Pong, and the route stays up', async () => {
    const { sim, src, route } = await chainWithRoute(3, { latencyMs: 10 });
    // Lose the next route packet each way: the first Ping on its way out, then the first Pong.
    let pingsLost = 0;
    let pongsLost = 0;
    sim.dropRules.push((e) => routePacket(e) && e.from === 'n0' && pingsLost++ < 1);
    sim.dropRules.push((e) => routePacket(e) && e.from === 'n1' && e.to === 'n0' && pongsLost++ < 1);
    const rtt = await sim.settle(src.ping(route.id));
    expect(rtt).toBeGreaterThanOrEqual(40);
    expect(rtt).toBeLessThan(60); // one round trip of the repeat that was answered, not since the first
    expect(pingsLost + pongsLost).toBeGreaterThanOrEqual(2);
    await sim.run(3_000);
    expect(src.routes().find((r) => r.id === route.id)?.state).toBe('up');
    expect(src.status().counters.routesFailed).toBe(0);
    sim.close();
  });

  it('keeps an idle route alive when a keepalive Pong is lost', async () => {
    const { sim, src, route } = await chainWithRoute(3, { latencyMs: 5 }, { keepaliveMs: 500, routeFailMs: 1_000 });
    // Every other answer coming back to the source is lost for a while.
    let n = 0;
    sim.dropRules.push((e) => routePacket(e) && e.to === 'n0' && e.at < 5_000 && n++ % 2 === 0);
    await sim.run(8_000);
    expect(src.routes().find((r) => r.id === route.id)?.state).toBe('up');
    expect(n).toBeGreaterThan(4);
    sim.close();
  });

  it('still fails a route whose destination went silent, within routeFailMs', async () => {
    const { sim, src, route } = await chainWithRoute(3, { latencyMs: 5 }, { keepaliveMs: 500, routeFailMs: 1_000 });
    sim.kill('n2');
    const p = src.ping(route.id);
    await expect(sim.settle(p)).rejects.toThrow();
    expect(await sim.runUntil(() => src.routes().find((r) => r.id === route.id)?.state === 'failed', 2_000)).toBe(true);
    sim.close();
  });
});
