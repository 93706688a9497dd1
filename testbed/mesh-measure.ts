// Measurements of a running mesh, for bench/mesh-bench.ts and the loopback test that checks
// they are sane:
//   - route setup time against hop count, nodes in this process on real UDP sockets on
//     loopback, every link a host/link session (handshake, encryption), real timers;
//   - route setup CPU cost per hop in the simulator (no network delay at all);
//   - recovery from one lost setup message, in round trips of the step that lost it;
//   - relay cost per packet (link decrypt, route lookup, link re-encrypt) against the bare
//     cost of the two AEAD operations on the same packets;
//   - goodput of a stream striped over two equal disjoint routes against one route.
// Each returns plain numbers; none prints.
import { nodeBackend } from '../host/crypto/backend.ts';
import { deterministicRandom } from '../host/crypto/random.ts';
import { generateIdentity, type Identity } from '../host/identity/identity.ts';
import { SoftwareDatapath } from '../host/link/datapath.ts';
import { frameNonce } from '../host/link/frame.ts';
import { Link, type LinkIo } from '../host/link/session.ts';
import { UdpEndpoint } from '../host/link/udp-transport.ts';
import type { PathHop } from '../host/mesh/api.ts';
import { ControlMsg, ROUTE_CHANNEL } from '../spec/route-wire.ts';
import { decodeDatagramFrames } from '../host/mesh/framing.ts';
import { MeshNode } from '../host/mesh/node.ts';
import { sealRouteFrame } from '../host/mesh/route-packet.ts';
import { SimMesh, type SimLinkOptions } from './sim-mesh.ts';
import { realTimers } from '../host/mesh/timers.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One node of a loopback chain: its socket, its mesh node and its links by neighbour id. */
interface UdpChainNode {
  identity: Identity;
  endpoint: UdpEndpoint;
  mesh: MeshNode;
  links: Map<number, Link>;
}

export interface UdpChain {
  nodes: UdpChainNode[];
  close(): Promise<void>;
}

/**
 * `count` MeshNodes in a line, each on its own UDP socket on 127.0.0.1, joined by host/link
 * sessions. Resolves once every link is established and announced to the mesh nodes.
 * Neighbour ids: 0 is the left neighbour, 1 the right one.
 */
export async function udpChain(count: number, seed = 'udp-chain'): Promise<UdpChain> {
  const rand = deterministicRandom(seed);
  const nodes: UdpChainNode[] = [];
  for (let i = 0; i < count; i++) {
    const identity = generateIdentity(rand);
    const endpoint = await UdpEndpoint.bind({ host: '127.0.0.1' });
    const links = new Map<number, Link>();
    const mesh = new MeshNode({
      secretKey: identity.secretKey,
      timers: realTimers,
      transport: { send: (nb, bytes) => links.get(nb)?.send(bytes, performance.now()) ?? false },
    });
    nodes.push({ identity, endpoint, mesh, links });
  }
  for (let i = 0; i + 1 < count; i++) {
    const [a, b] = [nodes[i], nodes[i + 1]];
    const join = (me: UdpChainNode, peer: UdpChainNode, nb: number, role: 'initiator' | 'responder') => {
      const remote = { host: '127.0.0.1', port: peer.endpoint.port };
      const datapath = new SoftwareDatapath(nodeBackend.aead);
      const io: LinkIo = me.endpoint.io(remote, (payload) => me.mesh.receive(nb, payload));
      const link = new Link({ identity: me.identity, peerPublicKey: peer.identity.publicKey, role, linkId: nb, backend: nodeBackend }, datapath, io);
      me.links.set(nb, link);
      me.endpoint.attach(remote, link);
      return link;
    };
    const la = join(a, b, 1, 'initiator');
    const lb = join(b, a, 0, 'responder');
    la.start(performance.now());
    void lb;
  }
  for (const n of nodes) n.endpoint.startTimers(2);
  // Announce each link to its mesh node once its session carries traffic both ways.
  const announced = new Set<string>();
  await new Promise<void>((resolve, reject) => {
    const deadline = performance.now() + 10_000;
    const poll = () => {
      for (const [i, n] of nodes.entries()) {
        for (const [nb, link] of n.links) {
          const key = `${i}:${nb}`;
          if (announced.has(key) || link.state !== 'established') continue;
          announced.add(key);
          const peer = nodes[nb === 0 ? i - 1 : i + 1];
          n.mesh.linkUp(nb, { kind: 'datagram', publicKey: peer.identity.publicKey });
        }
      }
      if (announced.size === 2 * (count - 1)) return resolve();
      if (performance.now() > deadline) return reject(new Error('loopback links did not come up within 10 s'));
      setTimeout(poll, 2);
    };
    poll();
  });
  return {
    nodes,
    async close() {
      for (const n of nodes) n.mesh.close();
      await Promise.all(nodes.map((n) => n.endpoint.close()));
    },
  };
}

