// An in-process mesh on a virtual clock: MeshNodes joined by simulated links with latency,
// loss and a serialisation rate, deterministic from a seed. Tests run whole meshes with it
// in milliseconds of CPU; the demo and benchmarks can use it where real sockets are not
// the point. Links are "authenticated" like host/link ones: each side learns the other's key.
import type { LinkInfo, MeshNodeOptions } from '../host/mesh/api.ts';
import { deterministicRandom, type RandomSource } from '../host/crypto/random.ts';
import { generateIdentity } from '../host/identity/identity.ts';
import { MeshNode } from '../host/mesh/node.ts';
import { linkWireBytes } from '../host/saf/constants.ts';
import { VirtualClock } from './virtual-clock.ts';

export interface SimLinkOptions {
  latencyMs?: number;
  /** Probability that a datagram is lost, each direction. */
  loss?: number;
  /** Serialisation rate, bytes/s (undefined: no rate limit). Also reported as the link's capacity. */
  rateBytesPerSec?: number;
  /** 'stream' links never lose and deliver in arbitrary slices (TCP); 'datagram' is the default. */
  kind?: LinkInfo['kind'];
  /** Datagrams queued for longer than this behind the rate limit are dropped (a finite router queue). */
  maxQueueMs?: number;
  /** Each datagram is delayed by a further uniform 0..jitterMs, so datagrams overtake each other. */
  jitterMs?: number;
  /** Probability that a datagram is delivered twice (the copy after its own jitter). */
  duplicate?: number;
  /** The nodes pace what they send at the link's rate (LinkInfo.paceBytesPerSec). */
  pace?: boolean;
  /**
   * A datagram takes the wire time of its encrypted link frame in a UDP packet
   * (linkWireBytes), as on a real link; otherwise its bytes alone.
   */
  linkOverhead?: boolean;
  /** How the nodes run new routes' hops over this link (LinkInfo.forwarding; default 'auto', by measured loss). */
  forwarding?: LinkInfo['forwarding'];
}

interface Direction {
  from: SimNode;
  to: SimNode;
  /** The id `to` knows `from` by. */
  toNeighbourId: number;
  opts: Required<Omit<SimLinkOptions, 'rateBytesPerSec' | 'forwarding'>> & { rateBytesPerSec?: number; forwarding?: LinkInfo['forwarding'] };
  busyUntil: number;
  up: boolean;
  /** The fate of the last datagrams sent this way (1 = lost), as the receiving link layer would count it. */
  outcomes: LossWindow;
}

/** Loss over the last WINDOW datagrams of a direction (undefined until MIN_SAMPLES were sent). */
class LossWindow {
  private static readonly WINDOW = 256;
  private static readonly MIN_SAMPLES = 64;
  private readonly ring = new Uint8Array(LossWindow.WINDOW);
  private n = 0;
  private lost = 0;

  note(lost: boolean): void {
    const i = this.n % LossWindow.WINDOW;
    if (this.n >= LossWindow.WINDOW) this.lost -= this.ring[i];
    this.ring[i] = lost ? 1 : 0;
    this.lost += this.ring[i];
    this.n++;
  }

  loss(): number | undefined {
    const k = Math.min(this.n, LossWindow.WINDOW);
    return k < LossWindow.MIN_SAMPLES ? undefined : this.lost / k;
  }
}

export interface SimNode {
  name: string;
  node: MeshNode;
  alive: boolean;
  /** Times the node was restarted. */
  incarnation: number;
  /** Outgoing directions by this node's neighbour id. */
  out: Map<number, Direction>;
  nextNeighbourId: number;
}

/** One frame on the wire, for observers (privacy tests look at every byte a node handles). */
export interface WireEvent {
  at: number;
  from: string;
  to: string;
  bytes: Uint8Array;
  delivered: boolean;
}

const flush = () => new Promise<void>((r) => setImmediate(r));

export class SimMesh {
  readonly clock = new VirtualClock();
  readonly nodes = new Map<string, SimNode>();
  readonly observers: Array<(e: WireEvent) => void> = [];
  /** Told of every datagram when it is sent (in send order), with whether the wire will lose it. */
  readonly sendObservers: Array<(e: WireEvent) => void> = [];
  /** Drop rules: a datagram for which any returns true is lost (tests lose chosen messages). */
  readonly dropRules: Array<(e: WireEvent) => boolean> = [];
  private readonly rand: RandomSource;
  datagramsSent = 0;
  datagramsLost = 0;

