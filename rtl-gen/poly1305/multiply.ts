// The Poly1305 multiply-and-reduce pipeline: h = sum over lanes of a_l * b_l (mod p), with
// a_l and b_l in lazy 17-bit limbs (limbs.ts), and h lazy too. The ring (ring.ts) closes it
// into a loop; the multi-lane Horner step (h + m1) r^k + m2 r^(k-1) + ... is one pass.
//
//   products    64 limb products per lane, a_i * b_j, each 18 x 18 bits: an ECP5
//               MULT18X18D each (combinational; see vendor/ecp5-mult.ts), or shift-and-add
//               in LUTs and carry chains;
//   columns     the products of equal weight 2^(17k), k = 0..14, of every lane summed by
//               a tree of adders (one lane: 8 terms, three adder levels);
//   fold        column k + 8 comes back into column k times 320 (2^136 = 320 mod p);
//   carries     each limb keeps its low 17 bits and passes the rest to the next limb (the
//               top limb's to limb 0, times 320), until the bounds hold; a last round leaves
//               limb 0 at most 2^17 - 1 and keeps limb 7's overflow in limb 7 instead of
//               wrapping it, which is what lets h + m stay within 18-bit operands.
//
// Every width follows from interval arithmetic (bounded.ts), and the number of carry
// rounds is chosen by the same arithmetic: generation fails if the output could break the
// invariants in limbs.ts. Register stages are spread evenly over the adder levels; the
// metadata (meta_in) rides beside the numbers, cleared by reset.

import { GenError } from '../ir/errors.ts';
import { type Expr, and, concat } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { intRange, oneOf } from '../ir/params.ts';
import { ecp5MulIn } from '../vendor/ecp5-mult.ts';
import { type Bounded, addB, bitsFor, bounded, fitB, highB, lowB, mulConstB, nameB, regB, shlB, zeroB } from './bounded.ts';
import { FIELD_BITS, H_LIMB_MAX, H_TOP_MAX, LIMB_BITS, LIMB_MASK, LIMBS, OPERAND_MAX, R_CLAMP, WRAP } from './limbs.ts';

const COLUMNS = 2 * LIMBS - 1;
const LIMB_MAX = (1n << BigInt(LIMB_BITS)) - 1n;

export const MULTIPLY_PARAMS = {
  lanes: oneOf<number>('16-byte blocks absorbed per pass (products of all lanes share one reduction)', 1, [1, 2, 4]),
  multiplier: oneOf<string>('ecp5: MULT18X18D primitives, one per limb product; fabric: shift-and-add in LUTs and carry chains; ice40: SB_MAC16 (never fits, see below)', 'ecp5', ['ecp5', 'fabric', 'ice40']),
  mulStages: intRange('register stages of the limb products (ecp5: 1, the product registered after the DSP; fabric: 1 to 5, spread over its adder tree)', 1, 1, 5),
  reduceStages: intRange('register stages over the column sums, the fold and the carry rounds (at most one per adder level)', 8, 1, 16),
};

/** Carry rounds before the last one, chosen from the bounds of the folded columns (0..7 after folding). */
function carryRounds(folded: bigint[]): number {
  const lo = (x: bigint) => (x > LIMB_MAX ? LIMB_MAX : x);
  const hi = (x: bigint) => x >> BigInt(LIMB_BITS);
  for (let rounds = 0; rounds < 8; rounds++) {
    let v = [...folded];
    for (let r = 0; r < rounds; r++) v = v.map((x, k) => lo(x) + (k === 0 ? WRAP * hi(v[LIMBS - 1]!) : hi(v[k - 1]!)));
    const w = v.map((x, k) => (k === 0 ? lo(x) : k === LIMBS - 1 ? x + hi(v[k - 1]!) : lo(x) + hi(v[k - 1]!)));
    if (w.every((x, k) => x <= (k === LIMBS - 1 ? H_TOP_MAX : H_LIMB_MAX))) return rounds;
  }
  throw new GenError('poly1305/multiply: the carry rounds do not bring the limbs within their bounds');
}

/** Adder levels of the products (before the columns) for a multiplier kind. */
export function productLevels(multiplier: string): number {
  return multiplier === 'ecp5' ? 1 : Math.ceil(Math.log2(FIELD_BITS));
}

/**
 * Largest limb j of operand b. With one lane b is only ever r (clamped as RFC 8439 2.5
 * says, so some limbs are narrow: limb 1 has 11 bits, limb 7 five), 1 or 0; with more lanes
 * it is also a power of r as the ring leaves it (any 18-bit limb).
 */
