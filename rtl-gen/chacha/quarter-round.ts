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
