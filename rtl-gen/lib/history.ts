// A shift register of a 1-bit event, cleared by reset: bit i holds the event of i + 1
// cycles ago. Delays of a valid bit and lookbacks over recent events are taps of it.

import type { Expr } from '../ir/expr.ts';
import { concat } from '../ir/expr.ts';
import type { Module, RegHandle } from '../ir/module.ts';

export function eventHistory(m: Module, name: string, length: number, event: Expr, what: string): RegHandle {
  const r = m.reg(name, length, { reset: 0, doc: `bit i: ${what} i + 1 cycles ago` });
  r.set(length === 1 ? event : concat(m.slice(r, length - 2, 0), event));
  return r;
}
