// The stream resends what is missing and nothing else: on a lossless link that is slow and
// jittery (a loaded host) it resends (almost) nothing; on a lossy link it resends about as
// many segments as the links lost, not multiples of them; and it uses the bandwidth.
import { describe, expect, it } from 'vitest';
import { decodeDatagramFrames } from '../../host/mesh/framing.ts';
import { ROUTE_CHANNEL } from '../../spec/route-wire.ts';
import { MAX_SEGMENT_BYTES } from '../../host/mesh/stream.ts';
import { SimMesh, type SimLinkOptions } from '../../testbed/sim-mesh.ts';
import { pathThrough, testData, concat } from './support/fixtures.ts';

const CHANNEL = 7;

async function transfer(seed: string, link: SimLinkOptions, routes: number, bytes: number) {
  const sim = new SimMesh(seed);
  const relays = Array.from({ length: routes }, (_, i) => `R${i}`);
  for (const n of ['S', 'D', ...relays]) sim.addNode(n);
  for (const r of relays) {
    sim.link('S', r, link);
    sim.link(r, 'D', link);
  }
  // Route packets lost on the way from S to D (data, and the odd Open or ping).
  let lostForward = 0;
  sim.observers.push((e) => {
    if (e.delivered) return;
    const forward = (e.from === 'S' && e.to.startsWith('R')) || (e.from.startsWith('R') && e.to === 'D');
    if (forward && decodeDatagramFrames(e.bytes).frames.some((f) => f.channel === ROUTE_CHANNEL)) lostForward++;
  });
  await sim.run(50);
  const chunks: Uint8Array[] = [];
  let ended = false;
  sim.node('D').listen(CHANNEL, (s) => {
    s.onData = (b) => chunks.push(b);
    s.onEnd = () => {
      ended = true;
    };
  });
  const S = sim.node('S');
  const ids: number[] = [];
  for (const r of relays) ids.push((await sim.settle(S.addRoute(pathThrough(sim, ['S', r, 'D'])))).id);
  const stream = await sim.settle(S.openStream({ channel: CHANNEL, routes: ids }));
  const data = testData(bytes, 7);
  const t0 = sim.clock.now();
  const lostBefore = lostForward;
  void stream.writeAll(data).then(() => stream.end());
  await sim.runUntil(() => ended, 600_000);
  const seconds = (sim.clock.now() - t0) / 1000;
  const st = stream.status();
  sim.close();
  if (process.env.RTX_DEBUG) console.log(seed, { retransmits: st.retransmits, lost: lostForward - lostBefore, goodput: bytes / seconds, seconds });
  expect(concat(chunks)).toEqual(data);
  return { retransmits: st.retransmits, lost: lostForward - lostBefore, goodput: bytes / seconds, segments: Math.ceil(bytes / MAX_SEGMENT_BYTES) };
}

describe('stream retransmissions', () => {
  it('resends nothing on a lossless link that is slow and jittery (a loaded host)', async () => {
    // 20 ms of latency plus up to 40 ms of jitter: datagrams overtake each other and the RTT
    // swings; a 500 kB/s rate with a deep queue makes the RTT grow with the window. A few
    // needless resends happen while the reordering allowance learns (0 to 12 of 450 segments
    // across seeds), so the median of five runs is judged.
    const runs = [];
    for (const seed of ['rtx-jitter', 'rtx-jitter-1', 'rtx-jitter-2', 'rtx-jitter-3', 'rtx-jitter-4']) runs.push(await transfer(seed, { latencyMs: 20, jitterMs: 40, rateBytesPerSec: 500_000, maxQueueMs: 5_000 }, 2, 600_000));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[2];
    expect(median(runs.map((r) => r.retransmits))).toBeLessThanOrEqual(0.01 * runs[0].segments);
    expect(median(runs.map((r) => r.goodput))).toBeGreaterThan(0.5 * 2 * 500_000);
  }, 120_000);

  it('resends next to nothing on one lossless route with extreme reordering', async () => {
    // 2 ms of latency and up to 30 ms of jitter each way: RTTs from 4 to 70 ms, datagrams
    // overtaken by dozens of later ones. The loss delay (srtt + 4 rttvar) waits out nearly all.
    const r = await transfer('rtx-reorder', { latencyMs: 2, jitterMs: 30 }, 1, 400_000);
    expect(r.retransmits).toBeLessThanOrEqual(0.03 * r.segments);
  }, 60_000);

  it('resends about what a 5 % loss link lost, not multiples', async () => {
    const r = await transfer('rtx-loss', { latencyMs: 10, loss: 0.05, rateBytesPerSec: 1_000_000, maxQueueMs: 2_000 }, 2, 800_000);
    // Each lost data packet is resent once (a resend lost again, once more); a lost ack
    // costs nothing while a later ack covers the same bytes.
    expect(r.lost).toBeGreaterThan(30);
    expect(r.retransmits).toBeGreaterThanOrEqual(r.lost * 0.8);
    expect(r.retransmits).toBeLessThanOrEqual(r.lost * 1.25 + 5);
    // Random loss is not congestion: the routes still carry a good part of their rate.
    expect(r.goodput).toBeGreaterThan(0.2 * 2 * 1_000_000);
  }, 60_000);
});
