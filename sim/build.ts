// Builds a Verilator model of a design into a Node addon, cached by content.
//
// The cache key hashes every Verilog file, the top name, the build flags, the harness
// source and the Verilator version, so editing any of them rebuilds and nothing else does.
// Two processes building the same model at once each build into a private directory and
// rename it into place; the loser throws its copy away.

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE_DIR = process.env.SIM_CACHE_DIR ?? join(PROJECT_ROOT, 'build', 'sim-cache');
const HARNESS = join(PROJECT_ROOT, 'sim', 'native', 'harness.cpp');
/** Node's C headers: NODE_INCLUDE_DIR, beside the running node binary, or Debian's place. */
function nodeInclude(): string {
  const candidates = [process.env.NODE_INCLUDE_DIR, join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'];
  const found = candidates.find((d) => d && existsSync(join(d, 'node_api.h')));
  if (!found) throw new SimBuildError('node_api.h not found: set NODE_INCLUDE_DIR to the folder with the Node.js C headers');
  return found;
}

/** Verilator flags for speed (see shared/ANCHORS.md): X handling fast, assertions off. */
const VERILATOR_FLAGS = ['-O3', '--x-assign', 'fast', '--x-initial', 'fast', '--noassert'];
/** C++ flags the Verilator runtime needs (its own make fragments add the same). */
const CXX_COMMON = ['-std=gnu++17', '-fPIC', '-faligned-new', '-fcf-protection=none', '-Wno-bool-operation', '-Wno-sign-compare',
  '-Wno-uninitialized', '-Wno-unused-but-set-variable', '-Wno-unused-parameter', '-Wno-unused-variable', '-Wno-shadow'];
const CXX_OPT = process.env.SIM_CXX_OPT ?? '-O2';

export class SimBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimBuildError';
  }
}

export interface BuildRequest {
  /** Top module name. */
  top: string;
  /** File name to Verilog text, every module of the design. */
  files: ReadonlyMap<string, string>;
  /** Build with FST tracing so waveforms can be written. */
  trace?: boolean;
}

export interface BuiltModel {
  dir: string;
  addon: string;
  key: string;
  /** True when this call compiled the model; false when it came from the cache. */
  compiled: boolean;
}

let verilatorVersion: string | undefined;
function verilatorInfo(): { version: string; root: string } {
  let root: string;
  try {
    verilatorVersion ??= execFileSync('verilator', ['--version'], { encoding: 'utf8' }).trim();
    root = process.env.VERILATOR_ROOT ?? execFileSync('verilator', ['--getenv', 'VERILATOR_ROOT'], { encoding: 'utf8' }).trim();
  } catch {
    throw new SimBuildError('verilator is not installed or not on PATH: run `npm run bootstrap` (or apt-get install verilator)');
  }
  return { version: verilatorVersion, root };
}