export function bLimbMax(j: number, lanes: number): bigint {
  return lanes === 1 ? (R_CLAMP >> BigInt(LIMB_BITS * j)) & LIMB_MASK : OPERAND_MAX;
}

/** Largest sum of column k's products (a_i b_j, i + j = k) over the lanes. */
function columnMax(k: number, lanes: number): bigint {
  let sum = 0n;
  for (let j = 0; j < LIMBS; j++) if (k - j >= 0 && k - j < LIMBS) sum += OPERAND_MAX * bLimbMax(j, lanes);
  return BigInt(lanes) * sum;
}

/** Adder levels after the products: column tree, fold (2), carry rounds. */
export function reduceLevels(lanes: number): number {
  const treeLevels = Math.ceil(Math.log2(LIMBS * lanes));
  // Column bounds before the fold, then after it, for the carry-round count.
  const colMax = (k: number) => columnMax(k, lanes);
  const folded = Array.from({ length: LIMBS }, (_, k) => colMax(k) + (k + LIMBS < COLUMNS ? WRAP * colMax(k + LIMBS) : 0n));
  return treeLevels + 2 + carryRounds(folded) + 1;
}

/** Cycles from a and b to h: the ring's length is this plus its operand register. */
export function multiplyLatency(p: { mulStages: number; reduceStages: number }): number {
  return p.mulStages + p.reduceStages;
}

/** After which of `levels` adder levels the `stages` registers go: evenly spread, the last after the last level. */
function registerAfter(levels: number, stages: number): Set<number> {
  return new Set(Array.from({ length: stages }, (_, k) => Math.ceil(((k + 1) * levels) / stages) - 1));
}

type Groups = Bounded[][];

