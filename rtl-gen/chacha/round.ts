// One ChaCha round as a pipeline unit with 1, 2 or 4 register stages. A metadata word
// rides along with the state, delayed by the same stages; the low `tapBits` of the
// metadata at every stage are brought out so the owner can see what is in flight (the
// keystream engine holds key writes to a busy slot with them; the last stage is meta_out
// itself), and `meta_next` is what
// meta_out will hold after the next edge, so the owner can register decisions about the
// block leaving the unit one cycle early instead of deciding on meta_out combinationally.
//
// Every unit is the same: four quarter rounds on the columns of its input, then a fixed
// wiring (ROUND_WIRING) that moves each word within its row. That wiring is its own
// inverse and carries the column layout to one whose columns are the diagonals, and
// back; so a chain or ring of identical units does column and diagonal rounds in turn
// with no multiplexer, whatever the number of units, and an even number of rounds leaves
// the state in its natural order.

import { type Expr, concat } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { GenError } from '../ir/errors.ts';
import { Module } from '../ir/module.ts';
import { intRange, oneOf } from '../ir/params.ts';
import { ecp5XorAddIn } from '../vendor/ecp5.ts';
import { quarterRoundBody, quarterRoundFusedBody } from './quarter-round.ts';

/**
 * Where the unit's wiring puts the word in row r, column c: row r, column (r - c) mod 4.
 * (Found by searching all per-row permutations for one that turns columns into
 * diagonals and diagonals into columns; test/chacha/round-wiring.test.ts checks it.)
 */
export function roundWiring(row: number, column: number): number {
  return (((row - column) % 4) + 4) % 4;
}

/** The column of row 2 whose word pairs with row 1's word at `column` in the fused form below. */
export function fusedPartner(column: number): number {
  return (column + 1) % 4;
}

/**
 * The fused units' state form: row 1 holds p with b = (p ^ row2[(k + 1) % 4]) <<< 7, the pair
 * each quarter round leaves once the wiring has moved its words (b from column c goes to
 * column 1 - c, its partner c to column 2 - c, one further on). Converts a plain state to it.
 */
export function toFusedForm(words: readonly bigint[] | readonly number[]): number[] {
  const w = words.map(Number);
  const rotr = (v: number, n: number) => ((v >>> n) | (v << (32 - n))) >>> 0;
  return w.map((v, i) => (i >= 4 && i < 8 ? (rotr(v, 7) ^ w[8 + fusedPartner(i - 4)]!) >>> 0 : v));
}

/** The inverse of toFusedForm(): the plain state a fused unit's words stand for. */
export function fromFusedForm(words: readonly number[]): number[] {
  const rotl = (v: number, n: number) => ((v << n) | (v >>> (32 - n))) >>> 0;
  return words.map((v, i) => (i >= 4 && i < 8 ? rotl((v ^ words[8 + fusedPartner(i - 4)]!) >>> 0, 7) : v));
}

