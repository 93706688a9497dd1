// The ECP5 sysDSP multiplier, MULT18X18D, instantiated directly as a combinational 18 x 18
// unsigned multiplier.
//
// Why combinational: nextpnr-ecp5 times a MULT18X18D only as a combinational path from its
// A and B pins to P (the block's input, pipeline and output registers are not in its timing
// model), so a design using those registers would be timed as if they were absent. The
// generators put fabric registers before and after the block instead, and nextpnr's clock
// figure is then the real one. Synthesis takes the cell from yosys' ECP5 library; Verilator
// simulation and lint read the behavioural model ecp5/MULT18X18D.v beside this file.

import { fileURLToPath } from 'node:url';
import { type Expr, concat, constant } from '../ir/expr.ts';
import { GenError } from '../ir/errors.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';

const MULT18X18D_MODEL = fileURLToPath(new URL('./ecp5/MULT18X18D.v', import.meta.url));
const MULT18X18D_PARAMETERS = ['REG_INPUTA_CLK', 'REG_INPUTB_CLK', 'REG_INPUTC_CLK', 'REG_PIPELINE_CLK', 'REG_OUTPUT_CLK', 'MULT_BYPASS'] as const;

/** The MULT18X18D primitive: the pins the combinational mode uses, one bit each, as yosys' ECP5 library declares them. */
export function mult18x18d(): Module {
  const m = new Module('MULT18X18D', { name: 'vendor/ecp5', version: '1.0.0', params: {} }, {
    family: 'ecp5', parameters: MULT18X18D_PARAMETERS, simModel: MULT18X18D_MODEL,
  });
  for (let i = 0; i < 18; i++) m.input(`A${i}`, 1);
  for (let i = 0; i < 18; i++) m.input(`B${i}`, 1);
  for (const pin of ['SIGNEDA', 'SIGNEDB', 'SOURCEA', 'SOURCEB']) m.input(pin, 1);
  for (let i = 0; i < 36; i++) m.output(`P${i}`, 1);
  return m;
}

/** p = a * b, unsigned 18 x 18 bits, through one MULT18X18D with every register off. */
export const ecp5Mul18 = defineGenerator('vendor/ecp5-mul18', '1.0.0', {}, (_p, info) => {
  const m = new Module('ecp5_mul18x18', info);
  m.describe('p = a * b (unsigned, 18 x 18 -> 36 bits), combinational: one ECP5 MULT18X18D with every register off.');
  const a = m.input('a', 18);
  const b = m.input('b', 18);
  const zero = constant(0, 1);
  const ins: Record<string, Expr> = { SIGNEDA: zero, SIGNEDB: zero, SOURCEA: zero, SOURCEB: zero };
  for (let i = 0; i < 18; i++) {
    ins[`A${i}`] = m.slice(a, i, i);
    ins[`B${i}`] = m.slice(b, i, i);
  }
  const o = m.instance(mult18x18d(), 'dsp', ins, {
    params: { REG_INPUTA_CLK: 'NONE', REG_INPUTB_CLK: 'NONE', REG_INPUTC_CLK: 'NONE', REG_PIPELINE_CLK: 'NONE', REG_OUTPUT_CLK: 'NONE', MULT_BYPASS: 'DISABLED' },
  });
  m.output('p', 36).drive(concat(...Array.from({ length: 36 }, (_, i) => o[`P${35 - i}`]!)));
  return m;
});

/**
 * Builds 18 x 18 products in `m`, one ecp5Mul18 instance each, named `<name>_dsp`. Operands
 * narrower than 18 bits are zero-extended, and the product is as wide as the operands make it
 * (a.width + b.width bits): the block's upper outputs, zero by arithmetic, are left unread.
 */
export function ecp5MulIn(m: Module): (a: Expr, b: Expr, name: string) => Expr {
  const mul = ecp5Mul18();
  const widen = (e: Expr): Expr => {
    if (e.width > 18) throw new GenError(`${m.name}: an ECP5 multiplier operand is at most 18 bits, got ${e.width}`);
    return e.width === 18 ? e : concat(constant(0, 18 - e.width), e);
  };
  return (a, b, name) => {
    const p = m.named(m.instance(mul, `${name}_dsp`, { a: widen(a), b: widen(b) }).p!);
    const w = a.width + b.width;
    if (w >= 36) return p;
    m.unread(`${name}_zero_bits`, m.slice(p, 35, w));
    return m.slice(p, w - 1, 0, `${name}`);
  };
}
