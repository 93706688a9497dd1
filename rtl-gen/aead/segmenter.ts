// The AEAD engine's input stage: a packet (AAD ‖ text, as s_axis carries it) becomes
// segments each starting at byte lane 0, so the rest of the engine never shifts bytes:
//
//   AAD    the first aadBytes bytes (tuser of the first beat), one or more beats, the
//          last partial; at least one beat (empty when there is no AAD);
//   TEXT   the rest (seal: the plaintext; open: ciphertext ‖ tag), moved down by
//          aadBytes mod (W/8) lanes; at least one beat (empty when there is no text);
//   END    END_BEATS beats of nothing: cycles reserved for the engine's tail (the tag
//          split releases its held beats in them, the Poly1305 lengths block takes one).
//
// Output beats carry a byte count instead of tkeep. The stage takes at most one input beat
// and gives at most one output beat per cycle; the extra beats (a segment boundary inside a
// beat, a short last beat, END) cost cycles of the input, which is why the engine is wider
// than the line it serves.

import { type Expr, add, and, compare, constant, eq, mux, not, or, sub, zext } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { axisSink } from '../ir/interfaces.ts';
import { Module } from '../ir/module.ts';
import { intRange, oneOf } from '../ir/params.ts';
import { AEAD_LENGTH_BITS, aeadFormat } from '../../spec/aead-stream.ts';
import { countWidth, keepCount, mergeLanes, rotateDown } from './bytes.ts';

export const KIND_AAD = 0;
export const KIND_TEXT = 1;
export const KIND_END = 2;

/** Beats the tag split holds back: enough that 15 bytes follow any beat it lets go early. */
export function holdBeats(width: number): number {
  return Math.ceil(15 / (width / 8));
}

/** END beats after each packet: one per held beat, and one for the lengths block. */
export function endBeats(width: number): number {
  return holdBeats(width) + 1;
}

