// Unsigned values with a known maximum, for datapaths whose widths follow from interval
// arithmetic: every sum is exactly as wide as its largest possible value needs, so nothing
// can overflow, and a bound that grows past what a field holds is a generation-time error
// (the Poly1305 reduction proves its lazy-limb invariants this way).

import { GenError } from '../ir/errors.ts';
import { type Expr, add, concat, constant, zext } from '../ir/expr.ts';
import type { Module } from '../ir/module.ts';

export interface Bounded {
  readonly e: Expr;
  /** The largest value `e` can take. */
  readonly max: bigint;
}

export const bitsFor = (max: bigint): number => Math.max(1, max.toString(2).length);

export function bounded(e: Expr, max: bigint): Bounded {
  if (bitsFor(max) > e.width) throw new GenError(`bounded: a ${e.width}-bit value cannot reach ${max}`);
  return { e, max };
}

export const zeroB: Bounded = { e: constant(0, 1), max: 0n };

/** a + b, as wide as a.max + b.max needs. */
export function addB(a: Bounded, b: Bounded): Bounded {
  if (b.max === 0n) return a;
  if (a.max === 0n) return b;
  const max = a.max + b.max;
  const w = bitsFor(max);
  return { e: add(zext(a.e, w), zext(b.e, w)), max };
}

/** The sum of several values, as a balanced tree (a single level when there are two). */
export function sumB(terms: readonly Bounded[]): Bounded {
  if (terms.length === 0) return zeroB;
  let level = [...terms];
  while (level.length > 1) {
    const next: Bounded[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? addB(level[i]!, level[i + 1]!) : level[i]!);
    level = next;
  }
  return level[0]!;
}

/** a * 2^n. */
export function shlB(a: Bounded, n: number): Bounded {
  if (a.max === 0n || n === 0) return a;
  return { e: concat(a.e, constant(0, n)), max: a.max << BigInt(n) };
}

/** a as a named signal (a wire `name` unless it is one already), so slices of it print as slices. */
export function nameB(m: Module, a: Bounded, name: string): Bounded {
  return a.max === 0n ? a : { e: m.named(a.e, name), max: a.max };
}

/** The low `bits` bits of a (named first in `m` when it is not a signal). */
export function lowB(m: Module, a: Bounded, bits: number, name: string): Bounded {
  const mask = (1n << BigInt(bits)) - 1n;
  if (a.max <= mask) return a;
  return { e: m.slice(a.e, bits - 1, 0, name), max: mask };
}

/** a >> bits. */
export function highB(m: Module, a: Bounded, bits: number, name: string): Bounded {
  const max = a.max >> BigInt(bits);
  if (max === 0n) return zeroB;
  const w = bitsFor(max);
  return { e: m.slice(a.e, bits + w - 1, bits, name), max };
}

/** a * c for a small constant c, as a sum of shifted copies of a (its set bits). */
export function mulConstB(a: Bounded, c: bigint): Bounded {
  const terms: Bounded[] = [];
  for (let bit = 0; c >> BigInt(bit) !== 0n; bit++) if ((c >> BigInt(bit)) & 1n) terms.push(shlB(a, bit));
  return sumB(terms);
}

/** A register holding a, as wide as its bound needs. */
export function regB(m: Module, a: Bounded, name: string): Bounded {
  if (a.max === 0n) return zeroB;
  const w = bitsFor(a.max);
  const r = m.reg(name, w);
  r.set(a.e.width === w ? a.e : a.e.width < w ? zext(a.e, w) : m.slice(a.e, w - 1, 0, `${name}_d`));
  return { e: r, max: a.max };
}

/** a widened or checked to exactly `width` bits (an error when its bound needs more). */
export function fitB(m: Module, a: Bounded, width: number, what: string): Expr {
  if (bitsFor(a.max) > width) throw new GenError(`${m.name}: ${what} can reach ${a.max}, more than ${width} bits hold`);
  if (a.e.width === width) return a.e;
  return a.e.width < width ? zext(a.e, width) : m.slice(a.e, width - 1, 0);
}
