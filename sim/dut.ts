// A simulated design under test: every port by name, values as numbers (up to 32 bits) or
// BigInts (wider), plus the batch entry points for long runs.

import { Scheduler } from './scheduler.ts';

export interface NativeModel {
  create(tracePath: string | null): unknown;
  ports(): Array<[string, number, boolean]>;
  eval(h: unknown): void;
  half(h: unknown, clk: number, level: number): void;
  tick(h: unknown, clk: number, cycles: number): void;
  setU32(h: unknown, idx: number, v: number): void;
  getU32(h: unknown, idx: number): number;
  setBig(h: unknown, idx: number, v: bigint): void;
  getBig(h: unknown, idx: number): bigint;
  runCycles(h: unknown, clk: number, cycles: number, inIdx: Int32Array, inData: Uint32Array, outIdx: Int32Array, outData: Uint32Array): void;
  runStreams(h: unknown, clk: number, maxCycles: number, sources: NativeStreamSide[], sinks: NativeStreamSide[]): number[];
  close(h: unknown): void;
}

export interface NativeStreamSide {
  valid: number;
  ready: number;
  fields: Int32Array;
  beats?: Uint32Array;
  count?: number;
  gaps?: Uint8Array;
  out?: Uint32Array;
  expect?: number;
  stalls?: Uint8Array;
}

export interface PortInfo {
  readonly name: string;
  readonly width: number;
  readonly input: boolean;
  readonly index: number;
  /** 32-bit words the value occupies. */
  readonly words: number;
}

export type Value = number | bigint;

/** The widest port the harness moves (its BigInt buffers are sized for this). */
export const MAX_PORT_WIDTH = 4096;

export class SimError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimError';
  }
}

export class Signal {
  constructor(
    readonly dut: Dut,
    readonly port: PortInfo,
  ) {}

  get name(): string {
    return this.port.name;
  }

  get width(): number {
    return this.port.width;
  }

  /** The current value: a number for ports up to 32 bits, a BigInt for wider ones. */
  get value(): Value {
    return this.dut.read(this.port);
  }

  set value(v: Value) {
    this.dut.write(this.port, v);
  }

  /** The value as a BigInt whatever the width. */
  get big(): bigint {
    return BigInt(this.dut.read(this.port));
  }
}

export interface DutOptions {
  /** Module name, for error messages. */
  module: string;
  /** Where the waveform goes, when tracing. */
  wavePath?: string;
  /** Name of the clock port (default `clk` when there is one). */
  clock?: string;
}

export class Dut {
  readonly handle: unknown;
  readonly ports = new Map<string, PortInfo>();
  readonly signals = new Map<string, Signal>();
  readonly module: string;
  readonly wavePath?: string;
  /** Inputs changed since the last evaluation. */
  dirty = true;
  private deferred: Array<[PortInfo, Value]> = [];
  private sched?: Scheduler;
  private readonly clkIndex: number;
  private closed = false;

  constructor(
    readonly native: NativeModel,
    opts: DutOptions,
  ) {
    this.module = opts.module;
    this.wavePath = opts.wavePath;
    native.ports().forEach(([name, width, input], index) => {
      if (width > MAX_PORT_WIDTH) throw new SimError(`${this.module}: port ${name} is ${width} bits; the harness moves at most ${MAX_PORT_WIDTH}`);
      const info: PortInfo = { name, width, input, index, words: Math.ceil(width / 32) };
      this.ports.set(name, info);
      this.signals.set(name, new Signal(this, info));
    });
    this.handle = native.create(opts.wavePath ?? null);
    const clk = this.ports.get(opts.clock ?? 'clk');
    if (opts.clock && !clk) throw new SimError(`${this.module} has no clock port "${opts.clock}"`);
    this.clkIndex = clk ? clk.index : -1;
    if (clk) native.setU32(this.handle, clk.index, 0);
    this.settle();
  }

  /** A port by name; an unknown name is an error that lists the ports there are. */
  signal(name: string): Signal {
    const s = this.signals.get(name);
    if (!s) throw new SimError(`${this.module} has no port "${name}"; ports: ${[...this.signals.keys()].join(', ')}`);
    return s;
  }

  port(name: string): PortInfo {
    return this.signal(name).port;
  }

  /** Evaluates the model with the inputs as they are. */
  settle(): void {
    this.native.eval(this.handle);
    this.dirty = false;
  }

  read(p: PortInfo): Value {
    if (this.dirty) this.settle();
    return p.width <= 32 ? this.native.getU32(this.handle, p.index) : this.native.getBig(this.handle, p.index);
  }

  write(p: PortInfo, v: Value): void {
    if (!p.input) throw new SimError(`${this.module}: port "${p.name}" is an output and cannot be written`);
    checkFits(this.module, p, v);
    if (this.sched?.inEdge) {
      this.deferred.push([p, v]);
      return;
    }
    this.poke(p, v);
  }

  private poke(p: PortInfo, v: Value): void {
    if (p.width <= 32) this.native.setU32(this.handle, p.index, Number(v));
    else this.native.setBig(this.handle, p.index, BigInt(v));
    this.dirty = true;
  }

  /** @internal applies writes made at a rising edge, just after it. */
  applyDeferred(): void {
    this.dirty = true;
    if (this.deferred.length === 0) return;
    for (const [p, v] of this.deferred) this.poke(p, v);
    this.deferred.length = 0;
  }

  /** @internal the scheduler of this design's clock, made on first use. */
  scheduler(clock: Signal): Scheduler {
    if (clock.dut !== this) throw new SimError(`${clock.name} belongs to another design`);
    if (clock.port.index !== this.clkIndex) {
      throw new SimError(`${this.module}: edges are available on the clock port only (${this.clockName()}), not on "${clock.name}"`);
    }
    this.sched ??= new Scheduler(this, this.clkIndex);
    return this.sched;
  }

  private clockName(): string {
    return this.clkIndex < 0 ? 'none' : [...this.ports.values()][this.clkIndex]!.name;
  }

  requireClock(): number {
    if (this.clkIndex < 0) throw new SimError(`${this.module} has no clock port`);
    return this.clkIndex;
  }

  /** Runs whole clock cycles with the inputs held as they are. */
  tick(cycles = 1): void {
    this.beginBatch(cycles);
    this.native.tick(this.handle, this.requireClock(), cycles);
    this.dirty = true;
  }

  /**
   * @internal called before a batch call of `cycles` cycles: completes a pending rising edge
   * (when the caller was resumed by one) and counts the batch's cycles for cycleOf().
   */
  beginBatch(cycles: number): void {
    this.sched?.finishEdge();
    if (this.deferred.length) this.applyDeferred();
    this.sched?.addCycles(cycles);
  }

  /** Closes the waveform (if any). The model itself is freed by the garbage collector. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.native.close(this.handle);
  }
}

export function checkFits(module: string, p: PortInfo, v: Value): void {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) throw new SimError(`${module}.${p.name}: ${v} is not a non-negative integer`);
    if (p.width < 53 && v >= 2 ** p.width) throw new SimError(`${module}.${p.name}: ${v} does not fit in ${p.width} bits`);
    if (p.width >= 53 && !Number.isSafeInteger(v)) throw new SimError(`${module}.${p.name}: ${v} is not exact; pass a BigInt`);
  } else if (typeof v === 'bigint') {
    if (v < 0n || v >> BigInt(p.width) !== 0n) throw new SimError(`${module}.${p.name}: 0x${v.toString(16)} does not fit in ${p.width} bits`);
  } else {
    throw new SimError(`${module}.${p.name}: value must be a number or BigInt, got ${typeof v}`);
  }
}
