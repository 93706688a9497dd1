// The host port as a mailbox in the register map (`host` registers, spec/forwarding/host-port.ts):
// what a host reaching the plane over a register bus (Etherbone on a board) uses instead of
// an AXI-Stream. Frames keep their 8-byte metadata header; words are big-endian, the frame's
// first byte in bits 31:24.
//
// Up: frames from the plane land in a frame FIFO (whole frames only; one that does not fit is
// dropped and counted by the caller); the head frame's length is read from its header, and
// each read of host_rx_data takes the next word. Down: words written to host_tx_data are
// packed into beats; host_tx_commit(length) ends the frame, which only then becomes visible
// to the plane, so a slow host never holds an egress port in the middle of a frame.
import { HOST_HEADER_BYTES } from '../../spec/forwarding/host-port.ts';
import { type Expr, add, and, concat, constant, eq, lt, mux, not, or, sliceRef, sub, zext } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { powerOfTwo } from '../ir/params.ts';
import { frameFifo } from '../lib/frame-fifo.ts';
import { beatOf, byteOf, keepOf } from './bytes.ts';

export const hostMailbox = defineGenerator(
  'forwarding/mailbox',
  '1.0.0',
  { beats: powerOfTwo('beats of each direction\'s frame buffer', 512, 64, 8192) },
  (p, info) => {
    const m = new Module(`host_mailbox_q${p.beats}`, info);
    m.describe(
      `Host-port mailbox: ${p.beats}-beat frame buffers each way between the plane's host streams and 32-bit register words.`,
      'rx_status = {length, avail}; rx_pop takes a word; tx_data appends a word; tx_commit(length) sends the frame.',
    );
    m.clock();
    m.reset();
    // ---- up -------------------------------------------------------------------------------
    const upData = m.input('s_host_tdata', 64, 'frames from the plane');
    const upKeep = m.input('s_host_tkeep', 8);
    const upValid = m.input('s_host_tvalid', 1);
    const upLast = m.input('s_host_tlast', 1);
    const rxPop = m.input('rx_pop', 1, 'the host read host_rx_data');
    const up = m.instance(frameFifo({ width: 64, depth: p.beats }), 'up', { s_valid: upValid, s_data: upData, s_last: upLast, s_abort: constant(0, 1), m_ready: m.wire('up_take', 1) }, { unused: ['committed'] });
    m.wire('up_keep_unused', upKeep);
    const half = m.reg('rx_half_reg', 1, { reset: 0, doc: 'the next word is the head beat\'s second half' });
    const word = m.reg('rx_word_reg', 12, { reset: 0, doc: 'words of the head frame already read' });
    const head = up.m_data!;
    const headLast = up.m_last!;
    const atStart = m.wire('rx_at_start', and(eq(word, constant(0, 12)), not(half)));
    // The frame length, from the header of its first beat (bytes 4-5), is kept while it is read.
    const lenNow = m.wire('rx_len_now', add(concat(byteOf(m, head, 4), byteOf(m, head, 5)), constant(HOST_HEADER_BYTES, 16)));
    const len = m.reg('rx_len_reg', 16);
    len.set(lenNow, and(up.m_valid!, atStart));
    const frameLen = mux(atStart, lenNow, len);
    m.output('rx_avail', 1, 'a frame is waiting').drive(up.m_valid!);
    m.output('rx_length', 16, 'its bytes, header included').drive(mux(up.m_valid!, frameLen, constant(0, 16)));
    const bytesOf = (k: number): Expr => byteOf(m, head, k);
    m.output('rx_data', 32, 'the next word').drive(mux(half, concat(bytesOf(4), bytesOf(5), bytesOf(6), bytesOf(7)), concat(bytesOf(0), bytesOf(1), bytesOf(2), bytesOf(3))));
    // A read takes a word: the beat goes when both halves were read, or the frame ends in its first half.
    const readNow = and(rxPop, up.m_valid!);
    const plus3 = m.wire('rx_len_plus3', add(frameLen, constant(3, 16)));
    const wordsTotal = m.wire('rx_words', sliceRef(plus3, 13, 2), 'words of the head frame');
    const lastWord = eq(add(word, constant(1, 12)), wordsTotal);
    const beatDone = and(readNow, or(half, and(lastWord, headLast)));
    m.assign({ kind: 'ref', name: 'up_take', width: 1 }, beatDone);
    half.set(mux(beatDone, constant(0, 1), mux(readNow, constant(1, 1), half)));
    word.set(mux(and(beatDone, headLast), constant(0, 12), add(word, constant(1, 12))), readNow);
    m.wire('rx_len_bits_unused', concat(sliceRef(plus3, 15, 14), sliceRef(plus3, 1, 0)));
    // ---- down -----------------------------------------------------------------------------
    const txData = m.input('tx_data', 32, 'a word written to host_tx_data');
    const txDataValid = m.input('tx_data_valid', 1);
    const txCommit = m.input('tx_commit', 1, 'host_tx_commit was written');
    const txLength = m.input('tx_commit_length', 16);
    const pend = m.reg('tx_pend_reg', 64, { doc: 'the beat being filled' });
    const pendWords = m.reg('tx_pend_words_reg', 2, { reset: 0, doc: 'words in the beat being filled' });
    const full = m.reg('tx_full_reg', 1, { reset: 0, doc: 'a whole beat waits: it goes out when the next word comes (or with the commit, as the last)' });
    const fullBeat = m.reg('tx_full_beat_reg', 64);
    const sent = m.reg('tx_sent_reg', 12, { reset: 0, doc: 'beats of the frame written to the buffer' });
    const wordBytes = [24, 16, 8, 0].map((s) => m.slice(txData, s + 7, s));
    // A beat in AXI order: word 0 fills bytes 0-3, word 1 bytes 4-7.
    const withWord0 = beatOf([...wordBytes, ...[4, 5, 6, 7].map((k) => byteOf(m, pend, k))]);
    const withWord1 = beatOf([...[0, 1, 2, 3].map((k) => byteOf(m, pend, k)), ...wordBytes]);
    const pushFull = m.wire('tx_push_full', and(txDataValid, full), 'a new word: the waiting beat was not the last');
    const completes = and(txDataValid, eq(pendWords, constant(1, 2)));
    pend.set(mux(eq(pendWords, constant(0, 2)), withWord0, withWord1), txDataValid);
    pendWords.set(mux(or(txCommit, completes), constant(0, 2), mux(txDataValid, constant(1, 2), pendWords)));
    full.set(mux(txCommit, constant(0, 1), mux(completes, constant(1, 1), mux(pushFull, constant(0, 1), full))));
    fullBeat.set(withWord1, completes);
    // On commit the last beat is the waiting whole beat, or the half-filled one.
    const lastBeat = mux(full, fullBeat, pend);
    const hasLast = or(full, eq(pendWords, constant(1, 2)));
    const commitPush = and(txCommit, hasLast);
    // Bytes of the last beat: length - 8 x (beats before it).
    const lastBytes = m.wire('tx_last_bytes', sub(m.slice(txLength, 11, 0), concat(m.slice(sent, 8, 0), constant(0, 3))));
    const lastKeepN = mux(lt(lastBytes, constant(8, 12)), m.slice(lastBytes, 3, 0), constant(8, 4));
    const dn = m.instance(frameFifo({ width: 72, depth: p.beats }), 'down', {
      s_valid: or(pushFull, commitPush),
      s_data: mux(commitPush, concat(keepOf(lastKeepN), lastBeat), concat(constant(0xff, 8), fullBeat)),
      s_last: commitPush, s_abort: constant(0, 1), m_ready: m.input('m_host_tready', 1),
    }, { unused: ['committed'] });
    sent.set(mux(txCommit, constant(0, 12), add(sent, constant(1, 12))), or(txCommit, pushFull));
    m.wire('tx_len_bits_unused', concat(m.slice(txLength, 15, 12), m.slice(sent, 11, 9)));
    m.output('m_host_tdata', 64, 'frames to the plane').drive(m.slice(dn.m_data!, 63, 0));
    m.output('m_host_tkeep', 8).drive(m.slice(dn.m_data!, 71, 64));
    m.output('m_host_tvalid', 1).drive(dn.m_valid!);
    m.output('m_host_tlast', 1).drive(dn.m_last!);
    const used = m.wire('tx_used_words', add(concat(zext(sent, 15), constant(0, 1)), zext(pendWords, 16)), 'words of the frame being built');
    m.output('tx_free_words', 16, 'words the frame being built can still take (frames the plane has not taken yet also hold room)').drive(sub(constant(2 * p.beats, 16), used));
    m.output('event_up_dropped', 1, 'a frame for the host did not fit and was dropped').drive(up.overflow!);
    m.output('event_down_dropped', 1, 'a frame from the host did not fit (or had no words) and was dropped').drive(or(dn.overflow!, and(txCommit, not(hasLast))));
    return m;
  },
);
