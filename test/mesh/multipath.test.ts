// Discovery on a graph of eleven nodes, route choice by policy, a stream striped over two
// disjoint routes, and repair: a relay dies in the middle of a transfer and the file still
// arrives byte for byte.
import { describe, expect, it } from 'vitest';
import { DISCOVERY_FORWARDS_PER_NODE } from '../../host/mesh/constants.ts';
import { ControlMsg } from '../../spec/route-wire.ts';
import { choosePaths } from '../../host/mesh/discovery.ts';
import { decodeDatagramFrames } from '../../host/mesh/framing.ts';
import { SimMesh, type SimLinkOptions } from '../../testbed/sim-mesh.ts';
import { hex } from '../../spec/bytes.ts';
import type { PathCandidate } from '../../host/mesh/api.ts';
import { collect, sha256Hex, testData, type NodeOptions } from './support/fixtures.ts';

type Edge = [string, string, SimLinkOptions];

function build(seed: string, nodes: string[], edges: Edge[], gateways: string[], opts: NodeOptions = {}): SimMesh {
  const sim = new SimMesh(seed);
  for (const n of nodes) sim.addNode(n, { ...opts, services: gateways.includes(n) ? ['gateway'] : n === 'L' ? ['vpn'] : [] });
  for (const [a, b, o] of edges) sim.link(a, b, o);
  return sim;
}

/** Node names of a candidate, by matching keys (A first). */
function names(sim: SimMesh, c: PathCandidate): string[] {
  const byKey = new Map([...sim.nodes.values()].map((n) => [hex(n.node.publicKey), n.name]));
  return c.hops.map((h) => byKey.get(hex(h.publicKey))!);
}

