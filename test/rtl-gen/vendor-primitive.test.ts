// Vendor primitives in the IR (rtl-gen/vendor/): an instance prints with its parameters, the
// primitive's body is left to the synthesis library, simulation and lint read its behavioural
// model, and the ECP5 block-RAM tile built from DP16KD reads with the latency it documents.
import { describe, expect, it } from 'vitest';
import { constant } from '../../rtl-gen/ir/expr.ts';
import { Module } from '../../rtl-gen/ir/module.ts';
import { lintDesign } from '../../rtl-gen/lint.ts';
import { dp16kd, ecp5RamTile } from '../../rtl-gen/vendor/ecp5.ts';
import { printDesign, printModule } from '../../rtl-gen/verilog/printer.ts';
import { runCycles, simulate } from '../../sim/index.ts';
import { ToolError, synthesize } from '../../synth/flow.ts';

const info = { name: 'test/vendor', version: '0.0.1', params: {} };

describe('vendor primitives', () => {
  it('print as a parameterized instance; the body comes from the library, or the model for simulation', () => {
    const tile = ecp5RamTile({ addrBits: 10, dataWidth: 12, outputRegister: true });
    const text = printModule(tile);
    expect(text).toMatch(/DP16KD #\(\n {4}\.DATA_WIDTH_A\(18\),[^]*\.REGMODE_B {3}\("OUTREG"\),[^]*\) ram \(/);
    expect(text).toMatch(/\.DOA0 \(ram_DOA0_unused\)/);
    expect([...printDesign(tile).keys()]).toEqual(['ecp5_ram_a10_d12_outreg.v']);
    const withModels = printDesign(tile, { models: true });
    expect([...withModels.keys()]).toEqual(['DP16KD.v', 'ecp5_ram_a10_d12_outreg.v']);
    expect(withModels.get('DP16KD.v')).toMatch(/^module DP16KD #\(/m);
    expect(() => printModule(dp16kd())).toThrow(/DP16KD is a ecp5 primitive/);
  });

  it('rejects parameters on generated modules and parameters a primitive does not have', () => {
    const sub = new Module('sub', info);
    sub.output('y', 1).drive(constant(0, 1));
    const m = new Module('top', info);
    expect(() => m.instance(sub, 'u', {}, { params: { WIDTH: 4 } })).toThrow(/generated modules take none/);
    expect(() => ecp5RamTile({ addrBits: 11, dataWidth: 18 })).toThrow(/a DP16KD 2048 words deep holds 9/);
    const p = new Module('p', info);
    p.clock();
    expect(() => p.instance(dp16kd(), 'ram', {}, { params: { GSR: 'ENABLED' } })).toThrow(/DP16KD has no parameter "GSR"/);
  });

  it('lints clean with the model and will not synthesize for another family', async () => {
    const tile = ecp5RamTile({ addrBits: 7, dataWidth: 18, outputRegister: false });
    for (const r of await lintDesign(tile)) expect(r, r.output).toMatchObject({ ok: true });
    await expect(synthesize(tile, { device: 'ice40-hx8k', noPnr: true })).rejects.toThrow(ToolError);
    await expect(synthesize(tile, { device: 'ice40-hx8k', noPnr: true })).rejects.toThrow(/instantiates ecp5 primitives; ice40-hx8k is ice40/);
  });

  it.each([{ outputRegister: true, latency: 2 }, { outputRegister: false, latency: 1 }])(
    'a DP16KD tile (output register: $outputRegister) reads back after $latency cycles; a read colliding with a write is visibly wrong', async ({ outputRegister, latency }) => {
    const dut = await simulate(ecp5RamTile({ addrBits: 10, dataWidth: 18, outputRegister }));
    const n = 14;
    const at = <T>(pairs: Array<[number, T]>, none: T): T[] => Array.from({ length: n }, (_, c) => pairs.find(([k]) => k === c)?.[1] ?? none);
    const r = runCycles(dut, {
      cycles: n,
      inputs: {
        wr_en: at([[0, 1], [1, 1], [2, 1], [8, 1]], 0),
        wr_addr: at([[0, 5], [1, 1023], [2, 7], [8, 7]], 0),
        wr_data: at([[0, 0x3ffff], [1, 0x12345], [2, 0x00f0f], [8, 0x2aaaa]], 0),
        rd_addr: at([[4, 5], [5, 1023], [6, 7], [8, 7], [10, 7]], 0),
      },
      outputs: ['rd_data'],
    });
    const read = (c: number): number => Number(r.rd_data![c + latency]);
    expect([read(4), read(5), read(6)]).toEqual([0x3ffff, 0x12345, 0x00f0f]);
    // The real block leaves a read of the word being written undefined; the model inverts it.
    expect(read(8)).toBe(~0x00f0f & 0x3ffff);
    expect(read(10)).toBe(0x2aaaa);
  });

  it('maps onto one DP16KD per tile on ECP5', async () => {
    const s = await synthesize(ecp5RamTile({ addrBits: 10, dataWidth: 18, outputRegister: true }), { device: 'ecp5-85', noPnr: true });
    expect(s.area.brams).toBe(1);
    expect(s.area.luts).toBe(0);
  });
});
