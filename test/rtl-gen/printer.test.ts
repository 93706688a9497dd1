// The printer's Verilog, run in Verilator, computes what the IR says (checked by an IR
// interpreter on random operands), prints the same bytes every time, and lints clean.
import { describe, expect, it } from 'vitest';
import { Module } from '../../rtl-gen/ir/module.ts';
import { lintDesign } from '../../rtl-gen/lint.ts';
import { synthesize } from '../../synth/flow.ts';
import { printDesign } from '../../rtl-gen/verilog/printer.ts';
import { Rng, simulate } from '../../sim/index.ts';
import { evaluate } from '../fixtures/ir-eval.ts';
import { counter, expressionZoo, loopback, memoryDesign } from '../fixtures/designs.ts';

describe.each([8, 32, 70])('expression printing at width %i', (w) => {
  it('matches the IR interpreter on 300 random operand pairs', async () => {
    const zoo = expressionZoo(w);
    const dut = await simulate(zoo.module);
    const rng = new Rng(w);
    for (let i = 0; i < 300; i++) {
      const a = i % 10 === 0 ? rng.bits(w) & 0xfn : rng.bits(w);
      const b = i % 7 === 0 ? a : rng.bits(w);
      const s = BigInt(rng.int(0, 1));
      const env = new Map([['a', a], ['b', b], ['s', s]]);
      // The zoo's named intermediate wires (slices, rotations) evaluate from the same inputs.
      for (const wire of zoo.module.wires) if (wire.driver) env.set(wire.name, evaluate(wire.driver, env));
      dut.a.value = w <= 32 ? Number(a) : a;
      dut.b.value = w <= 32 ? Number(b) : b;
      dut.s.value = Number(s);
      for (const c of zoo.cases) {
        const want = evaluate(c.expr, env);
        const got = dut.signal(`y_${c.name}`).big;
        if (got !== want) throw new Error(`${c.name} at width ${w}, a=0x${a.toString(16)} b=0x${b.toString(16)}: IR says 0x${want.toString(16)}, Verilog gives 0x${got.toString(16)}`);
      }
    }
  });
});

describe('printer', () => {
  it('is deterministic: the same design prints the same bytes', () => {
    const a = printDesign(expressionZoo(32).module);
    const b = printDesign(expressionZoo(32).module);
    expect([...a.entries()]).toEqual([...b.entries()]);
  });

  it.each([
    ['expression zoo', () => expressionZoo(16).module],
    ['memory', memoryDesign],
    ['counter', () => counter(16)],
    ['loopback', loopback],
  ])('prints %s Verilog that verilator -Wall and yosys accept without warnings', async (_n, make) => {
    for (const r of await lintDesign(make())) expect(r, `${r.tool}: ${r.output}`).toMatchObject({ ok: true });
  });

  it('infers a memory with registered and combinational reads', async () => {
    const dut = await simulate(memoryDesign());
    const rng = new Rng(3);
    const shadow = new Array<bigint>(16).fill(0n);
    for (let a = 0; a < 16; a++) {
      dut.we.value = 1;
      dut.waddr.value = a;
      dut.wdata.value = shadow[a] = rng.bits(40);
      dut.tick();
    }
    dut.we.value = 0;
    for (let i = 0; i < 200; i++) {
      const ra = rng.int(0, 15);
      const wa = rng.int(0, 15);
      const wd = rng.bits(40);
      const we = rng.int(0, 1);
      dut.raddr.value = ra;
      expect(dut.rdata_async.big).toBe(shadow[ra]);
      dut.we.value = we;
      dut.waddr.value = wa;
      dut.wdata.value = wd;
      dut.tick();
      // A registered read returns the word as it was before a same-cycle write (read-first).
      expect(dut.rdata_sync.big).toBe(shadow[ra]);
      if (we) shadow[wa] = wd;
    }
  });
});

describe('replica registers (keep)', () => {
  // Four copies of one bit: plain registers, which yosys merges into one flip-flop, and
  // replicas, which it must keep apart.
  const copies = (keep: boolean) => {
    const m = new Module(`copies_${keep ? 'keep' : 'plain'}`, { name: 'test/printer', version: '0.0.1', params: {} });
    m.clock();
    const d = m.input('d', 1);
    const regs = [0, 1, 2, 3].map((i) => {
      const r = m.reg(`copy${i}_reg`, 1, { reset: 0, keep });
      r.set(d);
      return r;
    });
    regs.forEach((r, i) => m.output(`q${i}`, 1).drive(r));
    return m;
  };

  it('print in blocks of their own with the keep attribute, lint clean, and stay apart in synthesis', async () => {
    const text = printDesign(copies(true)).get('copies_keep.v')!;
    expect(text.match(/\(\* keep \*\) always @\(posedge clk\)/g)).toHaveLength(4);
    for (const r of await lintDesign(copies(true))) expect(r, `${r.tool}: ${r.output}`).toMatchObject({ ok: true });
    const kept = await synthesize(copies(true), { device: 'ecp5-85', noPnr: true });
    const plain = await synthesize(copies(false), { device: 'ecp5-85', noPnr: true });
    expect([kept.area.ffs, plain.area.ffs]).toEqual([4, 1]);
  });
});