describe('discovery', () => {
  //   A - B - D - F - G* - K - L*        (* offers "gateway")
  //   |   |           |
  //   C - E ----- H --+
  const nodes = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'K', 'L', 'M'];
  const edges: Edge[] = [
    ['A', 'B', { latencyMs: 2, rateBytesPerSec: 50e6 }],
    ['A', 'C', { latencyMs: 7, rateBytesPerSec: 100e6 }],
    ['B', 'D', { latencyMs: 3, rateBytesPerSec: 10e6 }],
    ['B', 'E', { latencyMs: 4, rateBytesPerSec: 20e6 }],
    ['C', 'E', { latencyMs: 1, rateBytesPerSec: 100e6 }],
    ['D', 'F', { latencyMs: 3, rateBytesPerSec: 10e6 }],
    ['E', 'H', { latencyMs: 6, rateBytesPerSec: 100e6 }],
    ['F', 'G', { latencyMs: 2, rateBytesPerSec: 10e6 }],
    ['H', 'G', { latencyMs: 2, rateBytesPerSec: 100e6 }],
    ['G', 'K', { latencyMs: 1 }],
    ['K', 'L', { latencyMs: 1 }],
    ['M', 'A', { latencyMs: 1 }],
  ];
  const latency = new Map(edges.flatMap(([a, b, o]) => [[`${a}${b}`, o.latencyMs!], [`${b}${a}`, o.latencyMs!]]));
  const rate = new Map(edges.flatMap(([a, b, o]) => [[`${a}${b}`, o.rateBytesPerSec ?? Infinity], [`${b}${a}`, o.rateBytesPerSec ?? Infinity]]));

  /** Reference: hop distances from A by a plain BFS over the edge list. */
  function bfs(from: string): Map<string, number> {
    const dist = new Map([[from, 0]]);
    const q = [from];
    while (q.length) {
      const x = q.shift()!;
      for (const [a, b] of edges) for (const [u, v] of [[a, b], [b, a]]) if (u === x && !dist.has(v)) (dist.set(v, dist.get(x)! + 1), q.push(v));
    }
    return dist;
  }

  it('finds the gateways within the hop bound along real paths, with their latency, capacity and round trip', async () => {
    const sim = build('discovery', nodes, edges, ['G']);
        let queries = 0;
    sim.observers.push((e) => {
      for (const f of decodeDatagramFrames(e.bytes).frames) if (f.channel === 0 && f.payload[0] === ControlMsg.DiscoverQuery) queries++;
    });
    await sim.run(100); // link probes measure every RTT
    const A = sim.node('A');
    const dist = bfs('A');
    const near = await sim.settle(A.discover({ service: 'gateway' }, { maxHops: 4, timeoutMs: 500 }));
    expect(near.length).toBeGreaterThanOrEqual(3);
    for (const c of near) {
      const path = ['A', ...names(sim, c)];
      expect(path.at(-1)).toBe('G'); // L is 6 hops away, beyond the bound
      expect(c.hopCount).toBe(path.length - 1);
      expect(c.hopCount).toBeLessThanOrEqual(4);
      expect(c.hopCount).toBeGreaterThanOrEqual(dist.get('G')!);
      expect(new Set(path).size).toBe(path.length); // loop free
      let lat = 0;
      let cap = Infinity;
      for (let i = 0; i + 1 < path.length; i++) {
        const k = `${path[i]}${path[i + 1]}`;
        expect(latency.has(k), `${k} is a link`).toBe(true);
        lat += latency.get(k)!;
        cap = Math.min(cap, rate.get(k)!);
      }
      expect(c.firstNeighbour).toBe(sim.neighbourId('A', path[1]));
      expect(c.latencyMs).toBeCloseTo(lat, 1);
      expect(c.capacityBytesPerSec).toBe(cap);
      expect(c.measuredRttMs).toBeGreaterThanOrEqual(2 * lat - 0.01);
    }
    // The shortest path by hops is among them: A B D F G and A B E H G and A C E H G all have 4.
    expect(near.map((c) => names(sim, c).join('')).sort()).toEqual(['BDFG', 'BEHG', 'CEHG']);
    // The flood is bounded: each node passes a query on at most a few times per link.
    expect(queries).toBeLessThanOrEqual(DISCOVERY_FORWARDS_PER_NODE * 2 * edges.length);

    expect(await sim.settle(A.discover({ service: 'vpn' }, { maxHops: 5, timeoutMs: 500 }))).toEqual([]);
    const far = await sim.settle(A.discover({ service: 'vpn' }, { maxHops: 6, timeoutMs: 500 }));
    expect(far.length).toBeGreaterThan(0);
    for (const c of far) expect([names(sim, c).at(-1), c.hopCount]).toEqual(['L', dist.get('L')]);
    const byAddress = await sim.settle(A.discover({ address: sim.node('K').address }, { timeoutMs: 500 }));
    expect(byAddress.length).toBeGreaterThan(0);
    expect(names(sim, byAddress[0]).at(-1)).toBe('K');
    sim.close();
  });

  it('bounds the flood on a dense mesh: each node passes a query on at most a few times', async () => {
    const k = 8;
    const names8 = Array.from({ length: k }, (_, i) => `k${i}`);
    const edges8: Edge[] = [];
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) edges8.push([names8[i], names8[j], { latencyMs: 1 }]);
    const sim = build('dense', names8, edges8, []);
    let queries = 0;
    sim.observers.push((e) => {
      for (const f of decodeDatagramFrames(e.bytes).frames) if (f.channel === 0 && f.payload[0] === ControlMsg.DiscoverQuery) queries++;
    });
    await sim.run(20);
    expect(await sim.settle(sim.node('k0').discover({ service: 'nobody' }, { maxHops: 6, timeoutMs: 300 }))).toEqual([]);
    // The searcher sends to k-1 neighbours (twice: the repeat of a fruitless search); every other
    // node forwards at most DISCOVERY_FORWARDS_PER_NODE times to at most k-2 neighbours, per query.
    expect(queries).toBeLessThanOrEqual(2 * ((k - 1) + (k - 1) * DISCOVERY_FORWARDS_PER_NODE * (k - 2)));
    expect(queries).toBeGreaterThan(2 * (k - 1));
  });

  it('chooses by policy: lowest latency, highest capacity, or node-disjoint paths', async () => {
    const sim = build('policy', nodes, edges, ['G']);
    await sim.run(100);
    const found = await sim.settle(sim.node('A').discover({ service: 'gateway' }, { maxHops: 4, timeoutMs: 500 }));
    const [fast] = choosePaths(found, { kind: 'lowestLatency' });
    expect(names(sim, fast).join('')).toBe('BDFG'); // 2+3+3+2 = 10 ms
    const [wide] = choosePaths(found, { kind: 'highestThroughput' });
    expect(names(sim, wide).join('')).toBe('CEHG'); // 100 MB/s all the way
    const two = choosePaths(found, { kind: 'disjoint', count: 2 });
    expect(two.map((c) => names(sim, c).join(''))).toEqual(['BDFG', 'CEHG']);
    expect(choosePaths(found, { kind: 'disjoint', count: 3 })).toHaveLength(2); // only two exist
    expect(choosePaths([], { kind: 'lowestLatency' })).toEqual([]);
  });
});

