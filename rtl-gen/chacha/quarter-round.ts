// The ChaCha quarter round (RFC 8439 2.1) as hardware: four add-xor-rotate groups,
//   a += b; d ^= a; d <<<= 16;   c += d; b ^= c; b <<<= 12;
//   a += b; d ^= a; d <<<= 8;    c += d; b ^= c; b <<<= 7;
// with a register stage after every group, every second group, the last group, or none.
// More stages shorten the critical path (one 32-bit add and an xor per stage at 4) at the
// cost of latency; throughput is one quarter round per cycle in every case.

import { type Expr, add, xor } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { oneOf } from '../ir/params.ts';

/** Rotation distances of the four groups, fixed by the cipher. */
export const QR_ROTATIONS = [16, 12, 8, 7] as const;

/** After which groups (1-based count of groups done) a register stage sits, per stage count. */
const STAGE_AFTER: Record<number, readonly number[]> = { 0: [], 1: [4], 2: [2, 4], 4: [1, 2, 3, 4] };

export const quarterRound = defineGenerator(
  'chacha/quarter-round',
  '1.0.0',
  { stages: oneOf<number>('register stages (latency in cycles); 0 is combinational', 1, [0, 1, 2, 4]) },
  (p, info) => {
    const m = new Module(`chacha_qr_s${p.stages}`, info);
    m.describe(
      'ChaCha quarter round (RFC 8439 2.1) on four 32-bit words.',
      p.stages === 0 ? 'Combinational.' : `Pipelined: ${p.stages} register stage(s), latency ${p.stages} cycle(s), one result per cycle.`,
    );
    if (p.stages > 0) m.clock();
    const a = m.input('a', 32);
    const b = m.input('b', 32);
    const c = m.input('c', 32);
    const d = m.input('d', 32);
    const outs = quarterRoundBody(m, [a, b, c, d], p.stages, '');
    (['a_out', 'b_out', 'c_out', 'd_out'] as const).forEach((n, i) => m.output(n, 32).drive(outs[i]!));
    return m;
  },
);

/**
 * Describes one quarter round inside `m` (used by this generator and by wider round units
 * that inline it). Returns the four output words; `prefix` keeps names unique per instance.
 */
export function quarterRoundBody(m: Module, input: readonly Expr[], stages: number, prefix: string): Expr[] {
  let [a, b, c, d] = input as [Expr, Expr, Expr, Expr];
  const after = STAGE_AFTER[stages]!;
  for (let g = 0; g < 4; g++) {
    // Groups alternate between (a, b, d) and (c, d, b).
    if (g % 2 === 0) {
      a = m.wire(`${prefix}a${g}`, add(a, b));
      d = m.wire(`${prefix}d${g}`, m.rotl(xor(d, a), QR_ROTATIONS[g]!, `${prefix}d${g}_x`));
    } else {
      c = m.wire(`${prefix}c${g}`, add(c, d));
      b = m.wire(`${prefix}b${g}`, m.rotl(xor(b, c), QR_ROTATIONS[g]!, `${prefix}b${g}_x`));
    }
    if (after.includes(g + 1)) {
      const stage = after.indexOf(g + 1);
      [a, b, c, d] = (['a', 'b', 'c', 'd'] as const).map((n, i) => {
        const r = m.reg(`${prefix}${n}_s${stage}_reg`, 32);
        r.set([a, b, c, d][i]!);
        return r;
      }) as Expr[] as [Expr, Expr, Expr, Expr];
    }
  }
  return [a, b, c, d];
}

/** A word held as rotl(p ^ q, rot) until it is needed: see quarterRoundFusedBody(). */
interface Lazy {
  p: Expr;
  q: Expr;
  rot: number;
}

/** x + (p ^ q), 32 bits, as the caller builds it (on ECP5: one carry chain, rtl-gen/vendor/ecp5.ts). */
export type XorAdd = (x: Expr, p: Expr, q: Expr, name: string) => Expr;

/**
 * The quarter round for carry chains that can fold an XOR into their adder (ECP5's CCU2C):
 * a word that was just XORed and rotated, d = (d ^ a) <<< r, is kept as the pair (d, a)
 * until it is used. Its next use is always as an addend (c += d), where the XOR goes into
 * the carry chain's own LUTs; its plain value, needed one group later, is made by a LUT
 * beside that adder. So every group is one carry chain and nothing else on the critical
 * path. A pair held across a register stage keeps only d: a is the word `a` itself,
 * unchanged until then (the same for b with c).
 *
 * `b` comes in as a pair too (bIn.p, bIn.q, rotation 7: how the previous round left it);
 * the result's b is such a pair with q = the returned c: b = (bOut ^ cOut) <<< 7.
 */
export function quarterRoundFusedBody(
  m: Module,
  input: { a: Expr; bIn: { p: Expr; q: Expr }; c: Expr; d: Expr },
  stages: number,
  prefix: string,
  xorAdd: XorAdd,
): { a: Expr; bOut: Expr; c: Expr; d: Expr } {
  const after = STAGE_AFTER[stages]!;
  let a = input.a;
  let c = input.c;
  let b: Expr | Lazy = { p: input.bIn.p, q: input.bIn.q, rot: 7 };
  let d: Expr | Lazy = input.d;
  const isLazy = (w: Expr | Lazy): w is Lazy => 'rot' in w;
  const plain = (w: Expr | Lazy, name: string): Expr => (isLazy(w) ? m.wire(name, m.rotl(xor(w.p, w.q), w.rot)) : w);
  const addTo = (x: Expr, w: Expr | Lazy, name: string): Expr =>
    isLazy(w) ? m.wire(name, xorAdd(x, m.rotl(w.p, w.rot), m.rotl(w.q, w.rot), name)) : m.wire(name, add(x, w));
  for (let g = 0; g < 4; g++) {
    if (g % 2 === 0) {
      a = addTo(a, b, `${prefix}a${g}`);
      b = plain(b, `${prefix}b${g}_plain`);
      d = { p: plain(d, `${prefix}d${g}_plain`), q: a, rot: QR_ROTATIONS[g]! };
    } else {
      c = addTo(c, d, `${prefix}c${g}`);
      d = plain(d, `${prefix}d${g}_plain`);
      b = { p: plain(b, `${prefix}b${g}_plain`), q: c, rot: QR_ROTATIONS[g]! };
    }
    if (after.includes(g + 1)) {
      const stage = after.indexOf(g + 1);
      const hold = (n: string, e: Expr): Expr => {
        const r = m.reg(`${prefix}${n}_s${stage}_reg`, 32);
        r.set(e);
        return r;
      };
      a = hold('a', a);
      c = hold('c', c);
      // A pair keeps its first half; its second is the a or c just registered.
      b = isLazy(b) ? { p: hold('bp', b.p), q: c, rot: b.rot } : hold('b', b);
      d = isLazy(d) ? { p: hold('dp', d.p), q: a, rot: d.rot } : hold('d', d);
    }
  }
  // The last group is odd: b is the pair (b, c) <<< 7 and d is plain.
  return { a, bOut: (b as Lazy).p, c, d: d as Expr };
}
