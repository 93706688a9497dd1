// npm start: the main job. Generates the Verilog, lints it, simulates the default core
// against the golden model, synthesizes and places it, and prints a short report.
//
//   npm start                 everything (ECP5 place and route takes a minute or two)
//   npm start -- --quick      skip place and route

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blockIterative } from '../rtl-gen/chacha/block-iterative.ts';
import { rtlDrift, writeRtl } from '../rtl-gen/cli.ts';
import { committedDesigns } from '../rtl-gen/designs.ts';
import { lintDesign } from '../rtl-gen/lint.ts';
import { PROJECT_ROOT } from '../sim/build.ts';
import { block } from '../sim/golden/chacha20.ts';
import { Rng, packBeats, runStreams, simulate, unpackBeats } from '../sim/index.ts';
import { bigToBytes, bytesToBig } from '../spec/bytes.ts';
import { formatResult } from '../synth/cli.ts';
import { type SynthResult, synthesize } from '../synth/flow.ts';

const quick = process.argv.includes('--quick');
const step = (n: number, what: string): void => console.log(`\n[${n}/5] ${what}`);
const report: Record<string, unknown> = {};

step(1, 'generate Verilog into rtl/');
const drift = rtlDrift();
const written = writeRtl();
console.log(drift.length ? `  regenerated ${written} files; changed: ${drift.join('; ')}` : `  ${written} files, all up to date`);

step(2, 'lint (verilator --lint-only -Wall, yosys read_verilog)');
let lintFailures = 0;
for (const m of committedDesigns()) {
  const rs = await lintDesign(m);
  const bad = rs.filter((r) => !r.ok);
  lintFailures += bad.length;
  console.log(`  ${bad.length ? 'FAIL' : 'ok  '} ${m.name}${bad.map((b) => `\n${b.output.replace(/^/gm, '       ')}`).join('')}`);
}
report.lintFailures = lintFailures;

step(3, 'simulate the ChaCha20 block core against the golden model (Verilator)');
const core = blockIterative({ rounds: 20 });
const t0 = performance.now();
const dut = await simulate(core);
const buildSeconds = (performance.now() - t0) / 1000;
const rng = new Rng(2026);
const n = 5000;
const cases = Array.from({ length: n }, () => ({ key: rng.bytes(32), nonce: rng.bytes(12), counter: rng.u32() }));
const input = (c: (typeof cases)[number]): bigint => {
  const ctr = new Uint8Array(4);
  new DataView(ctr.buffer).setUint32(0, c.counter, true);
  return bytesToBig(Uint8Array.from([...c.key, ...ctr, ...c.nonce]));
};
dut.rst.value = 1;
dut.tick(2);
dut.rst.value = 0;
const t1 = performance.now();
const r = runStreams(dut, {
  sources: [{ prefix: 's_axis', fields: ['tdata'], beats: packBeats(dut, 's_axis', ['tdata'], cases.map((c) => ({ tdata: input(c) }))), count: n }],
  sinks: [{ prefix: 'm_axis', fields: ['tdata'], expect: n }],
  maxCycles: n * 40,
});
const simSeconds = (performance.now() - t1) / 1000;
const outs = unpackBeats(dut, 'm_axis', ['tdata'], r.out[0]!, r.received[0]!);
let mismatches = 0;
outs.forEach((o, i) => {
  const want = block(cases[i]!.key, cases[i]!.nonce, cases[i]!.counter);
  if (Buffer.compare(Buffer.from(want), Buffer.from(bigToBytes(o.tdata as bigint, 64))) !== 0) mismatches++;
});
const cyclesPerBlock = r.cycles / n;
console.log(`  ${r.received[0]} blocks, ${mismatches} mismatches, ${cyclesPerBlock.toFixed(2)} cycles/block (${(512 / cyclesPerBlock).toFixed(1)} bits/cycle)`);
console.log(`  model build ${buildSeconds.toFixed(1)} s, ${(r.cycles / simSeconds / 1e6).toFixed(2)} M cycles/s simulated`);
report.simulation = { blocks: r.received[0], mismatches, cyclesPerBlock, bitsPerCycle: 512 / cyclesPerBlock };

step(4, quick ? 'synthesize (area only: --quick)' : 'synthesize and place and route');
const results: SynthResult[] = [];
for (const [dev, freq] of [['ice40-hx8k', 50], ['ecp5-85', 100]] as const) {
  const res = await synthesize(core, { device: dev, freqMHz: freq, noPnr: quick || dev === 'ice40-hx8k' });
  results.push(res);
  console.log(formatResult(res).replace(/^/gm, '  '));
}
report.synthesis = results.map((x) => ({ device: x.device, area: { ...x.area, cells: undefined }, fmaxMHz: x.pnr?.fmaxMHz }));

step(5, 'report');
const ecp5 = results.find((x) => x.device === 'ecp5-85')?.pnr;
const lines = [
  `  Verilog:      ${written} files in rtl/, lint ${lintFailures === 0 ? 'clean' : `${lintFailures} failures`}`,
  `  simulation:   ${mismatches === 0 ? 'matches' : 'DIFFERS FROM'} the golden model on ${n} random blocks; ${(512 / cyclesPerBlock).toFixed(1)} keystream bits per cycle`,
  ...results.map((x) => `  ${x.device.padEnd(12)}  ${x.area.luts} LUT, ${x.area.ffs} FF${x.pnr ? `, fmax ${x.pnr.fmaxMHz.toFixed(1)} MHz` : ''}`),
];
if (ecp5) lines.push(`  throughput:   ${(512 / cyclesPerBlock).toFixed(1)} bits/cycle x ${ecp5.fmaxMHz.toFixed(1)} MHz = ${((512 / cyclesPerBlock) * ecp5.fmaxMHz / 1000).toFixed(2)} Gb/s on ECP5-85 (one block in flight; the line-rate pipelines come next)`);
console.log(lines.join('\n'));
mkdirSync(join(PROJECT_ROOT, 'build'), { recursive: true });
writeFileSync(join(PROJECT_ROOT, 'build', 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\n  full report: build/report.json`);
if (lintFailures || mismatches) process.exit(1);
