// rtl-gen command line: `gen` writes rtl/, `gen --check` compares, `lint` lints every design.

import { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOARDS, constraintFile, printConstraints } from '../constraints/boards.ts';
import { committedDesigns, committedFiles } from './designs.ts';
import { lintDesign } from './lint.ts';
import { rtlReadme } from './names.ts';
import { firmwareFiles } from './regmap/designs.ts';

/** The checkout this generator lives in (rtl-gen/..). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const RTL_DIR = join(ROOT, 'rtl');
export const CONSTRAINTS_DIR = join(ROOT, 'constraints');
export const FIRMWARE_DIR = join(ROOT, 'firmware');

/** Pin files printed from constraints/boards.ts. */
function constraintFiles(): Map<string, string> {
  return new Map(Object.values(BOARDS).map((b) => [constraintFile(b), printConstraints(b)]));
}

/** Every file under rtl/: the committed designs' Verilog and the README that reads their names. */
function rtlFiles(): Map<string, string> {
  const files = committedFiles();
  files.set('README.md', rtlReadme([...files.keys()]));
  return files;
}

/** Files under rtl/ that differ from, are missing from, or are not produced by the generators. */
export function rtlDrift(): string[] {
  const want = rtlFiles();
  const have = existsSync(RTL_DIR) ? readdirSync(RTL_DIR).filter((f) => f.endsWith('.v')) : [];
  const drift: string[] = [];
  for (const [name, text] of want) {
    const path = join(RTL_DIR, name);
    if (!existsSync(path)) drift.push(`${name}: missing`);
    else if (readFileSync(path, 'utf8') !== text) drift.push(`${name}: differs from its generator`);
  }
  for (const f of have) if (!want.has(f)) drift.push(`${f}: no generator produces it`);
  for (const [name, text] of constraintFiles()) {
    const path = join(CONSTRAINTS_DIR, name);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) drift.push(`constraints/${name}: differs from constraints/boards.ts`);
  }
  for (const [name, text] of firmwareFiles()) {
    const path = join(FIRMWARE_DIR, name);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text) drift.push(`firmware/${name}: differs from spec/forwarding/registers.ts`);
  }
  return drift;
}

export function writeRtl(): number {
  const want = rtlFiles();
  mkdirSync(RTL_DIR, { recursive: true });
  for (const f of readdirSync(RTL_DIR)) if (f.endsWith('.v') && !want.has(f)) rmSync(join(RTL_DIR, f));
  for (const [name, text] of want) writeFileSync(join(RTL_DIR, name), text);
  for (const [name, text] of constraintFiles()) writeFileSync(join(CONSTRAINTS_DIR, name), text);
  for (const [name, text] of firmwareFiles()) {
    mkdirSync(dirname(join(FIRMWARE_DIR, name)), { recursive: true });
    writeFileSync(join(FIRMWARE_DIR, name), text);
  }
  return want.size;
}

const program = new Command('rtl-gen').description('generate, check and lint the project Verilog');
program
  .command('gen')
  .description('write every committed design under rtl/')
  .option('--check', 'only compare rtl/ with the generators; exit 1 on any difference')
  .action((opts: { check?: boolean }) => {
    if (opts.check) {
      const drift = rtlDrift();
      if (drift.length) {
        console.error(`rtl/ is out of date (run \`npm run gen\`):\n  ${drift.join('\n  ')}`);
        process.exit(1);
      }
      console.log('rtl/ matches the generators');
      return;
    }
    console.log(`wrote ${writeRtl()} files to rtl/`);
  });
program
  .command('lint')
  .description('verilator --lint-only -Wall and yosys read_verilog on every design')
  .action(async () => {
    let bad = 0;
    for (const top of committedDesigns()) {
      for (const r of await lintDesign(top)) {
        console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.tool.padEnd(9)} ${r.top}`);
        if (!r.ok) {
          bad++;
          console.log(r.output.replace(/^/gm, '     '));
        }
      }
    }
    if (bad) process.exit(1);
  });

if (import.meta.url === `file://${process.argv[1]}`) await program.parseAsync();
