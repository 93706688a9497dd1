// Valid/ready stream drivers and monitors as coroutines (after cocotbext-axi): a source
// that sends beats with random gaps, a sink that takes them with random stalls. Both find
// their ports by prefix (`s_axis` -> s_axis_tdata, s_axis_tvalid, s_axis_tready, ...).

import type { Signal, Value } from './dut.ts';
import type { Rng } from './random.ts';
import type { SimDut } from './simulate.ts';
import { risingEdge, start } from './triggers.ts';
import { bigToBytes, bytesToBig } from '../spec/bytes.ts';

export type Beat = Record<string, Value>;

/** Fields of a valid/ready stream other than tvalid/tready, by the suffixes present on the DUT. */
function streamFields(dut: SimDut, prefix: string): Map<string, Signal> {
  const fields = new Map<string, Signal>();
  for (const [name, s] of dut.signals) {
    if (!name.startsWith(`${prefix}_`)) continue;
    const field = name.slice(prefix.length + 1);
    if (field !== 'tvalid' && field !== 'tready') fields.set(field, s);
  }
  dut.signal(`${prefix}_tvalid`);
  dut.signal(`${prefix}_tready`);
  return fields;
}

export interface StreamOptions {
  /** Probability that a cycle is idle (source) or stalled (sink). */
  idle?: number;
  rng?: Rng;
}

/** What a driver and a monitor share: the stream's ports, its coroutine, and stopping it. */
abstract class StreamEndpoint {
  protected readonly fields: Map<string, Signal>;
  protected readonly valid: Signal;
  protected readonly ready: Signal;
  protected stopped = false;

  constructor(
    protected readonly dut: SimDut,
    readonly prefix: string,
    protected readonly opts: StreamOptions,
    /** The handshake signal this side drives, held low until the coroutine starts. */
    drives: 'tvalid' | 'tready',
  ) {
    this.fields = streamFields(dut, prefix);
    this.valid = dut.signal(`${prefix}_tvalid`);
    this.ready = dut.signal(`${prefix}_tready`);
    (drives === 'tvalid' ? this.valid : this.ready).value = 0;
    start(dut.clk, () => this.run());
  }

  /** Ends the coroutine at the next edge, driving its handshake signal low. */
  stop(): void {
    this.stopped = true;
  }

  protected abstract run(): Promise<void>;
}

/** Drives a sink port of the DUT (s_axis_*). */
export class StreamSource extends StreamEndpoint {
  private readonly queue: Beat[] = [];
  sent = 0;

  constructor(dut: SimDut, prefix: string, opts: StreamOptions = {}) {
    super(dut, prefix, opts, 'tvalid');
  }

  get dataBytes(): number {
    return this.fields.get('tdata')!.width / 8;
  }

  send(beat: Beat): void {
    for (const k of Object.keys(beat)) {
      if (!this.fields.has(k)) throw new Error(`${this.prefix}: the stream has no field "${k}"`);
    }
    this.queue.push(beat);
  }

  /** Splits a packet into beats: tdata byte 0 in bits 7:0, tkeep marking the bytes, tlast on the end. */
  sendPacket(bytes: Uint8Array, sideband: Beat = {}, firstBeat: Beat = {}): void {
    const n = this.dataBytes;
    if (bytes.length === 0) throw new Error(`${this.prefix}: an AXI-Stream packet has at least one byte`);
    for (let off = 0; off < bytes.length; off += n) {
      const chunk = bytes.subarray(off, Math.min(off + n, bytes.length));
      const beat: Beat = { ...sideband, ...(off === 0 ? firstBeat : {}), tdata: bytesToBig(chunk) };
      if (this.fields.has('tkeep')) beat.tkeep = (1n << BigInt(chunk.length)) - 1n;
      if (this.fields.has('tlast')) beat.tlast = off + n >= bytes.length ? 1 : 0;
      this.send(this.normalise(beat));
    }
  }

  private normalise(beat: Beat): Beat {
    for (const [k, s] of this.fields) {
      const v = beat[k];
      if (v !== undefined && s.width <= 32) beat[k] = Number(v);
    }
    return beat;
  }

  get pending(): number {
    return this.queue.length;
  }

  protected async run(): Promise<void> {
    const rng = this.opts.rng;
    const idle = this.opts.idle ?? 0;
    let driving = false;
    for (;;) {
      await risingEdge(this.dut.clk);
      if (this.stopped) {
        this.valid.value = 0;
        return;
      }
      if (driving && this.ready.value === 1) {
        this.queue.shift();
        this.sent++;
        driving = false;
      }
      // A raised tvalid stays up until the handshake; gaps only delay the next beat.
      if (!driving && this.queue.length > 0 && !(rng && rng.next() < idle)) {
        const beat = this.queue[0]!;
        for (const [k, s] of this.fields) s.value = beat[k] ?? 0;
        driving = true;
      }
      this.valid.value = driving ? 1 : 0;
    }
  }
}

/** Takes beats from a source port of the DUT (m_axis_*). */
export class StreamSink extends StreamEndpoint {
  readonly beats: Beat[] = [];
  /** Called with each beat and the cycle it was taken on. */
  onBeat?: (beat: Beat) => void;
  private partial: Uint8Array[] = [];
  private partialFirst?: Beat;
  /** Called with each whole packet (bytes by tkeep up to tlast) and its first beat. */
  onPacket?: (bytes: Uint8Array, first: Beat) => void;

  constructor(dut: SimDut, prefix: string, opts: StreamOptions = {}) {
    super(dut, prefix, opts, 'tready');
  }

  protected async run(): Promise<void> {
    const rng = this.opts.rng;
    const idle = this.opts.idle ?? 0;
    this.ready.value = rng && rng.next() < idle ? 0 : 1;
    for (;;) {
      await risingEdge(this.dut.clk);
      if (this.stopped) {
        this.ready.value = 0;
        return;
      }
      if (this.valid.value === 1 && this.ready.value === 1) {
        const beat: Beat = {};
        for (const [k, s] of this.fields) beat[k] = s.value;
        this.take(beat);
      }
      this.ready.value = rng && rng.next() < idle ? 0 : 1;
    }
  }

  private take(beat: Beat): void {
    if (this.onBeat) this.onBeat(beat);
    else this.beats.push(beat);
    if (!this.onPacket) return;
    const bytesPerBeat = this.fields.get('tdata')!.width / 8;
    const keep = beat.tkeep === undefined ? (1n << BigInt(bytesPerBeat)) - 1n : BigInt(beat.tkeep);
    const data = bigToBytes(BigInt(beat.tdata!), bytesPerBeat);
    const kept: number[] = [];
    for (let i = 0; i < bytesPerBeat; i++) if ((keep >> BigInt(i)) & 1n) kept.push(data[i]!);
    this.partialFirst ??= beat;
    this.partial.push(Uint8Array.from(kept));
    if (beat.tlast === undefined || Number(beat.tlast) === 1) {
      const total = this.partial.reduce((n, p) => n + p.length, 0);
      const out = new Uint8Array(total);
      let off = 0;
      for (const p of this.partial) {
        out.set(p, off);
        off += p.length;
      }
      const first = this.partialFirst;
      this.partial = [];
      this.partialFirst = undefined;
      this.onPacket(out, first);
    }
  }
}
