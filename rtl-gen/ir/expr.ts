// Expressions of the hardware IR.
//
// Every node carries its width, and the constructors enforce Verilog-safe width rules:
// operands of arithmetic, bitwise and compare operators have equal widths, so the printed
// Verilog never depends on context-determined widening. What the IR computes is what the
// Verilog computes.

import { GenError } from './errors.ts';

export interface SignalRef {
  readonly kind: 'ref';
  readonly name: string;
  readonly width: number;
}

export type BinaryOp = 'add' | 'sub' | 'xor' | 'and' | 'or';
export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

export type Expr =
  | SignalRef
  | { readonly kind: 'const'; readonly value: bigint; readonly width: number }
  | { readonly kind: 'not'; readonly a: Expr; readonly width: number }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly a: Expr; readonly b: Expr; readonly width: number }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly a: Expr; readonly b: Expr; readonly width: 1 }
  | { readonly kind: 'shift'; readonly dir: 'left' | 'right'; readonly a: Expr; readonly amount: number; readonly width: number }
  | { readonly kind: 'concat'; readonly parts: readonly Expr[]; readonly width: number }
  | { readonly kind: 'slice'; readonly a: SignalRef; readonly hi: number; readonly lo: number; readonly width: number }
  | { readonly kind: 'index'; readonly a: SignalRef; readonly index: Expr; readonly width: 1 }
  | { readonly kind: 'mux'; readonly sel: Expr; readonly a: Expr; readonly b: Expr; readonly width: number }
  | { readonly kind: 'reduce'; readonly op: 'and' | 'or' | 'xor'; readonly a: Expr; readonly width: 1 };

/** Widest signal the IR accepts; far above anything a 512-bit datapath needs. */
export const MAX_WIDTH = 65536;

export function checkWidth(width: number, what: string): number {
  if (!Number.isInteger(width) || width < 1 || width > MAX_WIDTH) {
    throw new GenError(`${what}: width ${width} is not an integer from 1 to ${MAX_WIDTH}`);
  }
  return width;
}

function sameWidth(op: string, a: Expr, b: Expr): void {
  if (a.width !== b.width) {
    throw new GenError(`${op}: operand widths differ (${a.width} and ${b.width}); resize one explicitly`);
  }
}

export function constant(value: bigint | number, width: number): Expr {
  checkWidth(width, 'constant');
  const v = BigInt(value);
  if (v < 0n || v >> BigInt(width) !== 0n) {
    throw new GenError(`constant ${value} does not fit in ${width} unsigned bits`);
  }
  return { kind: 'const', value: v, width };
}

export const add = (a: Expr, b: Expr): Expr => binary('add', a, b);
export const sub = (a: Expr, b: Expr): Expr => binary('sub', a, b);
export const xor = (a: Expr, b: Expr): Expr => binary('xor', a, b);
export const and = (a: Expr, b: Expr): Expr => binary('and', a, b);
export const or = (a: Expr, b: Expr): Expr => binary('or', a, b);

export function binary(op: BinaryOp, a: Expr, b: Expr): Expr {
  sameWidth(op, a, b);
  return { kind: 'binary', op, a, b, width: a.width };
}

/** Left-fold of a binary operator over one or more operands. */
export function fold(op: BinaryOp, operands: readonly Expr[]): Expr {
  if (operands.length === 0) throw new GenError(`${op}: needs at least one operand`);
  return operands.slice(1).reduce((acc, e) => binary(op, acc, e), operands[0]!);
}

export function not(a: Expr): Expr {
  return { kind: 'not', a, width: a.width };
}

export function compare(op: CompareOp, a: Expr, b: Expr): Expr {
  sameWidth(op, a, b);
  return { kind: 'compare', op, a, b, width: 1 };
}
export const eq = (a: Expr, b: Expr): Expr => compare('eq', a, b);
export const ne = (a: Expr, b: Expr): Expr => compare('ne', a, b);
export const lt = (a: Expr, b: Expr): Expr => compare('lt', a, b);

