// Transfers along chains whose every hop runs store-and-forward, under loss, reordering and
// duplication, through the one data path (mesh nodes, route setup, a stream): the destination
// must receive exactly the bytes the application wrote, in order, once; hops resend what they
// lose themselves, so the stream resends nothing.
import { describe, expect, it } from 'vitest';
import { equalBytes } from '../../spec/bytes.ts';
import { linkWireBytes, MESH_MTU_BYTES } from '../../host/saf/constants.ts';
import { MAX_SEGMENT_BYTES } from '../../host/mesh/stream.ts';
import { patternBytes, SafChain, type ChainOptions } from '../../testbed/sim-saf.ts';

const CH = 9;

async function transfer(o: ChainOptions & { bytes: number; limitMs?: number }) {
  const c = await SafChain.create(o);
  const route = await c.route();
  const sink = c.sink(CH);
  const data = patternBytes(o.bytes, 7);
  // Memory bound: no node ever holds more for a lane than its buffer.
  const overruns: string[] = [];
  c.sim.clock.setTimeout(function check() {
    for (const [i] of c.names.entries()) {
      for (const l of c.node(i).status().saf.lanes) if (l.direction === 'in' && l.held > l.window) overruns.push(`n${i} ${JSON.stringify(l)}`);
    }
    c.sim.clock.setTimeout(check, 10);
  }, 10);
  const stream = await c.send([route.id], CH, data);
  await c.runUntil(() => sink.ended, o.limitMs ?? 120_000);
  return { c, route, data, sink, stream, overruns };
}

describe('store-and-forward transfer', () => {
  it.each([1, 3, 8])('delivers exactly the written bytes over %i lossless hops, no hop resending anything', async (hops) => {
    const { c, data, sink, route, overruns } = await transfer({ hops, bytes: 300_000 });
    expect(route.hopReliable).toBe(true);
    expect(route.hopModes).toEqual(Array(hops).fill('saf'));
    expect(equalBytes(sink.received(), data)).toBe(true);
    for (let i = 0; i <= hops; i++) {
      const s = c.node(i).status().saf.stats;
      expect(s.packetsRetransmitted).toBe(0);
      expect(Object.values(s.dropped).reduce((a, b) => a + b, 0)).toBe(0);
    }
    expect(overruns).toEqual([]);
    c.close();
  });

  it.each([
    [3, 0.05],
    [5, 0.1],
    [8, 0.3],
    [8, 0.5],
  ])('over %i hops losing %f of datagrams each way, bytes arrive intact, in order, once; only hops resend', async (hops, loss) => {
    const { c, data, sink, stream, overruns } = await transfer({ hops, loss, bytes: 200_000, seed: `loss-${hops}-${loss}` });
    expect(equalBytes(sink.received(), data)).toBe(true);
    expect(c.node(0).status().saf.stats.packetsRetransmitted).toBeGreaterThan(0);
    // Every hop recovered its own losses: the end-to-end stream resent nothing.
    expect(stream.status().retransmits).toBe(0);
    expect(overruns).toEqual([]);
    c.close();
  });

  it('survives reordering and duplication', async () => {
    const { c, data, sink } = await transfer({ hops: 4, loss: 0.05, jitterMs: 8, duplicate: 0.1, bytes: 200_000, seed: 'reorder-dup' });
    expect(equalBytes(sink.received(), data)).toBe(true);
    expect(c.names.reduce((a, _n, i) => a + c.node(i).status().saf.stats.duplicates, 0)).toBeGreaterThan(0);
    c.close();
  });

  it('8 hops at 50% loss each way keep over a third of the link rate (end to end alone: 1/256 of it)', async () => {
    // The figure (at least 40 %) is measured through daemons by bench:saf; here the
    // simulator checks the mechanism over three seeds: every hop keeps its link busy with its
    // own resends, so the route runs near the one-hop limit of 50 % instead of 0.5^8.
    const rate = 312_500; // bytes/s on the wire: 2.5 Mb/s (a slower link keeps the simulation short)
    const goodputs: number[] = [];
    for (const seed of ['goodput-8-50', 'goodput-8-50-1', 'goodput-8-50-2']) {
      const c = await SafChain.create({ hops: 8, loss: 0.5, rateBytesPerSec: rate, seed });
      const route = await c.route();
      const sink = c.sink(CH);
      await c.send([route.id], CH, patternBytes(3_000_000, 3));
      await c.run(3000);
      const at0 = sink.bytes;
      await c.run(4000);
      goodputs.push((sink.bytes - at0) / 4 / rate); // application bytes per second, over the link rate
      c.close();
    }
    const median = [...goodputs].sort((a, b) => a - b)[1];
    // Independent reference: the link rate, and what one full packet costs on the wire.
    expect(median).toBeGreaterThan(0.35);
    expect(Math.max(...goodputs)).toBeLessThan((0.5 * MAX_SEGMENT_BYTES) / linkWireBytes(MESH_MTU_BYTES));
  }, 120_000);

  it('without store-and-forward, end-to-end delivery over h hops at loss p is (1-p)^h: 1 in 256 at 8 hops, 50%', async () => {
    // The overview's arithmetic, checked on plain hops with the datagram service (no resends
    // anywhere). The route is built on clean links, then every link loses half.
    const c = await SafChain.create({ hops: 8, forwarding: 'plain', seed: 'plain-8-50' });
    const route = await c.route();
    expect(route.hopModes).toEqual(Array(8).fill('plain'));
    let got = 0;
    c.dst.onDatagram(CH, () => void got++);
    for (let i = 0; i < 8; i++) c.sim.setLoss(c.names[i], c.names[i + 1], 0.5);
    const n = 5120;
    for (let k = 0; k < n; k++) c.sim.clock.setTimeout(() => c.src.sendDatagram(route.id, CH, patternBytes(200, k)), k);
    await c.run(n + 500);
    expect(got / n).toBeGreaterThan(1 / 256 / 3);
    expect(got / n).toBeLessThan((1 / 256) * 3);
    c.close();
  }, 60_000);
});
