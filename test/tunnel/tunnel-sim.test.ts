// The tunnel end to end on simulated meshes (virtual clock): a client joins a gateway over
// two disjoint routes with its node key, gets an address, and inner packets cross both ways;
// the gateway drops and counts spoofed and malformed packets; an allow-list refuses strangers;
// flows spread over both routes; a relay dies and its flows move to the other route.
import { describe, expect, it } from 'vitest';
import { hex } from '../../spec/bytes.ts';
import { generateIdentity } from '../../host/identity/identity.ts';
import { meshCarrier } from '../../host/tunnel/carrier.ts';
import { TunnelClient } from '../../host/tunnel/client.ts';
import { GatewayService } from '../../host/tunnel/gateway.ts';
import { destinationOf, parseIpv4, parsePrefix, sourceOf, type Prefix } from '../../host/tunnel/ipv4.ts';
import { meshRouteProvider } from '../../host/tunnel/mesh-routes.ts';
import { TunnelMsg, encodeTunnel, GATEWAY_SERVICE } from '../../host/tunnel/wire.ts';
import { SimMesh } from '../../testbed/sim-mesh.ts';
import { udpPacket } from './support/packets.ts';

/** Packets by flow key (addresses and ports), in arrival order within each flow. */
function byFlow(ps: Uint8Array[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const p of ps) {
    const k = Buffer.from(p.subarray(12, 24)).toString('hex');
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(Buffer.from(p).toString('hex'));
  }
  return new Map([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
}

const POOL = parsePrefix('10.99.0.0/24') as Prefix;
const SERVER = parseIpv4('203.0.113.10')!;

/** c - a1 - a2 - g and c - b1 - g: two disjoint routes, 3 and 2 hops. */
function mesh(seed: string, rate = 250_000) {
  const sim = new SimMesh(seed);
  for (const n of ['c', 'a1', 'a2', 'b1']) sim.addNode(n);
  sim.addNode('g', { services: [GATEWAY_SERVICE] });
  const link = { latencyMs: 5, rateBytesPerSec: rate, maxQueueMs: 200 };
  sim.link('c', 'a1', link);
  sim.link('a1', 'a2', link);
  sim.link('a2', 'g', link);
  sim.link('c', 'b1', link);
  sim.link('b1', 'g', link);
  return sim;
}

function start(sim: SimMesh, allow: 'open' | Set<string> = 'open', clientId = generateIdentity(), want = 2) {
  const g = sim.node('g');
  const c = sim.node('c');
  const gateway = new GatewayService({ identity: g.identity, pool: POOL, allow, carrier: meshCarrier(g), timers: sim.clock });
  const toInternet: Uint8Array[] = [];
  gateway.attach({ write: (p) => toInternet.push(p.slice()) });
  const client = new TunnelClient({ identity: clientId, gatewayKey: g.publicKey, carrier: meshCarrier(c), timers: sim.clock, routes: meshRouteProvider(c, g.publicKey, { timeoutMs: 300 }), want });
  const toUser: Uint8Array[] = [];
  client.attach({ write: (p) => toUser.push(p.slice()) });
  return { gateway, client, toInternet, toUser, clientId };
}

describe('IP tunnel over a simulated mesh', () => {
  it('joins over two routes, carries packets both ways, and the gateway counts what it drops', async () => {
    const sim = mesh('tunnel-basic');
    await sim.run(100);
    const { gateway, client, toInternet, toUser } = start(sim);
    const cfg = await sim.settle(client.ready(), 10_000);
    expect(cfg.address).toBe(parseIpv4('10.99.0.2'));
    expect(cfg.gateway).toBe(parseIpv4('10.99.0.1'));
    expect(cfg.mtu).toBeGreaterThan(1300);
    await sim.runUntil(() => client.status().routes.filter((r) => r.step === 'up').length === 2, 5_000);
    expect(client.status().routes.map((r) => r.path.length).sort()).toEqual([2, 3]);

    // Up: 40 flows of 5 packets; each arrives once, unchanged.
    const sent: Uint8Array[] = [];
    for (let f = 0; f < 40; f++) for (let k = 0; k < 5; k++) sent.push(udpPacket(cfg.address, SERVER, 10_000 + f, 53, new Uint8Array(100).fill(k)));
    for (const p of sent) client.fromTun(p);
    await sim.run(500);
    // Every packet once and unchanged, and within each flow in order (flows on different routes may interleave).
    expect(byFlow(toInternet)).toEqual(byFlow(sent));
    // Flows used both routes, each flow one route (sequence counts per route add up).
    const up = client.status().routes;
    expect(up.every((r) => r.packetsSent > 0)).toBe(true);

    // Down: replies to the client's address come out of its TUN.
    const replies = sent.slice(0, 50).map((p) => udpPacket(destinationOf(p), sourceOf(p), 53, 10_000 + (p[21] | (p[20] << 8)) - 10_000, new Uint8Array(30)));
    for (const p of replies) gateway.fromTun(p);
    await sim.run(500);
    expect(byFlow(toUser)).toEqual(byFlow(replies));

    // Spoofed source, bad checksum, truncated, IPv6 (sent raw past the client), a message that is
    // no tunnel message, and a spoofed packet the client itself passes on (the gateway decides).
    const before = toInternet.length;
    const gwEnd = [...(gateway as any).ends.keys()][0] as number;
    const clientEnd = client.status().routes[0].id;
    const raw = (p: Uint8Array) => sim.node('c').sendDatagram(clientEnd, 6, encodeTunnel({ type: TunnelMsg.Packet, seq: 1000, packet: p }));
    raw(udpPacket(parseIpv4('10.99.0.3')!, SERVER, 1, 2, new Uint8Array(10)));
    const bad = udpPacket(cfg.address, SERVER, 1, 2, new Uint8Array(10));
    bad[8] ^= 0xff;
    raw(bad);
    raw(udpPacket(cfg.address, SERVER, 1, 2, new Uint8Array(10)).subarray(0, 25));
    const v6 = udpPacket(cfg.address, SERVER, 1, 2, new Uint8Array(10));
    v6[0] = 0x60;
    raw(v6);
    sim.node('c').sendDatagram(clientEnd, 6, Uint8Array.of(99, 1, 2));
    client.fromTun(udpPacket(parseIpv4('192.168.1.5')!, SERVER, 1, 2, new Uint8Array(10)));
    await sim.run(200);
    expect(toInternet.length).toBe(before);
    const c = gateway.status().counters;
    expect(c.spoofed).toBe(2);
    expect(c.malformed).toEqual({ short: 0, version: 1, headerLength: 0, totalLength: 1, checksum: 1 });
    expect(c.badMessages).toBe(1);
    expect(gwEnd).toBeGreaterThan(0);
    client.close();
    gateway.close();
    sim.close();
  });

  it('joins through heavy loss: every join step is repeated until answered, and no repeat is taken for a forgery', async () => {
    for (const seed of ['lossy-join-1', 'lossy-join-2', 'lossy-join-3']) {
      const sim = mesh(seed);
      await sim.run(100);
      for (const [a, b] of [['c', 'a1'], ['a1', 'a2'], ['a2', 'g'], ['c', 'b1'], ['b1', 'g']]) sim.setLoss(a, b, 0.2);
      const { gateway, client } = start(sim);
      await sim.settle(client.ready(), 30_000);
      await sim.runUntil(() => client.status().routes.filter((r) => r.step === 'up').length === 2, 30_000);
      expect(client.status().routes.filter((r) => r.step === 'up').length).toBe(2);
      expect(gateway.status().counters.refusedBadSignature).toBe(0);
      expect(client.status().counters.refused).toBe(0);
      client.close();
      gateway.close();
      sim.close();
    }
  });

  it('an allow-list refuses a key not on it; a key on it joins', async () => {
    const sim = mesh('tunnel-allow');
    await sim.run(100);
    const friend = generateIdentity();
    const stranger = start(sim, new Set([hex(friend.publicKey)]), generateIdentity(), 1);
    await sim.run(3_000);
    expect(stranger.client.status().state).toBe('joining');
    expect(stranger.client.status().counters.refused).toBeGreaterThan(0);
    expect(stranger.gateway.status().counters.refusedNotAllowed).toBeGreaterThan(0);
    stranger.client.close();
    stranger.gateway.close();
    sim.close();

    const sim2 = mesh('tunnel-allow-2');
    await sim2.run(100);
    const ok = start(sim2, new Set([hex(friend.publicKey)]), friend, 1);
    await sim2.settle(ok.client.ready(), 10_000);
    expect(ok.gateway.status().sessions.map((s) => s.client)).toEqual([hex(friend.publicKey)]);
    ok.client.close();
    ok.gateway.close();
    sim2.close();
  });

  it('a relay dies mid-transfer: its flows move to the other route, a new route is sought, and packets keep arriving', async () => {
    const sim = mesh('tunnel-kill');
    await sim.run(100);
    const { gateway, client, toUser } = start(sim);
    const cfg = await sim.settle(client.ready(), 10_000);
    await sim.runUntil(() => client.status().routes.filter((r) => r.step === 'up').length === 2, 5_000);
    // Eight downstream flows, 20 packets/s each, for 6 s; the relay a1 dies at 2 s.
    const got = new Map<number, number>();
    const flows = 8;
    let sentTotal = 0;
    for (let t = 0; t < 6000; t += 50) {
      if (t === 2000) sim.kill('a1', { notify: true, detectMs: 100 });
      for (let f = 0; f < flows; f++) {
        gateway.fromTun(udpPacket(SERVER, cfg.address, 80, 20_000 + f, new Uint8Array(200)));
        sentTotal++;
      }
      await sim.run(50);
    }
    await sim.run(500);
    for (const p of toUser) got.set(p[23] | (p[22] << 8), (got.get(p[23] | (p[22] << 8)) ?? 0) + 1);
    // Every flow kept flowing after the failure: the last second of packets all arrived.
    expect(toUser.length).toBeGreaterThan(sentTotal * 0.85);
    expect(got.size).toBe(flows);
    const gw = gateway.status().sessions[0];
    expect(gw.routes.length).toBe(1);
    expect(client.status().counters.routesLost).toBe(1);
    client.close();
    gateway.close();
    sim.close();
  });
});
