// Byte helpers for 64-bit AXI-Stream beats (byte i in bits 8i+7..8i, spec/bytes.ts) and the
// big-endian fields of the headers that ride in them.
import { type Expr, concat, constant, lt, mux, sliceRef } from '../ir/expr.ts';
import type { Module } from '../ir/module.ts';

export const BEAT = 8;

/** Byte k of a beat. */
export function byteOf(m: Module, beat: Expr, k: number): Expr {
  return m.slice(beat, 8 * k + 7, 8 * k);
}

/** The bytes of a big-endian field, most significant (first on the wire) first. */
export function beBytes(m: Module, e: Expr): Expr[] {
  const n = e.width / 8;
  const r = m.named(e);
  return Array.from({ length: n }, (_, i) => sliceRef(r, e.width - 1 - 8 * i, e.width - 8 - 8 * i));
}

/** A beat from its 8 bytes in wire order (byte 0 first). */
export function beatOf(bytes: readonly Expr[]): Expr {
  return concat(...[...bytes].reverse());
}

/** tkeep of a beat holding the first `n` bytes (n from 1 to 8, a 4-bit count). */
export function keepOf(n: Expr): Expr {
  return concat(...Array.from({ length: BEAT }, (_, k) => lt(constant(7 - k, 4), n)));
}

/** Byte `k` of a beat, or zero when `zero` is 1. */
export function maskByte(m: Module, beat: Expr, k: number, zero: Expr): Expr {
  return mux(zero, constant(0, 8), byteOf(m, beat, k));
}
