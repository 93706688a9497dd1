// Telescoping route setup over 1..6 hops: how long it takes (h round trips), the rules
// every hop installs, what every hop can learn, and recovery from lost setup messages.
import { describe, expect, it } from 'vitest';
import { publicKeyHash } from '../../host/identity/address.ts';
import { ControlMsg, CONTROL_CHANNEL, ROUTE_CHANNEL } from '../../spec/route-wire.ts';
import { decodeDatagramFrames } from '../../host/mesh/framing.ts';
import type { SimMesh, WireEvent } from '../../testbed/sim-mesh.ts';
import { captureFrames, chain, chainPath, contains, sendOver, testData } from './support/fixtures.ts';

const LATENCY = 5;
const RTT = 2 * LATENCY;

/** Frames that belong to routes (setup, teardown, route packets), not to link upkeep or discovery. */
function routeFrame(f: { channel: number; payload: Uint8Array }): boolean {
  if (f.channel === ROUTE_CHANNEL) return true;
  const t = f.payload[0];
  return f.channel === CONTROL_CHANNEL && [ControlMsg.Create, ControlMsg.Created, ControlMsg.CreateRefused, ControlMsg.Teardown, ControlMsg.TeardownAck].includes(t as never);
}

describe.each([1, 2, 3, 4, 5, 6])('a route of %i hops', (hops) => {
  it('comes up in one round trip per hop, installs one rule per direction at each relay, and carries data end to end', async () => {
    const { sim, names } = chain(hops + 1, { latencyMs: LATENCY });
    const frames = captureFrames(sim);
    await sim.run(50);
    const src = sim.node(names[0]);
    const info = await sim.settle(src.addRoute(chainPath(sim, names, 0, hops)));
    expect(info.state).toBe('up');
    // Hop k answers after a round trip of k links: sum over k of k * RTT.
    expect(info.setupMs).toBe((RTT * hops * (hops + 1)) / 2);
    expect(await sim.settle(src.ping(info.id))).toBe(hops * RTT);

    // Each relay: forward rule from its left neighbour, backward rule from its right one.
    for (let i = 1; i < hops; i++) {
      const node = sim.node(names[i]);
      const views = node.hopViews();
      expect(views).toHaveLength(1);
      expect(views[0].role).toBe('relay');
      expect(views[0].prev).toBe(sim.neighbourId(names[i], names[i - 1]));
      expect(views[0].next!.neighbour).toBe(sim.neighbourId(names[i], names[i + 1]));
      const rules = node.status().rules;
      expect(rules.map((r) => r.action.kind).sort()).toEqual(['forward', 'forward']);
      expect(rules.find((r) => r.routeId === views[0].fIn)!.action).toMatchObject({ kind: 'forward', port: views[0].next!.neighbour, nextRoute: views[0].next!.fOut });
    }
    const dest = sim.node(names[hops]);
    expect(dest.hopViews()[0].role).toBe('end');
    expect(dest.status().rules.map((r) => r.action.kind)).toEqual(['local']);

    // A stream's bytes arrive intact, and no relay ever holds them in the clear.
    const data = testData(20_000, hops);
    const marker = data.subarray(5000, 5032);
    const rx = await sendOver(sim, names[0], names[hops], [info.id], 9, data);
    expect(rx.ended).toBe(true);
    expect([...rx.received]).toEqual([...data]);

    // What each node received on route business: never a long-term key (not the source's,
    // not the destination's, nobody's), never the source's address hash, never the payload.
    const keys = names.map((n) => sim.node(n).publicKey);
    const srcHash = publicKeyHash(src.publicKey);
    for (let i = 1; i <= hops; i++) {
      const got = frames.get(names[i])!.filter(routeFrame);
      expect(got.length).toBeGreaterThan(0);
      for (const f of got) {
        for (const k of keys) expect(contains(f.payload, k)).toBe(false);
        expect(contains(f.payload, srcHash)).toBe(false);
        if (i < hops) expect(contains(f.payload, marker)).toBe(false);
      }
    }
    // Nodes beyond the source's neighbour never see the source's key in anything at all.
    for (let i = 2; i <= hops; i++) for (const f of frames.get(names[i])!) expect(contains(f.payload, src.publicKey)).toBe(false);
    sim.close();
  });
});

