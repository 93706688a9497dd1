// An iterative ChaCha block function: one round per clock through four combinational
// quarter-round instances whose inputs are switched between the column and the diagonal
// pattern. One block in flight, rounds + 2 cycles per block. It is the smallest useful
// ChaCha core and the first end-to-end check of the generator, printer and harness; the
// line-rate pipelines are built by the pipeline generator.

import { CHACHA_CONSTANTS, COLUMN_ROUND, DIAGONAL_ROUND } from '../../spec/chacha20.ts';
import { type Expr, add, and, concat, constant, eq, mux, not, or } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { axisSink, axisSource } from '../ir/interfaces.ts';
import { Module } from '../ir/module.ts';
import { oneOf } from '../ir/params.ts';
import { quarterRound } from './quarter-round.ts';

/** Input words 4..15 of the state: key (8 words), counter and nonce (4 words). */
export const BLOCK_INPUT_BITS = 12 * 32;
export const BLOCK_OUTPUT_BITS = 16 * 32;

export const blockIterative = defineGenerator(
  'chacha/block-iterative',
  '1.0.0',
  { rounds: oneOf<number>('ChaCha rounds (20 is ChaCha20)', 20, [8, 12, 20]) },
  (p, info) => {
    const m = new Module(`chacha_block_iter_r${p.rounds}`, info);
    m.describe(
      `ChaCha${p.rounds} block function, one round per cycle, one block in flight.`,
      's_axis_tdata = state words 4..15 (key, counter, nonce), word 4 in bits 31:0.',
      'm_axis_tdata = the 64 keystream bytes, byte 0 in bits 7:0 (the 16 output words, word 0 lowest).',
      `Latency from accepted input to valid output: ${p.rounds + 1} cycles; a new input is accepted`,
      'once the previous block has been taken from m_axis.',
    );
    m.clock();
    m.reset();
    const s = axisSink(m, { dataWidth: BLOCK_INPUT_BITS });
    const o = axisSource(m, { dataWidth: BLOCK_OUTPUT_BITS });

    const busy = m.reg('busy_reg', 1, { reset: 0, doc: 'rounds in progress' });
    const outValid = m.reg('out_valid_reg', 1, { reset: 0, doc: 'a finished block waits on m_axis' });
    const round = m.reg('round_reg', 5, { doc: 'round index while busy' });
    const inputWords = m.reg('input_reg', BLOCK_INPUT_BITS, { doc: 'state words 4..15, kept for the final addition' });
    const state = m.reg('state_reg', BLOCK_OUTPUT_BITS, { doc: 'working state, word 0 lowest' });

    const ready = m.wire('in_ready', and(not(busy), not(outValid)));
    const inFire = m.wire('in_fire', and(s.tvalid, ready));
    const outFire = m.wire('out_fire', and(outValid, o.tready));
    const lastRound = m.wire('last_round', and(busy, eq(round, constant(p.rounds - 1, 5))));
    const odd = m.slice(round, 0, 0);

    // Four quarter rounds; column pattern on even rounds, diagonal on odd ones.
    const qr = quarterRound({ stages: 0 });
    const x = m.words(state, 16);
    const results: Array<Record<string, Expr>> = [];
    for (let i = 0; i < 4; i++) {
      const col = COLUMN_ROUND[i]!;
      const diag = DIAGONAL_ROUND[i]!;
      const ins: Record<string, Expr> = {};
      (['a', 'b', 'c', 'd'] as const).forEach((n, k) => {
        ins[n] = mux(odd, x[diag[k]!]!, x[col[k]!]!);
      });
      results.push(m.instance(qr, `qr${i}`, ins));
    }
    const fromPattern = (pattern: ReadonlyArray<readonly number[]>, j: number): Expr => {
      const i = pattern.findIndex((q) => q.includes(j));
      const k = pattern[i]!.indexOf(j);
      return results[i]![`${'abcd'[k]}_out`]!;
    };
    const next: Expr[] = [];
    for (let j = 0; j < 16; j++) next.push(mux(odd, fromPattern(DIAGONAL_ROUND, j), fromPattern(COLUMN_ROUND, j)));
    const roundOut = m.wire('round_out', concat(...next.reverse()));
    const constWords = concat(...[...CHACHA_CONSTANTS].reverse().map((c) => constant(c, 32)));
    const loaded = m.wire('loaded_state', concat(s.tdata, constWords));

    state.set(mux(inFire, loaded, roundOut), or(inFire, busy));
    inputWords.set(s.tdata, inFire);
    round.set(mux(inFire, constant(0, 5), add(round, constant(1, 5))), or(inFire, busy));
    busy.set(mux(inFire, constant(1, 1), and(busy, not(lastRound))));
    outValid.set(or(lastRound, and(outValid, not(outFire))));

    // Final addition of the initial state (RFC 8439 2.3), done on the way out.
    const init = [...CHACHA_CONSTANTS.map((c) => constant(c, 32)), ...m.words(inputWords, 12)];
    const sum = x.map((w, j) => add(w, init[j]!));
    o.tdata.drive(concat(...sum.reverse()));
    o.tvalid.drive(outValid);
    s.tready.drive(ready);
    return m;
  },
);