export function shiftLeft(a: Expr, amount: number): Expr {
  return shift('left', a, amount);
}
export function shiftRight(a: Expr, amount: number): Expr {
  return shift('right', a, amount);
}
function shift(dir: 'left' | 'right', a: Expr, amount: number): Expr {
  if (!Number.isInteger(amount) || amount < 0 || amount >= a.width) {
    throw new GenError(`shift ${dir}: amount ${amount} must be an integer from 0 to ${a.width - 1}`);
  }
  return { kind: 'shift', dir, a, amount, width: a.width };
}

/** Concatenation, most significant part first (as in Verilog `{a, b}`). */
export function concat(...parts: Expr[]): Expr {
  if (parts.length === 0) throw new GenError('concat: needs at least one part');
  if (parts.length === 1) return parts[0]!;
  const width = parts.reduce((w, p) => w + p.width, 0);
  checkWidth(width, 'concat');
  return { kind: 'concat', parts, width };
}

/** Bits hi..lo of a named signal. Slicing an arbitrary expression is done by Module.slice, which names it first. */
export function sliceRef(a: SignalRef, hi: number, lo: number): Expr {
  if (!Number.isInteger(hi) || !Number.isInteger(lo) || lo < 0 || hi < lo || hi >= a.width) {
    throw new GenError(`slice ${a.name}[${hi}:${lo}]: out of range for width ${a.width}`);
  }
  if (lo === 0 && hi === a.width - 1) return a;
  return { kind: 'slice', a, hi, lo, width: hi - lo + 1 };
}

/** Index width Verilog expects for selecting a bit of a `width`-bit signal. */
export function indexWidth(width: number): number {
  return Math.max(1, Math.ceil(Math.log2(width)));
}

/**
 * One bit of a named signal selected by a run-time index of exactly indexWidth(a.width) bits.
 * An index past the top bit reads as 0 in simulation; generators should not rely on it.
 */
export function bitAt(a: SignalRef, index: Expr): Expr {
  if (index.width !== indexWidth(a.width)) {
    throw new GenError(`bit select of ${a.name}: index is ${index.width} bits; a ${a.width}-bit signal needs ${indexWidth(a.width)}`);
  }
  return { kind: 'index', a, index, width: 1 };
}

export function mux(sel: Expr, whenTrue: Expr, whenFalse: Expr): Expr {
  if (sel.width !== 1) throw new GenError(`mux: select must be 1 bit wide, got ${sel.width}`);
  sameWidth('mux', whenTrue, whenFalse);
  // Both arms the same signal bits: no multiplexer needed (keeps generated text readable).
  if (sameSignal(whenTrue, whenFalse)) return whenTrue;
  return { kind: 'mux', sel, a: whenTrue, b: whenFalse, width: whenTrue.width };
}

export function reduce(op: 'and' | 'or' | 'xor', a: Expr): Expr {
  return { kind: 'reduce', op, a, width: 1 };
}

/** A count's next value: one more on `up` alone, one less on `down` alone, else the same. */
export function upDown(x: Expr, up: Expr, down: Expr): Expr {
  const one = constant(1, x.width);
  return mux(up, mux(down, x, binary('add', x, one)), mux(down, binary('sub', x, one), x));
}

/** Zero-extends to a wider width. */
export function zext(a: Expr, width: number): Expr {
  if (width < a.width) throw new GenError(`zext: cannot extend ${a.width} bits to ${width}`);
  return width === a.width ? a : concat(constant(0, width - a.width), a);
}

/** True when both are the same named signal or the same bits of one. */
function sameSignal(a: Expr, b: Expr): boolean {
  if (a.kind === 'ref' && b.kind === 'ref') return a.name === b.name;
  if (a.kind === 'slice' && b.kind === 'slice') return a.a.name === b.a.name && a.hi === b.hi && a.lo === b.lo;
  return false;
}
