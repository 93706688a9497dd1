// npm run explore -- --target-gbps 10 --device ecp5-85 [--configs U:s:W,...] [--seeds 1,2,3]
//
// Design-space explorer for the ChaCha packet cipher: for each configuration (round units
// U, stages per round s, stream width W) it measures payload bits per cycle in Verilator at
// full load for back-to-back 64-byte and 1,500-byte packets, synthesizes it once and places
// and routes it with each placer seed, and reports area, the clock nextpnr closed (the
// median over the seeds, with the lowest and highest) and Gb/s = bits/cycle x fmax. Placement
// moves fmax by tens of MHz from seed to seed, so one seed is not a figure. It writes JSON and
// an SVG plot (area against throughput at the median, the seeds' range as a bar, Pareto front)
// under bench/results/, one file per device and configuration family, and names the smallest
// configuration whose median meets the target.

import { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chachaPipeline, pipelineLatency } from '../rtl-gen/chacha/pipeline.ts';
import { PROJECT_ROOT } from '../sim/build.ts';
import { Rng } from '../sim/random.ts';
import { type Packet, PipelineDriver, type PipelineConfig, checkPackets } from '../sim/drivers/chacha-pipeline.ts';
import { device } from './devices.ts';
import { aeadConfig, exploreAead } from './explore-aead.ts';
import { type SynthResult, synthesize } from './flow.ts';
import { median, parseSeeds } from './seeds.ts';
import { paretoFront, scatterSvg } from './svg-plot.ts';

export { median, parseSeeds };

export interface ExploreRow {
  config: string;
  rounds: number;
  units: number;
  stages: number;
  width: number;
  luts: number;
  ffs: number;
  brams: number;
  /** Median over the placer seeds (the mean of the middle two for an even count). */
  fmaxMHz: number | null;
  fmaxMinMHz: number | null;
  fmaxMaxMHz: number | null;
  /** Every seed's run: the clock, and the worst failing endpoint groups when it missed the target. */
  seeds: Array<{ seed: number; fmaxMHz: number; failing?: Array<{ group: string; endpoints: number; slackNs: number }> }>;
  bitsPerCycle64: number;
  bitsPerCycle1500: number;
  gbps64: number | null;
  gbps1500: number | null;
  gbpsPerKlut: number | null;
}

/** Stream width matched to the keystream rate 512*U/R bits per cycle. */
export function matchedWidth(rounds: number, units: number): number {
  const rate = (512 * units) / rounds;
  return Math.min(512, Math.max(64, 2 ** Math.ceil(Math.log2(rate))));
}

export function defaultSweep(rounds: number, maxUnits: number): PipelineConfig[] {
  const divisors = Array.from({ length: rounds }, (_, i) => i + 1).filter((u) => rounds % u === 0 && u <= maxUnits);
  return divisors.flatMap((units) =>
    [1, 2, 4].map((stages) => ({ rounds, units, stages, width: matchedWidth(rounds, units), keySlots: 4, layout: 'ietf' as const })),
  );
}

const label = (c: PipelineConfig): string => `u${c.units} s${c.stages} w${c.width}`;

/** Results file name of a run: one per device and configuration family (the sweep, or the --configs list). */
export function resultsName(deviceName: string, configs?: readonly PipelineConfig[]): string {
  return configs ? `explore-${deviceName}-${configs.map((c) => label(c).replace(/ /g, '')).join('-')}` : `explore-${deviceName}`;
}

/** Payload bits per cycle for back-to-back packets of one size, fill and drain excluded; every packet is checked against the golden model. */
export async function measureRate(cfg: PipelineConfig, bytes: number, packets: number): Promise<number> {
  const drv = await PipelineDriver.create(cfg);
  const rng = new Rng(bytes);
  const list: Packet[] = Array.from({ length: packets }, () => ({ slot: 0, nonce: rng.bytes(12), counter: 1n, data: rng.bytes(bytes) }));
  const r = drv.run(list);
  if (r.out.length !== packets) throw new Error(`${drv.name}: ${r.out.length} of ${packets} packets came out`);
  checkPackets(drv, list, r.out); // a rate counts only if what came out is right
  return (packets * bytes * 8) / (r.cycles - pipelineLatency(cfg));
}

