// The IR rejects what cannot be built, with errors that name the module and signal, and
// generators reject parameters they cannot build.
import { describe, expect, it } from 'vitest';
import { blockIterative } from '../../rtl-gen/chacha/block-iterative.ts';
import { keystreamEngine } from '../../rtl-gen/chacha/keystream.ts';
import { quarterRound } from '../../rtl-gen/chacha/quarter-round.ts';
import { GenError } from '../../rtl-gen/ir/errors.ts';
import * as X from '../../rtl-gen/ir/expr.ts';
import { axisSink, axisSource } from '../../rtl-gen/ir/interfaces.ts';
import { Module } from '../../rtl-gen/ir/module.ts';
import { printModule } from '../../rtl-gen/verilog/printer.ts';

const info = { name: 'test/ir', version: '0.0.1', params: {} };

describe('IR checks', () => {
  it('requires equal operand widths', () => {
    const m = new Module('w', info);
    expect(() => X.add(m.input('a', 8), m.input('b', 9))).toThrow(/add: operand widths differ \(8 and 9\)/);
    expect(() => X.mux(m.input('s', 2), X.constant(0, 4), X.constant(1, 4))).toThrow(/select must be 1 bit/);
    expect(() => X.constant(16, 4)).toThrow(/does not fit in 4 unsigned bits/);
    expect(() => X.shiftLeft(X.constant(1, 4), 4)).toThrow(/amount 4 must be an integer from 0 to 3/);
  });

  it('rejects bad names and duplicates', () => {
    expect(() => new Module('1bad', info)).toThrow(/not a usable Verilog identifier/);
    const m = new Module('n', info);
    expect(() => m.input('module', 1)).toThrow(/"module" is not a usable Verilog identifier/);
    m.input('x', 1);
    expect(() => m.wire('x', 1)).toThrow(/n: wire "x" is already declared as a input/);
  });

  it('finds undriven, doubly driven and mis-sized signals', () => {
    const m = new Module('drv', info);
    const a = m.input('a', 8);
    m.wire('w', 8);
    expect(() => printModule(m)).toThrow(/drv: wire "w" is never driven/);
    const m2 = new Module('drv2', info);
    const o = m2.output('y', 8);
    o.drive(m2.input('a', 8));
    expect(() => o.drive(X.constant(0, 8))).toThrow(/output "y" is driven twice/);
    const r = m2.reg('r_reg', 8);
    expect(() => r.set(X.constant(0, 4))).toThrow(/register "r_reg" is 8 bits, next value is 4 bits/);
    expect(() => printModule(m2)).toThrow(/register "r_reg" has no next value/);
    const m3 = new Module('drv3', info);
    m3.output('y', 8).drive({ kind: 'ref', name: 'ghost', width: 8 });
    expect(() => printModule(m3)).toThrow(/output "y" refers to undeclared signal "ghost"/);
    void a;
  });

  it('checks instance connections', () => {
    const sub = quarterRound({ stages: 0 });
    const m = new Module('top', info);
    const a = m.input('a', 32);
    expect(() => m.instance(sub, 'q', { a, b: a, c: a })).toThrow(/leaves input "d" unconnected/);
    expect(() => m.instance(sub, 'q2', { a, b: a, c: a, d: X.constant(0, 16) })).toThrow(/port "d" is 32 bits, connected to 16 bits/);
    expect(() => m.instance(sub, 'q3', { a, b: a, c: a, d: a, e: a })).toThrow(/has no port "e"/);
  });

  it('checks memory ports', () => {
    const m = new Module('memchk', info);
    const mem = m.memory('ram', 8, 10);
    expect(() => mem.write(X.constant(1, 1), X.constant(0, 3), X.constant(0, 8))).toThrow(/depth 10 needs 4/);
    expect(() => m.memory('big', 8, 1)).toThrow(/depth 1 must be an integer from 2/);
  });

  it('builds AXI-Stream bundles with the conventional names', () => {
    const m = new Module('axis', info);
    axisSink(m, { dataWidth: 64, keep: true, last: true, userWidth: 3 });
    axisSource(m, { dataWidth: 64, keep: true, last: true, userWidth: 3 });
    expect(m.ports.map((p) => `${p.dir[0]}:${p.name}:${p.width}`)).toEqual([
      'i:s_axis_tdata:64', 'i:s_axis_tkeep:8', 'i:s_axis_tvalid:1', 'o:s_axis_tready:1', 'i:s_axis_tlast:1', 'i:s_axis_tuser:3',
      'o:m_axis_tdata:64', 'o:m_axis_tkeep:8', 'o:m_axis_tvalid:1', 'i:m_axis_tready:1', 'o:m_axis_tlast:1', 'o:m_axis_tuser:3',
    ]);
    expect(() => axisSink(new Module('k', info), { dataWidth: 12, keep: true })).toThrow(/tkeep needs a data width in whole bytes/);
  });
});

describe('generator parameters', () => {
  it('rejects values outside the schema, naming generator and parameter', () => {
    expect(() => quarterRound({ stages: 3 })).toThrow(GenError);
    expect(() => quarterRound({ stages: 3 })).toThrow(/chacha\/quarter-round: parameter "stages" is 3; it must be one of 0, 1, 2, 4/);
    expect(() => blockIterative({ rounds: 10 })).toThrow(/parameter "rounds" is 10; it must be one of 8, 12, 20/);
    expect(() => quarterRound({ stage: 1 } as never)).toThrow(/unknown parameter "stage"; known: stages/);
  });

  it('rejects a counter-and-nonce delay line for a ring, which needs them to go round', () => {
    expect(() => keystreamEngine({ rounds: 20, units: 4, stages: 2, ctxRam: 'ecp5' })).toThrow(/chacha\/keystream: ctxRam "ecp5" needs a straight pipeline \(units = rounds\); with 4 unit\(s\)/);
    expect(() => keystreamEngine({ rounds: 8, units: 8, stages: 1, ctxRam: 'lut' })).not.toThrow();
  });

  it('prints every parameter in the header', () => {
    const text = printModule(blockIterative({ rounds: 12 }));
    expect(text).toMatch(/^\/\/ chacha_block_iter_r12\n\/\/ Generated by skywire-hw rtl-gen chacha\/block-iterative v1\.0\.0/);
    expect(text).toMatch(/\/\/ Parameters:\n\/\/   rounds = 12\n/);
    expect(text).toMatch(/`default_nettype none/);
  });
});
