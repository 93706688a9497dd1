// The batched path: many cycles per call into the model, for tests and benchmarks that run
// millions of cycles. Semantics match the coroutine path: the inputs of cycle c are applied
// after edge c-1, outputs are sampled just before edge c (what the flops see).

import type { Dut, PortInfo, Value } from './dut.ts';
import { SimError, checkFits } from './dut.ts';
import { readValue, writeValue } from './values.ts';

function stride(ports: PortInfo[]): number {
  return ports.reduce((n, p) => n + p.words, 0);
}

export interface CycleBatch {
  /** Per input port, one value per cycle. */
  inputs: Record<string, ArrayLike<Value>>;
  /** Output (or input) ports to sample every cycle. */
  outputs: string[];
  cycles: number;
}

export function runCycles(dut: Dut, batch: CycleBatch): Record<string, Value[]> {
  dut.beginBatch(batch.cycles);
  const ins = Object.keys(batch.inputs).map((n) => dut.port(n));
  for (const p of ins) {
    if (!p.input) throw new SimError(`${dut.module}: "${p.name}" is an output and cannot be driven`);
    if (batch.inputs[p.name]!.length < batch.cycles) throw new SimError(`${dut.module}: ${batch.cycles} cycles but only ${batch.inputs[p.name]!.length} values for "${p.name}"`);
  }
  const outs = batch.outputs.map((n) => dut.port(n));
  const si = stride(ins);
  const so = stride(outs);
  const inData = new Uint32Array(si * batch.cycles);
  for (let c = 0, off = 0; c < batch.cycles; c++) {
    for (const p of ins) {
      const v = batch.inputs[p.name]![c]!;
      checkFits(dut.module, p, v);
      writeValue(inData, off, p, v);
      off += p.words;
    }
  }
  const outData = new Uint32Array(so * batch.cycles);
  dut.native.runCycles(dut.handle, dut.requireClock(), batch.cycles, Int32Array.from(ins.map((p) => p.index)), inData,
    Int32Array.from(outs.map((p) => p.index)), outData);
  dut.dirty = true;
  const result: Record<string, Value[]> = Object.fromEntries(outs.map((p) => [p.name, []]));
  for (let c = 0, off = 0; c < batch.cycles; c++) {
    for (const p of outs) {
      result[p.name]!.push(readValue(outData, off, p));
      off += p.words;
    }
  }
  return result;
}

export interface SourceSpec {
  /** Port prefix, e.g. `s_axis`. */
  prefix: string;
  /** Fields to drive (suffixes after the prefix; tvalid and tready are implied). */
  fields: string[];
  /** Packed beats: `words(fields)` 32-bit words per beat, fields in order. */
  beats: Uint32Array;
  count: number;
  /** 1 = do not start a beat on this cycle; the pattern repeats. Empty: never idle. */
  gaps?: Uint8Array;
}

export interface SinkSpec {
  prefix: string;
  fields: string[];
  expect: number;
  /** 1 = hold tready low on this cycle; the pattern repeats. Empty: always ready. */
  stalls?: Uint8Array;
}

export interface StreamResult {
  cycles: number;
  sent: number[];
  /** Beats taken by each sink, packed like the source beats; `received` counts them (it may exceed `expect`). */
  out: Uint32Array[];
  received: number[];
}

/** 32-bit words one beat of these fields occupies. */
export function beatWords(dut: Dut, prefix: string, fields: string[]): number {
  return stride(fields.map((f) => dut.port(`${prefix}_${f}`)));
}

/** Packs beats given as records into the word buffer a SourceSpec takes. */
export function packBeats(dut: Dut, prefix: string, fields: string[], beats: ReadonlyArray<Record<string, Value>>): Uint32Array {
  const ports = fields.map((f) => dut.port(`${prefix}_${f}`));
  const s = stride(ports);
  const buf = new Uint32Array(s * beats.length);
  beats.forEach((b, i) => {
    let off = i * s;
    for (let k = 0; k < ports.length; k++) {
      const v = b[fields[k]!] ?? 0;
      checkFits(dut.module, ports[k]!, v);
      writeValue(buf, off, ports[k]!, v);
      off += ports[k]!.words;
    }
  });
  return buf;
}

export function unpackBeats(dut: Dut, prefix: string, fields: string[], buf: Uint32Array, count: number): Array<Record<string, Value>> {
  const ports = fields.map((f) => dut.port(`${prefix}_${f}`));
  const s = stride(ports);
  const out: Array<Record<string, Value>> = [];
  for (let i = 0; i < count; i++) {
    let off = i * s;
    const beat: Record<string, Value> = {};
    ports.forEach((p, k) => {
      beat[fields[k]!] = readValue(buf, off, p);
      off += p.words;
    });
    out.push(beat);
  }
  return out;
}

/**
 * Runs valid/ready streams entirely inside the model: sources send their beats (with gaps),
 * sinks take beats (with stalls), until all are sent and expected beats received, or
 * `maxCycles` pass.
 */
export function runStreams(dut: Dut, spec: { sources: SourceSpec[]; sinks: SinkSpec[]; maxCycles: number }): StreamResult {
  dut.beginBatch(0);
  const port = (prefix: string, f: string): number => dut.port(`${prefix}_${f}`).index;
  const outs = spec.sinks.map((k) => new Uint32Array(beatWords(dut, k.prefix, k.fields) * k.expect));
  const r = dut.native.runStreams(
    dut.handle,
    dut.requireClock(),
    spec.maxCycles,
    spec.sources.map((s) => ({
      valid: port(s.prefix, 'tvalid'),
      ready: port(s.prefix, 'tready'),
      fields: Int32Array.from(s.fields.map((f) => port(s.prefix, f))),
      beats: s.beats,
      count: s.count,
      gaps: s.gaps ?? new Uint8Array(0),
    })),
    spec.sinks.map((k, i) => ({
      valid: port(k.prefix, 'tvalid'),
      ready: port(k.prefix, 'tready'),
      fields: Int32Array.from(k.fields.map((f) => port(k.prefix, f))),
      out: outs[i]!,
      expect: k.expect,
      stalls: k.stalls ?? new Uint8Array(0),
    })),
  );
  dut.dirty = true;
  dut.beginBatch(r[0]!);
  const ns = spec.sources.length;
  return { cycles: r[0]!, sent: r.slice(1, 1 + ns), received: r.slice(1 + ns), out: outs };
}