function run(cmd: string, args: string[], cwd: string, what: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => reject(new SimBuildError(`${what}: cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolvePromise();
      else reject(new SimBuildError(`${what} failed (${cmd} exit ${code}):\n${out.trim()}`));
    });
  });
}

/** Runs jobs at most `limit` at a time (the machines here have two cores). */
async function pool<T>(items: T[], limit: number, job: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await job(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const JOBS = Number(process.env.SIM_BUILD_JOBS ?? 2);

/** Compiles the Verilator runtime once per (version, tracing) and shares the objects. */
async function runtimeObjects(root: string, version: string, trace: boolean): Promise<string[]> {
  const sources = ['verilated.cpp', 'verilated_threads.cpp', ...(trace ? ['verilated_fst_c.cpp'] : [])];
  const key = hash([version, CXX_OPT, ...CXX_COMMON, String(trace)].join('\n')).slice(0, 16);
  const dir = join(CACHE_DIR, `runtime-${key}`);
  const objs = sources.map((s) => join(dir, s.replace(/\.cpp$/, '.o')));
  if (objs.every((o) => existsSync(o))) return objs;
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  const defs = defines(trace);
  await pool(sources, JOBS, (src) =>
    run('g++', [...CXX_COMMON, CXX_OPT, ...defs, `-I${root}/include`, `-I${root}/include/vltstd`, '-c', join(root, 'include', src),
      '-o', join(tmp, src.replace(/\.cpp$/, '.o'))], tmp, `compiling the Verilator runtime (${src})`),
  );
  publish(tmp, dir);
  return objs;
}

function defines(trace: boolean): string[] {
  return ['-DVM_COVERAGE=0', '-DVM_SC=0', `-DVM_TRACE=${trace ? 1 : 0}`, `-DVM_TRACE_FST=${trace ? 1 : 0}`, '-DVM_TRACE_VCD=0'];
}

/** Moves a finished build into place; if another process got there first, keeps theirs. */
function publish(tmp: string, dir: string): void {
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw new SimBuildError(`cannot move ${tmp} to ${dir}`);
  }
}

function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export function modelKey(req: BuildRequest): string {
  const { version } = verilatorInfo();
  const h = createHash('sha256');
  h.update(`${version}\n${req.top}\n${req.trace ? 'trace' : 'notrace'}\n${VERILATOR_FLAGS.join(' ')}\n${CXX_OPT}\n`);
  h.update(readFileSync(HARNESS));
  for (const name of [...req.files.keys()].sort()) h.update(`\n--${name}\n${req.files.get(name)}`);
  return h.digest('hex').slice(0, 24);
}

/** Builds (or finds in the cache) the addon for a design. */
export async function buildModel(req: BuildRequest): Promise<BuiltModel> {
  const { root, version } = verilatorInfo();
  const key = modelKey(req);
  const dir = join(CACHE_DIR, `${req.top}-${key}`);
  const addon = join(dir, 'model.node');
  if (existsSync(addon)) return { dir, addon, key, compiled: false };

  const rt = await runtimeObjects(root, version, !!req.trace);
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  const src = join(tmp, 'src');
  const obj = join(tmp, 'obj');
  mkdirSync(src, { recursive: true });
  mkdirSync(obj, { recursive: true });
  for (const [name, text] of req.files) writeFileSync(join(src, name), text);
  const vargs = ['--cc', ...VERILATOR_FLAGS, '--top-module', req.top, '--prefix', 'Vtop', '--Mdir', obj,
    ...(req.trace ? ['--trace-fst'] : []), ...[...req.files.keys()].map((f) => join(src, f))];
  await run('verilator', vargs, tmp, `verilating ${req.top}`);

  writeFileSync(join(obj, 'ports.inc'), portsInclude(obj));
  const cpps = readdirSync(obj).filter((f) => f.endsWith('.cpp') && !f.endsWith('__ALL.cpp'));
  const flags = [...CXX_COMMON, CXX_OPT, ...defines(!!req.trace), `-I${root}/include`, `-I${root}/include/vltstd`, `-I${obj}`,
    `-I${nodeInclude()}`, '-DNODE_GYP_MODULE_NAME=verilated_model', '-DNAPI_VERSION=8'];
  const units = [...cpps.map((f) => join(obj, f)), HARNESS];
  await pool(units, JOBS, (u) => run('g++', [...flags, '-c', u, '-o', join(obj, `${basename(u)}.o`)], obj, `compiling ${req.top} (${basename(u)})`));
  const objs = units.map((u) => join(obj, `${basename(u)}.o`));
  await run('g++', ['-shared', '-o', join(tmp, 'model.node'), ...objs, ...rt, '-pthread', '-latomic', ...(req.trace ? ['-lz'] : [])],
    tmp, `linking ${req.top}`);
  rmSync(src, { recursive: true, force: true });
  for (const f of readdirSync(obj)) if (f.endsWith('.o') || f.endsWith('.d')) rmSync(join(obj, f));
  publish(tmp, dir);
  return { dir, addon, key, compiled: true };
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/**
 * Reads the port list Verilator wrote into Vtop.h (VL_IN8(&clk,0,0); VL_OUTW(&y,511,0,16); ...)
 * and turns it into the X(name, width, input) lines the harness includes.
 */
function portsInclude(obj: string): string {
  const header = readFileSync(join(obj, 'Vtop.h'), 'utf8');
  const re = /VL_(IN|OUT|INOUT)(8|16|64|W)?\(&(\w+),(\d+),(\d+)(?:,\d+)?\);/g;
  const lines: string[] = [];
  for (const m of header.matchAll(re)) {
    if (m[1] === 'INOUT') throw new SimBuildError(`inout port ${m[3]} is not supported by the harness`);
    const width = Number(m[4]) - Number(m[5]) + 1;
    lines.push(`X(${m[3]}, ${width}, ${m[1] === 'IN' ? 'true' : 'false'})`);
  }
  if (lines.length === 0) throw new SimBuildError('no ports found in Vtop.h; the Verilator output format changed');
  return lines.join('\n') + '\n';
}
