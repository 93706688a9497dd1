// Place and route of the forwarding plane (the device top, rtl-gen/forwarding/top.ts) through the
// project's flow (synth/flow.ts: yosys for area, nextpnr inside the serial I/O wrapper for the
// clock, under the machine-wide place-and-route lock), one placer seed at a time:
//   - area (LUT, FF, BRAM, DSP) from yosys, against what the device has;
//   - fmax per seed, the median with the lowest and highest;
//   - line rate: the plane's bits per cycle in Verilator on mixed traffic (bench/results/fp.json,
//     `npm run bench:fp`) times the median fmax.
// A build that does not fit is reported as nextpnr reports it (its own refusal, with what it
// counted), not replaced by a smaller one; smaller builds are separate entries (--build).
// Writes bench/results/fp-synth.json; a run of one build keeps the other builds' last figures.
//   npm run bench:fp-synth [-- --build committed|one-port] [--seeds 1,2,3] [--freq 156.25] [--reuse] [--no-pnr]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { FP_BUILD } from '../rtl-gen/forwarding/designs.ts';
import { fpTop } from '../rtl-gen/forwarding/top.ts';
import type { Module } from '../rtl-gen/ir/module.ts';
import { PROJECT_ROOT } from '../sim/build.ts';
import { device } from '../synth/devices.ts';
import { median, parseSeeds } from '../synth/seeds.ts';
import { ECP5_85 } from '../synth/explore-aead.ts';
import { type SynthResult, ToolError, areaFrom, readStat, synthesize } from '../synth/flow.ts';

/** Builds this benchmark knows: the committed one, and one network port of it (half the engines). */
const BUILDS: Record<string, { describe: string; core: () => Module }> = {
  committed: { describe: 'the committed build (rtl/fp_top_p2_n16_r4096.v): 2 ports, 16 peers, 4,096 + 4 routes, 4,096 rule counters, 10G AEAD engines', core: () => fpTop(FP_BUILD) },
  'one-port': { describe: 'the committed build with one network port (one open and one seal engine)', core: () => fpTop({ ...FP_BUILD, ports: 1 }) },
};

/** ECP5-85 capacity for the area check (nextpnr's report has it only when it placed the design). */
const CAPACITY = { luts: ECP5_85.luts, ffs: ECP5_85.luts, brams: ECP5_85.brams, dsps: ECP5_85.dsps };

interface SeedRun { seed: number; fmaxMHz?: number; seconds?: number; failing?: unknown; error?: string }

/** nextpnr's "Device utilisation" lines from its log: cell type -> used / available. */
export function utilisationFromLog(log: string): Record<string, { used: number; available: number }> {
  const out: Record<string, { used: number; available: number }> = {};
  for (const m of log.matchAll(/^Info:\s+([A-Za-z0-9_]+):\s+(\d+)\/\s*(\d+)\s+\d+%/gm)) out[m[1]!] = { used: Number(m[2]), available: Number(m[3]) };
  return out;
}

/** The error nextpnr printed, without the flow's wrapping. */
function nextpnrError(log: string): string | undefined {
  return log.split('\n').find((l) => /^ERROR:/.test(l))?.trim();
}