export const poly1305Multiply = defineGenerator(
  'poly1305/multiply',
  '1.0.0',
  {
    ...MULTIPLY_PARAMS,
    metaWidth: intRange('bits of metadata riding beside the numbers', 8, 1, 512),
    metaTap: intRange('meta_tap shows the metadata this many cycles before it reaches meta (the ring reads ahead with it)', 1, 0, 16),
    tapBits: intRange('low bits of the metadata meta_tap brings out', 1, 1, 512),
  },
  (p, info) => {
    const L = p.lanes;
    // The iCE40 UltraPlus's DSP multiplies 16 x 16 bits; a lane's 64 limb products of 18 x 18
    // bits need four each, and the largest part (iCE40UP5K) has 8 of them.
    if (p.multiplier === 'ice40') {
      throw new GenError(`poly1305/multiply: parameter "multiplier" is "ice40": a lane makes ${LIMBS * LIMBS} limb products of ${FIELD_BITS} x ${FIELD_BITS} bits, four SB_MAC16 (16 x 16) each, ${4 * LIMBS * LIMBS * L} in all; the iCE40UP5K has 8 (use "fabric")`);
    }
    const nP = productLevels(p.multiplier);
    const nR = reduceLevels(L);
    if (p.mulStages > nP) {
      throw new GenError(`poly1305/multiply: parameter "mulStages" is ${p.mulStages}; a ${p.multiplier} limb product has ${nP} adder level(s), so at most ${nP}${p.multiplier === 'ecp5' ? ' (the MULT18X18D is one combinational step, registered after it)' : ''}`);
    }
    if (p.reduceStages > nR) {
      throw new GenError(`poly1305/multiply: parameter "reduceStages" is ${p.reduceStages}; with ${L} lane(s) the reduction has ${nR} adder levels, so at most ${nR}`);
    }
    const depth = p.mulStages + p.reduceStages;
    if (p.tapBits > p.metaWidth) throw new GenError(`poly1305/multiply: parameter "tapBits" is ${p.tapBits}; the metadata has ${p.metaWidth} bits`);
    if (p.metaTap >= depth) throw new GenError(`poly1305/multiply: parameter "metaTap" is ${p.metaTap}; the pipeline has ${depth} stage(s), so at most ${depth - 1}`);
    const m = new Module(`poly1305_mul_l${L}_${p.multiplier === 'ecp5' ? 'dsp' : 'fab'}_m${p.mulStages}_r${p.reduceStages}_w${p.metaWidth}_t${p.metaTap}x${p.tapBits}`, info);
    m.describe(
      `h = sum of a_l * b_l mod 2^130 - 5 over ${L} lane(s), in lazy limbs (8 x 17 bits in 18-bit fields, limb 0 in bits 17:0),`,
      `${depth} cycle(s) from a, b and meta_in to h and meta. Products: ${p.multiplier === 'ecp5' ? 'one ECP5 MULT18X18D per limb product (combinational, registered in fabric)' : 'shift-and-add in LUTs and carry chains'}.`,
      'Operand limbs must be below 2^18; h has limbs 0-6 at most 2^17 and limb 7 at most 2^18 - 2^10 - 1 (rtl-gen/poly1305/limbs.ts).',
      `h_next and meta_next are what h and meta take at the next edge; meta_tap is what meta shows ${p.metaTap} cycle(s) later.`,
    );
    m.clock();
    m.reset();
    const a = m.input('a', L * LIMBS * FIELD_BITS, 'lane l operand limbs at [144l + 18i + 17 : 144l + 18i]');
    const b = m.input('b', L * LIMBS * FIELD_BITS, 'the same for the other operand of each lane');
    const metaIn = m.input('meta_in', p.metaWidth);

    const limb = (src: Expr, l: number, i: number, tag: string): Bounded =>
      bounded(m.slice(src, (l * LIMBS + i) * FIELD_BITS + FIELD_BITS - 1, (l * LIMBS + i) * FIELD_BITS, `${tag}${l}`), OPERAND_MAX);

    // ---- stage bookkeeping: registers after chosen levels, metadata beside them ---------------
    let stage = 0;
    let meta: Expr = metaIn;
    let hNext: Expr | undefined;
    let metaNext: Expr | undefined;
    const metas: Expr[] = [];
    const register = (g: Groups, last: boolean): Groups => {
      const s = stage++;
      if (last) {
        hNext = concat(...g.map((t, k) => fitB(m, t[0]!, FIELD_BITS, `limb ${k} of h`)).reverse());
        metaNext = meta;
      }
      const r = m.reg(`meta_s${s}_reg`, p.metaWidth, { reset: 0 });
      r.set(meta);
      meta = r;
      metas.push(r);
      return g.map((terms, k) => terms.map((t, j) => regB(m, t, `s${s}_g${k}_t${j}_reg`)));
    };
    const pairUp = (g: Groups, tag: string): Groups =>
      g.map((terms, k) => {
        const out: Bounded[] = [];
        for (let j = 0; j < terms.length; j += 2) out.push(j + 1 < terms.length ? nameB(m, addB(terms[j]!, terms[j + 1]!), `${tag}_g${k}_t${j / 2}`) : terms[j]!);
        return out;
      });

    // ---- products ----------------------------------------------------------------------------------
    const pairs: Array<{ l: number; i: number; j: number }> = [];
    for (let l = 0; l < L; l++) for (let i = 0; i < LIMBS; i++) for (let j = 0; j < LIMBS; j++) pairs.push({ l, i, j });
    const aL = Array.from({ length: L }, (_, l) => Array.from({ length: LIMBS }, (_, i) => limb(a, l, i, `a${i}_l`)));
    // b's limbs as narrow as their bounds (bLimbMax): the products, columns and carries follow.
    const bL = Array.from({ length: L }, (_, l) => Array.from({ length: LIMBS }, (_, j) => {
      const w = bitsFor(bLimbMax(j, L));
      return bounded(m.slice(b, (l * LIMBS + j) * FIELD_BITS + w - 1, (l * LIMBS + j) * FIELD_BITS, `b${j}_l${l}`), bLimbMax(j, L));
    }));
    if (L === 1) m.unread('b_spare_bits', ...Array.from({ length: LIMBS }, (_, j) => bitsFor(bLimbMax(j, L))).flatMap((w, j) => (w < FIELD_BITS ? [m.slice(b, j * FIELD_BITS + FIELD_BITS - 1, j * FIELD_BITS + w)] : [])));
    let g: Groups;
    const regsP = registerAfter(nP, p.mulStages);
    if (p.multiplier === 'ecp5') {
      const mul = ecp5MulIn(m);
      g = pairs.map(({ l, i, j }) => [bounded(mul(aL[l]![i]!.e, bL[l]![j]!.e, `p_l${l}_a${i}_b${j}`), OPERAND_MAX * bL[l]![j]!.max)]);
      g = register(g, false);
    } else {
      // Row t of a_i * b_j: a_i where bit t of b_j is 1.
      const bBits = bL.map((lane, l) => lane.map((bj, j) => m.named(bj.e, `b${j}_l${l}_bits`)));
      g = pairs.map(({ l, i, j }) => {
        const ai = aL[l]![i]!;
        const bj = bBits[l]![j]!;
        return Array.from({ length: bj.width }, (_, t) => shlB(bounded(and(ai.e, concat(...Array<Expr>(FIELD_BITS).fill(m.slice(bj, t, t)))), OPERAND_MAX), t));
      });
      for (let lv = 0; lv < nP; lv++) {
        g = pairUp(g, `pp${lv}`);
        if (regsP.has(lv)) g = register(g, false);
      }
    }

    // ---- columns, fold, carry rounds ------------------------------------------------------------------
    const columns: Groups = Array.from({ length: COLUMNS }, () => []);
    pairs.forEach(({ i, j }, n) => columns[i + j]!.push(g[n]![0]!));
    g = columns;
    const levels: Array<(g: Groups, lv: number) => Groups> = [];
    const treeLevels = Math.ceil(Math.log2(LIMBS * L));
    for (let t = 0; t < treeLevels; t++) levels.push((x, lv) => pairUp(x, `col${lv}`));
    // Fold: column k + 8 times 320 (two shifted copies), then added to column k.
    levels.push((x, lv) => Array.from({ length: LIMBS }, (_, k) => [x[k]![0]!, ...(k + LIMBS < COLUMNS ? [nameB(m, mulConstB(x[k + LIMBS]![0]!, WRAP), `fold${lv}_g${k}`)] : [])]));
    levels.push((x, lv) => pairUp(x, `fold${lv}`));
    const split = (x: Groups, lv: number) => x.map((t, k) => nameB(m, t[0]!, `carry${lv}_in${k}`));
    const rounds = reduceLevels(L) - treeLevels - 3;
    for (let r = 0; r < rounds; r++) {
      levels.push((x, lv) => {
        const v = split(x, lv);
        return v.map((vk, k) => {
          const carry = k === 0 ? mulConstB(highB(m, v[LIMBS - 1]!, LIMB_BITS, `carry${lv}_hi${LIMBS - 1}`), WRAP) : highB(m, v[k - 1]!, LIMB_BITS, `carry${lv}_hi${k - 1}`);
          return [nameB(m, addB(lowB(m, vk, LIMB_BITS, `carry${lv}_lo${k}`), carry), `carry${lv}_g${k}`)];
        });
      });
    }
    // The last round: no wrap into limb 0; limb 7 keeps what would have wrapped.
    levels.push((x, lv) => {
      const v = split(x, lv);
      return v.map((vk, k) => {
        const low = k === LIMBS - 1 ? vk : lowB(m, vk, LIMB_BITS, `carry${lv}_lo${k}`);
        const carry = k === 0 ? zeroB : highB(m, v[k - 1]!, LIMB_BITS, `carry${lv}_hi${k - 1}`);
        return [nameB(m, addB(low, carry), `carry${lv}_g${k}`)];
      });
    });
    if (levels.length !== nR) throw new GenError(`poly1305/multiply: ${levels.length} reduction levels built, ${nR} planned`);
    const regsR = registerAfter(nR, p.reduceStages);
    levels.forEach((level, lv) => {
      g = level(g, lv);
      if (regsR.has(lv)) g = register(g, lv === nR - 1);
    });

    // The bounds the generator proved, checked once more on the registered values.
    g.forEach((t, k) => {
      const bound = k === LIMBS - 1 ? H_TOP_MAX : H_LIMB_MAX;
      if (t.length !== 1 || t[0]!.max > bound) throw new GenError(`poly1305/multiply: limb ${k} of h can reach ${t[0]!.max}, above its bound ${bound}`);
    });
    m.output('h', LIMBS * FIELD_BITS).drive(concat(...g.map((t, k) => fitB(m, t[0]!, FIELD_BITS, `limb ${k} of h`)).reverse()));
    m.output('meta', p.metaWidth).drive(meta);
    m.output('h_next', LIMBS * FIELD_BITS).drive(hNext!);
    m.output('meta_next', p.metaWidth).drive(metaNext!);
    const tapped = p.metaTap === 0 ? meta : metas[depth - 1 - p.metaTap]!;
    m.output('meta_tap', p.tapBits).drive(p.tapBits === p.metaWidth ? tapped : m.slice(tapped, p.tapBits - 1, 0));
    return m;
  },
);
