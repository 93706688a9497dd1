// The forwarding plane against the software relay itself (testbed/forwarding/twin.ts): real
// host/link sessions and a real host/mesh node on one side, the Verilated device on the other,
// the same frames into both, every frame out compared byte for byte (the twin throws at the
// first difference), then the counters: per peer against the link statistics, per rule against
// the rule book.
import { beforeAll, describe, expect, it } from 'vitest';
import { FRAME_REJECTS } from '../../spec/link-wire.ts';
import { CONTROL_CHANNEL, ControlMsg } from '../../spec/route-wire.ts';
import { peerCounterIndex } from '../../spec/forwarding/counters.ts';
import { encodeControl } from '../../host/mesh/control.ts';
import { encodeFrame } from '../../host/mesh/framing.ts';
import { Rng } from '../../sim/random.ts';
import { FpDevice } from '../../testbed/forwarding/device.ts';
import { type Outcome, TwinRelay } from '../../testbed/forwarding/twin.ts';

const AEAD = { width: 64, units: 2, stages: 1, lanes: 1, multiplier: 'fabric', mulStages: 2, reduceStages: 4, queueWords: 32, queueRam: 'block', fifoRam: 'block', outDepth: 64, seqBits: 4 };
const GEOMETRY = { entries: 256, ways: 4, stash: 2 };
const PARAMS = { ports: 2, peers: 4, routeEntries: GEOMETRY.entries, routeWays: GEOMETRY.ways, routeStash: GEOMETRY.stash, ruleCounters: 256, aead: AEAD, ram: 'inferred' as const };
const ROUTES = [[0x1000_0001, 0, 1], [0x1000_0002, 1, 2], [0x1000_0003, 2, 3], [0x1000_0004, 3, 0], [0x1000_0005, 0, 2], [0x1000_0006, 1, 3]] as const;

function countersMatch(dev: FpDevice, twin: TwinRelay): void {
  for (const p of twin.peers) {
    const s = p.relay.stats;
    expect(dev.counter('peer', peerCounterIndex(p.index, 'rxFrames')).frames, `peer ${p.index} rxFrames`).toBe(s.rxFrames);
    expect(dev.counter('peer', peerCounterIndex(p.index, 'txFrames')), `peer ${p.index} txFrames`).toEqual({ frames: s.txFrames, bytes: s.txBytes });
    for (const r of FRAME_REJECTS) expect(dev.counter('peer', peerCounterIndex(p.index, r)).frames, `peer ${p.index} ${r}`).toBe(s.rejected[r]);
  }
}

/** A twin on a freshly reset device, its links established through the device. */
function freshTwin(dev: FpDevice, seed: number, rotationIntervalMs?: number): { twin: TwinRelay; rng: Rng } {
  dev.reset();
  const rng = new Rng(seed);
  const twin = new TwinRelay(dev, { peers: 4, rng, geometry: GEOMETRY, rotationIntervalMs });
  twin.configure();
  twin.establish();
  return { twin, rng };
}

function tally(os: Outcome[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const o of os) {
    const k = o.device === 'host' ? `host:${o.hostKind}:${o.hostReason}` : o.device;
    t[k] = (t[k] ?? 0) + 1;
  }
  return t;
}

