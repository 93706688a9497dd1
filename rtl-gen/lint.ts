// Lint of generated Verilog: verilator --lint-only -Wall and yosys read_verilog, both with
// no warnings allowed. Waivers, if ever needed, go in LINT_WAIVERS with the reason.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Module } from './ir/module.ts';
import { printDesign } from './verilog/printer.ts';

/** Verilator warnings switched off for all generated code, each with why. Empty today. */
export const LINT_WAIVERS: ReadonlyArray<{ flag: string; why: string }> = [];

export interface LintResult {
  top: string;
  ok: boolean;
  tool: 'verilator' | 'yosys';
  output: string;
}

function inTempDir<T>(files: ReadonlyMap<string, string>, fn: (dir: string, names: string[]) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'rtl-lint-'));
  try {
    for (const [name, text] of files) writeFileSync(join(dir, name), text);
    return fn(dir, [...files.keys()]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function lintDesign(top: Module): LintResult[] {
  // Vendor primitives are linted through their behavioural models.
  const files = printDesign(top, { models: true });
  return inTempDir(files, (dir, names) => {
    const v = spawnSync('verilator', ['--lint-only', '-Wall', ...LINT_WAIVERS.map((w) => `-Wno-${w.flag}`), '--top-module', top.name, ...names],
      { cwd: dir, encoding: 'utf8' });
    if (v.error) throw new Error('verilator is not installed: run `npm run bootstrap`');
    const vout = `${v.stdout}${v.stderr}`.trim();
    const script = `${names.map((n) => `read_verilog ${n}`).join('; ')}; hierarchy -check -top ${top.name}`;
    const y = spawnSync('yosys', ['-q', '-p', script], { cwd: dir, encoding: 'utf8' });
    if (y.error) throw new Error('yosys is not installed: run `npm run bootstrap`');
    const yout = `${y.stdout}${y.stderr}`.trim();
    return [
      { top: top.name, tool: 'verilator', ok: v.status === 0 && vout === '', output: vout },
      { top: top.name, tool: 'yosys', ok: y.status === 0 && !/warning/i.test(yout), output: yout },
    ];
  });
}
