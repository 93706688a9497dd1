// Building models: the cache keys on content, build errors carry Verilator's message,
// and WAVES produces a waveform file.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printDesign } from '../../rtl-gen/verilog/printer.ts';
import { SimBuildError, buildModel, simulate } from '../../sim/index.ts';
import { counter } from '../fixtures/designs.ts';

describe('model build', () => {
  it('reuses a cached model and rebuilds when the Verilog changes', async () => {
    const files = printDesign(counter(12));
    await buildModel({ top: 'counter_w12', files });
    const again = await buildModel({ top: 'counter_w12', files });
    expect(again.compiled).toBe(false);
    const edited = new Map([...files].map(([n, t]) => [n, `${t}\n// edited\n`]));
    const other = await buildModel({ top: 'counter_w12', files: edited });
    expect(other.key).not.toBe(again.key);
  });

  it('reports a Verilog error with the module name and Verilator message', async () => {
    const files = new Map([['broken.v', 'module broken(input wire a, output wire y);\nassign y = a +;\nendmodule\n']]);
    const err = await buildModel({ top: 'broken', files }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimBuildError);
    expect((err as Error).message).toMatch(/verilating broken failed/);
    expect((err as Error).message).toMatch(/%Error: .*broken\.v:2/);
  });

  it('writes an FST waveform when asked', async () => {
    const dut = await simulate(counter(8), { waves: true, name: 'build-test-counter' });
    dut.en.value = 1;
    dut.tick(20);
    dut.close();
    expect(dut.wavePath).toMatch(/build-test-counter\.fst$/);
    expect(existsSync(dut.wavePath!)).toBe(true);
    expect(statSync(dut.wavePath!).size).toBeGreaterThan(100);
    // FST files start with a header block (type 0) of fixed size 329.
    const head = readFileSync(dut.wavePath!).subarray(0, 9);
    expect(head[0]).toBe(0);
    expect(Number(head.readBigUInt64BE(1))).toBe(329);
  });
});
