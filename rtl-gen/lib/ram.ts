// A simple dual-port RAM (one write port, one read port, one clock) in any of the project's
// memory kinds, with the read latency each has. Users that read ahead (the Poly1305 queue)
// take the latency from here instead of assuming one.

import { GenError } from '../ir/errors.ts';
import type { Expr } from '../ir/expr.ts';
import type { Module } from '../ir/module.ts';
import { ecp5Ram } from '../vendor/ecp5.ts';

export type RamKind = 'lut' | 'block' | 'ecp5';
export const RAM_KINDS: readonly RamKind[] = ['lut', 'block', 'ecp5'];

/** Cycles from a read address to its word: LUT RAM read into a register, block RAM's read register, ECP5 tiles with their output register. */
export const RAM_READ_LATENCY: Readonly<Record<RamKind, number>> = { lut: 1, block: 1, ecp5: 2 };

/**
 * A `width` x `depth` RAM named `name` in `m`. The word at `rdAddr` appears on the returned
 * expression RAM_READ_LATENCY[kind] cycles later; a read of the word written at the same
 * edge is undefined (users never read a word they are writing).
 */
export function simpleRam(
  m: Module,
  name: string,
  kind: RamKind,
  p: { width: number; depth: number },
  write: { enable: Expr; addr: Expr; data: Expr },
  rdAddr: Expr,
): Expr {
  if (!RAM_KINDS.includes(kind)) throw new GenError(`${m.name}: RAM kind "${kind}" is not one of ${RAM_KINDS.join(', ')}`);
  if (kind === 'ecp5') return ecp5Ram(m, name, { width: p.width, depth: p.depth, outputRegister: true }, write, rdAddr);
  const mem = m.memory(name, p.width, p.depth, undefined, { style: kind === 'lut' ? 'distributed' : 'block', readDuringWrite: 'undefined' });
  mem.write(write.enable, write.addr, write.data);
  if (kind === 'block') return mem.readSync(`${name}_q_reg`, rdAddr);
  const q = m.reg(`${name}_q_reg`, p.width);
  q.set(mem.readAsync(`${name}_rd`, rdAddr));
  return q;
}