/** The commit the design was generated from, and whether the checkout differed from it. */
function commitOf(): string {
  const git = (...a: string[]): string => execFileSync('git', a, { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
  try {
    const dirty = git('status', '--porcelain', '--untracked-files=no', '--', 'rtl-gen', 'spec', 'rtl') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' with uncommitted changes to the generators' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

async function main(o: { build: string; seeds: string; freq: string; device: string; reuse?: boolean; pnr: boolean }): Promise<void> {
  const build = BUILDS[o.build];
  if (!build) throw new Error(`--build ${o.build}: expected one of ${Object.keys(BUILDS).join(', ')}`);
  const dev = device(o.device);
  if (dev.family !== 'ecp5') throw new Error(`--device ${o.device}: the plane is built on ECP5 tiles and multipliers; use ecp5-85 or ecp5-85-8`);
  const seeds = parseSeeds(o.seeds);
  const freqMHz = Number(o.freq);
  const core = build.core();
  const t0 = performance.now();
  const runs: SeedRun[] = [];
  let area: SynthResult['area'] | undefined;
  let synthSeconds = 0;
  let utilisation: Record<string, { used: number; available: number }> = {};
  let refused: string | undefined;
  if (!o.pnr) {
    const r = await synthesize(core, { device: dev.name, noPnr: true, reuse: o.reuse });
    area = r.area;
    synthSeconds = r.synthSeconds;
  }
  for (const seed of o.pnr ? seeds : []) {
    console.log(`${core.name} on ${dev.name}, seed ${seed}: synthesizing and placing (lock: only one place and route at a time on this machine)`);
    try {
      const r = await synthesize(core, { device: dev.name, freqMHz, seed, reuse: o.reuse });
      area = r.area;
      synthSeconds = r.synthSeconds;
      utilisation = r.pnr!.utilization;
      runs.push({ seed, fmaxMHz: r.pnr!.fmaxMHz, seconds: r.pnr!.seconds, ...(r.pnr!.failing ? { failing: r.pnr!.failing } : {}) });
      console.log(`  ${r.area.luts} LUT ${r.area.ffs} FF ${r.area.brams} BRAM ${r.area.dsps} DSP; fmax ${r.pnr!.fmaxMHz.toFixed(1)} MHz (${r.pnr!.seconds.toFixed(0)} s of nextpnr)`);
    } catch (e) {
      if (!(e instanceof ToolError)) throw e;
      const dir = join(PROJECT_ROOT, 'build', 'synth', `${core.name}-${dev.name}${seed !== 1 ? `-seed${seed}` : ''}`);
      const stat = join(dir, 'area', 'stat.json');
      if (existsSync(stat)) {
        area = areaFrom('ecp5', readStat(join(dir, 'area'), core.name));
      }
      const logFile = join(dir, 'pnr', 'nextpnr.log');
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      utilisation = utilisationFromLog(log);
      refused = nextpnrError(log) ?? e.message.split('\n')[0];
      runs.push({ seed, error: refused });
      console.log(`  nextpnr refused: ${refused}`);
      // Whether the cells fit does not depend on the placer seed: one refusal answers for all.
      if (/fit|available|Unable to place|too many|exceed/i.test(refused)) break;
    }
  }
  const fs = runs.flatMap((r) => (r.fmaxMHz === undefined ? [] : [r.fmaxMHz]));
  const fmax = fs.length ? { medianMHz: median(fs), lowestMHz: Math.min(...fs), highestMHz: Math.max(...fs), seeds: fs.length } : null;
  const over = area ? Object.entries(CAPACITY).filter(([k, cap]) => area![k as keyof typeof CAPACITY] > cap).map(([k, cap]) => `${k} ${area![k as keyof typeof CAPACITY]} > ${cap}`) : [];
  // Line rate from the plane's measured bits per cycle (bench:fp) and the median clock.
  const fpFile = join(PROJECT_ROOT, 'bench', 'results', 'fp.json');
  const sim = existsSync(fpFile) ? (JSON.parse(readFileSync(fpFile, 'utf8')) as { date: string; throughput: Array<{ label: string; linkBitsPerCyclePerPort: number; shareOfLineRate: number }> }) : undefined;
  const lineRate = sim?.throughput.map((t) => ({
    traffic: t.label,
    linkBitsPerCyclePerPort: t.linkBitsPerCyclePerPort,
    // Wire bits per cycle (headers, FCS, preamble and gap included) = share x 64.
    wireBitsPerCyclePerPort: Number((t.shareOfLineRate * 64).toFixed(2)),
    linkGbpsPerPortAtMedianFmax: fmax ? Number(((t.linkBitsPerCyclePerPort * fmax.medianMHz) / 1000).toFixed(2)) : null,
    shareOf10GbEAtMedianFmax: fmax ? Number(Math.min(1, (t.shareOfLineRate * 64 * fmax.medianMHz) / 10_000).toFixed(3)) : null,
  })) ?? null;
  const entry = {
    date: new Date().toISOString(),
    command: `npm run bench:fp-synth -- --build ${o.build} --device ${o.device} ${o.pnr ? `--seeds ${seeds.join(',')} --freq ${o.freq}` : '--no-pnr'}`,
    design: core.name,
    commit: commitOf(),
    describe: build.describe,
    device: `${dev.name}: ${dev.description}`,
    targetMHz: freqMHz,
    area: area ? { luts: area.luts, ffs: area.ffs, brams: area.brams, dsps: area.dsps } : null,
    capacity: CAPACITY,
    fits: area ? over.length === 0 : null,
    overCapacity: over,
    synthSeconds,
    placeAndRoute: runs,
    nextpnrUtilisation: utilisation,
    nextpnrRefused: refused ?? null,
    fmax,
    lineRate,
    lineRateFrom: sim ? `bench/results/fp.json of ${sim.date} (npm run bench:fp: both ports full duplex, every frame checked against the software relay)` : 'bench/results/fp.json missing: run npm run bench:fp',
    seconds: Math.round((performance.now() - t0) / 1000),
  };
  const file = join(PROJECT_ROOT, 'bench', 'results', 'fp-synth.json');
  const all: { benchmark?: string; builds?: Record<string, unknown> } = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const out = { benchmark: 'forwarding plane: area, place and route, line rate (npm run bench:fp-synth)', builds: { ...(all.builds ?? {}), [o.build]: entry } };
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`${core.name}: ${area ? `${area.luts} LUT ${area.ffs} FF ${area.brams} BRAM ${area.dsps} DSP` : 'no area'}${over.length ? ` (over the device: ${over.join(', ')})` : ''}; ` +
    `${fmax ? `fmax median ${fmax.medianMHz.toFixed(1)} MHz (${fmax.lowestMHz.toFixed(1)} to ${fmax.highestMHz.toFixed(1)}, ${fmax.seeds} seeds)` : `not placed${refused ? `: ${refused}` : o.pnr ? '' : ' (--no-pnr)'}`}\nwritten: ${file}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  new Command('bench:fp-synth')
    .description('forwarding plane: yosys area, nextpnr fmax per placer seed (one at a time, under the machine-wide lock), line rate')
    .option('--build <name>', `build: ${Object.keys(BUILDS).join(', ')}`, 'committed')
    .option('--device <name>', 'ECP5 device', 'ecp5-85')
    .option('--seeds <list>', 'placer seeds, run one after another', '1,2,3')
    .option('--freq <MHz>', 'place-and-route clock target (10GbE 64-bit: 156.25)', '156.25')
    .option('--reuse', 'take a saved result when the Verilog, clock and seed are unchanged')
    .option('--no-pnr', 'area only (yosys), checked against the device')
    .action(main)
    .parseAsync()
    .catch((e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    });
}