function pathAlong(chain: UdpChain, hops: number): { firstNeighbour: number; hops: PathHop[] } {
  return { firstNeighbour: 1, hops: chain.nodes.slice(1, hops + 1).map((n) => ({ publicKey: n.identity.publicKey, address: n.identity.address })) };
}

export interface SetupTimeRow {
  hops: number;
  /** Median time for addRoute to resolve, ms. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  perHopMs: number;
  /** Median ping over the route, ms. */
  pingMs: number;
}

/** Route setup time against hop count over real UDP on loopback (median of `repeats`). */
export async function setupTimeOverUdp(opts: { maxHops?: number; repeats?: number } = {}): Promise<SetupTimeRow[]> {
  const maxHops = opts.maxHops ?? 6;
  const repeats = opts.repeats ?? 7;
  const chain = await udpChain(maxHops + 1);
  try {
    // Let the link probes measure every link once, as on a running node.
    await new Promise((r) => setTimeout(r, 50));
    const src = chain.nodes[0].mesh;
    const rows: SetupTimeRow[] = [];
    for (let h = 1; h <= maxHops; h++) {
      const times: number[] = [];
      const pings: number[] = [];
      for (let k = 0; k < repeats; k++) {
        const t0 = performance.now();
        const info = await src.addRoute(pathAlong(chain, h));
        times.push(performance.now() - t0);
        pings.push(await src.ping(info.id, 2000));
        src.deleteRoute(info.id);
      }
      const m = median(times);
      rows.push({ hops: h, medianMs: m, minMs: Math.min(...times), maxMs: Math.max(...times), perHopMs: m / h, pingMs: median(pings) });
    }
    return rows;
  } finally {
    await chain.close();
  }
}

/** CPU time of route setup per hop in the simulator (zero link latency): crypto and bookkeeping only. */
export async function setupCpuPerHop(opts: { hops?: number; routes?: number } = {}): Promise<{ hops: number; routes: number; msPerRoute: number; msPerHop: number }> {
  const hops = opts.hops ?? 6;
  const routes = opts.routes ?? 20;
  const sim = new SimMesh('setup-cpu');
  const names = Array.from({ length: hops + 1 }, (_, i) => `n${i}`);
  for (const n of names) sim.addNode(n);
  for (let i = 0; i < hops; i++) sim.link(names[i], names[i + 1], { latencyMs: 0 });
  await sim.run(10);
  const path = { firstNeighbour: sim.neighbourId('n0', 'n1'), hops: names.slice(1).map((n) => ({ publicKey: sim.node(n).publicKey, address: sim.node(n).address })) };
  const t0 = performance.now();
  for (let i = 0; i < routes; i++) await sim.settle(sim.node('n0').addRoute(path));
  const ms = performance.now() - t0;
  sim.close();
  return { hops, routes, msPerRoute: ms / routes, msPerHop: ms / routes / hops };
}

/**
 * Recovery from one lost setup message: a 4-hop chain with `latencyMs` links, the first
 * message of the given kind dropped; returns the extra setup time in round trips of the
 * step that lost it (the target is at most three).
 */
