// npm run bench:sim: simulated cycles per second on the 512-bit-output ChaCha20 block core,
// (a) through the coroutine path, one `await risingEdge` per cycle, and (b) through the
// batched paths. All measured side by side in one run; writes bench/results/sim.json.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blockIterative } from '../rtl-gen/chacha/block-iterative.ts';
import { PROJECT_ROOT } from '../sim/build.ts';
import { Rng, packBeats, risingEdge, runCycles, runStreams, simulate } from '../sim/index.ts';
import { PipelineDriver } from '../sim/drivers/chacha-pipeline.ts';

const CYCLES = Number(process.env.BENCH_CYCLES ?? 1_000_000);
const dut = await simulate(blockIterative({ rounds: 20 }));
const rng = new Rng(1);
dut.rst.value = 1;
dut.tick(2);
dut.rst.value = 0;

async function timeIt(what: string, cycles: number, fn: () => Promise<void> | void): Promise<{ what: string; cycles: number; seconds: number; cyclesPerSecond: number }> {
  const t0 = performance.now();
  await fn();
  const seconds = (performance.now() - t0) / 1000;
  const r = { what, cycles, seconds, cyclesPerSecond: cycles / seconds };
  if (cycles > 0) console.log(`${what.padEnd(66)} ${(r.cyclesPerSecond / 1000).toFixed(0).padStart(7)} k cycles/s`);
  return r;
}

const words = Array.from({ length: 64 }, () => rng.bits(384));
const results = [];
// (a) one await per cycle, with the test body doing real work each cycle: drive a 384-bit
// input and read the 512-bit output and two handshake bits.
results.push(await timeIt('(a) await risingEdge every cycle, idle body', CYCLES, async () => {
  for (let i = 0; i < CYCLES; i++) await risingEdge(dut.clk);
}));
results.push(await timeIt('(a) await risingEdge every cycle, 384-bit write + 512-bit read', CYCLES, async () => {
  dut.m_axis_tready.value = 1;
  let x = 0n;
  for (let i = 0; i < CYCLES; i++) {
    await risingEdge(dut.clk);
    if (dut.s_axis_tready.value) {
      dut.s_axis_tdata.value = words[i & 63]!;
      dut.s_axis_tvalid.value = 1;
    }
    if (dut.m_axis_tvalid.value) x ^= dut.m_axis_tdata.value as bigint;
  }
  dut.s_axis_tvalid.value = 0;
  if (x === -1n) console.log(x);
}));
// (b) batched: a stimulus stream pushed and outputs collected in one call.
const blocks = Math.floor(CYCLES / 22);
const beats = packBeats(dut, 's_axis', ['tdata'], Array.from({ length: blocks }, (_, i) => ({ tdata: words[i & 63]! })));
let streamCycles = 0;
results.push(await timeIt('(b) runStreams: valid/ready streams run inside the model', CYCLES, () => {
  const r = runStreams(dut, { sources: [{ prefix: 's_axis', fields: ['tdata'], beats, count: blocks }], sinks: [{ prefix: 'm_axis', fields: ['tdata'], expect: blocks }], maxCycles: CYCLES * 2 });
  streamCycles = r.cycles;
}));
results[results.length - 1]!.cycles = streamCycles;
results[results.length - 1]!.cyclesPerSecond = streamCycles / results[results.length - 1]!.seconds;
const n = Math.min(CYCLES, 200_000);
const stim = { s_axis_tdata: Array.from({ length: n }, (_, i) => words[i & 63]!), s_axis_tvalid: new Array<number>(n).fill(1), m_axis_tready: new Array<number>(n).fill(1) };
results.push(await timeIt('(b) runCycles: per-cycle inputs in, 512-bit output out, every cycle', n, () => {
  runCycles(dut, { inputs: stim, outputs: ['m_axis_tdata', 'm_axis_tvalid'], cycles: n });
}));

// The same two paths on the fully unrolled 512-bit packet cipher (80 pipeline stages), the
// design the shared/ANCHORS.md floor was measured on.
const pipe = await PipelineDriver.create({ rounds: 20, units: 20, stages: 4, width: 512, keySlots: 8, layout: 'ietf' });
const pkts = Array.from({ length: Math.floor(CYCLES / 2) }, () => ({ slot: 0, nonce: rng.bytes(12), counter: 1n, data: rng.bytes(64) }));
const FIELDS = ['tdata', 'tkeep', 'tlast', 'tuser'];
const pipeBeats = packBeats(pipe.dut, 's_axis', FIELDS, pkts.flatMap((p) => pipe.beatsOf(p)));
let pipeCycles = 0;
results.push(await timeIt('(b) unrolled pipeline, runStreams, back-to-back 64-byte packets', 0, () => {
  pipeCycles = runStreams(pipe.dut, {
    sources: [{ prefix: 's_axis', fields: FIELDS, beats: pipeBeats, count: pkts.length }],
    sinks: [{ prefix: 'm_axis', fields: FIELDS, expect: pkts.length }],
    maxCycles: pkts.length * 4,
  }).cycles;
}));
results[results.length - 1]!.cycles = pipeCycles;
results[results.length - 1]!.cyclesPerSecond = pipeCycles / results[results.length - 1]!.seconds;
console.log(`${'(b) unrolled pipeline, runStreams, back-to-back 64-byte packets'.padEnd(66)} ${(results[results.length - 1]!.cyclesPerSecond / 1000).toFixed(0).padStart(7)} k cycles/s`);
const pdut = pipe.dut;
results.push(await timeIt('(a) unrolled pipeline, await risingEdge every cycle, 512-bit read', CYCLES / 4, async () => {
  pdut.m_axis_tready.value = 1;
  let x = 0n;
  for (let i = 0; i < CYCLES / 4; i++) {
    await risingEdge(pdut.clk);
    if (pdut.m_axis_tvalid.value) x ^= pdut.m_axis_tdata.value as bigint;
  }
  if (x === -1n) console.log(x);
}));

const out = { date: new Date().toISOString(), designs: ['chacha_block_iter_r20', pipe.name], widestPortBits: 512, results, targets: { awaitPerCycle: 200_000, batched: 1_000_000 } };
mkdirSync(join(PROJECT_ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(PROJECT_ROOT, 'bench', 'results', 'sim.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log('written to bench/results/sim.json');
