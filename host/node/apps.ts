// Test-bed applications on local route ends: a bulk source of deterministic bytes, a sink
// that hashes what arrives, and a real-time probe that timestamps small messages.
import { createHash, type Hash } from 'node:crypto';
import type { SafEngine } from '../saf/engine.ts';

/** Same seed, same byte stream (xorshift32, one byte per step). */
export class PatternStream {
  private x: number;
  constructor(seed: number) {
    this.x = seed >>> 0 || 1;
  }
  next(n: number): Uint8Array {
    const b = new Uint8Array(n);
    let x = this.x;
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b[i] = x & 0xff;
    }
    this.x = x;
    return b;
  }
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one host. */
export const wallMs = () => performance.timeOrigin + performance.now();

const CHUNK = 16 * 1024;

export class SourceApp {
  written = 0;
  running = false;
  private pending: Uint8Array = new Uint8Array(0);
  private readonly stream: PatternStream;
  private readonly hash: Hash = createHash('sha256');
  constructor(
    readonly local: number,
    seed: number,
    readonly limit = Infinity,
  ) {
    this.stream = new PatternStream(seed);
  }
  pump(engine: SafEngine, now: number): void {
    while (this.running && this.written < this.limit) {
      if (!this.pending.length) {
        this.pending = this.stream.next(Math.min(CHUNK, this.limit - this.written));
        this.hash.update(this.pending);
      }
      const n = engine.write(this.local, this.pending, now);
      if (n === 0) return;
      this.pending = this.pending.subarray(n);
      this.written += n;
    }
  }
  report() {
    // Hash of the bytes handed to the engine (the pending tail is already hashed, so only
    // report the digest once everything generated was written).
    return { kind: 'source', local: this.local, written: this.written, sha256: this.pending.length ? null : this.hash.copy().digest('hex') };
  }
}

export class SinkApp {
  bytes = 0;
  firstAt = 0;
  readonly series: Array<[number, number]> = [];
  private readonly hash: Hash = createHash('sha256');
  constructor(readonly local: number) {}
  deliver(b: Uint8Array): void {
    if (!this.bytes) this.firstAt = performance.now();
    this.bytes += b.length;
    this.hash.update(b);
  }
  /** Records [wall time ms, bytes] every 100 ms (wall time: comparable across processes). */
  sample(): void {
    const now = wallMs();
    const last = this.series.at(-1);
    if (!last || now - last[0] >= 100) this.series.push([now, this.bytes]);
  }
  report() {
    return { kind: 'sink', local: this.local, bytes: this.bytes, sha256: this.hash.copy().digest('hex'), series: this.series };
  }
}

/** Real-time probe: `size`-byte records of seq u32 | sent wall time f64. */
export class RtSourceApp {
  sent = 0;
  running = false;
  private nextAt = 0;
  constructor(
    readonly local: number,
    readonly intervalMs: number,
    readonly size: number,
  ) {}
  pump(engine: SafEngine, now: number): void {
    if (!this.running || now < this.nextAt) return;
    this.nextAt = now + this.intervalMs;
    const m = new Uint8Array(this.size);
    const v = new DataView(m.buffer);
    v.setUint32(0, this.sent);
    v.setFloat64(4, wallMs());
    if (engine.write(this.local, m, now) === m.length) this.sent++;
  }
  report() {
    return { kind: 'rt-source', local: this.local, sent: this.sent };
  }
}

export class RtSinkApp {
  readonly latencies: number[] = [];
  private buf = new Uint8Array(0);
  constructor(
    readonly local: number,
    readonly size = 64,
  ) {}
  deliver(b: Uint8Array): void {
    const all = new Uint8Array(this.buf.length + b.length);
    all.set(this.buf);
    all.set(b, this.buf.length);
    let o = 0;
    const now = wallMs();
    for (; o + this.size <= all.length; o += this.size) this.latencies.push(now - new DataView(all.buffer, o + 4, 8).getFloat64(0));
    this.buf = all.slice(o);
  }
  report() {
    return { kind: 'rt-sink', local: this.local, latencies: this.latencies };
  }
}