/** A and G joined by `k` disjoint paths of two relays each (A-Pi-Qi-G). */
function ladder(seed: string, k: number, link: SimLinkOptions, opts: NodeOptions = {}): SimMesh {
  const nodes = ['A', 'G'];
  const edges: Edge[] = [];
  for (let i = 0; i < k; i++) {
    nodes.push(`P${i}`, `Q${i}`);
    edges.push(['A', `P${i}`, link], [`P${i}`, `Q${i}`, link], [`Q${i}`, 'G', link]);
  }
  return build(seed, nodes, edges, ['G'], opts);
}

async function transfer(sim: SimMesh, policy: { kind: 'lowestLatency' } | { kind: 'disjoint'; count: number }, bytes: Uint8Array, during?: (progress: () => number) => Promise<void>) {
  const rx = collect(sim, 'G', 21);
  await sim.run(100);
  const { stream, routes } = await sim.settle(sim.node('A').connect({ service: 'gateway' }, { channel: 21, policy, discover: { timeoutMs: 200 } }));
  const t0 = sim.clock.now();
  const wrote = stream.writeAll(bytes).then(() => stream.end());
  if (during) await during(() => rx.chunks.reduce((n, c) => n + c.length, 0));
  await sim.settle(wrote, 120_000);
  await sim.settle(stream.finished, 120_000);
  await sim.runUntil(rx.ended, 1000);
  return { ms: sim.clock.now() - t0, got: rx.bytes(), routes, stream };
}

describe('striping over disjoint routes', () => {
  it('reassembles a file striped over two routes in order, at nearly twice one route\'s goodput', async () => {
    const link = { latencyMs: 5, rateBytesPerSec: 2e6 };
    const data = testData(1_000_000, 7);
    const one = await transfer(ladder('stripe-1', 2, link), { kind: 'lowestLatency' }, data);
    const two = await transfer(ladder('stripe-2', 2, link), { kind: 'disjoint', count: 2 }, data);
    expect(sha256Hex(one.got)).toBe(sha256Hex(data));
    expect(sha256Hex(two.got)).toBe(sha256Hex(data));
    expect(one.routes).toHaveLength(1);
    expect(two.routes).toHaveLength(2);
    // Both routes carried a fair share.
    const sent = two.routes.map((r) => r.id).map((id) => two.stream.status().routes.includes(id));
    expect(sent).toEqual([true, true]);
    const speedup = one.ms / two.ms;
    expect(speedup).toBeGreaterThan(1.7);
  });
});

