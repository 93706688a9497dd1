// Byte-lane helpers of the AEAD engine's stream stages: a beat's byte count from tkeep (and
// back), masking the bytes past a count, and rotating a beat by a run-time number of byte
// lanes (a barrel rotator: log2(lanes) levels of 2:1 multiplexers).

import { type Expr, and, concat, constant, lt, mux } from '../ir/expr.ts';
import type { Module } from '../ir/module.ts';

/** Bits of a byte count 0..lanes. */
export const countWidth = (lanes: number): number => Math.log2(lanes) + 1;

/**
 * Bytes in a beat whose tkeep marks its first n bytes (the stream convention: only a last
 * beat is partial, and its bytes start at lane 0): the position of the highest set bit + 1.
 */
export function keepCount(m: Module, keep: Expr, name: string): Expr {
  const lanes = keep.width;
  const k = m.named(keep, `${name}_keep`);
  const cw = countWidth(lanes);
  let n: Expr = constant(0, cw);
  for (let i = 0; i < lanes; i++) n = mux(m.slice(k, i, i), constant(i + 1, cw), n);
  return m.named(n, name);
}

/** tkeep of a count: bit i set when i < count. */
export function countMask(count: Expr, lanes: number): Expr {
  return concat(...Array.from({ length: lanes }, (_, i) => lt(constant(i, count.width), count)).reverse());
}

/** The beat with its bytes from `count` on set to zero. */
export function maskBytes(m: Module, data: Expr, count: Expr, name: string): Expr {
  const lanes = data.width / 8;
  const mask = m.named(countMask(count, lanes), `${name}_mask`);
  const d = m.named(data, `${name}_in`);
  return concat(...Array.from({ length: lanes }, (_, i) => and(m.slice(d, 8 * i + 7, 8 * i), concat(...Array<Expr>(8).fill(m.slice(mask, i, i))))).reverse());
}

/** The beat with byte lane i taking lane (i + by) mod lanes (toward lane 0), for a run-time `by` of log2(lanes) bits. */
export function rotateDown(m: Module, data: Expr, by: Expr, name: string): Expr {
  return rotateBytes(m, data, by, name, 'down');
}

/** The beat with byte lane i taking lane (i - by) mod lanes (away from lane 0). */
export function rotateUp(m: Module, data: Expr, by: Expr, name: string): Expr {
  return rotateBytes(m, data, by, name, 'up');
}

function rotateBytes(m: Module, data: Expr, by: Expr, name: string, dir: 'down' | 'up'): Expr {
  const lanes = data.width / 8;
  let x = m.named(data, `${name}_in`);
  const amount = m.named(by, `${name}_by`);
  for (let k = 0; k < by.width; k++) {
    const s = (1 << k) % lanes;
    if (s === 0) continue;
    const cut = dir === 'down' ? 8 * s : data.width - 8 * s; // the lanes that wrap round
    const rotated = concat(m.slice(x, cut - 1, 0), m.slice(x, data.width - 1, cut));
    x = m.named(mux(m.slice(amount, k, k), rotated, x), `${name}_r${k}`);
  }
  return x;
}

/** Lane by lane: lanes below `split` from `low`, the rest from `high`. */
export function mergeLanes(m: Module, low: Expr, high: Expr, split: Expr, name: string): Expr {
  const lanes = low.width / 8;
  const mask = m.named(countMask(split, lanes), `${name}_mask`);
  const lo = m.named(low, `${name}_low`);
  const hi = m.named(high, `${name}_high`);
  return concat(...Array.from({ length: lanes }, (_, i) => mux(m.slice(mask, i, i), m.slice(lo, 8 * i + 7, 8 * i), m.slice(hi, 8 * i + 7, 8 * i))).reverse());
}
