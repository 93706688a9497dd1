// Meshes for the tests: chains and graphs on the simulated network, data with a checksum,
// and a capture of every frame each node received.
import { createHash } from 'node:crypto';
import type { MeshNodeOptions, PathHop } from '../../../host/mesh/api.ts';
import { addressFromPublicKey } from '../../../host/identity/address.ts';
import { decodeDatagramFrames, type Frame } from '../../../host/mesh/framing.ts';
import { SimMesh, type SimLinkOptions } from '../../../testbed/sim-mesh.ts';

export type NodeOptions = Partial<Omit<MeshNodeOptions, 'transport' | 'timers' | 'secretKey'>>;

/** Names n0..n{k-1} joined in a line. */
export function chain(k: number, link: SimLinkOptions = {}, opts: NodeOptions = {}, seed = 'chain'): { sim: SimMesh; names: string[] } {
  const sim = new SimMesh(seed);
  const names = Array.from({ length: k }, (_, i) => `n${i}`);
  for (const n of names) sim.addNode(n, opts);
  for (let i = 0; i + 1 < k; i++) sim.link(names[i], names[i + 1], link);
  return { sim, names };
}

/** A chain of k nodes whose links are measured, and a route from n0 to the last node. */
export async function chainWithRoute(k: number, link: SimLinkOptions = {}, opts: NodeOptions = {}, seed = 'chain') {
  const { sim, names } = chain(k, link, opts, seed);
  await sim.run(50);
  const src = sim.node(names[0]);
  const route = await sim.settle(src.addRoute(chainPath(sim, names, 0, k - 1)));
  return { sim, names, src, route };
}

/** The path a source at `names[0]` gives addRoute to reach `names[to]` along a chain. */
export function chainPath(sim: SimMesh, names: string[], from: number, to: number): { firstNeighbour: number; hops: PathHop[] } {
  const hops = names.slice(from + 1, to + 1).map((n) => ({ publicKey: sim.node(n).publicKey, address: sim.node(n).address }));
  return { firstNeighbour: sim.neighbourId(names[from], names[from + 1]), hops };
}

export function pathThrough(sim: SimMesh, names: string[]): { firstNeighbour: number; hops: PathHop[] } {
  return {
    firstNeighbour: sim.neighbourId(names[0], names[1]),
    hops: names.slice(1).map((n) => ({ publicKey: sim.node(n).publicKey, address: addressFromPublicKey(sim.node(n).publicKey) })),
  };
}

/** Reproducible bytes that are not a short repeating pattern. */
export function testData(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** Every frame each node received (datagram links), by node name. */
export function captureFrames(sim: SimMesh): Map<string, Array<Frame & { from: string }>> {
  const seen = new Map<string, Array<Frame & { from: string }>>();
  sim.observers.push((e) => {
    if (!e.delivered) return;
    const list = seen.get(e.to) ?? [];
    for (const f of decodeDatagramFrames(e.bytes).frames) list.push({ ...f, payload: f.payload.slice(), from: e.from });
    seen.set(e.to, list);
  });
  return seen;
}

/** A receiver on `channel` of a node that collects a stream's bytes. */
export function collect(sim: SimMesh, name: string, channel: number): { chunks: Uint8Array[]; ended: () => boolean; bytes: () => Uint8Array } {
  const chunks: Uint8Array[] = [];
  let ended = false;
  sim.node(name).listen(channel, (s) => {
    s.onData = (b) => chunks.push(b);
    s.onEnd = () => {
      ended = true;
    };
  });
  return { chunks, ended: () => ended, bytes: () => concat(chunks) };
}

/** Opens a stream from `from` over `routes` to a collector on `to`, sends `data`, ends it and waits until it is acknowledged. */
export async function sendOver(sim: SimMesh, from: string, to: string, routes: number[], channel: number, data: Uint8Array): Promise<{ received: Uint8Array; ended: boolean }> {
  const rx = collect(sim, to, channel);
  const s = await sim.settle(sim.node(from).openStream({ channel, routes }));
  s.write(data);
  s.end();
  await sim.settle(s.finished);
  return { received: rx.bytes(), ended: rx.ended() };
}