export const round = defineGenerator(
  'chacha/round',
  '2.0.0',
  {
    stages: oneOf<number>('register stages per round', 1, [1, 2, 4]),
    metaWidth: intRange('metadata bits carried beside the state', 1, 1, 1024),
    tapBits: intRange('low metadata bits brought out at every stage', 1, 1, 64),
    nextBits: intRange('low metadata bits brought out as meta_next', 1, 1, 64),
    adders: oneOf<string>('fabric: plain additions; ecp5: each XOR folded into the next addition\'s carry chain (CCU2C), b rows held as b ^ c pairs', 'fabric', ['fabric', 'ecp5']),
    outDrop: intRange('metadata bits above the valid bit that meta_out leaves out (an owner that decides on them from meta_next)', 0, 0, 64),
  },
  (p, info) => {
    for (const k of ['tapBits', 'nextBits'] as const) {
      if (p[k] > p.metaWidth) throw new GenError(`chacha/round: ${k} ${p[k]} exceeds metaWidth ${p.metaWidth}`);
    }
    if (p.outDrop > 0 && p.outDrop >= p.nextBits) throw new GenError(`chacha/round: outDrop ${p.outDrop} must leave out only bits that meta_next (${p.nextBits} bits) shows`);
    const fused = p.adders === 'ecp5';
    const m = new Module(`chacha_round_s${p.stages}_m${p.metaWidth}_t${p.tapBits}_n${p.nextBits}${p.outDrop ? `_d${p.outDrop}` : ''}${fused ? '_cc' : ''}`, info);
    m.describe(
      `One ChaCha round, ${p.stages} register stage(s): latency ${p.stages}, one state per cycle.`,
      'Column quarter rounds on the input positions, then word (row r, column c) moves to column (r - c) mod 4:',
      'identical units alternate column and diagonal rounds. State word 0 is in bits 31:0.',
      'meta_in is delayed to meta_out with the state; meta bit 0 is a valid bit that rst clears.',
      ...(p.stages > 1 ? [`meta_taps holds meta[${p.tapBits - 1}:0] of stage registers 0 to ${p.stages - 2} (meta_out is the last), stage 0 lowest;`] : []),
      `meta_next is meta[${p.nextBits - 1}:0] as meta_out will hold it after the next edge (rst aside).`,
      ...(fused ? [`Row 1 in and out is held as pairs (toFusedForm()): the word at column k is b = (row1[k] ^ row2[(k + 1) % 4]) <<< 7.`] : []),
      ...(p.outDrop ? [`meta_out leaves out meta[${p.outDrop}:1]: it is {meta[${p.metaWidth - 1}:${p.outDrop + 1}], valid}.`] : []),
    );
    m.clock();
    const stateIn = m.input('state_in', 512);
    const metaIn = m.input('meta_in', p.metaWidth);
    const x = m.words(stateIn, 16);
    const xorAdd = ecp5XorAddIn(m);
    const outs = [0, 1, 2, 3].map((c) => {
      if (!fused) return quarterRoundBody(m, [0, 1, 2, 3].map((r) => x[4 * r + c]!), p.stages, `q${c}_`);
      const o = quarterRoundFusedBody(m, { a: x[c]!, bIn: { p: x[4 + c]!, q: x[8 + fusedPartner(c)]! }, c: x[8 + c]!, d: x[12 + c]! }, p.stages, `q${c}_`, xorAdd);
      return [o.a, o.bOut, o.c, o.d];
    });

    // Metadata delayed alongside. Bit 0 is the valid bit: reset clears it, so a ring of
    // these units is empty after reset; the rest needs no reset.
    let meta: Expr = metaIn;
    const taps: Expr[] = [];
    for (let s = 0; s < p.stages; s++) {
      if (s === p.stages - 1) m.output('meta_next', p.nextBits).drive(m.slice(meta, p.nextBits - 1, 0, 'meta_last_in'));
      const v = m.reg(`valid_s${s}_reg`, 1, { reset: 0 });
      v.set(m.slice(meta, 0, 0, s === 0 ? 'meta_in_bits' : undefined));
      let stageMeta: Expr = v;
      const low = s === p.stages - 1 ? 1 + p.outDrop : 1;
      if (p.metaWidth > low) {
        const r = m.reg(`meta_s${s}_reg`, p.metaWidth - low);
        r.set(m.slice(meta, p.metaWidth - 1, low));
        stageMeta = m.wire(`meta_s${s}`, concat(r, v));
      }
      meta = stageMeta;
      if (s < p.stages - 1) taps.push(m.slice(meta, p.tapBits - 1, 0));
    }

    const words: Expr[] = new Array<Expr>(16);
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) words[4 * r + roundWiring(r, c)] = outs[c]![r]!;
    m.output('state_out', 512).drive(concat(...words.reverse()));
    m.output('meta_out', p.metaWidth - p.outDrop).drive(meta);
    if (taps.length > 0) m.output('meta_taps', p.tapBits * taps.length).drive(concat(...taps.reverse()));
    return m;
  },
);
