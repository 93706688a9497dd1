// npm run explore -- --aead [--configs W:U:s:L,...] [--device ecp5-85] [--seeds 1,2,3] [--freq 170]
//
// Design-space explorer for the ChaCha20-Poly1305 packet engine: for each configuration
// (stream width W, ChaCha20 round units U, stages per round s, Poly1305 lanes L) it
// measures in Verilator the frame bits per cycle of back-to-back link frames (a 20-byte
// header as AAD, a 16-byte tag) of 64, 128, 512 and 1,444 bytes, sealed and opened, every
// frame checked against @noble/ciphers, and the latency of one 64-byte and one 1,444-byte
// frame on an idle engine; synthesizes it once and places and routes it with each placer
// seed; and reports area (LUT, FF, block RAM, DSP), the median clock with the lowest and
// highest, Gb/s at the median, Gb/s per kLUT and per DSP, and how many engines 40 Gb/s of
// 1,444-byte frames takes and whether they fit the LFE5UM-85F beside a 4,096-route hashed CAM.

import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { AEAD_PARAMS, aeadEngine } from '../rtl-gen/aead/engine.ts';
import { reduceLevels } from '../rtl-gen/poly1305/multiply.ts';
import { aeadNonce } from '../spec/aead-stream.ts';
import { PROJECT_ROOT } from '../sim/build.ts';
import { AeadDriver, type AeadConfig, type AeadPacket } from '../sim/drivers/aead-engine.ts';
import { Rng } from '../sim/random.ts';
import { device } from './devices.ts';
import { type SynthResult, synthesize } from './flow.ts';
import { median } from './seeds.ts';

export const FRAME_SIZES = [64, 128, 512, 1444] as const;
/** The link frame: a 20-byte header authenticated as AAD, then the body, then the tag. */
const HEADER = 20;
const TAG = 16;

/** What sits beside the engines on the LFE5UM-85F for the 40G class: the hashed CAM of 4,096 routes (README, bench/results/cam.json). */
export const CAM_4096 = { luts: 2927, brams: 44, dsps: 0 };
export const ECP5_85 = { luts: 83640, brams: 208, dsps: 156 };

export interface AeadExploreRow {
  config: string;
  params: AeadConfig;
  luts: number;
  ffs: number;
  brams: number;
  dsps: number;
  fmaxMHz: number | null;
  fmaxMinMHz: number | null;
  fmaxMaxMHz: number | null;
  seeds: Array<{ seed: number; fmaxMHz: number; failing?: Array<{ group: string; endpoints: number; slackNs: number }> }>;
  /** Frame bits per cycle, back to back, fill and drain excluded, by frame size: seal and open. */
  bitsPerCycle: Record<string, { seal: number; open: number }>;
  /** Cycles from a frame's first beat in to its last beat out on an idle engine. */
  latency: { '64': number; '1444': number };
  /** Gb/s at the median clock, the slower of seal and open. */
  gbps: Record<string, number | null>;
  gbpsPerKlut64: number | null;
  gbpsPerDsp1444: number | null;
  /** Engines for 40 Gb/s of 1,444-byte frames, and whether that many fit beside the CAM. */
  engines40g: number | null;
  fits40g: boolean | null;
}

/** An engine configuration from W:U:s:L, with the defaults of the device family. */
export function aeadConfig(w: number, u: number, s: number, l: number, family: string): AeadConfig {
  const ecp5 = family === 'ecp5';
  return {
    width: w, units: u, stages: s, keySlots: 4, lanes: l, multiplier: ecp5 ? 'ecp5' : 'fabric', mulStages: ecp5 ? 1 : 2,
    reduceStages: reduceLevels(l), queueWords: 128, queueRam: ecp5 ? 'ecp5' : 'block', fifoRam: ecp5 ? 'ecp5' : 'block',
    outDepth: 1024, adders: ecp5 ? 'ecp5' : 'fabric',
  };
}

export const aeadLabel = (c: AeadConfig): string => `w${c.width} u${c.units} s${c.stages ?? AEAD_PARAMS.stages.default} l${c.lanes ?? 1}`;

function linkFrames(drv: AeadDriver, rng: Rng, bytes: number, n: number, op: 'seal' | 'open'): AeadPacket[] {
  return Array.from({ length: n }, (_, i) => {
    const aad = rng.bytes(HEADER);
    const text = rng.bytes(bytes - HEADER - TAG);
    const counter = BigInt(i);
    const body = op === 'seal' ? text : chacha20poly1305(drv.keys[0]!, aeadNonce(counter), aad).encrypt(text);
    return { slot: 0, op, counter, aad, body };
  });
}

