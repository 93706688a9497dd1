// The AEAD engine's tail: after the keystream XOR, each packet's beats are held back
// holdBeats(W) beats, so that when a beat is let go it is known whether it holds text or
// tag (open: the tag is the last 16 bytes, which only the last beat reveals). From here:
//
//   - text beats carry their true byte count (tag bytes removed), and the beat with the last
//     text byte is marked; AAD and text beats go to the output FIFO;
//   - the received tag is cut out of the held beats when the segment's last beat arrives and
//     handed to the Poly1305 core to compare with;
//   - Poly1305 words: the key word (r from ChaCha20 block 0) as the packet's first beat
//     arrives, blocks of AAD and of ciphertext (each segment zero-padded to 16 bytes, RFC 8439
//     2.8), and the lengths block, le64(AAD bytes) ‖ le64(text bytes), in the last END beat's
//     cycle;
//   - the credits the beats took at the input come back for everything not written.
//
// Each END beat lets one held beat go; the last one is the packet's marker. So a packet's
// beats leave in order, one per arriving beat, and nothing here ever stalls.

import { GenError } from '../ir/errors.ts';
import { type Expr, add, and, compare, concat, constant, eq, mux, ne, not, or, sub, zext } from '../ir/expr.ts';
import type { Module } from '../ir/module.ts';
import { AEAD_LENGTH_BITS } from '../../spec/aead-stream.ts';
import { countWidth, maskBytes } from './bytes.ts';
import { KIND_AAD, KIND_END, KIND_TEXT, holdBeats } from './segmenter.ts';

export interface TailBeat {
  valid: Expr;
  /** Output bytes (text XORed with keystream). */
  out: Expr;
  /** The bytes as they arrived (ciphertext on open). */
  raw: Expr;
  count: Expr;
  kind: Expr;
  segLast: Expr;
  first: Expr;
  short: Expr;
  open: Expr;
  /** ChaCha20 block 0 of the packet, on its first beat: r in bits 127:0, s in 255:128. */
  key: Expr;
}

export interface TailPorts {
  fifo: { valid: Expr; data: Expr };
  poly: { valid: Expr; slot: Expr; key: Expr; data: Expr; count: Expr; last: Expr; seq: Expr; s: Expr };
  exp: { valid: Expr; seq: Expr; tag: Expr };
  /** Output FIFO credits coming back now (0 to 2). */
  outReturns: Expr;
  /** Poly1305 queue credits coming back now (0 to 2), for slot polyReleaseSlot. */
  polyReleases: Expr;
  polyReleaseSlot: Expr;
}

/** FIFO entry layout: {malformed, open, text_last, count, data}. */
export function fifoEntryWidth(width: number): number {
  return width + countWidth(width / 8) + 3;
}

