// The IR's memory option readDuringWrite: 'undefined' (used by the CAMs, which forward a word
// written at the edge of its read): the printed Verilog carries yosys' no_rw_check attribute,
// lints clean, simulates like any memory, and yosys maps it to block RAM with no collision
// emulation logic, which an 'old' memory gets.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { constant } from '../../rtl-gen/ir/expr.ts';
import { Module } from '../../rtl-gen/ir/module.ts';
import { lintDesign } from '../../rtl-gen/lint.ts';
import { printModule } from '../../rtl-gen/verilog/printer.ts';
import { runCycles, simulate } from '../../sim/index.ts';
import { synthesize } from '../../synth/flow.ts';

function ram(mode: 'old' | 'undefined'): Module {
  const m = new Module(`rdw_${mode}`, { name: 'test/rdw', version: '1', params: { mode } });
  m.clock();
  const we = m.input('we', 1);
  const wa = m.input('wa', 9);
  const wd = m.input('wd', 36);
  const ra = m.input('ra', 9);
  const mem = m.memory('mem', 36, 512, 'test memory', mode === 'old' ? {} : { readDuringWrite: 'undefined' });
  mem.write(we, wa, wd);
  m.output('rd', 36).drive(mem.readSync('rd_reg', ra));
  void constant;
  return m;
}

describe('memory readDuringWrite option', () => {
  it('prints no_rw_check only when asked, and lints clean', async () => {
    expect(printModule(ram('undefined'))).toMatch(/\(\* no_rw_check \*\).*\nreg \[35:0\] mem \[0:511\];/);
    expect(printModule(ram('old'))).not.toMatch(/no_rw_check/);
    for (const r of await lintDesign(ram('undefined'))) expect(r, r.output).toMatchObject({ ok: true });
  });

  it('simulates reads and writes (away from collisions) as before', async () => {
    const dut = await simulate(ram('undefined'));
    const n = 8;
    const r = runCycles(dut, {
      cycles: n,
      inputs: { we: [1, 1, 0, 0, 0, 0, 0, 0], wa: [5, 6, 0, 0, 0, 0, 0, 0], wd: [0x123456789, 0xabc, 0, 0, 0, 0, 0, 0], ra: [0, 0, 5, 6, 5, 0, 0, 0] },
      outputs: ['rd'],
    });
    expect(r.rd!.slice(3, 6).map(Number)).toEqual([0x123456789, 0xabc, 0x123456789]);
  });

  it('maps to ECP5 block RAM with no collision emulation', async () => {
    for (const mode of ['old', 'undefined'] as const) {
      const s = await synthesize(ram(mode), { device: 'ecp5-85', noPnr: true });
      expect(s.area.brams).toBeGreaterThan(0);
      const log = readFileSync(join(s.dir, 'area', 'yosys.log'), 'utf8');
      expect(/emulate_(read_first|transparency)/.test(log)).toBe(mode === 'old');
    }
  });
});