describe('striping over unequal, lossy routes', () => {
  it('reassembles in order when one route is eight times slower and both lose packets', async () => {
    const sim = new SimMesh('unequal');
    for (const n of ['A', 'P0', 'Q0', 'P1', 'Q1', 'G']) sim.addNode(n, { services: n === 'G' ? ['gateway'] : [] });
    for (const [i, latencyMs] of [[0, 2], [1, 16]] as const) {
      const link = { latencyMs, loss: 0.03, rateBytesPerSec: 3e6 };
      sim.link('A', `P${i}`, link);
      sim.link(`P${i}`, `Q${i}`, link);
      sim.link(`Q${i}`, 'G', link);
    }
    const data = testData(800_000, 13);
    const r = await transfer(sim, { kind: 'disjoint', count: 2 }, data);
    expect(r.routes).toHaveLength(2);
    expect(sha256Hex(r.got)).toBe(sha256Hex(data));
    expect(r.stream.status().retransmits).toBeGreaterThan(0);
  });
});

describe('repair', () => {
  it('a relay killed in the middle of a transfer: the source notices, moves to a new route, and the file arrives intact', async () => {
    const opts = { routeFailMs: 300, keepaliveMs: 1000 };
    const sim = ladder('repair', 3, { latencyMs: 5, rateBytesPerSec: 4e6, loss: 0.02 }, opts);
    const data = testData(1_500_000, 11);
    let killedAt = 0;
    let failedAt = Infinity;
    let victim = '';
    const r = await transfer(sim, { kind: 'lowestLatency' }, data, async (progress) => {
      await sim.runUntil(() => progress() > data.length / 3, 60_000);
      const route = sim.node('A').routes()[0];
      victim = names(sim, { hops: route.hops } as PathCandidate)[0]; // the first relay
      killedAt = sim.clock.now();
      sim.kill(victim); // silently: only the missing acknowledgements tell
      await sim.runUntil(() => sim.node('A').status().counters.routesFailed > 0, 10_000);
      failedAt = sim.clock.now();
    });
    expect(sha256Hex(r.got)).toBe(sha256Hex(data));
    const A = sim.node('A');
    expect(A.status().counters.routesRepaired).toBeGreaterThanOrEqual(1);
    // Noticed within the failure bound: routeFailMs plus one maintenance period.
    expect(failedAt - killedAt).toBeLessThanOrEqual(opts.routeFailMs * 1.25 + 10);
    const up = A.routes().filter((x) => x.state === 'up');
    expect(up.length).toBeGreaterThanOrEqual(1);
    for (const x of up) expect(names(sim, { hops: x.hops } as PathCandidate)).not.toContain(victim);
    expect(killedAt).toBeGreaterThan(0);
    expect(r.stream.status().repairs).toBeGreaterThanOrEqual(1);
  });

  it('striped over two routes, one relay dies: the other route carries on and a replacement joins', async () => {
    const sim = ladder('repair-striped', 3, { latencyMs: 5, rateBytesPerSec: 4e6, loss: 0.02 }, { routeFailMs: 300 });
    const data = testData(1_500_000, 12);
    let victim = '';
    const r = await transfer(sim, { kind: 'disjoint', count: 2 }, data, async (progress) => {
      await sim.runUntil(() => progress() > data.length / 4, 60_000);
      const route = sim.node('A').routes()[1];
      victim = names(sim, { hops: route.hops } as PathCandidate)[1]; // the second relay
      sim.kill(victim, { notify: true, detectMs: 50 });
    });
    expect(sha256Hex(r.got)).toBe(sha256Hex(data));
    // The replacement may still be on its way when the last byte arrives over the surviving route.
    await sim.runUntil(() => sim.node('A').status().counters.routesRepaired > 0, 5000);
    const up = sim.node('A').routes().filter((x) => x.state === 'up');
    expect(up).toHaveLength(2);
    for (const x of up) expect(names(sim, { hops: x.hops } as PathCandidate)).not.toContain(victim);
  });
});
