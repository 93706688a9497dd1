// The AEAD engine's output stage: segments (each from byte lane 0) back into one packet,
// AAD ‖ text, with the tag appended on seal, and the verdict on the last beat.
//
// Entries come from the engine's output FIFO: AAD beats, then TEXT beats up to the one
// marked in_text_last (the packet's last text byte; on an empty text an empty beat). Bytes
// are appended behind the ones still held (a residue of fewer than W/8 bytes) and a beat
// goes out each time W/8 bytes are there. At in_text_last the packet ends: on seal the 16
// tag bytes follow, on open the last beat waits for the verdict. Nothing of a packet's last
// beat leaves before its verdict: the Poly1305 result (tag_valid) gates it, so a consumer
// sees m_axis_tuser[OUT_OK] with tlast, and never a last beat without it.

import { type Expr, add, and, compare, concat, constant, eq, mux, not, or, sub, zext } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { axisSource } from '../ir/interfaces.ts';
import { Module } from '../ir/module.ts';
import { oneOf } from '../ir/params.ts';
import { registerSlice } from '../lib/register-slice.ts';
import { AEAD_OUT_USER_BITS, OUT_MALFORMED, OUT_OK } from '../../spec/aead-stream.ts';
import { countMask, countWidth, mergeLanes, rotateUp } from './bytes.ts';

const NORMAL = 0;
const TAG = 1;
const FLUSH = 2;