export async function lostSetupRecovery(kind: 'Create' | 'Created' | 'Extend' | 'Extended', latencyMs = 5): Promise<{ cleanMs: number; lossyMs: number; extraRoundTrips: number }> {
  const run = async (drop: boolean) => {
    const sim = new SimMesh('lost-setup');
    const names = ['n0', 'n1', 'n2', 'n3', 'n4'];
    for (const n of names) sim.addNode(n);
    for (let i = 0; i + 1 < names.length; i++) sim.link(names[i], names[i + 1], { latencyMs });
    let dropped = false;
    // The losses all hit step 2 (the extension to n2), whose round trip is 2 links each way.
    const match = (from: string, to: string, channel: number, type: number) =>
      kind === 'Create' ? from === 'n1' && to === 'n2' && channel === 0 && type === ControlMsg.Create
      : kind === 'Created' ? from === 'n2' && to === 'n1' && channel === 0 && type === ControlMsg.Created
      : kind === 'Extend' ? from === 'n0' && to === 'n1' && channel === ROUTE_CHANNEL && !dropped
      : from === 'n1' && to === 'n0' && channel === ROUTE_CHANNEL;
    let sawFirstHop = false;
    sim.dropRules.push((e) => {
      if (!drop || dropped) return false;
      for (const f of decodeDatagramFrames(e.bytes).frames) {
        if (f.channel === 0 && f.payload[0] === ControlMsg.Created && e.from === 'n1') sawFirstHop = true;
        if (sawFirstHop && match(e.from, e.to, f.channel, f.payload[0])) return (dropped = true);
      }
      return false;
    });
    await sim.run(50);
    const path = { firstNeighbour: sim.neighbourId('n0', 'n1'), hops: names.slice(1).map((n) => ({ publicKey: sim.node(n).publicKey, address: sim.node(n).address })) };
    const info = await sim.settle(sim.node('n0').addRoute(path));
    sim.close();
    return info.setupMs!;
  };
  const cleanMs = await run(false);
  const lossyMs = await run(true);
  return { cleanMs, lossyMs, extraRoundTrips: (lossyMs - cleanMs) / (2 * 2 * latencyMs) };
}

/** Two host/link sessions joined in memory (no sockets), already established. */
function memoryLinkPair(seed: string, deliverA: (p: Uint8Array) => void, deliverB: (p: Uint8Array) => void): { a: Link; b: Link; wireAtoB: Uint8Array[] } {
  const rand = deterministicRandom(seed);
  const ia = generateIdentity(rand);
  const ib = generateIdentity(rand);
  const toB: Uint8Array[] = [];
  const toA: Uint8Array[] = [];
  const wireAtoB: Uint8Array[] = [];
  let capture = false;
  const a = new Link({ identity: ia, peerPublicKey: ib.publicKey, role: 'initiator', linkId: 1, backend: nodeBackend, rotationIntervalMs: 600_000 }, new SoftwareDatapath(nodeBackend.aead), {
    transmit: (d) => (capture ? wireAtoB : toB).push(d),
    deliver: deliverA,
  });
  const b = new Link({ identity: ib, peerPublicKey: ia.publicKey, role: 'responder', linkId: 0, backend: nodeBackend, rotationIntervalMs: 600_000 }, new SoftwareDatapath(nodeBackend.aead), {
    transmit: (d) => toA.push(d),
    deliver: deliverB,
  });
  const now = performance.now();
  a.start(now);
  for (let i = 0; i < 20 && (a.state !== 'established' || b.state !== 'established'); i++) {
    for (const d of toB.splice(0)) b.receive(d, now);
    for (const d of toA.splice(0)) a.receive(d, now);
  }
  if (a.state !== 'established' || b.state !== 'established') throw new Error('in-memory link did not establish');
  capture = true;
  return { a, b, wireAtoB };
}

export interface RelayCost {
  packets: number;
  payloadBytes: number;
  /** Link decrypt + route lookup + link encrypt, per packet, µs. */
  relayUsPerPacket: number;
  /** Only the two AEAD operations on the same sizes, per packet, µs. */
  bareUsPerPacket: number;
  /** bare / relay: the share of the relay's time that is the unavoidable crypto (target >= 0.5). */
  fraction: number;
  relayPacketsPerSec: number;
}

/**
 * Relay cost per packet on one core: a MeshNode between two host/link sessions forwards
 * pre-encrypted route packets (link-layer frames as they come off the wire) and hands the
 * re-encrypted frames to the outgoing link; compared with just opening and sealing the same
 * frames with the same AEAD.
 */
