// Store-and-forward chains on the one data path, deterministic: mesh nodes (host/mesh, whose
// every route packet leaves through host/saf) joined by the simulated links of sim-mesh.ts
// on one virtual clock, routes set up by the control plane, data moved by streams and the
// datagram service. The same code as the daemon runs; only the links and the clock are
// simulated. Tests and the protocol document's examples use it.
import type { MeshNode } from '../host/mesh/node.ts';
import type { MeshStream, RouteInfo } from '../host/mesh/api.ts';
import { decodeDatagramFrames } from '../host/mesh/framing.ts';
import { decodeDatagram, type Datagram } from '../host/saf/wire.ts';
import { HOP_CHANNEL } from '../spec/route-wire.ts';
import { SimMesh, type SimLinkOptions, type WireEvent } from './sim-mesh.ts';

/** Small seeded PRNG (mulberry32): the same seed gives the same run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic application bytes: the reference the destination must reproduce exactly. */
export function patternBytes(n: number, seed: number): Uint8Array {
  const r = prng(seed);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (r() * 256) | 0;
  return b;
}

export interface ChainOptions {
  hops: number;
  /** Link rate each way, bytes/s on the wire (default 1.25e6: 10 Mb/s); the nodes pace at it. */
  rateBytesPerSec?: number;
  /** One-way latency per link, ms (default 10). */
  latencyMs?: number;
  loss?: number;
  duplicate?: number;
  /** Up to this much extra delay per datagram, so datagrams overtake each other. */
  jitterMs?: number;
  /** How every hop runs (default 'saf'; 'auto' chooses by measured loss). */
  forwarding?: 'saf' | 'plain' | 'auto';
  /** Bulk lane buffer of the relays and the destination (default 256 KiB). */
  bufferBytes?: number;
  /** ... and of the source. */
  sourceBufferBytes?: number;
  routeFailMs?: number;
  seed?: string;
  /** Link queue before the rate limit drops, ms (default 200). */
  maxQueueMs?: number;
}

/** A chain n0 - n1 - ... - n{hops} of mesh nodes. */
export class SafChain {
  readonly names: string[];

  private constructor(
    readonly sim: SimMesh,
    readonly hops: number,
  ) {
    this.names = Array.from({ length: hops + 1 }, (_, i) => `n${i}`);
  }

  static async create(o: ChainOptions): Promise<SafChain> {
    const sim = new SimMesh(o.seed ?? 'saf-chain');
    const c = new SafChain(sim, o.hops);
    c.names.forEach((n, i) =>
      sim.addNode(n, {
        safBufferBytes: i === 0 ? (o.sourceBufferBytes ?? o.bufferBytes) : o.bufferBytes,
        routeFailMs: o.routeFailMs,
      }),
    );
    const link: SimLinkOptions = {
      latencyMs: o.latencyMs ?? 10,
      rateBytesPerSec: o.rateBytesPerSec ?? 1.25e6,
      loss: o.loss,
      duplicate: o.duplicate,
      jitterMs: o.jitterMs,
      pace: true,
      linkOverhead: true,
      forwarding: o.forwarding ?? 'saf',
      maxQueueMs: o.maxQueueMs,
    };
    for (let i = 0; i < o.hops; i++) sim.link(c.names[i], c.names[i + 1], link);
    await sim.run(50);
    return c;
  }

  node(i: number): MeshNode {
    return this.sim.node(this.names[i]);
  }

  get src(): MeshNode {
    return this.node(0);
  }

  get dst(): MeshNode {
    return this.node(this.hops);
  }

  get now(): number {
    return this.sim.clock.now();
  }

  /**
   * A route from n0 to the last node through every node. Setup messages between neighbours are
   * retried a bounded number of times, so on very lossy links (50 %) a long route's setup can
   * fail; like an application, the chain tries again (up to `attempts` times).
   */
  async route(options: { qos?: boolean; attempts?: number } = {}): Promise<RouteInfo> {
    const hops = this.names.slice(1).map((n) => ({ publicKey: this.sim.node(n).publicKey, address: this.sim.node(n).address }));
    for (let i = 1; ; i++) {
      try {
        return await this.sim.settle(this.src.addRoute({ firstNeighbour: this.sim.neighbourId(this.names[0], this.names[1]), hops }, options));
      } catch (e) {
        if (i >= (options.attempts ?? 3)) throw e;
      }
    }
  }

  /** Collects what streams opened to `channel` at the last node deliver. */
  sink(channel: number): Sink {
    const k = new Sink();
    this.dst.listen(channel, (s) => k.attach(s));
    return k;
  }

  /** Opens a stream on `routes` to `channel` and writes `data` into it (as fast as it takes it), then ends it. */
  async send(routes: number[], channel: number, data: Uint8Array, options: { qos?: boolean; sendBufferBytes?: number } = {}): Promise<MeshStream> {
    const stream = await this.sim.settle(this.src.openStream({ channel, routes, qos: options.qos, repair: 'rediscover', sendBufferBytes: options.sendBufferBytes }));
    void stream.writeAll(data).then(
      () => stream.end(),
      () => undefined,
    );
    return stream;
  }

  run(ms: number): Promise<void> {
    return this.sim.run(ms);
  }

  runUntil(pred: () => boolean, maxMs: number): Promise<boolean> {
    return this.sim.runUntil(pred, maxMs);
  }

  /** Every hop datagram put on the wire (decoded), in send order: when, who to whom, and whether the wire loses it. */
  recordHopDatagrams(): Array<{ at: number; from: string; to: string; delivered: boolean; d: Datagram }> {
    const out: Array<{ at: number; from: string; to: string; delivered: boolean; d: Datagram }> = [];
    this.sim.sendObservers.push((e: WireEvent) => {
      for (const f of decodeDatagramFrames(e.bytes).frames) {
        if (f.channel !== HOP_CHANNEL) continue;
        const d = decodeDatagram(f.payload);
        if (typeof d !== 'string') out.push({ at: e.at, from: e.from, to: e.to, delivered: e.delivered, d });
      }
    });
    return out;
  }

  close(): void {
    this.sim.close();
  }
}

/** What a stream delivered, in order. */
export class Sink {
  readonly chunks: Uint8Array[] = [];
  bytes = 0;
  ended = false;
  stream: MeshStream | undefined;

  attach(s: MeshStream): void {
    this.stream = s;
    s.onData = (b) => {
      this.chunks.push(b);
      this.bytes += b.length;
    };
    s.onEnd = () => {
      this.ended = true;
    };
  }

  received(): Uint8Array {
    const out = new Uint8Array(this.bytes);
    let o = 0;
    for (const p of this.chunks) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}
