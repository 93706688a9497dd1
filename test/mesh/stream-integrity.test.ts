// Stress test of the end-to-end stream's byte integrity: a stream striped over two or three
// disjoint routes through links that lose, reorder (jitter) and duplicate datagrams, with a
// relay dying mid-stream and the route replaced by repair, over many seeds. The received
// bytes must equal the written bytes exactly (not only in length or hash: the first
// differing offset is reported).
import { describe, expect, it } from 'vitest';
import { deterministicRandom } from '../../host/crypto/random.ts';
import { SimMesh, type SimLinkOptions } from '../../testbed/sim-mesh.ts';
import type { MeshStream } from '../../host/mesh/api.ts';
import { concat, pathThrough, testData } from './support/fixtures.ts';

const CHANNEL = 9;

interface Scenario {
  seed: string;
  routes: 2 | 3;
  link: SimLinkOptions;
  bytes: number;
  /** Kill the first route's relay when this fraction of the bytes has arrived (undefined: no kill). */
  killAt?: number;
  /** The relay's neighbours notice the death at once (a link layer's timeout) instead of by silence. */
  notify: boolean;
  /**
   * Instead of killing R0, silence its way back to S for this long: the source declares a
   * route failed that is still alive, with its data in flight, and replaces it.
   */
  blackoutMs?: number;
  sendBufferBytes?: number;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/**
 * Scenarios drawn from a seed: loss 0-8 %, jitter up to 3x the latency (12x in every fifth),
 * some duplication (up to 30 % in every fifth). STREAM_STRESS_SEEDS=200 runs a longer soak.
 */
function scenarios(count: number): Scenario[] {
  const rand = deterministicRandom('stream-integrity');
  const u = () => {
    const b = rand(4);
    return (((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0) / 2 ** 32;
  };
  return Array.from({ length: count }, (_, i) => {
    const latencyMs = 1 + Math.floor(u() * 8);
    return {
      seed: `integrity-${i}`,
      routes: u() < 0.5 ? 2 : 3,
      link: {
        latencyMs,
        loss: i % 4 === 0 ? 0 : u() * 0.08,
        jitterMs: u() * latencyMs * (i % 5 === 4 ? 12 : 3),
        duplicate: u() * (i % 5 === 4 ? 0.3 : 0.05),
        rateBytesPerSec: 30_000 + u() * 50_000, // slow enough that a repair happens mid-stream
      },
      bytes: 150_000 + Math.floor(u() * 250_000),
      killAt: i % 3 !== 2 ? 0.1 + u() * 0.4 : undefined,
      notify: u() < 0.5,
      blackoutMs: i % 3 === 1 ? 500 + u() * 1000 : undefined,
      sendBufferBytes: u() < 0.3 ? 16_384 + Math.floor(u() * 65_536) : undefined,
    } satisfies Scenario;
  });
}

/**
 * S reaches D through relays R0..R3 (one per disjoint route) and the spare X, which repair
 * can use when a relay dies. Returns the received bytes and the stream's status.
 */
async function run(sc: Scenario): Promise<{ sent: Uint8Array; got: Uint8Array; ended: boolean; retransmits: number; repairs: number; deadRouteDropped: boolean }> {
  const sim = new SimMesh(sc.seed, { routeFailMs: 400 });
  const relays = ['R0', 'R1', 'R2', 'X'];
  for (const n of ['S', 'D', ...relays]) sim.addNode(n);
  for (const r of relays) {
    sim.link('S', r, sc.link);
    sim.link(r, 'D', sc.link);
  }
  await sim.run(50);
  const chunks: Uint8Array[] = [];
  let received = 0;
  let ended = false;
  sim.node('D').listen(CHANNEL, (s: MeshStream) => {
    s.onData = (b) => {
      chunks.push(b);
      received += b.length;
    };
    s.onEnd = () => {
      ended = true;
    };
  });
  const S = sim.node('S');
  const routes = [];
  for (let i = 0; i < sc.routes; i++) routes.push(await sim.settle(S.addRoute(pathThrough(sim, ['S', `R${i}`, 'D']))));
  const stream = await sim.settle(S.openStream({ channel: CHANNEL, routes: routes.map((r) => r.id), sendBufferBytes: sc.sendBufferBytes }));
  const sent = testData(sc.bytes, sc.bytes);
  // Writes of uneven sizes, as an application would make them.
  const writer = (async () => {
    let p = 0;
    let k = 1;
    while (p < sent.length) {
      const n = Math.min(sent.length - p, 1 + ((k * 7919) % 9000));
      await stream.writeAll(sent.subarray(p, p + n));
      p += n;
      k++;
    }
    stream.end();
  })();
  writer.catch(() => undefined);
  if (sc.killAt !== undefined) {
    await sim.runUntil(() => received >= sc.bytes * sc.killAt!, 120_000);
    if (sc.blackoutMs !== undefined) {
      const until = sim.clock.now() + sc.blackoutMs;
      sim.dropRules.push((e) => e.from === 'R0' && e.to === 'S' && e.at < until);
    } else sim.kill('R0', { notify: sc.notify, detectMs: 50 });
  }
  await sim.runUntil(() => ended, 300_000);
  const st = stream.status();
  if (process.env.STREAM_STRESS_DEBUG) console.log(sc.seed, 'now', sim.clock.now(), 'routes', st.routes, 'first', routes[0].id, S.routes().map((r) => [r.id, r.state]), S.status().counters.routesFailed);
  sim.close();
  return { sent, got: concat(chunks), ended, retransmits: st.retransmits, repairs: st.repairs, deadRouteDropped: !st.routes.includes(routes[0].id) };
}

describe('stream integrity under loss, reordering, duplication and route replacement', () => {
  it.each(scenarios(Number(process.env.STREAM_STRESS_SEEDS ?? 16)))('$seed: $routes routes, kill at $killAt (notify $notify, blackout $blackoutMs), $bytes B', async (sc) => {
    const r = await run(sc);
    const diff = firstDifference(r.sent, r.got);
    expect({ diff, length: r.got.length, ended: r.ended }).toEqual({ diff: -1, length: r.sent.length, ended: true });
    // The dead route left the stream (its traffic moved to the others or a repaired route).
    if (sc.killAt !== undefined && sc.blackoutMs === undefined) expect(r.deadRouteDropped).toBe(true);
  }, 60_000);
});