async function pool<T, R>(items: T[], limit: number, job: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await job(items[i]!);
      }
    }),
  );
  return out;
}

export async function explore(opts: { device: string; targetGbps: number; configs: PipelineConfig[]; freqMHz: number; jobs: number; pnr: boolean; seeds: number[]; reuse?: boolean }): Promise<{ rows: ExploreRow[]; best?: ExploreRow }> {
  const dev = device(opts.device);
  // Simulation (a Verilator build of minutes for the unrolled core) runs beside synthesis and
  // place and route, which are child processes too.
  const rates: Array<[number, number]> = [];
  const simulated = (async () => {
    for (const c of opts.configs) {
      const r64 = await measureRate(c, 64, 400);
      const r1500 = await measureRate(c, 1500, 60);
      rates.push([r64, r1500]);
      console.log(`simulated ${label(c).padEnd(14)} ${r64.toFixed(1).padStart(6)} bits/cycle (64 B)  ${r1500.toFixed(1).padStart(6)} bits/cycle (1500 B)`);
    }
  })();
  simulated.catch(() => undefined); // its failure is reported by the await below, after synthesis
  // A configuration's seeds run one after another: the first runs yosys, the others reuse its
  // netlist (flow.ts), and place and route takes the machine-wide lock in any case.
  const synth = await pool(opts.configs, opts.jobs, async (c): Promise<SynthResult[]> => {
    const runs: SynthResult[] = [];
    for (const seed of opts.pnr ? opts.seeds : [opts.seeds[0]!]) {
      const r = await synthesize(chachaPipeline(c), { device: dev.name, freqMHz: opts.freqMHz, noPnr: !opts.pnr, seed, reuse: opts.reuse });
      console.log(`placed    ${label(c).padEnd(14)} ${r.area.luts} LUT ${r.area.ffs} FF ${r.area.brams} BRAM${r.pnr ? `  seed ${seed}: fmax ${r.pnr.fmaxMHz.toFixed(1)} MHz (${r.pnr.seconds.toFixed(0)} s)` : ''}`);
      runs.push(r);
    }
    return runs;
  });
  await simulated;
  const rows: ExploreRow[] = opts.configs.map((c, i) => {
    const runs = synth[i]!;
    const s = runs[0]!;
    const placed = runs.filter((r) => r.pnr).map((r) => ({ seed: r.pnr!.seed ?? 1, fmaxMHz: r.pnr!.fmaxMHz, ...(r.pnr!.failing ? { failing: r.pnr!.failing } : {}) }));
    const fs = placed.map((p) => p.fmaxMHz);
    const f = fs.length ? median(fs) : null;
    const [b64, b1500] = rates[i]!;
    return {
      config: label(c), rounds: c.rounds, units: c.units, stages: c.stages, width: c.width,
      luts: s.area.luts, ffs: s.area.ffs, brams: s.area.brams,
      fmaxMHz: f, fmaxMinMHz: fs.length ? Math.min(...fs) : null, fmaxMaxMHz: fs.length ? Math.max(...fs) : null, seeds: placed,
      bitsPerCycle64: b64, bitsPerCycle1500: b1500,
      gbps64: f === null ? null : (b64 * f) / 1000,
      gbps1500: f === null ? null : (b1500 * f) / 1000,
      gbpsPerKlut: f === null ? null : ((b64 * f) / 1000) / (s.area.luts / 1000),
    };
  });
  const meeting = rows.filter((r) => r.gbps64 !== null && r.gbps64 >= opts.targetGbps).sort((a, b) => a.luts - b.luts);
  return { rows, best: meeting[0] };
}

