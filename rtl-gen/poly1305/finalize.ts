// The end of a Poly1305 computation: the accumulator h (lazy limbs, as it leaves the ring)
// reduced fully modulo p = 2^130 - 5, s added modulo 2^128 (RFC 8439 2.5.1), and the tag
// compared with an expected one (for a receiver). A pipeline with no loop: one message per
// cycle, FINALIZE_LATENCY cycles from h to the tag. Every long addition is split in two
// halves, the carry between them registered, so no carry chain is longer than 70 bits.
//
//   v   = sum of h_k 2^(17k)              (< 2^138: the limbs' low 17 bits plus their carries)
//   v2  = (v mod 2^130) + 5 (v >> 130)    (< 2^130 + 1280, congruent to v)
//   f   = v2 - p if v2 + 5 >= 2^130, else v2   (the one subtraction v2 can need)
//   tag = (f + s) mod 2^128
//
// The keys s and the expected tags live in two LUT RAMs indexed by the message's sequence
// number, written whenever the user likes before the message leaves the ring, and read at
// the stage that needs them. The comparison is a single 128-bit equality: it takes the same
// cycle whatever the tags hold.

import { type Expr, add, concat, constant, eq, mux, zext } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { intRange } from '../ir/params.ts';
import { FIELD_BITS, LIMB_BITS, LIMBS } from './limbs.ts';

/** Cycles from in_valid to out_valid. */
export const FINALIZE_LATENCY = 9;

