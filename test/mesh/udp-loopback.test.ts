// MeshNodes on real UDP sockets on loopback, each link a host/link session, real timers:
// the mesh measurements of testbed/mesh-measure.ts, exercised small.
import { describe, expect, it } from 'vitest';
import { lostSetupRecovery, relayCost, setupTimeOverUdp, udpChain } from '../../testbed/mesh-measure.ts';
import { sha256Hex, testData } from './support/fixtures.ts';

describe('over UDP on loopback with host/link', () => {
  it('builds a three-hop route, pings over it and carries a stream intact', async () => {
    const chain = await udpChain(4, 'udp-test');
    try {
      const [src, , , dst] = chain.nodes;
      const path = { firstNeighbour: 1, hops: chain.nodes.slice(1).map((n) => ({ publicKey: n.identity.publicKey, address: n.identity.address })) };
      const route = await src.mesh.addRoute(path);
      expect(route.state).toBe('up');
      expect(await src.mesh.ping(route.id, 2000)).toBeLessThan(200);
      const got: Uint8Array[] = [];
      let ended = false;
      dst.mesh.listen(6, (s) => {
        s.onData = (b) => got.push(b);
        s.onEnd = () => (ended = true);
      });
      const data = testData(300_000, 21);
      const s = await src.mesh.openStream({ channel: 6, routes: [route.id] });
      await s.writeAll(data);
      s.end();
      await s.finished;
      await new Promise((r) => setTimeout(r, 20));
      expect(ended).toBe(true);
      const all = new Uint8Array(data.length);
      let o = 0;
      for (const b of got) (all.set(b, o), (o += b.length));
      expect(o).toBe(data.length);
      expect(sha256Hex(all)).toBe(sha256Hex(data));
      // The relays forwarded by route ID: their rules counted every packet.
      for (const relay of chain.nodes.slice(1, 3)) expect(relay.mesh.status().counters.packetsForwarded).toBeGreaterThan(data.length / 1400);
    } finally {
      await chain.close();
    }
  });

  it('the bench helpers return sane figures', async () => {
    const rows = await setupTimeOverUdp({ maxHops: 2, repeats: 2 });
    expect(rows.map((r) => r.hops)).toEqual([1, 2]);
    for (const r of rows) expect(r.medianMs).toBeGreaterThan(0);
    const cost = relayCost({ packets: 300 });
    expect(cost.fraction).toBeGreaterThan(0);
    expect(cost.relayUsPerPacket).toBeGreaterThan(cost.bareUsPerPacket * 0.5);
    const rec = await lostSetupRecovery('Extended');
    expect(rec.extraRoundTrips).toBeGreaterThan(0);
    expect(rec.extraRoundTrips).toBeLessThanOrEqual(3);
  });
});
