// End to end: the source keeps every byte until the destination acknowledges it, so a relay
// that crashes (losing what it held) costs resends over a repaired route, never data. And the
// choice per hop: plain forwarding (what the forwarding plane does) holds nothing at relays
// and leaves loss to the end-to-end stream; 'auto' runs a hop store-and-forward exactly when
// its link is lossy.
import { describe, expect, it } from 'vitest';
import { equalBytes } from '../../spec/bytes.ts';
import { HOP_CHANNEL } from '../../spec/route-wire.ts';
import { patternBytes, SafChain } from '../../testbed/sim-saf.ts';
import { SimMesh } from '../../testbed/sim-mesh.ts';
import { pathThrough } from '../mesh/support/fixtures.ts';

const CH = 17;

describe('relay crash', () => {
  it.each([
    [0, 'a'],
    [0.05, 'b'],
    [0.2, 'c'],
  ])('a relay that crashes mid-transfer and restarts loses nothing end to end (loss %f)', async (loss, seed) => {
    const hops = 4;
    const c = await SafChain.create({ hops, loss, bufferBytes: 64 * 1024, routeFailMs: 600, seed: `crash-${seed}` });
    const route = await c.route();
    const sink = c.sink(CH);
    const data = patternBytes(1_500_000, 3);
    const stream = await c.send([route.id], CH, data);
    await c.run(800);
    // Node 2 holds packets it acknowledged upstream and has not had acknowledged downstream.
    const held = c.node(2).status().saf.lanes.filter((l) => l.direction === 'in').reduce((a, l) => a + l.held, 0);
    expect(held).toBeGreaterThan(0);
    const deliveredAtCrash = sink.bytes;
    // Its neighbours' link layers notice within 100 ms; it comes back empty 300 ms later.
    c.sim.kill('n2', { notify: true, detectMs: 100 });
    c.sim.clock.setTimeout(() => void c.sim.restart('n2'), 300);
    await c.runUntil(() => sink.ended, 120_000);
    expect(sink.bytes).toBeGreaterThan(deliveredAtCrash);
    expect(equalBytes(sink.received(), data)).toBe(true);
    expect(stream.status().repairs).toBeGreaterThanOrEqual(1);
    c.close();
  }, 60_000);

  it('two relays in a row may crash, the last before the destination too', async () => {
    const c = await SafChain.create({ hops: 3, bufferBytes: 64 * 1024, routeFailMs: 600, seed: 'crash-two' });
    const route = await c.route();
    const sink = c.sink(CH);
    const data = patternBytes(800_000, 9);
    await c.send([route.id], CH, data);
    await c.run(400);
    c.sim.kill('n2', { notify: true, detectMs: 50 });
    c.sim.clock.setTimeout(() => void c.sim.restart('n2'), 100);
    await c.run(1500);
    c.sim.kill('n1', { notify: true, detectMs: 50 });
    c.sim.clock.setTimeout(() => void c.sim.restart('n1'), 50);
    await c.runUntil(() => sink.ended, 120_000);
    expect(equalBytes(sink.received(), data)).toBe(true);
    c.close();
  }, 60_000);
});

