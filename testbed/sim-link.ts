// A deterministic two-node network for Link: virtual time in 1 ms steps, per-direction
// latency, and a hook that may drop, duplicate, delay or alter each datagram.
import { nobleBackend, nodeBackend, type CryptoBackend } from '../host/crypto/backend.ts';
import { deterministicRandom } from '../host/crypto/random.ts';
import { generateIdentity, type Identity } from '../host/identity/identity.ts';
import { SoftwareDatapath } from '../host/link/datapath.ts';
import { RecordingKeySink, TeeKeySink, type KeySink, type KeySlot, type KeyRef } from '../host/link/key-sink.ts';
import { Link } from '../host/link/session.ts';
import type { LinkConfig } from '../host/link/config.ts';

export type Side = 'a' | 'b';
export interface Wire {
  from: Side;
  bytes: Uint8Array;
  at: number;
}
/** Returns the copies to deliver, each with an extra delay in ms (empty = drop). */
export type WireHook = (w: Wire) => Array<{ bytes: Uint8Array; extraDelay: number }>;

export interface GlobalKeyEvent {
  t: number;
  side: Side;
  op: 'publish' | 'retire';
  direction: 'tx' | 'rx';
  generation: number;
  role?: string;
}

class LoggingSink implements KeySink {
  constructor(
    private readonly net: SimNet,
    private readonly side: Side,
  ) {}
  publish(s: KeySlot): void {
    this.net.keyLog.push({ t: this.net.now, side: this.side, op: 'publish', direction: s.direction, generation: s.generation, role: s.role });
  }
  retire(r: KeyRef): void {
    this.net.keyLog.push({ t: this.net.now, side: this.side, op: 'retire', direction: r.direction, generation: r.generation });
  }
}

export interface SimOptions {
  latencyMs?: number;
  backends?: [CryptoBackend, CryptoBackend];
  link?: Partial<LinkConfig>;
  counterLimit?: number;
  seed?: string;
  identities?: [Identity, Identity];
  /** Extra key sinks (e.g. a key RAM model) for side a and side b. */
  sinks?: [KeySink, KeySink];
}

export class SimNet {
  now = 0;
  a: Link;
  b: Link;
  dpA: SoftwareDatapath;
  dpB: SoftwareDatapath;
  readonly delivered: Record<Side, Uint8Array[]> = { a: [], b: [] };
  readonly wireLog: Wire[] = [];
  readonly keyLog: GlobalKeyEvent[] = [];
  readonly sinkA = new RecordingKeySink();
  readonly sinkB = new RecordingKeySink();
  readonly idA: Identity;
  readonly idB: Identity;
  hook: WireHook | null = null;
  latencyMs: number;
  private queue: Array<{ at: number; seq: number; to: Side; bytes: Uint8Array }> = [];
  private seq = 0;

  constructor(o: SimOptions = {}) {
    this.latencyMs = o.latencyMs ?? 10;
    const rand = deterministicRandom(o.seed ?? 'sim');
    [this.idA, this.idB] = o.identities ?? [generateIdentity(rand), generateIdentity(rand)];
    const [ba, bb] = o.backends ?? [nodeBackend, nobleBackend];
    this.dpA = new SoftwareDatapath(ba.aead, { counterLimit: o.counterLimit });
    this.dpB = new SoftwareDatapath(bb.aead, { counterLimit: o.counterLimit });
    this.clock = () => 1_700_000_000_000 + this.now;
    this.linkOpts = { backends: [ba, bb], rand, link: o.link, sinks: o.sinks };
    this.a = this.makeLink('a');
    this.b = this.makeLink('b');
  }

  private readonly clock: () => number;
  private readonly linkOpts: { backends: [CryptoBackend, CryptoBackend]; rand: (n: number) => Uint8Array; link?: Partial<LinkConfig>; sinks?: [KeySink, KeySink] };

  private makeLink(side: Side): Link {
    const o = this.linkOpts;
    const isA = side === 'a';
    const backend = o.backends[isA ? 0 : 1];
    return new Link(
      {
        identity: isA ? this.idA : this.idB,
        peerPublicKey: (isA ? this.idB : this.idA).publicKey,
        role: isA ? 'initiator' : 'responder',
        linkId: isA ? 3 : 5,
        backend,
        random: o.rand,
        wallClockMs: this.clock,
        ...o.link,
      },
      isA ? this.dpA : this.dpB,
      { transmit: (d) => this.put(side, d), deliver: (p) => this.delivered[side].push(p.slice()) },
      new TeeKeySink([isA ? this.sinkA : this.sinkB, new LoggingSink(this, side), ...(o.sinks ? [o.sinks[isA ? 0 : 1]] : [])]),
    );
  }

  /** Simulates a crash and restart of B: a new Link and an empty datapath, same identity. */
  restartB(): void {
    this.dpB = new SoftwareDatapath(this.linkOpts.backends[1].aead);
    this.b = this.makeLink('b');
  }

  /** Simulates a crash and restart of A (the initiator): a new Link that dials at once. */
  restartA(): void {
    this.dpA = new SoftwareDatapath(this.linkOpts.backends[0].aead);
    this.a = this.makeLink('a');
    this.a.start(this.now);
  }

  link(side: Side): Link {
    return side === 'a' ? this.a : this.b;
  }

  /** Injects raw bytes as if they arrived from the wire at `side`. */
  inject(to: Side, bytes: Uint8Array): void {
    this.link(to).receive(bytes, this.now);
  }

  private put(from: Side, bytes: Uint8Array): void {
    const w = { from, bytes: bytes.slice(), at: this.now };
    this.wireLog.push(w);
    const copies = this.hook ? this.hook(w) : [{ bytes: w.bytes, extraDelay: 0 }];
    for (const c of copies) {
      this.queue.push({ at: this.now + this.latencyMs + c.extraDelay, seq: this.seq++, to: from === 'a' ? 'b' : 'a', bytes: c.bytes });
    }
  }

  /** Advances virtual time to `until`, delivering datagrams and ticking both links each ms. */
  run(until: number, each?: (t: number) => void): void {
    while (this.now < until) {
      this.now++;
      this.queue.sort((x, y) => x.at - y.at || x.seq - y.seq);
      while (this.queue.length && this.queue[0].at <= this.now) {
        const m = this.queue.shift()!;
        this.link(m.to).receive(m.bytes, this.now);
      }
      this.a.tick(this.now);
      this.b.tick(this.now);
      each?.(this.now);
    }
  }

  /** Runs until `pred` holds or `limit` ms pass; returns the time it first held. */
  runUntil(pred: () => boolean, limit: number): number {
    const end = this.now + limit;
    while (!pred() && this.now < end) this.run(this.now + 1);
    return this.now;
  }
}

/** Payload with a sequence number and a checksum-like body, so misdecryption is detectable. */
export function numberedPayload(seq: number, size: number): Uint8Array {
  const p = new Uint8Array(Math.max(size, 8));
  const v = new DataView(p.buffer);
  v.setUint32(0, seq);
  for (let i = 8; i < p.length; i++) p[i] = (seq * 31 + i * 7) & 0xff;
  v.setUint32(4, p.length);
  return p;
}

export function checkPayload(p: Uint8Array): number | null {
  if (p.length < 8) return null;
  const v = new DataView(p.buffer, p.byteOffset, p.length);
  const seq = v.getUint32(0);
  if (v.getUint32(4) !== p.length) return null;
  for (let i = 8; i < p.length; i++) if (p[i] !== ((seq * 31 + i * 7) & 0xff)) return null;
  return seq;
}
