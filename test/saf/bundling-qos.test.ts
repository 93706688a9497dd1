// Bundling (packets of several routes to the same next node share one datagram) and the two
// classes (real time first at every hop; bulk only when no real-time packet waits; a datagram
// with real-time packets carries no bulk), on the one data path.
import { describe, expect, it } from 'vitest';
import { equalBytes } from '../../spec/bytes.ts';
import { linkWireBytes, MESH_MTU_BYTES, SafMsg } from '../../host/saf/constants.ts';
import { patternBytes, SafChain } from '../../testbed/sim-saf.ts';

/** A service channel for the tests' datagrams. */
const CH = 7;

describe('bundling', () => {
  it('small messages of three routes to the same next node travel in shared datagrams, at the source and at the relay', async () => {
    const c = await SafChain.create({ hops: 2, seed: 'bundle' });
    const routes = [await c.route(), await c.route(), await c.route(), await c.route()];
    const wire = c.recordHopDatagrams();
    // A fourth route keeps the link busy, so the small messages wait for the pacer together.
    const sink = c.sink(1);
    const filler = patternBytes(400_000, 4);
    await c.send([routes[3].id], 1, filler);
    const got: Array<Array<Uint8Array>> = [[], [], []];
    const sent: Array<Array<Uint8Array>> = [[], [], []];
    for (let k = 0; k < 3; k++) c.dst.onDatagram(100 + k, (b) => void got[k].push(b.slice()));
    for (let round = 0; round < 20; round++) {
      c.sim.clock.setTimeout(() => {
        for (let k = 0; k < 3; k++) {
          const m = patternBytes(300, round * 3 + k);
          sent[k].push(m);
          expect(c.src.sendDatagram(routes[k].id, 100 + k, m)).toBe(true);
        }
      }, 50 + round * 5);
    }
    await c.runUntil(() => sink.ended, 10_000);
    await c.run(200);
    // Every message arrived once, intact (hop by hop reliable, though the service is not end to end).
    for (let k = 0; k < 3; k++) {
      expect(got[k]).toHaveLength(20);
      for (const m of sent[k]) expect(got[k].some((g) => equalBytes(g, m))).toBe(true);
    }
    expect(equalBytes(sink.received(), filler)).toBe(true);
    const routesIn = (from: string, to: string) =>
      wire.filter((w) => w.from === from && w.to === to).map((w) => new Set(w.d.messages.flatMap((m) => (m.type === SafMsg.Data ? [(m.packet[0] << 24) | (m.packet[1] << 16) | (m.packet[2] << 8) | m.packet[3]] : []))).size);
    expect(Math.max(...routesIn('n0', 'n1'))).toBeGreaterThanOrEqual(3);
    // The relay bundles too when it forwards.
    expect(Math.max(...routesIn('n1', 'n2'))).toBeGreaterThanOrEqual(3);
    c.close();
  });
});

describe('quality of service', () => {
  const HOPS = 3;
  const RATE = 125_000; // bytes/s: 1 Mb/s, so one full datagram takes about 12 ms
  const datagramMs = (linkWireBytes(MESH_MTU_BYTES) * 1000) / RATE;

  /** One-way latencies of 40 small real-time messages, with bulk saturating the route or not. */
  async function rtLatencies(withBulk: boolean): Promise<{ lat: number[]; bulkBytes: number }> {
    const c = await SafChain.create({ hops: HOPS, rateBytesPerSec: RATE, bufferBytes: 64 * 1024, seed: 'qos' });
    const bulk = await c.route();
    const rt = await c.route({ qos: true });
    const sink = c.sink(1);
    if (withBulk) await c.send([bulk.id], 1, patternBytes(2_000_000, 1));
    const sentAt: number[] = [];
    const lat: number[] = [];
    c.dst.onDatagram(CH, (b) => void lat.push(c.now - sentAt[new DataView(b.buffer, b.byteOffset).getUint32(0)]));
    const t0 = c.now;
    for (let k = 0; k < 40; k++) {
      c.sim.clock.setTimeout(() => {
        const m = new Uint8Array(64);
        new DataView(m.buffer).setUint32(0, k);
        sentAt[k] = c.now;
        expect(c.src.sendDatagram(rt.id, CH, m)).toBe(true);
      }, 2000 + k * 97);
    }
    await c.run(2000 + 40 * 97 + 1000);
    const bulkBytes = sink.bytes;
    if (withBulk) expect(bulkBytes).toBeGreaterThan(0.7 * RATE * ((c.now - t0) / 1000 - 1)); // bulk really saturates
    c.close();
    return { lat, bulkBytes };
  }

  it('real-time latency under saturating bulk stays within idle latency + one datagram time per hop', async () => {
    const idle = (await rtLatencies(false)).lat;
    const busy = (await rtLatencies(true)).lat;
    expect(idle).toHaveLength(40);
    expect(busy).toHaveLength(40);
    const bound = Math.max(...idle) + HOPS * datagramMs;
    expect(Math.max(...busy)).toBeLessThanOrEqual(bound + 0.01);
    // And bulk really was in the way: without priority a 64 KB queue per hop would cost seconds.
    expect(Math.max(...busy)).toBeGreaterThan(Math.max(...idle));
  }, 60_000);

  it('a datagram carries waiting real-time packets before any bulk, and never both', async () => {
    const c = await SafChain.create({ hops: 1, rateBytesPerSec: RATE, seed: 'qos-order' });
    const bulk = await c.route();
    const rt = await c.route({ qos: true });
    const wire = c.recordHopDatagrams();
    c.sink(1);
    await c.send([bulk.id], 1, patternBytes(300_000, 1));
    let seen = -1;
    c.sim.clock.setTimeout(() => {
      seen = wire.length;
      for (let k = 0; k < 10; k++) expect(c.src.sendDatagram(rt.id, CH, patternBytes(500, k))).toBe(true);
    }, 500);
    await c.run(1500);
    const after = wire.slice(seen).filter((w) => w.from === 'n0' && w.d.messages.some((m) => m.type === SafMsg.Data));
    // No datagram mixes the classes.
    for (const w of after) expect(new Set(w.d.messages.flatMap((m) => (m.type === SafMsg.Data ? [m.cls] : []))).size).toBe(1);
    // Until the ten real-time messages are out, no datagram carries bulk.
    let rtLeft = 10;
    for (const w of after) {
      const rtHere = w.d.messages.filter((m) => m.type === SafMsg.Data && m.cls === 1).length;
      if (rtHere === 0) expect(rtLeft).toBe(0);
      rtLeft -= rtHere;
      if (rtLeft <= 0) break;
    }
    expect(rtLeft).toBeLessThanOrEqual(0);
    c.close();
  });
});