export const aeadPacker = defineGenerator(
  'aead/packer',
  '1.0.0',
  { width: oneOf<number>('stream width in bits', 128, [64, 128, 256, 512]) },
  (p, info) => {
    const W = p.width;
    const B = W / 8;
    const cw = countWidth(B);
    const tw = cw; // a residue plus an entry: up to 2B - 1 bytes, which cw bits hold
    const pieces = Math.max(1, 16 / B); // the tag in pieces of at most a beat
    const m = new Module(`aead_pack_w${W}`, info);
    m.describe(
      'Joins the AAD and TEXT segments of each packet into one AXI-Stream packet, appends the tag on seal, and puts the verdict',
      `on the last beat: m_axis_tuser[${OUT_OK}] good, [${OUT_MALFORMED}] malformed. The last beat waits for tag_valid (the packet's Poly1305 result);`,
      'tag_take pulses as it goes, once per packet. The output passes through a register slice: m_axis_tready reaches only it.',
    );
    m.clock();
    m.reset();
    const inValid = m.input('in_valid', 1, 'an entry at the FIFO head');
    const inData = m.input('in_data', W);
    const inCount = m.input('in_count', cw, 'bytes, from lane 0');
    const inTextLast = m.input('in_text_last', 1, 'the packet\'s last entry');
    const inOpen = m.input('in_open', 1, 'on in_text_last: the packet is opened (else sealed)');
    const inMal = m.input('in_malformed', 1, 'on in_text_last: the packet\'s lengths were wrong');
    const tagValid = m.input('tag_valid', 1, 'the Poly1305 result of the packet being joined is in');
    const tagData = m.input('tag_data', 128);
    const tagMatch = m.input('tag_match', 1);
    const o = axisSource(m, { dataWidth: W, keep: true, last: true, userWidth: AEAD_OUT_USER_BITS });

    const phase = m.reg('phase_reg', 2, { reset: NORMAL });
    const res = m.reg('res_data_reg', W, { doc: 'bytes held back, from lane 0' });
    const resCount = m.reg('res_count_reg', cw, { reset: 0 });
    const piece = pieces > 1 ? m.reg('tag_piece_reg', 1, { reset: 0 }) : undefined;
    const openR = m.reg('open_reg', 1);
    const malR = m.reg('malformed_reg', 1);

    const wordWidth = W + cw + 1 + AEAD_OUT_USER_BITS;
    const emit = m.wire('emit', 1);
    const emitWord = m.wire('emit_word', wordWidth, '{tuser, tlast, byte count, tdata}');
    const slice = m.instance(registerSlice({ width: wordWidth }), 'out_slice', { s_valid: emit, s_data: emitWord, m_ready: o.tready });
    const canEmit = m.wire('can_emit', slice.s_ready!);

    const inNormal = m.wire('in_normal', eq(phase, constant(NORMAL, 2)));
    const inTag = m.wire('in_tag', eq(phase, constant(TAG, 2)));
    const inFlush = m.wire('in_flush', eq(phase, constant(FLUSH, 2)));
    // What is appended now: the FIFO entry, or a piece of the tag.
    const tagPiece = pieces > 1 ? mux(piece!, m.slice(tagData, 127, 64), m.slice(tagData, 63, 0)) : zext(tagData, W);
    const addData = m.named(mux(inTag, tagPiece, inData), 'add_data');
    const addCount = m.named(mux(inTag, constant(Math.min(B, 16), cw), inCount), 'add_count');
    const addFinal = m.wire('add_final', mux(inTag, piece ? piece : constant(1, 1), inTextLast));
    const moved = rotateUp(m, addData, m.slice(resCount, cw - 2, 0), 'append');
    const combined = m.named(mergeLanes(m, res, moved, resCount, 'append_merge'), 'combined');
    const total = m.named(add(zext(resCount, tw), zext(addCount, tw)), 'total');
    const full = m.wire('full', compare('ge', total, constant(B, tw)));
    const over = m.wire('over', compare('gt', total, constant(B, tw)));
    const rest = m.named(sub(total, constant(B, cw)), 'rest_count');

    // The packet's verdict, once its result is in.
    const open = m.wire('cur_open', mux(inNormal, inOpen, openR));
    const mal = m.wire('cur_malformed', mux(inNormal, inMal, malR));
    const user = concat(...Array.from({ length: AEAD_OUT_USER_BITS }, (_, i) =>
      i === OUT_OK ? and(not(mal), or(not(open), tagMatch)) : i === OUT_MALFORMED ? mal : constant(0, 1)).reverse());

    // ---- decisions -------------------------------------------------------------------------------
    const appending = m.wire('appending', or(and(inNormal, inValid), inTag));
    // The packet ends with what is appended now (it fits in this beat), or with the residue.
    const endsHere = m.wire('ends_here', and(appending, and(addFinal, not(over))));
    const endsSealed = m.wire('ends_sealed', and(inNormal, and(inTextLast, not(inOpen)))); // seal: the tag comes next
    const lastBeat = m.wire('last_beat', or(inFlush, and(endsHere, not(endsSealed))));
    const needTag = m.wire('need_tag', or(inTag, lastBeat));
    const needEmit = m.wire('need_emit', or(lastBeat, and(appending, full)));
    const go = m.wire('go', and(or(appending, inFlush), and(or(not(needEmit), canEmit), or(not(needTag), tagValid))));
    m.assign(emit, and(go, needEmit));
    const beatData = mux(inFlush, res, combined);
    const beatCount = mux(inFlush, resCount, mux(full, constant(B, cw), total));
    // tuser is 0 on every beat but a packet's last.
    m.assign(emitWord, concat(mux(lastBeat, user, constant(0, AEAD_OUT_USER_BITS)), lastBeat, beatCount, beatData));
    const pop = m.wire('pop', and(go, and(inNormal, inValid)));
    const done = m.wire('done', and(go, lastBeat));

    // ---- state -----------------------------------------------------------------------------------
    const keepRest = and(appending, full); // a full beat went out; what did not fit stays
    res.set(mux(keepRest, moved, combined), and(go, appending));
    resCount.set(mux(done, constant(0, cw), mux(keepRest, rest, total)), and(go, or(appending, inFlush)));
    const toTag = and(pop, endsSealed);
    const toFlush = and(and(go, appending), and(addFinal, and(over, not(endsSealed))));
    phase.set(mux(done, constant(NORMAL, 2), mux(toFlush, constant(FLUSH, 2), mux(toTag, constant(TAG, 2), phase))), go);
    piece?.set(mux(and(go, inTag), not(piece), piece), and(go, inTag));
    openR.set(inOpen, and(pop, inTextLast));
    malR.set(inMal, and(pop, inTextLast));

    m.output('in_ready', 1, 'the head entry is taken').drive(pop);
    m.output('tag_take', 1, 'the packet\'s last beat went out: its result is used').drive(done);
    const word = m.named(slice.m_data!, 'out_word');
    o.tdata.drive(m.slice(word, W - 1, 0));
    o.tkeep.drive(countMask(m.slice(word, W + cw - 1, W), B));
    o.tlast.drive(m.slice(word, W + cw, W + cw));
    o.tuser.drive(m.slice(word, W + cw + AEAD_OUT_USER_BITS, W + cw + 1));
    o.tvalid.drive(slice.m_valid!);
    return m;
  },
);