function table(rows: ExploreRow[]): string {
  const head = 'config          LUT      FF  BRAM  fmax MHz: median (lowest-highest)  b/cyc 64B  b/cyc 1500B  Gb/s 64B  Gb/s 1500B  Gb/s per kLUT';
  const fmt = (v: number | null, d = 1): string => (v === null ? '-' : v.toFixed(d));
  const fmax = (r: ExploreRow): string => (r.fmaxMHz === null ? '-' : `${fmt(r.fmaxMHz)} (${fmt(r.fmaxMinMHz)}-${fmt(r.fmaxMaxMHz)}, ${r.seeds.length} seed${r.seeds.length === 1 ? '' : 's'})`);
  return [head, ...rows.map((r) =>
    `${r.config.padEnd(14)} ${String(r.luts).padStart(5)} ${String(r.ffs).padStart(7)} ${String(r.brams).padStart(5)}  ${fmax(r).padEnd(34)} ${fmt(r.bitsPerCycle64).padStart(10)} ${fmt(r.bitsPerCycle1500).padStart(12)} ${fmt(r.gbps64, 2).padStart(9)} ${fmt(r.gbps1500, 2).padStart(11)} ${fmt(r.gbpsPerKlut, 3).padStart(14)}`)].join('\n');
}

/** The plot of a run: area against Gb/s at the median clock, the seeds' lowest to highest as a bar, the Pareto front. */
export function explorePlot(deviceName: string, seedCount: number, targetGbps: number, rows: ExploreRow[]): string {
  const gbps = (r: ExploreRow, f: number | null): number => (r.bitsPerCycle64 * (f ?? 0)) / 1000;
  const pts = rows.filter((r) => r.gbps64 !== null).map((r) => ({ x: r.luts, y: r.gbps64!, yLow: gbps(r, r.fmaxMinMHz), yHigh: gbps(r, r.fmaxMaxMHz), label: `${r.config} (${r.fmaxMHz!.toFixed(1)} MHz)` }));
  const front = paretoFront(pts);
  return scatterSvg({
    title: `ChaCha20 pipelines on ${deviceName}: area against throughput (64-byte packets), median of ${seedCount} placer seed(s)`,
    xLabel: 'LUTs (yosys)', yLabel: 'Gb/s (bits/cycle in simulation x fmax from nextpnr; bar: lowest to highest seed)', logX: true,
    points: pts.map((p) => ({ ...p, front: front.has(p) })),
    target: { y: targetGbps, label: `${targetGbps} Gb/s target` },
  });
}