export const poly1305Finalize = defineGenerator(
  'poly1305/finalize',
  '1.0.0',
  { seqBits: intRange('bits of the sequence number naming a message (the key and expected-tag RAMs hold 2^seqBits)', 6, 1, 10) },
  (p, info) => {
    const sq = p.seqBits;
    const m = new Module(`poly1305_final_q${sq}`, info);
    m.describe(
      'Full reduction of a lazy Poly1305 accumulator modulo 2^130 - 5, plus s modulo 2^128, and a constant-time comparison with an expected tag.',
      `out_* show the result for in_* ${FINALIZE_LATENCY} cycles later. s and the expected tag of message number q are written beforehand`,
      'through s_wr_* and exp_wr_*; they are read when the message needs them.',
    );
    m.clock();
    m.reset();
    const inValid = m.input('in_valid', 1);
    const inH = m.input('in_h', LIMBS * FIELD_BITS, 'lazy limbs as the ring leaves them');
    const inSeq = m.input('in_seq', sq);
    const sWr = { valid: m.input('s_wr_valid', 1), seq: m.input('s_wr_seq', sq), data: m.input('s_wr_data', 128, 's, little-endian (key bytes 16-31)') };
    const eWr = { valid: m.input('exp_wr_valid', 1), seq: m.input('exp_wr_seq', sq), data: m.input('exp_wr_data', 128, 'the tag to compare with, little-endian') };
    const sRam = m.memory('s_ram', 128, 1 << sq, 's of each message', { style: 'distributed' });
    sRam.write(sWr.valid, sWr.seq, sWr.data);
    const eRam = m.memory('exp_ram', 128, 1 << sq, 'expected tag of each message', { style: 'distributed' });
    eRam.write(eWr.valid, eWr.seq, eWr.data);

    // Valid and sequence number ride through every stage.
    let valid: Expr = inValid;
    let seq: Expr = inSeq;
    let n = 0;
    const step = () => {
      const v = m.reg(`valid_s${n}_reg`, 1, { reset: 0 });
      const s = m.reg(`seq_s${n}_reg`, sq);
      v.set(valid);
      s.set(seq);
      valid = v;
      seq = s;
      n++;
    };
    const reg = (name: string, e: Expr): Expr => {
      const r = m.reg(name, e.width);
      r.set(e);
      return r;
    };
    const w = (x: Expr, hi: number, lo: number, name?: string) => m.slice(x, hi, lo, name);
    /** a + b (+ cin) over `bits` bits, with the carry out on top. */
    const addc = (a: Expr, b: Expr, bits: number, cin?: Expr): Expr => {
      const s = add(zext(a, bits + 1), zext(b, bits + 1));
      return cin ? add(s, zext(cin, bits + 1)) : s;
    };

    // F1, F2: v = X + Y, X the limbs' low 17 bits side by side, Y their carries at 2^(17(k+1)).
    const ks = Array.from({ length: LIMBS }, (_, k) => k);
    const X = m.named(concat(...ks.map((k) => w(inH, FIELD_BITS * k + LIMB_BITS - 1, FIELD_BITS * k)).reverse()), 'v_low_bits'); // 136 bits
    const Y = m.named(concat(...ks.map((k) => concat(w(inH, FIELD_BITS * k + LIMB_BITS, FIELD_BITS * k + LIMB_BITS), constant(0, LIMB_BITS - 1))).reverse(), constant(0, 1)), 'v_carry_bits'); // 137 bits
    const h1 = 69;
    const f1 = m.named(addc(w(X, h1 - 1, 0), w(Y, h1 - 1, 0), h1), 'v_lo_sum');
    const vLo = reg('v_lo_reg', w(f1, h1 - 1, 0));
    const c1 = reg('v_carry_reg', w(f1, h1, h1));
    const xHi = reg('x_hi_reg', w(X, 135, h1));
    const yHi = reg('y_hi_reg', w(Y, 136, h1));
    step();
    const vHi = add(zext(xHi, 69), add(zext(yHi, 69), zext(c1, 69))); // bits 137:69
    const v = reg('v_reg', concat(vHi, vLo)); // 138 bits
    step();

    // F3, F4: v2 = v mod 2^130 + 5 (v >> 130).
    const top = w(v, 137, 130, 'v_top');
    const five = add(concat(constant(0, 2), top, constant(0, 2)), zext(top, 12)); // 5 * top, 12 bits (at most 1275)
    const h3 = 65;
    const f3 = m.named(addc(w(v, h3 - 1, 0), zext(five, h3), h3), 'v2_lo_sum');
    const v2Lo = reg('v2_lo_reg', w(f3, h3 - 1, 0));
    const c3 = reg('v2_carry_reg', w(f3, h3, h3));
    const loHi = reg('v_mid_reg', w(v, 129, h3));
    step();
    const v2 = reg('v2_reg', concat(add(zext(loHi, 66), zext(c3, 66)), v2Lo)); // 131 bits
    step();

    // F5, F6: g = v2 + 5; f = g - 2^130 if g >= 2^130, else v2 (only its low 128 bits matter).
    const f5 = m.named(addc(w(v2, h3 - 1, 0), constant(5, h3), h3), 'g_lo_sum');
    const gLo = reg('g_lo_reg', w(f5, h3 - 1, 0));
    const c5 = reg('g_carry_reg', w(f5, h3, h3));
    const v2Keep = reg('v2_keep_reg', v2);
    step();
    const gHi = m.named(add(zext(w(v2Keep, 130, h3), 66), zext(c5, 66)), 'g_hi_sum'); // bits 130:65 of g
    const ge = w(gHi, 65, 65, 'v2_at_least_p');
    m.unread('g_bits_128_129', w(gHi, 64, 63)); // f keeps 128 bits
    const f = reg('f_reg', mux(ge, concat(w(gHi, 62, 0), gLo), w(v2Keep, 127, 0))); // 128 bits
    step();

    // F7, F8: tag = f + s mod 2^128, s read by the sequence number now.
    const s = m.named(sRam.readAsync('s_rd', seq), 's_now');
    const f7 = m.named(addc(w(f, 63, 0), w(s, 63, 0), 64), 'tag_lo_sum');
    const tLo = reg('tag_lo_reg', w(f7, 63, 0));
    const c7 = reg('tag_carry_reg', w(f7, 64, 64));
    const fHi = reg('f_hi_reg', w(f, 127, 64));
    const sHi = reg('s_hi_reg', w(s, 127, 64));
    step();
    const tag = reg('tag_reg', concat(add(fHi, add(sHi, zext(c7, 64))), tLo));
    step();

    // F9: compare with the expected tag, read now.
    const expTag = eRam.readAsync('exp_rd', seq);
    const match = reg('match_reg', eq(tag, expTag));
    const tagOut = reg('tag_out_reg', tag);
    step();
    if (n !== FINALIZE_LATENCY) throw new Error(`poly1305/finalize: ${n} stages built, FINALIZE_LATENCY says ${FINALIZE_LATENCY}`);

    m.output('out_valid', 1).drive(valid);
    m.output('out_seq', sq).drive(seq);
    m.output('out_tag', 128, 'the tag, little-endian (byte 0 in bits 7:0)').drive(tagOut);
    m.output('out_match', 1, 'out_tag equals the expected tag written for out_seq').drive(match);
    return m;
  },
);