export function aeadTail(m: Module, p: { width: number; lanes: number; seqBits: number; slots: number }, x: TailBeat): TailPorts {
  const W = p.width;
  const B = W / 8;
  const cw = countWidth(B);
  const h = holdBeats(W);
  const LB = AEAD_LENGTH_BITS + 1; // byte counts with a bit to spare: a packet over 65,535 bytes is malformed
  const L = p.lanes;
  const P = (16 * L) / B; // beats per Poly1305 word
  if (P < 1) throw new GenError(`aead/engine: a ${W}-bit beat carries ${W / 128} Poly1305 blocks; parameter "lanes" is ${L}, so a word holds fewer: lanes must be at least ${W / 128}`);
  const sb = Math.max(1, Math.ceil(Math.log2(p.slots)));
  const sq = p.seqBits;

  const isAad = m.wire('t_aad', and(x.valid, eq(x.kind, constant(KIND_AAD, 2))));
  const isText = m.wire('t_text', and(x.valid, eq(x.kind, constant(KIND_TEXT, 2))));
  const isEnd = m.wire('t_end', and(x.valid, eq(x.kind, constant(KIND_END, 2))));
  const isData = m.wire('t_data', or(isAad, isText));

  // ---- the held beats: q0 the oldest ---------------------------------------------------------------
  const beatWidth = 2 * W + cw + 2 + 1; // {segLast, kind, count, raw, out}
  const pack = (b: { out: Expr; raw: Expr; count: Expr; kind: Expr; segLast: Expr }) => concat(b.segLast, b.kind, b.count, b.raw, b.out);
  const ow = Math.ceil(Math.log2(h + 1));
  const occ = m.reg('t_occ_reg', ow, { reset: 0, doc: 'beats held' });
  const q = Array.from({ length: h }, (_, i) => m.reg(`t_hold${i}_reg`, beatWidth, { doc: i === 0 ? 'the oldest held beat' : undefined }));
  const full = m.wire('t_full', eq(occ, constant(h, ow)));
  const popNow = m.wire('t_pop', or(and(isData, full), and(isEnd, ne(occ, constant(0, ow)))));
  const marker = m.wire('t_marker', and(isEnd, eq(occ, constant(0, ow))));
  const pushNow = isData;
  const xPacked = pack(x);
  // Shift down on a pop; the arriving beat goes behind the ones that stay.
  q.forEach((r, i) => {
    const after = i + 1 < h ? q[i + 1]! : undefined;
    const stays = mux(popNow, after ?? xPacked, r); // after a pop, slot i takes slot i + 1
    const target = mux(popNow, constant(h - 1, ow), occ); // where the arriving beat lands
    r.set(mux(and(pushNow, eq(target, constant(i, ow))), xPacked, stays));
  });
  occ.set(mux(and(pushNow, not(popNow)), add(occ, constant(1, ow)), mux(and(popNow, not(pushNow)), sub(occ, constant(1, ow)), occ)));
  const head = m.named(q[0]!, 't_head');
  const hOut = m.slice(head, W - 1, 0, 't_head_out');
  const hRaw = m.slice(head, 2 * W - 1, W, 't_head_raw');
  const hCount = m.slice(head, 2 * W + cw - 1, 2 * W, 't_head_count');
  const hKind = m.slice(head, 2 * W + cw + 1, 2 * W + cw, 't_head_kind');
  const hSegLast = m.slice(head, 2 * W + cw + 2, 2 * W + cw + 2, 't_head_seg_last');

  // ---- per packet, as beats arrive: lengths, the text's end, the received tag --------------------------
  const openR = m.reg('t_open_reg', 1);
  const open = m.wire('t_open_now', mux(x.first, x.open, openR));
  openR.set(x.open, and(x.valid, x.first));
  const aadBytes = m.reg('t_aad_bytes_reg', LB, { reset: 0 });
  const segBytes = m.reg('t_seg_bytes_reg', LB, { reset: 0, doc: 'TEXT segment bytes arrived (open: text and tag)' });
  const textBytes = m.reg('t_text_bytes_reg', LB, { doc: 'the text\'s length, once known' });
  const known = m.reg('t_known_reg', 1, { reset: 0, doc: 'the TEXT segment\'s last beat has arrived' });
  const malR = m.reg('t_malformed_reg', 1, { reset: 0 });
  const emitOff = m.reg('t_emit_off_reg', LB, { reset: 0, doc: 'offset in the TEXT segment of the next text beat to go' });
  const xc = zext(x.count, LB);
  const segEnd = m.wire('t_seg_end', and(isText, x.segLast));
  const u = m.named(add(segBytes, xc), 't_seg_total');
  const tagRoom = compare('ge', u, constant(16, LB));
  const tNow = m.named(mux(open, mux(tagRoom, sub(u, constant(16, LB)), constant(0, LB)), u), 't_text_now');
  const aadNow = m.named(add(aadBytes, mux(isAad, xc, constant(0, LB))), 't_aad_now');
  const tooLong = compare('gt', add(aadNow, u), constant((1 << AEAD_LENGTH_BITS) - 1, LB));
  const malNow = m.wire('t_malformed_now', or(x.short, or(and(open, not(tagRoom)), tooLong)));
  aadBytes.set(mux(marker, constant(0, LB), aadNow), or(isAad, marker));
  segBytes.set(mux(marker, constant(0, LB), u), or(isText, marker));
  textBytes.set(tNow, segEnd);
  known.set(mux(marker, constant(0, 1), or(known, segEnd)));
  malR.set(mux(marker, constant(0, 1), or(malR, or(and(isData, tooLong), and(segEnd, malNow)))));
  // The lengths block, taken as the marker arrives (the counts start again for the next packet).
  const lengths = m.reg('t_lengths_reg', 2 * LB, { doc: '{text bytes, AAD bytes} of the packet whose marker came last' });
  lengths.set(concat(textBytes, aadBytes), marker);

  // The received tag: the last 16 bytes of the segment, in the held beats and the arriving one.
  // Byte `at` of the window: the held beats' raw bytes, oldest lowest, then the arriving beat's.
  const windowByte = (at: number): Expr => {
    const src = Math.floor(at / B);
    const lane = at % B;
    return src < h ? m.slice(q[src]!, W + 8 * lane + 7, W + 8 * lane) : m.slice(x.raw, 8 * lane + 7, 8 * lane);
  };
  const tagBytes = Array.from({ length: 16 }, (_, k) => {
    // byte (h B + n - 16 + k) of the window, n = the arriving beat's count (1..B)
    let sel: Expr = constant(0, 8);
    for (let n = 1; n <= B; n++) {
      const at = h * B + n - 16 + k;
      if (at < 0) continue;
      sel = mux(eq(x.count, constant(n, cw)), windowByte(at), sel);
    }
    return sel;
  });
  const expTag = m.named(concat(...tagBytes.reverse()), 't_received_tag');
  // Sequence numbers count packets at the marker; the expected tag goes out with this one.
  const seqArr = m.reg('t_arrival_seq_reg', sq, { reset: 0, doc: 'tag number of the packet arriving' });
  seqArr.set(add(seqArr, constant(1, sq)), marker);
  const eValid = m.reg('t_exp_valid_reg', 1, { reset: 0 });
  const eTag = m.reg('t_exp_tag_reg', 128);
  const eSeq = m.reg('t_exp_seq_reg', sq);
  eValid.set(and(segEnd, open));
  eTag.set(expTag);
  eSeq.set(seqArr);

  // ---- E1: what leaves the hold (a popped beat, the marker, or the key as a packet begins) ----------
  // One cycle later the text's length is in its register even when the segment's last beat
  // arrived with the pop, so the count is trimmed from registers only.
  const popKind = m.wire('t_pop_text', eq(hKind, constant(KIND_TEXT, 2)));
  const e1 = {
    aad: m.reg('t_e1_aad_reg', 1, { reset: 0 }),
    text: m.reg('t_e1_text_reg', 1, { reset: 0 }),
    marker: m.reg('t_e1_marker_reg', 1, { reset: 0 }),
    key: m.reg('t_e1_key_reg', 1, { reset: 0 }),
    endPop: m.reg('t_e1_end_pop_reg', 1, { reset: 0, doc: 'an END beat let a held beat go (its own credits come back)' }),
    out: m.reg('t_e1_out_reg', W),
    raw: m.reg('t_e1_raw_reg', W),
    count: m.reg('t_e1_count_reg', cw),
    segLast: m.reg('t_e1_seg_last_reg', 1),
    off: m.reg('t_e1_off_reg', LB, { doc: 'the text beat\'s offset in its segment' }),
  };
  e1.aad.set(and(popNow, not(popKind)));
  e1.text.set(and(popNow, popKind));
  e1.marker.set(marker);
  e1.key.set(and(x.valid, x.first));
  e1.endPop.set(and(isEnd, popNow));
  e1.out.set(hOut);
  e1.raw.set(hRaw);
  e1.count.set(hCount);
  e1.segLast.set(hSegLast);
  e1.off.set(emitOff);
  emitOff.set(mux(marker, constant(0, LB), add(emitOff, zext(hCount, LB))), or(and(popNow, popKind), marker));

  const lastDone = m.reg('t_text_last_done_reg', 1, { reset: 0, doc: 'the beat with the last text byte has gone' });
  const hc = zext(e1.count, LB);
  const left = m.named(mux(compare('gt', textBytes, e1.off), sub(textBytes, e1.off), constant(0, LB)), 't_text_left');
  const trimmed = m.named(mux(known, mux(compare('lt', left, hc), m.slice(left, cw - 1, 0), e1.count), e1.count), 't_trimmed');
  const textLast = m.wire('t_text_last', and(e1.text, and(known, and(not(lastDone), compare('le', textBytes, add(e1.off, hc))))));
  lastDone.set(mux(e1.marker, constant(0, 1), or(lastDone, textLast)));
  const eCount = m.named(mux(e1.text, trimmed, e1.count), 't_emit_count');
  const hasBytes = ne(eCount, constant(0, cw));
  const toFifo = m.wire('t_to_fifo', or(and(e1.aad, hasBytes), and(e1.text, and(not(lastDone), or(hasBytes, textLast)))));
  const contributesE1 = m.wire('t_word_beat', or(e1.aad, and(e1.text, not(lastDone))));

  // ---- E2: output FIFO entry, Poly1305 words, credits --------------------------------------------------
  const e2 = {
    fifo: m.reg('t_e2_fifo_reg', 1, { reset: 0 }),
    word: m.reg('t_e2_word_reg', 1, { reset: 0, doc: 'the beat adds to a Poly1305 word' }),
    segEnd: m.reg('t_e2_seg_end_reg', 1, { doc: 'the beat ends its segment: the word goes now' }),
    marker: m.reg('t_e2_marker_reg', 1, { reset: 0 }),
    key: m.reg('t_e2_key_reg', 1, { reset: 0 }),
    popped: m.reg('t_e2_popped_reg', 1, { reset: 0, doc: 'an AAD or TEXT beat let go' }),
    unwritten: m.reg('t_e2_unwritten_reg', 1, { reset: 0, doc: 'a beat let go for which the FIFO gets nothing' }),
    endPop: m.reg('t_e2_end_pop_reg', 1, { reset: 0 }),
    data: m.reg('t_e2_poly_reg', W, { doc: 'the beat as Poly1305 sees it (ciphertext), bytes past the count zero' }),
    entry: m.reg('t_e2_entry_reg', fifoEntryWidth(W)),
    count: m.reg('t_e2_count_reg', cw),
  };
  e2.fifo.set(toFifo);
  e2.word.set(contributesE1);
  e2.segEnd.set(or(and(e1.aad, e1.segLast), textLast));
  e2.marker.set(e1.marker);
  e2.key.set(e1.key);
  e2.popped.set(or(e1.aad, e1.text));
  e2.unwritten.set(and(or(e1.aad, e1.text), not(toFifo)));
  e2.endPop.set(e1.endPop);
  e2.data.set(maskBytes(m, mux(and(e1.text, not(openR)), e1.out, e1.raw), eCount, 't_poly_bytes'));
  e2.entry.set(concat(and(textLast, malR), and(textLast, openR), textLast, eCount, e1.out));
  e2.count.set(eCount);

  // A word is P beats of poly data; a segment's end writes what it has (zero bytes past the
  // count, the padding of RFC 8439 2.8).
  const pw = Math.max(1, Math.ceil(Math.log2(P)));
  const pos = P > 1 ? m.reg('t_word_pos_reg', pw, { reset: 0, doc: 'beats in the word being filled' }) : undefined;
  const parts = Array.from({ length: P }, (_, k) => m.reg(`t_word_part${k}_reg`, W));
  const at = (k: number) => (pos ? eq(pos, constant(k, pw)) : constant(1, 1));
  parts.forEach((r, k) => r.set(e2.data, and(e2.word, at(k))));
  // The word so far: earlier beats from their registers, this one, zeros after it (padding).
  const wordNow = m.named(concat(...parts.map((r, k) => (k === 0 ? mux(at(0), e2.data, r) : mux(at(k), e2.data, mux(compare('lt', pos!, constant(k, pw)), constant(0, W), r)))).reverse()), 't_word_now');
  // Bytes in the word: whole beats before this one, and this one's (up to 16 L: one bit more than pos and a lane count).
  const fw = (pos ? pw : 0) + Math.log2(B) + 1;
  const filled = m.named(add(pos ? zext(concat(pos, constant(0, Math.log2(B))), fw) : constant(0, fw), zext(e2.count, fw)), 't_word_bytes');
  const lastPos = pos ? eq(pos, constant(P - 1, pw)) : constant(1, 1);
  const flush = m.wire('t_word_flush', and(e2.word, or(e2.segEnd, lastPos)));
  const cb = Math.log2(L) + 1;
  // ceil(bytes / 16): the whole blocks, plus one for a partial block.
  const blocks = m.named(fw <= 4
    ? zext(ne(filled, constant(0, fw)), cb)
    : add(zext(m.slice(filled, fw - 1, 4), cb), zext(ne(m.slice(filled, 3, 0), constant(0, 4)), cb)), 't_word_blocks');
  const writesWord = m.wire('t_word_write', and(flush, ne(filled, constant(0, fw))));
  pos?.set(mux(flush, constant(0, pw), add(pos, constant(1, pw))), e2.word);

  // The Poly1305 slot and sequence number of the packet at E2: both count markers here.
  const seq = m.reg('t_seq_reg', sq, { reset: 0 });
  const slot = m.reg('t_slot_reg', sb, { reset: 0 });
  seq.set(add(seq, constant(1, sq)), e2.marker);
  slot.set(mux(eq(slot, constant(p.slots - 1, sb)), constant(0, sb), add(slot, constant(1, sb))), e2.marker);
  // The key word as the packet began; x.key holds the packet's block 0 until its next packet
  // arrives (at least four beats later).
  const lenText = m.slice(lengths, 2 * LB - 1, LB);
  const lenAad = m.slice(lengths, LB - 1, 0);
  const wValid = m.reg('t_poly_valid_reg', 1, { reset: 0 });
  const wKey = m.reg('t_poly_key_reg', 1);
  const wData = m.reg('t_poly_data_reg', 128 * L);
  const wCount = m.reg('t_poly_count_reg', cb);
  const wLast = m.reg('t_poly_last_reg', 1);
  const wS = m.reg('t_poly_s_reg', 128);
  const wSlot = m.reg('t_poly_slot_reg', sb);
  const wSeq = m.reg('t_poly_seq_reg', sq);
  wValid.set(or(e2.key, or(writesWord, e2.marker)));
  wKey.set(e2.key);
  wData.set(mux(e2.key, zext(m.slice(x.key, 127, 0), 128 * L), mux(e2.marker, zext(concat(zext(lenText, 64), zext(lenAad, 64)), 128 * L), wordNow)));
  wCount.set(mux(or(e2.key, e2.marker), constant(1, cb), blocks));
  wLast.set(e2.marker);
  wS.set(m.slice(x.key, 255, 128));
  wSlot.set(slot);
  wSeq.set(seq);

  // ---- credits back -----------------------------------------------------------------------------------
  // Output FIFO: a credit per arriving beat; back for what is not written (a beat let go
  // unwritten, the marker, each END beat that lets a held beat go).
  const outBack1 = or(e2.unwritten, e2.marker);
  // Poly1305 queues: a credit per arriving beat and one for the key word; back for a data
  // beat let go that completes no word, and for each END beat that lets a held beat go.
  const polyBack1 = and(e2.popped, not(writesWord));
  const retWidth = 2;
  const two = (a: Expr, b: Expr) => add(zext(a, retWidth), zext(b, retWidth));
  const fifoValid = m.reg('t_fifo_valid_reg', 1, { reset: 0 });
  const fifoData = m.reg('t_fifo_data_reg', fifoEntryWidth(W));
  fifoValid.set(e2.fifo);
  fifoData.set(e2.entry);
  return {
    fifo: { valid: fifoValid, data: fifoData },
    poly: { valid: wValid, slot: wSlot, key: wKey, data: wData, count: wCount, last: wLast, seq: wSeq, s: wS },
    exp: { valid: eValid, seq: eSeq, tag: eTag },
    outReturns: m.named(two(outBack1, e2.endPop), 't_out_returns'),
    polyReleases: m.named(two(polyBack1, e2.endPop), 't_poly_releases'),
    polyReleaseSlot: slot,
  };
}