function checked(drv: AeadDriver, packets: AeadPacket[], r: ReturnType<AeadDriver['run']>): void {
  if (r.out.length !== packets.length) throw new Error(`${drv.name}: ${r.out.length} of ${packets.length} frames came out`);
  packets.forEach((p, i) => {
    const aead = chacha20poly1305(drv.keys[p.slot]!, aeadNonce(p.counter), p.aad);
    const want = Uint8Array.from([...p.aad, ...(p.op === 'seal' ? aead.encrypt(p.body) : aead.decrypt(p.body))]);
    if (!r.out[i]!.ok || Buffer.compare(Buffer.from(r.out[i]!.data), Buffer.from(want)) !== 0) throw new Error(`${drv.name}: frame ${i} (${p.op}) differs from @noble/ciphers`);
  });
}

/** Bits per cycle for each frame size and op, and the latency of a lone frame; every frame checked. */
export async function measureAead(cfg: AeadConfig): Promise<Pick<AeadExploreRow, 'bitsPerCycle' | 'latency'>> {
  const drv = await AeadDriver.create(cfg);
  const rng = new Rng(cfg.width + cfg.units);
  drv.writeKey(0, rng.bytes(32));
  const latencyOf = (bytes: number): number => {
    drv.reset();
    const p = linkFrames(drv, rng, bytes, 1, 'seal');
    const r = drv.run(p);
    checked(drv, p, r);
    return r.cycles - 1;
  };
  const latency = { '64': latencyOf(64), '1444': latencyOf(1444) };
  const bitsPerCycle: AeadExploreRow['bitsPerCycle'] = {};
  for (const bytes of FRAME_SIZES) {
    const rate = { seal: 0, open: 0 };
    for (const op of ['seal', 'open'] as const) {
      drv.reset();
      const n = bytes >= 512 ? 80 : 400;
      const packets = linkFrames(drv, rng, bytes, n, op);
      const r = drv.run(packets);
      checked(drv, packets, r);
      // Fill and drain excluded: one lone frame's latency is the run's overhead.
      const lone = bytes >= 512 ? latency['1444'] * (bytes / 1444) : latency['64'];
      rate[op] = (n * bytes * 8) / Math.max(1, r.cycles - lone);
    }
    bitsPerCycle[String(bytes)] = rate;
  }
  return { bitsPerCycle, latency };
}

/** A configuration's row from its simulation and the synthesis runs so far (one per seed placed). */
function aeadRow(c: AeadConfig, measured: Pick<AeadExploreRow, 'bitsPerCycle' | 'latency'>, runs: readonly SynthResult[]): AeadExploreRow {
  const s = runs[0]!;
  const placed = runs.filter((r) => r.pnr).map((r) => ({ seed: r.pnr!.seed ?? 1, fmaxMHz: r.pnr!.fmaxMHz, ...(r.pnr!.failing ? { failing: r.pnr!.failing } : {}) }));
  const fs = placed.map((p) => p.fmaxMHz);
  const f = fs.length ? median(fs) : null;
  const gbps: Record<string, number | null> = {};
  for (const b of FRAME_SIZES) {
    const r = measured.bitsPerCycle[String(b)]!;
    gbps[String(b)] = f === null ? null : (Math.min(r.seal, r.open) * f) / 1000;
  }
  const g1444 = gbps['1444'];
  const engines = g1444 ? Math.ceil(40 / g1444) : null;
  return {
    config: aeadLabel(c), params: c, luts: s.area.luts, ffs: s.area.ffs, brams: s.area.brams, dsps: s.area.dsps,
    fmaxMHz: f, fmaxMinMHz: fs.length ? Math.min(...fs) : null, fmaxMaxMHz: fs.length ? Math.max(...fs) : null, seeds: placed,
    ...measured, gbps,
    gbpsPerKlut64: gbps['64'] === null ? null : gbps['64']! / (s.area.luts / 1000),
    gbpsPerDsp1444: g1444 === null || s.area.dsps === 0 ? null : g1444! / s.area.dsps,
    engines40g: engines,
    fits40g: engines === null ? null
      : engines * s.area.luts + CAM_4096.luts <= ECP5_85.luts && engines * s.area.brams + CAM_4096.brams <= ECP5_85.brams && engines * s.area.dsps <= ECP5_85.dsps,
  };
}