const program = new Command('explore')
  .description('sweep ChaCha pipeline configurations: simulate, synthesize, place and route, plot')
  .option('--device <name>', 'target device', 'ecp5-85')
  .option('--target-gbps <n>', 'throughput the chosen configuration must reach (64-byte packets)', '10')
  .option('--rounds <n>', 'ChaCha rounds', '20')
  .option('--max-units <n>', 'largest number of round units to try', '20')
  .option('--configs <list>', 'explicit list "U:s:W,U:s:W" instead of the default sweep')
  .option('--freq <MHz>', 'place-and-route clock target', '200')
  .option('--jobs <n>', 'place-and-route jobs at once', '2')
  .option('--seeds <list>', 'nextpnr placer seeds, each a full place and route; fmax is their median', '1,2,3')
  .option('--seed <n>', 'a single placer seed (the same as --seeds <n>)')
  .option('--reuse', 'take a saved place-and-route result when the Verilog, clock and seed are unchanged')
  .option('--out-gather', 'ECP5 tiles: the output FIFO gathered into one head (lib/tile-fifo) instead of a lane per tile')
  .option('--fifo-ram <style>', 'memory of the delay line and output FIFO: lut, block or ecp5 (default: ecp5 on ECP5, block on iCE40, else lut)')
  .option('--adders <kind>', 'fabric or ecp5 (XORs folded into ECP5 carry chains; the default on ECP5)')
  .option('--no-pnr', 'area only (no fmax, no Gb/s)')
  .option('--out <name>', 'results file name under bench/results/ (default explore-<device>, or explore-<device>-<configs> with --configs, e.g. explore-ecp5-85-u5s4w128)')
  .option('--aead', 'the ChaCha20-Poly1305 packet engine instead (synth/explore-aead.ts): --configs W:U:s:L (width, units, stages, Poly1305 lanes); results in explore-aead-<device>-<configs>')
  .action(async (o: { device: string; targetGbps: string; rounds: string; maxUnits: string; configs?: string; freq: string; jobs: string; pnr: boolean; out?: string; fifoRam?: string; adders?: string; seeds: string; seed?: string; reuse?: boolean; outGather?: boolean; aead?: boolean }) => {
    if (o.aead) {
      const family = device(o.device).family;
      const list = (o.configs ?? '128:5:4:1').split(',').map((t) => {
        const v = t.split(':').map(Number);
        if (v.length !== 4 || v.some((n) => !Number.isInteger(n))) throw new Error(`--configs ${t}: expected W:U:s:L, e.g. 128:5:4:1`);
        return aeadConfig(v[0]!, v[1]!, v[2]!, v[3]!, family);
      });
      await exploreAead({ device: o.device, configs: list, freqMHz: Number(o.freq), pnr: o.pnr, seeds: parseSeeds(o.seed ?? o.seeds), reuse: o.reuse === true, out: o.out });
      return;
    }
    const rounds = Number(o.rounds);
    const family = device(o.device).family;
    const fifoRam = (o.fifoRam ?? (family === 'ecp5' ? 'ecp5' : family === 'ice40' ? 'block' : 'lut')) as 'lut' | 'block' | 'ecp5';
    if (!['lut', 'block', 'ecp5'].includes(fifoRam)) throw new Error(`--fifo-ram ${fifoRam}: expected lut, block or ecp5`);
    const adders = (o.adders ?? (family === 'ecp5' ? 'ecp5' : 'fabric')) as 'fabric' | 'ecp5';
    if (!['fabric', 'ecp5'].includes(adders)) throw new Error(`--adders ${adders}: expected fabric or ecp5`);
    const outGather = o.outGather === true;
    const configs = o.configs
      ? o.configs.split(',').map((t) => {
          const [units, stages, width] = t.split(':').map(Number);
          return { rounds, units: units!, stages: stages!, width: width!, keySlots: 4, layout: 'ietf' as const, fifoRam, adders, outGather };
        })
      : defaultSweep(rounds, Number(o.maxUnits)).map((c) => ({ ...c, fifoRam, adders, outGather }));
    const seeds = parseSeeds(o.seed ?? o.seeds);
    const t0 = performance.now();
    const { rows, best } = await explore({ device: o.device, targetGbps: Number(o.targetGbps), configs, freqMHz: Number(o.freq), jobs: Number(o.jobs), pnr: o.pnr, seeds, reuse: o.reuse === true });
    console.log(`\n${table(rows)}\n`);
    console.log(best
      ? `smallest configuration reaching ${o.targetGbps} Gb/s with 64-byte packets on ${o.device} in the median of ${seeds.length} seed(s): ${best.config} (${best.luts} LUT, ${best.fmaxMHz?.toFixed(1)} MHz, ${best.gbps64?.toFixed(2)} Gb/s)`
      : `no configuration reached ${o.targetGbps} Gb/s with 64-byte packets on ${o.device}`);
    const dir = join(PROJECT_ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const base = join(dir, o.out ?? resultsName(o.device, o.configs ? configs : undefined));
    const options = { fifoRam, adders, outGather, freqMHz: Number(o.freq) };
    writeFileSync(`${base}.json`, `${JSON.stringify({ date: new Date().toISOString(), device: o.device, targetGbps: Number(o.targetGbps), seeds, options, seconds: (performance.now() - t0) / 1000, rows, best: best?.config ?? null }, null, 2)}\n`);
    writeFileSync(`${base}.svg`, explorePlot(o.device, seeds.length, Number(o.targetGbps), rows));
    console.log(`written: ${base}.json, ${base}.svg`);
  });

if (import.meta.url === `file://${process.argv[1]}`) {
  program.parseAsync().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