/** (channel, control type or route packet length) of every route frame `at` received from `from`. */
function shape(sim: SimMesh, at: string, from: string): () => string[] {
  const out: string[] = [];
  sim.observers.push((e: WireEvent) => {
    if (!e.delivered || e.to !== at || e.from !== from) return;
    for (const f of decodeDatagramFrames(e.bytes).frames) if (routeFrame(f)) out.push(f.channel === ROUTE_CHANNEL ? `route:${f.payload.length}` : `ctl:${f.payload[0]}:${f.payload.length}`);
  });
  return () => out;
}

describe('what a hop can tell', () => {
  it('B sees the same messages whether its neighbour A is the source or relays for a source behind it', async () => {
    // n0 - n1 - n2 - n3 - n4; watch n2's traffic from n1.
    const a = chain(5, { latencyMs: LATENCY }, {}, 'origin');
    const seenA = shape(a.sim, 'n2', 'n1');
    await a.sim.run(50);
    await a.sim.settle(a.sim.node('n1').addRoute(chainPath(a.sim, a.names, 1, 4))); // n1 is the source
    const b = chain(5, { latencyMs: LATENCY }, {}, 'origin');
    const seenB = shape(b.sim, 'n2', 'n1');
    await b.sim.run(50);
    await b.sim.settle(b.sim.node('n0').addRoute(chainPath(b.sim, b.names, 0, 4))); // n1 relays
    expect(seenA().length).toBeGreaterThan(0);
    expect(seenB()).toEqual(seenA());
  });

  it('C cannot tell whether its next hop D is the destination: its state is the same as for a longer route', async () => {
    const short = chain(6, { latencyMs: LATENCY }, {}, 'dest');
    await short.sim.run(50);
    await short.sim.settle(short.sim.node('n0').addRoute(chainPath(short.sim, short.names, 0, 3))); // ends at n3
    const long = chain(6, { latencyMs: LATENCY }, {}, 'dest');
    const frames = captureFrames(long.sim);
    await long.sim.run(50);
    await long.sim.settle(long.sim.node('n0').addRoute(chainPath(long.sim, long.names, 0, 5))); // ends at n5
    await short.sim.run(50); // the last ExtendAck is still on its way when addRoute resolves
    await long.sim.run(50);
    const strip = (v: ReturnType<typeof short.sim.node>['hopViews'] extends () => infer R ? R : never) => v.map((h) => ({ role: h.role, prev: h.prev, next: h.next?.neighbour }));
    expect(strip(long.sim.node('n2').hopViews())).toEqual(strip(short.sim.node('n2').hopViews()));
    // And in the long route C (n2) never received the destination's (n5) key in any form.
    for (const f of frames.get('n2')!) expect(contains(f.payload, long.sim.node('n5').publicKey)).toBe(false);
  });
});