export const aeadSegmenter = defineGenerator(
  'aead/segmenter',
  '1.0.0',
  {
    width: oneOf<number>('stream width in bits', 128, [64, 128, 256, 512]),
    keySlots: intRange('key slots (the context\'s slot field)', 4, 2, 256),
  },
  (p, info) => {
    const W = p.width;
    const B = W / 8;
    const cw = countWidth(B);
    const rw = Math.log2(B);
    const fmt = aeadFormat(p.keySlots);
    const E = endBeats(W);
    const m = new Module(`aead_seg_w${W}_k${p.keySlots}`, info);
    m.describe(
      'Cuts each packet into an AAD segment, a TEXT segment (moved down to byte lane 0) and END beats; every segment at least one beat.',
      `out_kind: ${KIND_AAD} AAD, ${KIND_TEXT} TEXT, ${KIND_END} END (${E} a packet). out_count: bytes in the beat, from lane 0.`,
      'out_first marks a packet\'s first beat (its context on out_slot, out_op, out_counter, out_fixed); out_seg_last a segment\'s last; out_last the last END.',
      'out_short on the TEXT segment\'s last beat: the packet ended inside its declared AAD.',
    );
    m.clock();
    m.reset();
    const s = axisSink(m, { dataWidth: W, keep: true, last: true, userWidth: fmt.width });
    const outReady = m.input('out_ready', 1);

    const outValid = m.reg('out_valid_reg', 1, { reset: 0 });
    const outData = m.reg('out_data_reg', W);
    const outCount = m.reg('out_count_reg', cw);
    const outKind = m.reg('out_kind_reg', 2);
    const outSegLast = m.reg('out_seg_last_reg', 1);
    const outLast = m.reg('out_last_reg', 1);
    const outFirst = m.reg('out_first_reg', 1);
    const outShort = m.reg('out_short_reg', 1);
    const slotR = m.reg('slot_reg', fmt.slotBits);
    const opR = m.reg('op_reg', 1);
    const ctrR = m.reg('counter_reg', 64);
    const fixedR = m.reg('fixed_reg', 32);

    const phase = m.reg('phase_reg', 2, { reset: KIND_AAD, doc: 'the segment being cut' });
    const firstPending = m.reg('first_pending_reg', 1, { reset: 1, doc: 'the next input beat starts a packet' });
    const aadLeft = m.reg('aad_left_reg', AEAD_LENGTH_BITS, { doc: 'AAD bytes still to come' });
    const rot = m.reg('rot_reg', rw, { doc: 'aadBytes mod lanes: how far text bytes move down' });
    const resData = m.reg('res_data_reg', W, { doc: 'text bytes of the last input beat not yet sent, from lane 0' });
    const resCount = m.reg('res_count_reg', cw, { reset: 0 });
    const ended = m.reg('ended_reg', 1, { reset: 0, doc: 'the packet\'s last input beat is in; res_data_reg is its end' });
    const short = m.reg('short_reg', 1, { reset: 0 });
    const eb = Math.max(1, Math.ceil(Math.log2(E)));
    const endLeft = m.reg('end_left_reg', eb, { doc: 'END beats still to send, less one' });

    const load = m.wire('load', or(not(outValid), outReady));
    const inAad = m.wire('in_aad', eq(phase, constant(KIND_AAD, 2)));
    const inText = m.wire('in_text', eq(phase, constant(KIND_TEXT, 2)));
    const inEnd = m.wire('in_end', eq(phase, constant(KIND_END, 2)));
    const wantsInput = m.wire('wants_input', or(inAad, and(inText, not(ended))));
    const take = m.wire('take', and(load, and(wantsInput, s.tvalid)));
    const n = keepCount(m, s.tkeep, 'in_count');
    const n16 = zext(n, AEAD_LENGTH_BITS);

    // ---- AAD: whole beats, then the boundary beat (its text bytes become the residue) ---------------
    const ctxAad = m.slice(s.tuser, fmt.aadLo + AEAD_LENGTH_BITS - 1, fmt.aadLo);
    const rem = m.named(mux(firstPending, ctxAad, aadLeft), 'aad_rem');
    const allAad = m.wire('all_aad', compare('ge', rem, n16));
    const remLow = m.named(m.slice(rem, cw - 1, 0), 'aad_rem_low');
    const aadSegLast = m.wire('aad_seg_last', or(not(allAad), or(eq(rem, n16), s.tlast)));

    // ---- TEXT: residue below, the input beat moved down on top of it -----------------------------
    const rotated = rotateDown(m, s.tdata, mux(inAad, m.slice(remLow, rw - 1, 0), rot), 'text');
    const combined = mergeLanes(m, resData, rotated, resCount, 'text_merge');
    const space = m.named(sub(constant(B, cw), resCount), 'text_space');
    const fits = m.wire('text_fits', compare('le', n, space));
    const emitted = m.named(add(resCount, mux(fits, n, space)), 'text_emitted');
    const newRes = m.named(mux(fits, constant(0, cw), sub(n, space)), 'text_residue');
    const textEnds = m.wire('text_ends', and(s.tlast, eq(newRes, constant(0, cw))));

    interface Beat { kind: number; data: Expr; count: Expr; segLast: Expr; last: Expr; first: Expr }
    const aadBeat: Beat = { kind: KIND_AAD, data: s.tdata, count: mux(allAad, n, remLow), segLast: aadSegLast, last: constant(0, 1), first: firstPending };
    const flushBeat: Beat = { kind: KIND_TEXT, data: resData, count: resCount, segLast: constant(1, 1), last: constant(0, 1), first: constant(0, 1) };
    const textBeat: Beat = { kind: KIND_TEXT, data: combined, count: emitted, segLast: textEnds, last: constant(0, 1), first: constant(0, 1) };
    const endLast = eq(endLeft, constant(0, eb));
    const endBeat: Beat = { kind: KIND_END, data: resData, count: constant(0, cw), segLast: endLast, last: endLast, first: constant(0, 1) };
    const produce = m.wire('produce', and(load, or(take, or(inEnd, and(inText, ended)))));
    const pick = (f: (b: Beat) => Expr): Expr =>
      mux(inAad, f(aadBeat), mux(inEnd, f(endBeat), mux(ended, f(flushBeat), f(textBeat))));
    outValid.set(mux(produce, constant(1, 1), mux(outReady, constant(0, 1), outValid)));
    outData.set(pick((b) => b.data), produce);
    outCount.set(pick((b) => b.count), produce);
    outKind.set(pick((b) => constant(b.kind, 2)), produce);
    outSegLast.set(pick((b) => b.segLast), produce);
    outLast.set(pick((b) => b.last), produce);
    outFirst.set(pick((b) => b.first), produce);
    outShort.set(and(inText, short), produce);
    const firstTake = m.wire('first_take', and(take, firstPending));
    slotR.set(m.slice(s.tuser, fmt.slotLo + fmt.slotBits - 1, fmt.slotLo), firstTake);
    opR.set(m.slice(s.tuser, fmt.opLo, fmt.opLo), firstTake);
    ctrR.set(m.slice(s.tuser, fmt.counterLo + 63, fmt.counterLo), firstTake);
    fixedR.set(m.slice(s.tuser, fmt.fixedLo + 31, fmt.fixedLo), firstTake);

    // ---- state ---------------------------------------------------------------------------------
    const aadTake = m.wire('aad_take', and(take, inAad));
    const textTake = m.wire('text_take', and(take, inText));
    const flush = m.wire('text_flush', and(load, and(inText, ended)));
    const endStep = m.wire('end_step', and(load, inEnd));
    const toEnd = or(flush, and(textTake, textEnds));
    phase.set(mux(and(aadTake, aadSegLast), constant(KIND_TEXT, 2), mux(toEnd, constant(KIND_END, 2), mux(and(endStep, endLast), constant(KIND_AAD, 2), phase))));
    firstPending.set(mux(aadTake, constant(0, 1), mux(and(endStep, endLast), constant(1, 1), firstPending)));
    aadLeft.set(sub(rem, n16), aadTake);
    rot.set(mux(allAad, constant(0, rw), m.slice(remLow, rw - 1, 0)), aadTake);
    resData.set(rotated, take);
    resCount.set(mux(aadTake, mux(allAad, constant(0, cw), sub(n, remLow)), mux(textTake, newRes, mux(flush, constant(0, cw), resCount))));
    // A packet that ends in its AAD has an empty text segment: the flush sends it.
    ended.set(mux(aadTake, s.tlast, mux(and(textTake, s.tlast), not(textEnds), mux(flush, constant(0, 1), ended))));
    short.set(mux(aadTake, and(s.tlast, and(allAad, not(eq(rem, n16)))), short));
    endLeft.set(mux(toEnd, constant(E - 1, eb), sub(endLeft, constant(1, eb))), or(toEnd, endStep));

    s.tready.drive(and(load, wantsInput));
    m.output('out_valid', 1).drive(outValid);
    m.output('out_data', W).drive(outData);
    m.output('out_count', cw).drive(outCount);
    m.output('out_kind', 2).drive(outKind);
    m.output('out_seg_last', 1).drive(outSegLast);
    m.output('out_last', 1).drive(outLast);
    m.output('out_first', 1).drive(outFirst);
    m.output('out_short', 1).drive(outShort);
    m.output('out_slot', fmt.slotBits).drive(slotR);
    m.output('out_op', 1, '1 = open').drive(opR);
    m.output('out_counter', 64).drive(ctrR);
    m.output('out_fixed', 32).drive(fixedR);
    m.output('in_start', 1, 'a packet\'s first beat is taken from s_axis now').drive(firstTake);
    return m;
  },
);