/**
 * Simulates, synthesizes and places each configuration with each seed. The results file is
 * rewritten after every run (`complete` false until the last), so a run stopped between
 * seeds keeps the seeds it placed; its median is then of fewer seeds, as `seeds` says.
 */
export async function exploreAead(opts: { device: string; configs: AeadConfig[]; freqMHz: number; pnr: boolean; seeds: number[]; reuse?: boolean; out?: string }): Promise<AeadExploreRow[]> {
  const dev = device(opts.device);
  const rows: AeadExploreRow[] = [];
  const t0 = performance.now();
  const dir = join(PROJECT_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const name = opts.out ?? `explore-aead-${opts.device}-${opts.configs.map((c) => aeadLabel(c).replace(/ /g, '')).join('-')}`;
  const save = (complete: boolean): void => {
    const file = join(dir, `${name}.json`);
    writeFileSync(`${file}.tmp`, `${JSON.stringify({ date: new Date().toISOString(), device: opts.device, targetMHz: opts.freqMHz, seeds: opts.pnr ? opts.seeds : [], complete, seconds: (performance.now() - t0) / 1000, rows }, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
  };
  for (const c of opts.configs) {
    const measured = await measureAead(c);
    console.log(`simulated ${aeadLabel(c)}: ${FRAME_SIZES.map((b) => `${b} B ${measured.bitsPerCycle[String(b)]!.seal.toFixed(1)}/${measured.bitsPerCycle[String(b)]!.open.toFixed(1)}`).join(', ')} bits/cycle (seal/open); latency ${measured.latency['64']} / ${measured.latency['1444']} cycles`);
    const runs: SynthResult[] = [];
    for (const seed of opts.pnr ? opts.seeds : [opts.seeds[0]!]) {
      const r = await synthesize(aeadEngine(c), { device: dev.name, freqMHz: opts.freqMHz, noPnr: !opts.pnr, seed, reuse: opts.reuse });
      console.log(`placed    ${aeadLabel(c)}: ${r.area.luts} LUT ${r.area.ffs} FF ${r.area.brams} BRAM ${r.area.dsps} DSP${r.pnr ? `  seed ${seed}: fmax ${r.pnr.fmaxMHz.toFixed(1)} MHz (${r.pnr.seconds.toFixed(0)} s)` : ''}`);
      runs.push(r);
      if (runs.length === 1) rows.push(aeadRow(c, measured, runs));
      else rows[rows.length - 1] = aeadRow(c, measured, runs);
      save(false);
    }
  }
  save(true);
  console.log(`\n${aeadTable(rows)}\n\nwritten: bench/results/${name}.json`);
  return rows;
}

export function aeadTable(rows: readonly AeadExploreRow[]): string {
  const fmt = (v: number | null | undefined, d = 1): string => (v === null || v === undefined ? '-' : v.toFixed(d));
  const head = 'config           LUT     FF  BRAM  DSP  fmax MHz (min-max)     b/cyc 64B  128B  512B 1444B   Gb/s 64B 1444B  Gb/s/kLUT  lat 64/1444  40G engines';
  return [head, ...rows.map((r) => {
    const b = (n: number) => fmt(Math.min(r.bitsPerCycle[String(n)]!.seal, r.bitsPerCycle[String(n)]!.open)).padStart(5);
    return `${r.config.padEnd(14)} ${String(r.luts).padStart(6)} ${String(r.ffs).padStart(6)} ${String(r.brams).padStart(5)} ${String(r.dsps).padStart(4)}  ${fmt(r.fmaxMHz).padStart(6)} (${fmt(r.fmaxMinMHz)}-${fmt(r.fmaxMaxMHz)})`.padEnd(67) +
      `${b(64)} ${b(128)} ${b(512)} ${b(1444)}   ${fmt(r.gbps['64'], 2).padStart(6)} ${fmt(r.gbps['1444'], 2).padStart(5)}  ${fmt(r.gbpsPerKlut64, 3).padStart(9)}  ${String(r.latency['64']).padStart(5)}/${r.latency['1444']}  ${r.engines40g ?? '-'}${r.fits40g === null ? '' : r.fits40g ? ' (fit)' : ' (do not fit)'}`;
  })].join('\n');
}
