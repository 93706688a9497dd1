// A deterministic network of store-and-forward engines: virtual time, per-direction links
// with a rate (serialisation), a propagation delay, and seeded loss, duplication and
// reordering. Arrivals and scheduled actions are events of the shared virtual clock; time
// advances event to event (and to engine deadlines), never more than 1 ms at once, so
// timers fire as in a real node.
import { SafEngine } from '../host/saf/engine.ts';
import type { RouteConfig, SafConfig } from '../host/saf/config.ts';
import { DEFAULT_LINK_OVERHEAD_BYTES } from '../host/saf/constants.ts';
import { VirtualClock } from './virtual-clock.ts';

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

export interface LinkModel {
  /** Bytes per ms on the wire (counting DEFAULT_LINK_OVERHEAD_BYTES per datagram). */
  rate: number;
  delayMs: number;
  loss?: number;
  duplicate?: number;
  /** Probability that a datagram is held back by up to `reorderMs`. */
  reorder?: number;
  reorderMs?: number;
}

export interface WireRecord {
  from: number;
  to: number;
  at: number;
  bytes: Uint8Array;
  lost: boolean;
}

export class SafSim {
  private readonly clock = new VirtualClock();
  readonly engines: SafEngine[] = [];
  readonly delivered: Array<Map<number, Uint8Array[]>> = [];
  readonly wire: WireRecord[] = [];
  recordWire = false;
  /** Called after every step; tests assert invariants here. */
  onStep: ((sim: SafSim) => void) | null = null;
  /** Per-direction impairment override: return false to drop. */
  filter: ((from: number, to: number, bytes: Uint8Array) => boolean) | null = null;
  /** Per node, how many times it crashed: datagrams sent before a crash are lost with it. */
  private readonly incarnation: number[] = [];
  private readonly busyUntil = new Map<string, number>();
  private readonly rand: () => number;
  private readonly down = new Set<number>();

  constructor(
    readonly configs: SafConfig[],
    readonly links: Map<string, LinkModel>,
    seed = 1,
  ) {
    this.rand = prng(seed);
    configs.forEach((c, i) => {
      this.incarnation.push(0);
      this.delivered.push(new Map());
      this.engines.push(this.makeEngine(i, c));
    });
  }

  private makeEngine(i: number, c: SafConfig): SafEngine {
    return new SafEngine(c, {
      transmit: (nb, bytes) => this.put(i, nb, bytes),
      deliver: (local, bytes) => {
        const m = this.delivered[i];
        if (!m.has(local)) m.set(local, []);
        m.get(local)!.push(bytes.slice());
      },
    });
  }

  get now(): number {
    return this.clock.now();
  }

  /** All links come up (the link layer finished its handshakes). */
  linksUp(): void {
    for (const k of this.links.keys()) {
      const [a, b] = k.split('>').map(Number);
      this.engines[a].linkUp(b, this.now);
    }
  }

  /** Node `i` crashes (its state and everything in flight to or from it is lost) and restarts. */
  crash(i: number, downMs: number): void {
    this.down.add(i);
    this.incarnation[i]++;
    this.engines[i] = this.makeEngine(i, this.configs[i]);
    this.at(this.now + downMs, () => {
      this.down.delete(i);
      // A new link session on each side: both ends learn of it.
      for (const k of this.links.keys()) {
        const [a, b] = k.split('>').map(Number);
        if (a === i || b === i) this.engines[a].linkUp(b, this.now);
      }
    });
  }

  /** Runs `fn` at virtual time `t`. */
  at(t: number, fn: () => void): void {
    this.clock.setTimeout(fn, t - this.now);
  }

