// One ChaCha round as a pipeline unit: four quarter rounds side by side on the column or
// the diagonal pattern (or either, chosen per block by `diag_in`), with 1, 2 or 4 register
// stages. A metadata word rides along with the state, delayed by the same stages, and the
// low `tapBits` of the metadata at every stage are brought out so the owner can see what
// is in flight (the keystream engine uses that to hold key writes to a busy slot).

import { COLUMN_ROUND, DIAGONAL_ROUND } from '../../sim/golden/chacha20.ts';
import { GenError } from '../ir/errors.ts';
import { type Expr, concat, mux } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { intRange, oneOf } from '../ir/params.ts';
import { quarterRoundBody } from './quarter-round.ts';

export type RoundPattern = 'column' | 'diagonal' | 'alternating';

export const round = defineGenerator(
  'chacha/round',
  '1.0.0',
  {
    stages: oneOf<number>('register stages per round', 1, [1, 2, 4]),
    pattern: oneOf<string>('quarter-round pattern; alternating takes diag_in per block', 'column', ['column', 'diagonal', 'alternating']),
    metaWidth: intRange('metadata bits carried beside the state', 1, 1, 1024),
    tapBits: intRange('low metadata bits brought out at every stage', 1, 1, 64),
  },
  (p, info) => {
    if (p.tapBits > p.metaWidth) throw new GenError(`chacha/round: tapBits ${p.tapBits} exceeds metaWidth ${p.metaWidth}`);
    const tag = { column: 'col', diagonal: 'diag', alternating: 'alt' }[p.pattern as RoundPattern];
    const m = new Module(`chacha_round_${tag}_s${p.stages}_m${p.metaWidth}_t${p.tapBits}`, info);
    m.describe(
      `One ChaCha round (${p.pattern} pattern), ${p.stages} register stage(s): latency ${p.stages}, one state per cycle.`,
      'state words: word 0 in bits 31:0. meta_in is delayed to meta_out with the state;',
      'meta bit 0 is a valid bit that rst clears.',
      `meta_taps holds meta[${p.tapBits - 1}:0] of each stage register, stage 0 lowest.`,
    );
    m.clock();
    const stateIn = m.input('state_in', 512);
    const metaIn = m.input('meta_in', p.metaWidth);
    const diagIn = p.pattern === 'alternating' ? m.input('diag_in', 1, '1: diagonal round, 0: column round') : undefined;
    const x = m.words(stateIn, 16);

    // Inputs of each quarter round under the chosen pattern.
    const pick = (i: number, k: number): Expr => {
      const c = x[COLUMN_ROUND[i]![k]!]!;
      const d = x[DIAGONAL_ROUND[i]![k]!]!;
      if (p.pattern === 'column') return c;
      if (p.pattern === 'diagonal') return d;
      return mux(diagIn!, d, c);
    };
    const outs = [0, 1, 2, 3].map((i) => quarterRoundBody(m, [0, 1, 2, 3].map((k) => pick(i, k)), p.stages, `q${i}_`));

    // Metadata (and the pattern choice) delayed alongside. Bit 0 is the valid bit: reset
    // clears it, so a ring of these units is empty after reset; the rest needs no reset.
    let meta: Expr = metaIn;
    let diag: Expr | undefined = diagIn;
    const taps: Expr[] = [];
    for (let s = 0; s < p.stages; s++) {
      const v = m.reg(`valid_s${s}_reg`, 1, { reset: 0 });
      v.set(m.slice(meta, 0, 0, s === 0 ? 'meta_in_bits' : undefined));
      let stageMeta: Expr = v;
      if (p.metaWidth > 1) {
        const r = m.reg(`meta_s${s}_reg`, p.metaWidth - 1);
        r.set(m.slice(meta, p.metaWidth - 1, 1));
        stageMeta = m.wire(`meta_s${s}`, concat(r, v));
      }
      meta = stageMeta;
      taps.push(m.slice(meta, p.tapBits - 1, 0));
      if (diag) {
        const d = m.reg(`diag_s${s}_reg`, 1);
        d.set(diag);
        diag = d;
      }
    }

    // Each output word comes back to the position its input came from.
    const from = (pattern: ReadonlyArray<readonly number[]>, j: number): Expr => {
      const i = pattern.findIndex((q) => q.includes(j));
      return outs[i]![pattern[i]!.indexOf(j)]!;
    };
    const words: Expr[] = [];
    for (let j = 0; j < 16; j++) {
      if (p.pattern === 'column') words.push(from(COLUMN_ROUND, j));
      else if (p.pattern === 'diagonal') words.push(from(DIAGONAL_ROUND, j));
      else words.push(mux(diag!, from(DIAGONAL_ROUND, j), from(COLUMN_ROUND, j)));
    }
    m.output('state_out', 512).drive(concat(...words.reverse()));
    m.output('meta_out', p.metaWidth).drive(meta);
    m.output('meta_taps', p.tapBits * p.stages).drive(concat(...taps.reverse()));
    return m;
  },
);