describe('lost setup messages', () => {
  type Pick = (e: WireEvent, f: { channel: number; payload: Uint8Array }) => boolean;
  const cases: Array<[string, Pick, number]> = [
    ['the first Create (source to hop 1)', (e, f) => e.from === 'n0' && f.channel === 0 && f.payload[0] === ControlMsg.Create, 1],
    ['hop 2 Created (to the tail)', (e, f) => e.from === 'n2' && e.to === 'n1' && f.channel === 0 && f.payload[0] === ControlMsg.Created, 2],
    ['Extended for hop 2 (tail to source)', (e, f) => e.from === 'n1' && e.to === 'n0' && f.channel === ROUTE_CHANNEL, 2],
    ['Extend for hop 3 (source to tail)', (e, f) => e.from === 'n1' && e.to === 'n2' && f.channel === ROUTE_CHANNEL, 3],
    ['ExtendAck to hop 1 (the tail switches on the next packet instead)', (e, f) => e.from === 'n0' && f.channel === ROUTE_CHANNEL && f.payload.length === 12 + 9 + 16, 2],
  ];

  it.each(cases)('%s is retransmitted; the route comes up within three extra round trips of that step', async (_name, pick, step) => {
    const base = chain(4, { latencyMs: LATENCY }, {}, 'loss');
    await base.sim.run(50);
    const clean = await base.sim.settle(base.sim.node('n0').addRoute(chainPath(base.sim, base.names, 0, 3)));

    const { sim, names } = chain(4, { latencyMs: LATENCY }, {}, 'loss');
    await sim.run(50);
    let dropped = 0;
    sim.dropRules.push((e) => {
      if (dropped > 0) return false;
      const hit = decodeDatagramFrames(e.bytes).frames.some((f) => pick(e, f));
      if (hit) dropped++;
      return hit;
    });
    const info = await sim.settle(sim.node('n0').addRoute(chainPath(sim, names, 0, 3)));
    expect(dropped).toBe(1);
    expect(info.state).toBe('up');
    const retransmits = names.reduce((n, x) => n + sim.node(x).status().counters.setupRetransmits, 0);
    const extra = info.setupMs! - clean.setupMs!;
    if (_name.startsWith('ExtendAck')) {
      expect(extra).toBe(0); // nothing waits for the ExtendAck
      expect(retransmits).toBe(0);
    } else {
      expect(retransmits).toBeGreaterThanOrEqual(1);
      expect(extra).toBeGreaterThan(0);
      expect(extra).toBeLessThanOrEqual(3 * step * RTT);
    }
    // The route works end to end afterwards.
    expect(await sim.settle(sim.node('n0').ping(info.id))).toBe(3 * RTT);
  });

  it('routes of five hops come up over links losing 10% of datagrams', async () => {
    const { sim, names } = chain(6, { latencyMs: LATENCY, loss: 0.1 }, {}, 'lossy');
    await sim.run(50);
    const src = sim.node('n0');
    for (let i = 0; i < 4; i++) {
      const info = await sim.settle(src.addRoute(chainPath(sim, names, 0, 5)));
      expect(info.state).toBe('up');
    }
    const retransmits = names.reduce((n, x) => n + sim.node(x).status().counters.setupRetransmits, 0);
    expect(retransmits).toBeGreaterThan(0);
  });

  it('a hop that is not a neighbour of the tail fails the setup, and the partial route is torn down', async () => {
    const { sim, names } = chain(4, { latencyMs: LATENCY }, {}, 'bad-hop');
    await sim.run(50);
    const path = chainPath(sim, names, 0, 3);
    path.hops.splice(1, 1); // n1 then n3: n3 is not n1's neighbour
    await expect(sim.settle(sim.node('n0').addRoute(path))).rejects.toThrow(/unreachable/);
    await sim.run(100);
    for (const n of names) expect(sim.node(n).status().rules).toEqual([]);
  });

  it('a hop that does not hold the key the source expects cannot join the route', async () => {
    const { sim, names } = chain(3, { latencyMs: LATENCY }, {}, 'impostor');
    const x = sim.addNode('x'); // never linked: n2 will pose as x
    await sim.run(50);
    // n1's link layer was fooled into taking n2 for x; the source wants a route through x.
    sim.node('n1').linkUp(sim.neighbourId('n1', 'n2'), { kind: 'datagram', publicKey: x.publicKey });
    const path = chainPath(sim, names, 0, 2);
    path.hops[1] = { publicKey: x.publicKey, address: x.address };
    await expect(sim.settle(sim.node('n0').addRoute(path))).rejects.toThrow(/unreachable/);
    expect(sim.node('n2').status().counters.badAuth).toBe(1); // it could not open the request
    expect(sim.node('n2').status().rules).toEqual([]);
  });
});

describe('byte-stream links (TCP)', () => {
  it('a route over links that deliver arbitrary slices of the byte stream works the same', async () => {
    const { sim, names } = chain(4, { latencyMs: LATENCY, kind: 'stream' }, {}, 'tcp');
    await sim.run(50);
    const info = await sim.settle(sim.node('n0').addRoute(chainPath(sim, names, 0, 3)));
    expect(info.setupMs).toBe(6 * RTT);
    const data = testData(200_000, 9);
    const rx = await sendOver(sim, 'n0', 'n3', [info.id], 12, data);
    expect([...rx.received]).toEqual([...data]);
    for (const n of names) expect(sim.node(n).status().counters.malformed).toBe(0);
  });
});