  /** Total bytes delivered to `local` at node `i`, concatenated. */
  received(i: number, local: number): Uint8Array {
    const parts = this.delivered[i].get(local) ?? [];
    const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  receivedBytes(i: number, local: number): number {
    return (this.delivered[i].get(local) ?? []).reduce((a, p) => a + p.length, 0);
  }

  private put(from: number, to: number, bytes: Uint8Array): void {
    if (this.down.has(from)) return;
    const l = this.links.get(`${from}>${to}`);
    if (!l) throw new Error(`no link ${from}>${to}`);
    const k = `${from}>${to}`;
    const start = Math.max(this.now, this.busyUntil.get(k) ?? 0);
    const done = start + (bytes.length + DEFAULT_LINK_OVERHEAD_BYTES) / l.rate;
    this.busyUntil.set(k, done);
    let lost = this.rand() < (l.loss ?? 0);
    if (this.filter && !this.filter(from, to, bytes)) lost = true;
    if (this.recordWire) this.wire.push({ from, to, at: this.now, bytes: bytes.slice(), lost });
    if (lost) return;
    const copies = this.rand() < (l.duplicate ?? 0) ? 2 : 1;
    const sent = { from: this.incarnation[from], to: this.incarnation[to] };
    for (let c = 0; c < copies; c++) {
      const extra = this.rand() < (l.reorder ?? 0) ? this.rand() * (l.reorderMs ?? 5) : 0;
      const copy = bytes.slice();
      this.at(done + l.delayMs + extra + c * 0.1, () => {
        if (this.down.has(to) || this.incarnation[from] !== sent.from || this.incarnation[to] !== sent.to) return;
        this.engines[to].receive(from, copy, this.now);
      });
    }
  }

  /** Advances virtual time to `until`. */
  run(until: number): void {
    while (this.now < until) {
      let t = Math.min(until, this.now + 1, this.clock.nextAt());
      this.engines.forEach((e, i) => {
        if (!this.down.has(i)) t = Math.min(t, e.nextDeadline(this.now));
      });
      // Always move forward a little, so equal deadlines cannot stall the loop.
      this.clock.runUntil(Math.max(t, this.now + 1e-3));
      this.engines.forEach((e, i) => {
        if (!this.down.has(i)) e.tick(this.now);
      });
      this.onStep?.(this);
    }
  }

  /** Runs until `pred` holds or `limit` ms pass; returns the time it first held (or the limit). */
  runUntil(pred: () => boolean, limit: number): number {
    const end = this.now + limit;
    while (!pred() && this.now < end) this.run(Math.min(end, this.now + 1));
    return this.now;
  }
}

export interface ChainOptions {
  hops: number;
  /** Bytes/ms per link direction. */
  rate?: number;
  delayMs?: number;
  loss?: number;
  duplicate?: number;
  reorder?: number;
  reorderMs?: number;
  /** Buffer at every node for every route. */
  bufferBytes?: number;
  sourceBufferBytes?: number;
  /** Routes from node 0 to the last node: local IDs 1, 2, ... with these options. */
  routes?: Array<Pick<RouteConfig, 'qos' | 'mode'> & { bufferBytes?: number }>;
  /** Pace at this fraction of the link rate (1 = exactly the link rate). */
  pace?: number;
}

/** A chain 0 - 1 - ... - hops; neighbour IDs are node indexes; hop route IDs are 100*k + hop. */
export function chainConfigs(o: ChainOptions): { configs: SafConfig[]; links: Map<string, LinkModel> } {
  const n = o.hops + 1;
  const rate = o.rate ?? 1250; // 10 Mb/s
  const routes = o.routes ?? [{}];
  const configs: SafConfig[] = [];
  const links = new Map<string, LinkModel>();
  for (let i = 0; i < n; i++) {
    const neighbours = [i - 1, i + 1].filter((j) => j >= 0 && j < n).map((id) => ({ id, rateBytesPerSec: rate * 1000 * (o.pace ?? 1) }));
    const rc: RouteConfig[] = routes.map((r, k) => {
      const local = k + 1;
      const hopRoute = (h: number) => 100 * (k + 1) + h;
      const buf = i === 0 ? (o.sourceBufferBytes ?? r.bufferBytes ?? o.bufferBytes ?? 256 * 1024) : (r.bufferBytes ?? o.bufferBytes ?? 256 * 1024);
      return {
        in: i === 0 ? { local } : { neighbour: i - 1, route: hopRoute(i - 1) },
        out: i === n - 1 ? { local } : { neighbour: i + 1, route: hopRoute(i) },
        bufferBytes: buf,
        qos: r.qos,
        mode: r.mode,
      };
    });
    configs.push({ neighbours, routes: rc });
  }
  for (let i = 0; i + 1 < n; i++) {
    const m: LinkModel = { rate, delayMs: o.delayMs ?? 10, loss: o.loss, duplicate: o.duplicate, reorder: o.reorder, reorderMs: o.reorderMs };
    links.set(`${i}>${i + 1}`, m);
    links.set(`${i + 1}>${i}`, { ...m });
  }
  return { configs, links };
}

/** Deterministic application bytes: the reference the destination must reproduce exactly. */
export function patternBytes(n: number, seed: number): Uint8Array {
  const r = prng(seed);
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (r() * 256) | 0;
  return b;
}

/** Writes `data` on source route `local` of node 0 as fast as the engine accepts it. */
export function pump(sim: SafSim, local: number, data: Uint8Array, node = 0): { written: () => number } {
  let off = 0;
  const prev = sim.onStep;
  sim.onStep = (s) => {
    prev?.(s);
    if (off < data.length) off += s.engines[node].write(local, data.subarray(off, Math.min(data.length, off + 64 * 1024)), s.now);
  };
  return { written: () => off };
}