  constructor(
    readonly seed = 'mesh-sim',
    private readonly defaults: Partial<MeshNodeOptions> = {},
  ) {
    this.rand = deterministicRandom(`${seed}/wire`);
  }

  private chance(): number {
    const b = this.rand(4);
    return (((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0) / 2 ** 32;
  }

  addNode(name: string, options: Partial<Omit<MeshNodeOptions, 'transport' | 'timers' | 'secretKey'>> = {}): MeshNode {
    if (this.nodes.has(name)) throw new Error(`node ${name} exists`);
    const identity = generateIdentity(deterministicRandom(`${this.seed}/identity/${name}`));
    const sim: SimNode = { name, node: undefined as unknown as MeshNode, alive: true, incarnation: 0, out: new Map(), nextNeighbourId: 0 };
    sim.node = new MeshNode({
      ...this.defaults,
      ...options,
      secretKey: identity.secretKey,
      timers: this.clock,
      random: deterministicRandom(`${this.seed}/random/${name}`),
      transport: { send: (nb, bytes) => this.send(sim, nb, bytes) },
    });
    this.nodes.set(name, sim);
    return sim.node;
  }

  node(name: string): MeshNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n.node;
  }

  /** Joins two nodes; returns the neighbour ids each knows the other by. */
  link(a: string, b: string, opts: SimLinkOptions = {}): { aId: number; bId: number } {
    const na = this.nodes.get(a)!;
    const nb = this.nodes.get(b)!;
    const datagram = opts.kind !== 'stream'; // a byte stream neither loses, reorders nor duplicates
    const o = {
      latencyMs: opts.latencyMs ?? 5,
      loss: datagram ? (opts.loss ?? 0) : 0,
      kind: opts.kind ?? 'datagram',
      maxQueueMs: opts.maxQueueMs ?? 200,
      rateBytesPerSec: opts.rateBytesPerSec,
      jitterMs: datagram ? (opts.jitterMs ?? 0) : 0,
      duplicate: datagram ? (opts.duplicate ?? 0) : 0,
      pace: opts.pace ?? false,
      linkOverhead: opts.linkOverhead ?? false,
      forwarding: opts.forwarding,
    };
    const aId = na.nextNeighbourId++;
    const bId = nb.nextNeighbourId++;
    const ab: Direction = { from: na, to: nb, toNeighbourId: bId, opts: o, busyUntil: 0, up: true, outcomes: new LossWindow() };
    const ba: Direction = { from: nb, to: na, toNeighbourId: aId, opts: { ...o }, busyUntil: 0, up: true, outcomes: new LossWindow() };
    na.out.set(aId, ab);
    nb.out.set(bId, ba);
    this.attach(ab, ba);
    this.attach(ba, ab);
    return { aId, bId };
  }

  /** `out`'s sender learns of the link (a new session): it hears `back`'s datagrams. */
  private attach(out: Direction, back: Direction): void {
    const o = out.opts;
    out.from.node.linkUp(back.toNeighbourId, {
      kind: o.kind,
      publicKey: out.to.node.publicKey,
      capacityBytesPerSec: o.rateBytesPerSec,
      paceBytesPerSec: o.pace ? o.rateBytesPerSec : undefined,
      forwarding: o.forwarding,
      rxLoss: () => back.outcomes.loss(),
    });
  }

  /**
   * A node killed earlier starts again with the same identity and no state: every link to it
   * comes up as a new session on both sides (as its neighbours' link layers would report).
   */
  restart(name: string, options: Partial<Omit<MeshNodeOptions, 'transport' | 'timers' | 'secretKey'>> = {}): MeshNode {
    const n = this.nodes.get(name)!;
    const identity = generateIdentity(deterministicRandom(`${this.seed}/identity/${name}`));
    n.incarnation++;
    n.node = new MeshNode({
      ...this.defaults,
      ...options,
      secretKey: identity.secretKey,
      timers: this.clock,
      random: deterministicRandom(`${this.seed}/random/${name}/${n.incarnation}`),
      transport: { send: (nb, bytes) => this.send(n, nb, bytes) },
    });
    n.alive = true;
    for (const d of n.out.values()) {
      const back = d.to.out.get(d.toNeighbourId)!;
      d.to.node.linkDown(d.toNeighbourId);
      this.attach(d, back);
      this.attach(back, d);
    }
    return n.node;
  }

  /** The id `a` knows `b` by. */
  neighbourId(a: string, b: string): number {
    for (const [id, d] of this.nodes.get(a)!.out) if (d.to.name === b) return id;
    throw new Error(`${a} and ${b} are not linked`);
  }

  setLoss(a: string, b: string, loss: number): void {
    this.nodes.get(a)!.out.get(this.neighbourId(a, b))!.opts.loss = loss;
    this.nodes.get(b)!.out.get(this.neighbourId(b, a))!.opts.loss = loss;
  }

  /**
   * Kills a node: it stops sending and receiving at once. With `notify`, its neighbours'
   * link layers notice (linkDown) after `detectMs`; without, they only learn by silence.
   */
  kill(name: string, opts: { notify?: boolean; detectMs?: number } = {}): void {
    const n = this.nodes.get(name)!;
    n.alive = false;
    n.node.close();
    if (!opts.notify) return;
    this.clock.setTimeout(() => {
      for (const d of n.out.values()) d.to.node.linkDown(d.toNeighbourId);
    }, opts.detectMs ?? 0);
  }

  private send(from: SimNode, neighbour: number, bytes: Uint8Array): boolean {
    const d = from.out.get(neighbour);
    if (!d || !d.up || !from.alive) return false;
    this.datagramsSent++;
    const now = this.clock.now();
    const copy = bytes.slice();
    let lost = this.chance() < d.opts.loss || this.dropRules.some((f) => f({ at: now, from: from.name, to: d.to.name, bytes: copy, delivered: false }));
    let departs = now;
    if (d.opts.rateBytesPerSec) {
      const start = Math.max(now, d.busyUntil);
      if (start - now > d.opts.maxQueueMs) lost = true;
      else {
        departs = start + ((d.opts.linkOverhead ? linkWireBytes(bytes.length) : bytes.length) * 1000) / d.opts.rateBytesPerSec;
        d.busyUntil = departs;
      }
    }
    d.outcomes.note(lost);
    for (const o of this.sendObservers) o({ at: now, from: from.name, to: d.to.name, bytes: copy, delivered: !lost });
    if (lost) {
      this.datagramsLost++;
      for (const o of this.observers) o({ at: now, from: from.name, to: d.to.name, bytes: copy, delivered: false });
      return true; // the sender cannot tell a loss on the wire
    }
    // Datagrams in flight when either end restarts are lost with the old session.
    const incarnations = from.incarnation * 65536 + d.to.incarnation;
    const arrive = () => {
      if (!d.to.alive || !d.up || from.incarnation * 65536 + d.to.incarnation !== incarnations) return;
      for (const o of this.observers) o({ at: this.clock.now(), from: from.name, to: d.to.name, bytes: copy, delivered: true });
      if (d.opts.kind === 'stream' && copy.length > 1) {
        // A byte stream has no message boundaries: hand it over in two arbitrary slices.
        const cut = 1 + Math.floor(this.chance() * (copy.length - 1));
        d.to.node.receive(d.toNeighbourId, copy.subarray(0, cut));
        d.to.node.receive(d.toNeighbourId, copy.subarray(cut));
      } else d.to.node.receive(d.toNeighbourId, copy.slice());
    };
    const copies = d.opts.duplicate > 0 && this.chance() < d.opts.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const jitter = d.opts.jitterMs > 0 ? this.chance() * d.opts.jitterMs : 0;
      this.clock.setTimeout(arrive, departs - now + d.opts.latencyMs + jitter);
    }
    return true;
  }

  /** Runs virtual time forward by `ms`, letting promise continuations run between events. */
  async run(ms: number): Promise<void> {
    await this.runUntil(() => false, ms);
  }

  /** Runs until `pred` holds or `maxMs` of virtual time passed; returns whether it holds. */
  async runUntil(pred: () => boolean, maxMs: number): Promise<boolean> {
    const end = this.clock.now() + maxMs;
    await flush();
    while (!pred()) {
      const next = this.clock.nextAt();
      if (next > end) {
        this.clock.runUntil(end);
        await flush();
        return pred();
      }
      this.clock.runUntil(next);
      await flush();
    }
    return true;
  }

  /** Runs until `p` settles (or throws after `maxMs` of virtual time). */
  async settle<T>(p: Promise<T>, maxMs = 60_000): Promise<T> {
    let done = false;
    const tracked = p.finally(() => {
      done = true;
    });
    tracked.catch(() => undefined);
    const ok = await this.runUntil(() => done, maxMs);
    if (!ok) throw new Error(`did not settle within ${maxMs} ms of virtual time`);
    return tracked;
  }

  close(): void {
    for (const n of this.nodes.values()) n.node.close();
  }
}