describe('plain forwarding (the hop runs as the forwarding plane runs it)', () => {
  it('without loss delivers everything, relays hold nothing and acknowledge nothing per hop', async () => {
    const c = await SafChain.create({ hops: 3, forwarding: 'plain', seed: 'plain-clean' });
    const route = await c.route();
    expect(route.hopModes).toEqual(['plain', 'plain', 'plain']);
    expect(route.hopReliable).toBe(false);
    // The forwarding table holds plain forwards (the forwarding plane can take them over).
    for (const i of [1, 2]) for (const r of c.node(i).status().rules.filter((x) => x.action.kind === 'forward')) expect(r.action).toMatchObject({ hop: 'plain' });
    const sink = c.sink(CH);
    const data = patternBytes(300_000, 1);
    await c.send([route.id], CH, data);
    await c.runUntil(() => sink.ended, 20_000);
    expect(equalBytes(sink.received(), data)).toBe(true);
    for (const i of [1, 2]) {
      const s = c.node(i).status().saf;
      expect(s.lanes).toEqual([]);
      expect(s.stats.hopAcksSent).toBe(0);
      expect(s.stats.plainSent).toBeGreaterThan(200);
    }
    c.close();
  });

  it('under loss the end-to-end stream resends what plain hops lose; store-and-forward hops beside it resend per hop', async () => {
    const plain = await SafChain.create({ hops: 3, loss: 0.05, forwarding: 'plain', seed: 'plain-loss' });
    const saf = await SafChain.create({ hops: 3, loss: 0.05, forwarding: 'saf', seed: 'plain-loss' });
    const data = patternBytes(300_000, 3);
    const out = [];
    for (const c of [plain, saf]) {
      const route = await c.route();
      const sink = c.sink(CH);
      const stream = await c.send([route.id], CH, data);
      await c.runUntil(() => sink.ended, 60_000);
      expect(equalBytes(sink.received(), data)).toBe(true);
      out.push({ e2e: stream.status().retransmits, hop: c.names.reduce((a, _n, i) => a + c.node(i).status().saf.stats.packetsRetransmitted, 0) });
      c.close();
    }
    expect(out[0].e2e).toBeGreaterThan(0);
    expect(out[0].hop).toBe(0);
    expect(out[1].e2e).toBe(0);
    expect(out[1].hop).toBeGreaterThan(0);
  }, 60_000);
});

describe('choosing per hop by measured loss', () => {
  it('a route over clean, lossy and clean links runs store-and-forward on the lossy hop only, and the table holds it as "to the host"', async () => {
    const sim = new SimMesh('auto');
    const names = ['a', 'b', 'c', 'd'];
    for (const n of names) sim.addNode(n);
    const link = { latencyMs: 5, rateBytesPerSec: 1.25e6, pace: true, linkOverhead: true };
    sim.link('a', 'b', link);
    sim.link('b', 'c', { ...link, loss: 0.05 });
    sim.link('c', 'd', link);
    await sim.run(50);
    // Before anything is measured every hop is plain. Traffic lets each link layer count what
    // it loses; probes (every 2 s) carry each side's count to the other.
    const first = await sim.settle(sim.node('a').addRoute(pathThrough(sim, names)));
    expect(first.hopModes).toEqual(['plain', 'plain', 'plain']);
    for (let k = 0; k < 300; k++) sim.clock.setTimeout(() => sim.node('a').sendDatagram(first.id, CH, patternBytes(100, k)), k * 3);
    await sim.run(5000);
    const b = sim.node('b').status().links;
    expect(b.find((l) => l.neighbour === sim.neighbourId('b', 'c'))!.hop).toBe('saf');
    expect(b.find((l) => l.neighbour === sim.neighbourId('b', 'a'))!.hop).toBe('plain');
    const route = await sim.settle(sim.node('a').addRoute(pathThrough(sim, names)));
    expect(route.hopModes).toEqual(['plain', 'saf', 'plain']);
    // b forwards the first route plainly, the second store-and-forward: in the table as "deliver to the host".
    const fwd = sim.node('b').status().rules.filter((r) => r.from === sim.neighbourId('b', 'a') && r.action.kind === 'forward');
    expect(fwd.map((r) => (r.action.kind === 'forward' ? r.action.hop : '')).sort()).toEqual(['plain', 'saf']);
    const safRule = fwd.find((r) => r.action.kind === 'forward' && r.action.hop === 'saf')!;
    expect(sim.node('b').rules.table.lookup(safRule.routeId)).toEqual({ kind: 'local', channel: HOP_CHANNEL, qos: false });
    const got: Uint8Array[] = [];
    let ended = false;
    sim.node('d').listen(CH, (s) => {
      s.onData = (x) => void got.push(x);
      s.onEnd = () => void (ended = true);
    });
    const data = patternBytes(200_000, 5);
    const s = await sim.settle(sim.node('a').openStream({ channel: CH, routes: [route.id] }));
    void s.writeAll(data).then(() => s.end());
    await sim.runUntil(() => ended, 30_000);
    const all = new Uint8Array(got.reduce((n, x) => n + x.length, 0));
    let o = 0;
    for (const x of got) (all.set(x, o), (o += x.length));
    expect(equalBytes(all, data)).toBe(true);
    expect(sim.node('b').status().saf.stats.packetsRetransmitted).toBeGreaterThan(0);
    sim.close();
  }, 60_000);
});
