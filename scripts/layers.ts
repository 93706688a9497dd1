// The layers of the tree and what each may import, defined once: `npm run check:layers` and
// test/layers.test.ts check every relative import against this table, and the README's layer
// table is printed from it (the test fails when the two differ). Lower layers never import
// higher ones, so a change to a format in spec/ is the only change that can break both the
// hardware and the host, and test or bench code never becomes something the node depends on.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Layer {
  /** Folder, from the project root; a file belongs to the longest folder that contains it. */
  readonly folder: string;
  readonly holds: string;
  /** Folders it may import besides its own; '*' is anything but `except`. */
  readonly mayImport: readonly string[] | '*';
  readonly except?: readonly string[];
}

const HOST_BASE = ['spec', 'host/crypto', 'host/identity', 'host/link'];

export const LAYERS: readonly Layer[] = [
  { folder: 'spec', holds: 'formats both halves share: wire layouts, route-table layout and hash, stream contexts, key slots, bytes', mayImport: [] },
  { folder: 'constraints', holds: 'boards, pins and clocks', mayImport: ['spec'] },
  { folder: 'rtl-gen', holds: 'hardware generators, the IR and its Verilog printer', mayImport: ['spec', 'constraints'] },
  { folder: 'sim', holds: 'the Verilator harness, golden models, drivers of generated cores', mayImport: ['spec', 'rtl-gen'] },
  { folder: 'synth', holds: 'synthesis, place and route, the design-space explorer', mayImport: ['spec', 'constraints', 'rtl-gen', 'sim'] },
  { folder: 'host/crypto', holds: 'AEAD, ECDH, KDF and their backends', mayImport: ['spec'] },
  { folder: 'host/identity', holds: 'node keys and addresses', mayImport: ['spec', 'host/crypto'] },
  { folder: 'host/link', holds: 'authenticated, encrypted links between neighbours', mayImport: ['spec', 'host/crypto', 'host/identity'] },
  { folder: 'host/table', holds: 'route-table manager and golden model', mayImport: ['spec'] },
  { folder: 'host/saf', holds: 'the data path under routes: store-and-forward and plain hops, bundling, classes, pacing', mayImport: HOST_BASE },
  { folder: 'host/mesh', holds: 'the route control plane: setup, forwarding rules, streams, datagrams, discovery', mayImport: [...HOST_BASE, 'host/table', 'host/saf'] },
  { folder: 'host/tunnel', holds: 'the IPv4 tunnel over routes: gateway and client ends, flow scheduling over routes, DNS forwarding', mayImport: [...HOST_BASE, 'host/mesh'] },
  { folder: 'host/netif', holds: "the machine's network: TUN devices (native helper), addresses and routes, nftables tables, resolver, undone after a crash", mayImport: ['spec'] },
  { folder: 'host/device', holds: 'the forwarding plane\'s driver: Etherbone and other buses, registers by name, key slots, route table, counters, host port', mayImport: [...HOST_BASE, 'host/table', 'host/mesh'] },
  { folder: 'host/daemon', holds: 'the node daemon', mayImport: [...HOST_BASE, 'host/table', 'host/saf', 'host/mesh', 'host/tunnel', 'host/netif', 'host/device'] },
  { folder: 'host/cli', holds: 'the `skywire` command', mayImport: [...HOST_BASE, 'host/table', 'host/saf', 'host/mesh', 'host/tunnel', 'host/netif', 'host/device', 'host/daemon'] },
  { folder: 'bin', holds: 'the installed launcher', mayImport: ['host/cli'] },
  { folder: 'testbed', holds: 'what runs nodes and cores for tests, benchmarks and the demo: simulated links and meshes, drivers, network namespaces', mayImport: ['spec', 'rtl-gen', 'sim', 'host'] },
  { folder: 'scripts', holds: 'bootstrap, `npm start`, doc generators, this check', mayImport: '*', except: ['test', 'bench'] },
  { folder: 'test', holds: 'checks', mayImport: '*', except: ['bench'] },
  { folder: 'bench', holds: 'figures', mayImport: '*', except: ['test'] },
];

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SKIP = new Set(['node_modules', '.git', 'build', '.venv', 'rtl', 'docs']);

const inside = (path: string, folder: string): boolean => path === folder || path.startsWith(`${folder}/`);

/** The layer of a path from the root, or undefined for files at the root (configuration). */
export function layerOf(path: string): Layer | undefined {
  let best: Layer | undefined;
  for (const l of LAYERS) if (inside(path, l.folder) && (!best || l.folder.length > best.folder.length)) best = l;
  return best;
}

function allowed(from: Layer, to: Layer): boolean {
  if (from === to || inside(to.folder, from.folder)) return true;
  if (from.mayImport === '*') return !(from.except ?? []).some((e) => inside(to.folder, e));
  return from.mayImport.some((m) => inside(to.folder, m));
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Relative import specifiers of a source text. */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec?.startsWith('.')) out.push(spec);
  }
  return out;
}

export interface Violation {
  file: string;
  imports: string;
  message: string;
}

/** Checks every relative import of `files` (path from the root to source text). */
export function checkLayers(files: ReadonlyMap<string, string>): Violation[] {
  const out: Violation[] = [];
  for (const [file, text] of files) {
    const from = layerOf(file);
    const folder = file.split('/').slice(0, -1).join('/');
    if (!from) {
      if (folder) out.push({ file, imports: '', message: `${file}: its folder ${folder}/ has no layer in scripts/layers.ts; add one` });
      continue;
    }
    for (const spec of importsOf(text)) {
      const target = relative(ROOT, resolve(ROOT, folder, spec)).split(sep).join('/');
      const to = layerOf(target);
      if (!to) continue;
      if (!allowed(from, to)) {
        const may = from.mayImport === '*' ? `anything but ${from.except!.map((e) => `${e}/`).join(', ')}` : from.mayImport.length ? `only ${from.mayImport.map((m) => `${m}/`).join(', ')}` : 'nothing of ours';
        out.push({ file, imports: target, message: `${file} imports ${target}: ${from.folder}/ may import ${may}` });
      }
    }
  }
  return out;
}

/** Every TypeScript and JavaScript source of the tree, path from the root to text. */
export function sourceFiles(root = ROOT): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (SKIP.has(name)) continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|mts|mjs|js)$/.test(name)) files.set(relative(root, p).split(sep).join('/'), readFileSync(p, 'utf8'));
    }
  };
  walk(root);
  return files;
}

/** The README's layer table. */
export function layerTable(): string {
  const may = (l: Layer): string =>
    l.mayImport === '*' ? `anything but ${l.except!.map((e) => `\`${e}/\``).join(', ')}` : l.mayImport.length ? l.mayImport.map((m) => `\`${m}/\``).join(', ') : 'nothing of ours';
  return ['| folder | holds | may import |', '|---|---|---|', ...LAYERS.map((l) => `| \`${l.folder}/\` | ${l.holds} | ${may(l)} |`)].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--table')) {
    console.log(layerTable());
    process.exit(0);
  }
  const v = checkLayers(sourceFiles());
  for (const x of v) console.error(x.message);
  if (v.length) process.exit(1);
  console.log(`layers: ${sourceFiles().size} files, every import goes the right way`);
}
