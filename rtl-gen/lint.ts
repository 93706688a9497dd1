// Lint of generated Verilog: verilator --lint-only -Wall and yosys read_verilog, both with
// no warnings allowed. Waivers, if ever needed, go in LINT_WAIVERS with the reason.
//
// The tools run as child processes awaited asynchronously, never with spawnSync: a test
// worker blocked for seconds stops answering vitest, which then reports "Timeout calling
// onTaskUpdate" and fails the run although every test passed.

import { spawn } from 'node:child_process';
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

interface ToolRun {
  status: number | null;
  output: string;
}

function run(cmd: string, args: string[], cwd: string): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', () => reject(new Error(`${cmd} is not installed: run \`npm run bootstrap\``)));
    child.on('close', (status) => resolve({ status, output: output.trim() }));
  });
}

export async function lintDesign(top: Module): Promise<LintResult[]> {
  // Vendor primitives are linted through their behavioural models.
  const files = printDesign(top, { models: true });
  const dir = mkdtempSync(join(tmpdir(), 'rtl-lint-'));
  try {
    for (const [name, text] of files) writeFileSync(join(dir, name), text);
    const names = [...files.keys()];
    const script = `${names.map((n) => `read_verilog ${n}`).join('; ')}; hierarchy -check -top ${top.name}`;
    const [v, y] = await Promise.all([
      run('verilator', ['--lint-only', '-Wall', ...LINT_WAIVERS.map((w) => `-Wno-${w.flag}`), '--top-module', top.name, ...names], dir),
      run('yosys', ['-q', '-p', script], dir),
    ]);
    return [
      { top: top.name, tool: 'verilator', ok: v.status === 0 && v.output === '', output: v.output },
      { top: top.name, tool: 'yosys', ok: y.status === 0 && !/warning/i.test(y.output), output: y.output },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