export function relayCost(opts: { packets?: number; payloadBytes?: number } = {}): RelayCost {
  const packets = opts.packets ?? 20_000;
  const payloadBytes = opts.payloadBytes ?? 1300;
  let relay: MeshNode | undefined;
  const inbound = memoryLinkPair('relay-in', () => undefined, (p) => relay!.receive(0, p));
  let forwarded = 0;
  const outbound = memoryLinkPair('relay-out', () => undefined, () => undefined);
  relay = new MeshNode({
    secretKey: generateIdentity(deterministicRandom('relay-id')).secretKey,
    timers: realTimers,
    transport: {
      send: (_nb, bytes) => {
        forwarded++;
        return outbound.a.send(bytes, 0);
      },
    },
  });
  relay.linkUp(0, { kind: 'datagram' });
  relay.linkUp(1, { kind: 'datagram' });
  const routeIn = 0x1234;
  relay.rules.install(routeIn, 0, { kind: 'forward', port: 1, nextRoute: 0x5678, qos: false, hop: 'plain' }, 'bench', 0);
  // The upstream neighbour's frames, made before the clock starts.
  const e2eKey = new Uint8Array(32).fill(7);
  const payload = new Uint8Array(payloadBytes).fill(0xab);
  for (let i = 0; i < packets; i++) inbound.a.send(sealRouteFrame(nodeBackend.aead, e2eKey, i + 1, routeIn, payload), 0);
  const frames = inbound.wireAtoB.splice(0);
  outbound.wireAtoB.length = 0;
  forwarded = 0; // the Hellos and probes of linkUp
  const t0 = performance.now();
  for (const f of frames) inbound.b.receive(f, 0);
  const relayMs = performance.now() - t0;
  relay.close();
  if (forwarded !== packets) throw new Error(`relay forwarded ${forwarded} of ${packets} packets`);
  // Bare: open and seal frames of the same length with the same AEAD.
  const key = new Uint8Array(32).fill(3);
  const aad = new Uint8Array(20);
  const sealed = frames.map((f, i) => nodeBackend.aead.seal(key, frameNonce(i), aad, new Uint8Array(f.length - 36)));
  const t1 = performance.now();
  for (let i = 0; i < sealed.length; i++) {
    const plain = nodeBackend.aead.open(key, frameNonce(i), aad, sealed[i])!;
    nodeBackend.aead.seal(key, frameNonce(i + packets), aad, plain);
  }
  const bareMs = performance.now() - t1;
  return {
    packets,
    payloadBytes,
    relayUsPerPacket: (relayMs * 1000) / packets,
    bareUsPerPacket: (bareMs * 1000) / packets,
    fraction: bareMs / relayMs,
    relayPacketsPerSec: packets / (relayMs / 1000),
  };
}

/** Goodput of one route and of two equal disjoint routes striped, on rate-limited simulated links. */
export async function stripingGoodput(opts: { bytes?: number; link?: SimLinkOptions } = {}): Promise<{ oneRouteBytesPerSec: number; twoRoutesBytesPerSec: number; ratio: number }> {
  const bytes = opts.bytes ?? 2_000_000;
  const link = opts.link ?? { latencyMs: 5, rateBytesPerSec: 2e6 };
  const run = async (policy: { kind: 'lowestLatency' } | { kind: 'disjoint'; count: number }) => {
    const sim = new SimMesh('striping');
    for (const n of ['A', 'P0', 'Q0', 'P1', 'Q1', 'G']) sim.addNode(n, { services: n === 'G' ? ['gateway'] : [] });
    for (const i of [0, 1]) {
      sim.link('A', `P${i}`, link);
      sim.link(`P${i}`, `Q${i}`, link);
      sim.link(`Q${i}`, 'G', link);
    }
    let got = 0;
    sim.node('G').listen(30, (s) => (s.onData = (b) => void (got += b.length)));
    await sim.run(50);
    const { stream } = await sim.settle(sim.node('A').connect({ service: 'gateway' }, { channel: 30, policy, discover: { timeoutMs: 100 } }));
    const t0 = sim.clock.now();
    const data = new Uint8Array(bytes);
    const done = stream.writeAll(data).then(() => stream.end());
    await sim.settle(done, 600_000);
    await sim.settle(stream.finished, 600_000);
    const ms = sim.clock.now() - t0;
    sim.close();
    if (got !== bytes) throw new Error(`received ${got} of ${bytes} bytes`);
    return bytes / (ms / 1000);
  };
  const one = await run({ kind: 'lowestLatency' });
  const two = await run({ kind: 'disjoint', count: 2 });
  return { oneRouteBytesPerSec: one, twoRoutesBytesPerSec: two, ratio: two / one };
}