describe('forwarding plane against the software relay', () => {
  let dev: FpDevice;
  beforeAll(async () => {
    dev = await FpDevice.create(PARAMS);
  }, 1_200_000);

  it('relays route packets between real link sessions as the software does, through rotations, table changes, bad frames and backpressure', () => {
    const { twin, rng } = freshTwin(dev, 77);
    for (const [route, from, to] of ROUTES) twin.addRule(route, from, to, route + 0x1000_0000);
    const sent: Array<{ peer: number; datagram: Uint8Array }> = [];
    const traffic = (n: number): void => {
      for (let i = 0; i < n; i++) {
        const [route, from] = ROUTES[rng.int(0, ROUTES.length - 1)]!;
        twin.peerSends(from, TwinRelay.routePacket(route, i, rng.int(17, 1300)));
        sent.push(twin.toRelay.at(-1)!);
        twin.pump();
      }
    };
    traffic(30);
    // Table changes under traffic: a rule removed (its packets then miss), one added, one moved.
    twin.removeRule(0x1000_0006, 1);
    twin.peerSends(1, TwinRelay.routePacket(0x1000_0006, 99, 40));
    expect(twin.pump().map((o) => o.hostReason)).toEqual(['routeMiss']);
    twin.addRule(0x1000_0007, 3, 1, 0x2000_0007);
    traffic(10);
    // The right route ID from the wrong neighbour misses, as rule.from decides in software.
    twin.peerSends(2, TwinRelay.routePacket(0x1000_0001, 5, 64));
    expect(twin.pump().map((o) => o.hostReason)).toEqual(['routeMiss']);
    // Channel 0 goes to the host; the node answers a probe, and the device seals the answer.
    twin.peerSends(0, encodeFrame(CONTROL_CHANNEL, encodeControl({ type: ControlMsg.Probe, nonce: 7, sentAt: 1 })));
    expect(twin.pump().map((o) => o.hostReason)).toEqual(['notRoute']);
    // Replays, forgeries, truncations, garbage: dropped by both, counted under the same names.
    for (let i = 0; i < 25; i++) {
      const s = sent[rng.int(0, sent.length - 1)]!;
      const d = Uint8Array.from(s.datagram);
      const kind = i % 5;
      if (kind === 1) d[rng.int(20, d.length - 1)] ^= 1 << rng.int(0, 7); // body or tag: badTag
      if (kind === 2) d[rng.int(4, 19)] ^= 1 << rng.int(0, 7); // header (AAD): wrongPeer, wrongGeneration, badTag...
      const frame = kind === 3 ? d.subarray(0, rng.int(0, d.length - 1)) : kind === 4 ? rng.bytes(rng.int(2, 200)) : d;
      const o = twin.deliver(s.peer, frame);
      expect(o.device, `bad frame ${i} (kind ${kind})`).toBe('dropped');
    }
    // Key rotations under traffic (every link rotates each 1,000 ms), with egress backpressure.
    dev.txStall = 0.5;
    for (let r = 0; r < 3; r++) {
      twin.advance(1000);
      twin.pump();
      traffic(8);
      twin.advance(60);
      twin.pump();
      traffic(4);
    }
    dev.txStall = 0;
    expect(twin.peers.every((p) => p.relay.generation >= 3)).toBe(true);
    const t = tally(twin.outcomes);
    expect(t.forwarded).toBeGreaterThan(50);
    expect(t.dropped).toBeGreaterThanOrEqual(25);
    expect(t['host:opened:nextKey']).toBeGreaterThan(0);
    expect(t['host:opened:notData']).toBeGreaterThan(0);
    expect(t['host:raw:handshake']).toBeGreaterThan(0);
    countersMatch(dev, twin);
    // Rule counters: what the software accounted, less what it relayed itself after a hand-up.
    for (const [route] of ROUTES.filter(([r]) => r !== 0x1000_0006)) {
      const rule = twin.mesh.rules.get(route)!;
      const c = dev.counter('rule', twin.ruleCounter(route));
      expect(c.frames, `rule ${route.toString(16)}`).toBeLessThanOrEqual(rule.packets);
      expect(c.frames, `rule ${route.toString(16)}`).toBeGreaterThan(0);
    }
    let devPackets = 0;
    let swPackets = 0;
    for (const [route] of ROUTES.filter(([r]) => r !== 0x1000_0006)) {
      devPackets += dev.counter('rule', twin.ruleCounter(route)).frames;
      swPackets += twin.mesh.rules.get(route)!.packets;
    }
    const hostRelayed = [...twin.hostRelayed.values()].reduce((a, b) => a + b, 0);
    expect(devPackets + hostRelayed).toBe(swPackets);
  });

  it('clears a rule counter as it reads it, losing no packet', () => {
    const { twin, rng } = freshTwin(dev, 5);
    twin.addRule(0x3000_0001, 0, 1, 0x4000_0001);
    let total = 0;
    let bytes = 0;
    for (let i = 0; i < 12; i++) {
      const size = rng.int(17, 400);
      twin.peerSends(0, TwinRelay.routePacket(0x3000_0001, i, size));
      twin.pump();
      if (i % 4 === 3) {
        const c = dev.counter('rule', twin.ruleCounter(0x3000_0001), true);
        total += c.frames;
        bytes += c.bytes;
      }
    }
    const rule = twin.mesh.rules.get(0x3000_0001)!;
    expect({ total, bytes }).toEqual({ total: rule.packets, bytes: rule.bytes });
    expect(dev.counter('rule', twin.ruleCounter(0x3000_0001))).toEqual({ frames: 0, bytes: 0 });
  });

  it('comes back clean from a reset in the middle of traffic', () => {
    dev.reset();
    const rng = new Rng(11);
    const first = new TwinRelay(dev, { peers: 4, rng, geometry: GEOMETRY });
    first.configure();
    first.establish();
    first.addRule(0x5000_0001, 0, 1, 0x6000_0001);
    for (let i = 0; i < 6; i++) first.peerSends(0, TwinRelay.routePacket(0x5000_0001, i, 1200));
    for (const { peer, datagram } of first.toRelay.splice(0)) dev.send(first.peers[peer]!.port, first.ingressFrame(peer, datagram));
    dev.run(300); // frames in the engines, in the buffers, on the wire
    dev.reset();
    dev.tx.forEach((t) => (t.length = 0));
    const twin = new TwinRelay(dev, { peers: 4, rng, geometry: GEOMETRY });
    twin.configure();
    twin.establish();
    twin.addRule(0x5000_0002, 2, 3, 0x6000_0002);
    for (let i = 0; i < 6; i++) {
      twin.peerSends(2, TwinRelay.routePacket(0x5000_0002, i, rng.int(17, 1300)));
      expect(twin.pump().map((o) => o.device)).toEqual(['forwarded']);
    }
    countersMatch(dev, twin);
  });
});

describe('forwarding plane with many frames in flight', () => {
  let dev: FpDevice;
  beforeAll(async () => {
    dev = await FpDevice.create(PARAMS);
  }, 1_200_000);

  // This test's engines are the small ones (two ChaCha20 units of one stage, a fabric Poly1305
  // multiplier: a few bytes a cycle), so frames are offered at a fifth of the port's beat rate;
  // bench:fp drives the 10G engines back to back.
  it('relays full duplex on both ports at once, many frames in flight, under egress backpressure, as the software does', () => {
    const { twin, rng } = freshTwin(dev, 99, 600_000);
    const flows = [[0, 1], [1, 0], [2, 3], [3, 2]] as const;
    flows.forEach(([from, to], i) => twin.addRule(0x7000_0000 + i, from, to, 0x7100_0000 + i));
    const items = [];
    for (let n = 0; n < 40; n++) {
      for (let f = 0; f < flows.length; f++) {
        twin.peerSends(flows[f]![0], TwinRelay.routePacket(0x7000_0000 + f, n, rng.int(17, 1300)));
        items.push(twin.toRelay.pop()!);
      }
    }
    dev.txStall = 0.3;
    dev.rxGap = 0.8;
    const r = twin.burst(items);
    dev.txStall = 0;
    dev.rxGap = 0;
    expect(r.out).toEqual([80, 80]);
    countersMatch(dev, twin);
  });
});
