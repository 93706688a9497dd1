// The receive replay windows of every peer: one RFC 6479 window per receive key slot (two per
// peer, one per generation parity), with the software's size and semantics exactly
// (host/link/replay-window.ts): a ring of 4,096 bits in 32-bit words, 4,064 counters below the
// highest committed one tracked, a fresh window per installed key.
//
// One operation at a time, in the order requests are taken: check a counter against the
// window as every earlier operation left it, and commit it only when it was fresh and the
// requester says the frame authenticated (tag and inner message good). The forwarding plane
// asks once per opened frame, after the AEAD verdict, in frame order; since a window's state
// then includes every earlier frame of the peer, the verdict is the one the software gives
// when it checks before decrypting (a replayed or too-old counter is reported as such even
// when its tag is also bad, as the software, which never decrypts it, reports it).
//
// The software clears ring words as the top advances; here each window keeps a 128-bit
// "clean" vector instead: advancing the top clears the bits of the words it passes (a range
// mask, one cycle), a word whose clean bit is 0 reads as zero, and writing a word sets it.
// So an advance of any distance costs one cycle, and the bitmap RAM is never swept.
//
// Per operation: take (1 cycle, reads top and clean vector), the bitmap word arrives (RAM
// latency), evaluate (verdict, advance distance), write back (result out). A reset of a window
// (a key installed in its slot) takes one cycle and goes before waiting requests.
import { REPLAY_RING_BITS, REPLAY_WINDOW_FRAMES, REPLAY_WORD_BITS } from '../../spec/link-wire.ts';
import { type Expr, add, and, concat, constant, eq, lt, mux, not, or, sliceRef, sub, zext } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { intRange, oneOf, powerOfTwo } from '../ir/params.ts';
import { ecp5Ram } from '../vendor/ecp5.ts';

/** Counters are checked below 2^52 before they get here (counterLimit), so 52 bits hold any. */
export const REPLAY_COUNTER_BITS = 52;
const WORDS = REPLAY_RING_BITS / REPLAY_WORD_BITS; // 128
const SLOT_BITS = Math.log2(WORDS); // 7
const BIT_BITS = Math.log2(REPLAY_WORD_BITS); // 5

/** Verdict codes of m_res_verdict. */
export const REPLAY_VERDICT = { fresh: 0, replay: 1, tooOld: 2 } as const;

export const replayWindows = defineGenerator(
  'forwarding/replay',
  '1.0.0',
  {
    windows: powerOfTwo('windows (receive key slots: peers x 2)', 32, 2, 256),
    requesters: intRange('request ports (one per forwarding pipeline)', 2, 1, 4),
    ram: oneOf<string>('bitmap RAM: inferred block RAM, or ECP5 DP16KD tiles with the output register', 'inferred', ['inferred', 'ecp5']),
  },
  (p, info) => {
    const wb = Math.log2(p.windows);
    const cw = REPLAY_COUNTER_BITS;
    const rb = Math.max(1, Math.ceil(Math.log2(p.requesters)));
    const ramLatency = p.ram === 'ecp5' ? 2 : 1;
    const m = new Module(`replay_n${p.windows}_r${p.requesters}${p.ram === 'ecp5' ? '_ecp5' : ''}`, info);
    m.describe(
      `${p.windows} RFC 6479 replay windows of ${REPLAY_RING_BITS} bits (${REPLAY_WINDOW_FRAMES} counters below the top), the link layer's (host/link/replay-window.ts).`,
      `One operation at a time: check a counter, commit it when fresh and s_req_commit; ${3 + ramLatency} cycles from the request to m_res_valid.`,
      'A window reset (reset_valid) empties a window in one cycle, before any waiting request. Window contents are undefined after rst',
      'until a reset: the forwarding plane resets a window whenever it installs the receive key it belongs to.',
      `Verdicts: ${Object.entries(REPLAY_VERDICT).map(([k, v]) => `${v} ${k}`).join(', ')}.`,
    );
    m.clock();
    const rst = m.reset();
    const reqValid: Expr[] = [];
    const reqWindow: Expr[] = [];
    const reqCounter: Expr[] = [];
    const reqCommit: Expr[] = [];
    for (let r = 0; r < p.requesters; r++) {
      reqValid.push(m.input(`s_req${r}_valid`, 1, 'check (and maybe commit) a counter'));
      reqWindow.push(m.input(`s_req${r}_window`, wb, 'window: peer x 2 + (generation & 1)'));
      reqCounter.push(m.input(`s_req${r}_counter`, cw, 'frame counter (< 2^52)'));
      reqCommit.push(m.input(`s_req${r}_commit`, 1, 'the frame authenticated: commit the counter if it is fresh'));
    }
    const resetValid = m.input('reset_valid', 1, 'empty a window (its key slot got a new key)');
    const resetWindow = m.input('reset_window', wb);

    // State: idle, wait for the RAM (ramLatency cycles), evaluate, write back.
    const busy = m.reg('busy_reg', 1, { reset: 0, doc: 'an operation is under way' });
    const phase = m.reg('phase_reg', 3, { reset: 0, doc: 'cycles since the operation was taken' });
    const evalPhase = ramLatency; // the bitmap word is in bits_rd at this phase
    const writePhase = ramLatency + 1;
    const inEval = m.wire('in_eval', and(busy, eq(phase, constant(evalPhase, 3))));
    const inWrite = m.wire('in_write', and(busy, eq(phase, constant(writePhase, 3))));

    // Round-robin among requesters; a reset goes first and needs no grant.
    const last = m.reg('last_reg', rb, { reset: 0, doc: 'requester served last (round robin)' });
    const canTake = m.wire('can_take', and(not(busy), not(resetValid)));
    const grants: Expr[] = [];
    for (let r = 0; r < p.requesters; r++) {
      // r wins when valid and no valid requester comes before it in the order after `last`.
      let g: Expr = reqValid[r]!;
      for (let k = 0; k < p.requesters; k++) {
        if (k === r) continue;
        // k before r when (k - last - 1) mod n < (r - last - 1) mod n.
        const before = m.wire(`before_${k}_${r}`, orderBefore(m, last, k, r, p.requesters, rb));
        g = and(g, not(and(reqValid[k]!, before)));
      }
      grants.push(m.wire(`grant${r}`, and(canTake, g)));
    }
    const take = m.wire('take', grants.reduce((a, b) => or(a, b)));
    const pick = (xs: Expr[]): Expr => xs.slice(1).reduce((acc, x, i) => mux(grants[i + 1]!, x, acc), xs[0]!);
    const who = m.reg('who_reg', rb, { doc: 'requester of the operation under way' });
    const win = m.reg('window_reg', wb);
    const ctr = m.reg('counter_reg', cw);
    const commit = m.reg('commit_reg', 1);
    who.set(pick(Array.from({ length: p.requesters }, (_, r) => constant(r, rb))), take);
    last.set(pick(Array.from({ length: p.requesters }, (_, r) => constant(r, rb))), take);
    win.set(pick(reqWindow), take);
    ctr.set(pick(reqCounter), take);
    commit.set(pick(reqCommit), take);
    busy.set(mux(rst, constant(0, 1), mux(take, constant(1, 1), mux(inWrite, constant(0, 1), busy))));
    phase.set(mux(take, constant(0, 3), add(phase, constant(1, 3))), or(take, busy));

    // Per-window state in LUT RAM: top counter with an empty flag, and the clean vector.
    const topMem = m.memory('top_mem', cw + 1, p.windows, 'per window: {empty, highest committed counter}', { style: 'distributed' });
    const cleanMem = m.memory('clean_mem', WORDS, p.windows, 'per window: ring words written since the top last passed them', { style: 'distributed' });
    const topRd = topMem.readAsync('top_rd', win);
    const cleanRd = cleanMem.readAsync('clean_rd', win);
    const topEmpty = m.wire('top_empty', sliceRef(topRd, cw, cw));
    const top = m.wire('top', sliceRef(topRd, cw - 1, 0));

    const slot = m.wire('slot', m.slice(ctr, BIT_BITS + SLOT_BITS - 1, BIT_BITS), 'ring word of the counter');
    const bitIndex = m.wire('bit_index', m.slice(ctr, BIT_BITS - 1, 0));
    const bitsAddr = m.wire('bits_addr', concat(win, slot));
    // Bitmap RAM: read at the take (address registered in window_reg/counter_reg), written back.
    const bitsWrEn = m.wire('bits_wr_en', 1);
    const bitsWrData = m.wire('bits_wr_data', REPLAY_WORD_BITS);
    let bitsRd: Expr;
    if (p.ram === 'ecp5') {
      bitsRd = m.wire('bits_rd', ecp5Ram(m, 'bits', { width: REPLAY_WORD_BITS, depth: p.windows * WORDS, outputRegister: true }, { enable: bitsWrEn, addr: bitsAddr, data: bitsWrData }, bitsAddr));
    } else {
      const bitsMem = m.memory('bits_mem', REPLAY_WORD_BITS, p.windows * WORDS, 'ring words of every window', { style: 'block', readDuringWrite: 'undefined' });
      bitsMem.write(bitsWrEn, bitsAddr, bitsWrData);
      bitsRd = bitsMem.readSync('bits_rd', bitsAddr);
    }

    // Evaluate: the verdict, and how far the top advances on a commit.
    const wordClean = m.wire('word_clean', bitOf(m, cleanRd, slot));
    const word = m.wire('word', and(bitsRd, replicate(wordClean, REPLAY_WORD_BITS)));
    const seen = m.wire('seen', bitOf(m, word, bitIndex));
    const above = m.wire('above', or(topEmpty, lt(top, ctr)), 'counter > top: fresh, and the top moves');
    const distance = m.wire('distance', sub(top, ctr), 'top - counter when not above');
    const tooOld = m.wire('too_old', and(not(above), not(lt(distance, constant(REPLAY_WINDOW_FRAMES, cw)))));
    const replay = m.wire('replay', and(not(above), and(not(tooOld), seen)));
    const fresh = m.wire('fresh', and(not(tooOld), not(replay)));
    const verdict = m.reg('verdict_reg', 2);
    verdict.set(mux(tooOld, constant(REPLAY_VERDICT.tooOld, 2), mux(replay, constant(REPLAY_VERDICT.replay, 2), constant(REPLAY_VERDICT.fresh, 2))), inEval);
    const doCommit = m.reg('do_commit_reg', 1);
    doCommit.set(and(fresh, commit), inEval);
    // Words passed by the advance: from top's word + 1 (word 0 when empty) up to the counter's.
    const topWord = m.wire('top_word', m.slice(top, cw - 1, BIT_BITS));
    const ctrWord = m.wire('ctr_word', m.slice(ctr, cw - 1, BIT_BITS));
    const ww = cw - BIT_BITS;
    const span = m.wire('span', mux(topEmpty, add(ctrWord, constant(1, ww)), sub(ctrWord, topWord)), 'words the top moves (when above)');
    const full = m.wire('full', not(lt(span, constant(WORDS, ww))));
    const advance = m.reg('advance_reg', SLOT_BITS + 1, { doc: 'ring words to clear, 0 to 128' });
    advance.set(mux(above, mux(full, constant(WORDS, SLOT_BITS + 1), m.slice(span, SLOT_BITS, 0)), constant(0, SLOT_BITS + 1)), inEval);
    const start = m.reg('start_reg', SLOT_BITS, { doc: 'first ring word the advance clears' });
    start.set(mux(topEmpty, constant(0, SLOT_BITS), add(m.slice(topWord, SLOT_BITS - 1, 0), constant(1, SLOT_BITS))), inEval);
    const oldWord = m.reg('old_word_reg', REPLAY_WORD_BITS, { doc: 'the counter\'s ring word as it stands' });
    oldWord.set(word, inEval);
    const oldClean = m.reg('old_clean_reg', WORDS);
    oldClean.set(cleanRd, inEval);
    const moves = m.reg('moves_reg', 1, { doc: 'the top advances' });
    moves.set(above, inEval);

    // Write back: clear the passed words, then set the counter's bit in its word.
    const staleBits: Expr[] = [];
    for (let s = 0; s < WORDS; s++) {
      const off = sub(constant(s, SLOT_BITS), start); // (s - start) mod 128
      staleBits.push(lt(zext(off, SLOT_BITS + 1), advance));
    }
    const stale = m.wire('stale', concat(...staleBits.reverse()), 'ring words the advance passes');
    const slotOneHot = m.wire('slot_one_hot', concat(...Array.from({ length: WORDS }, (_, i) => eq(slot, constant(WORDS - 1 - i, SLOT_BITS)))));
    const keptClean = m.wire('kept_clean', and(oldClean, not(stale)));
    const counterStale = m.wire('counter_stale', bitOf(m, stale, slot));
    const bitOneHot = m.wire('bit_one_hot', concat(...Array.from({ length: REPLAY_WORD_BITS }, (_, i) => eq(bitIndex, constant(REPLAY_WORD_BITS - 1 - i, BIT_BITS)))));
    m.assign(bitsWrData, or(mux(counterStale, constant(0, REPLAY_WORD_BITS), oldWord), bitOneHot));
    const writeBack = m.wire('write_back', and(inWrite, doCommit));
    m.assign(bitsWrEn, writeBack);

    // The window memories: a reset writes {empty, 0} and an all-stale vector.
    const resetNow = m.wire('reset_now', and(resetValid, not(busy)));
    topMem.write(or(resetNow, and(writeBack, moves)), mux(resetNow, resetWindow, win), mux(resetNow, concat(constant(1, 1), constant(0, cw)), concat(constant(0, 1), ctr)));
    cleanMem.write(or(resetNow, writeBack), mux(resetNow, resetWindow, win), mux(resetNow, constant(0, WORDS), or(keptClean, slotOneHot)));

    for (let r = 0; r < p.requesters; r++) {
      m.output(`s_req${r}_ready`, 1, 'request taken this cycle').drive(grants[r]!);
      m.output(`m_res${r}_valid`, 1, 'the verdict of this requester\'s oldest operation').drive(and(inWrite, eq(who, constant(r, rb))));
    }
    m.output('m_res_verdict', 2, 'verdict (valid with an m_res<r>_valid)').drive(verdict);
    m.output('reset_ready', 1, 'the reset is done this cycle').drive(resetNow);
    return m;
  },
);

function replicate(bit: Expr, n: number): Expr {
  return concat(...Array.from({ length: n }, () => bit));
}

/** Bit `index` of a signal, by a run-time index of exactly the bits it needs. */
function bitOf(m: Module, e: Expr, index: Expr): Expr {
  return { kind: 'index', a: m.named(e), index, width: 1 };
}

/** Requester k comes before r in round-robin order after `last`. */
function orderBefore(m: Module, last: Expr, k: number, r: number, n: number, rb: number): Expr {
  // Position of x after last: (x - last - 1) mod n, for n a count that may not be a power of two.
  const terms: Expr[] = [];
  for (let l = 0; l < n; l++) {
    const pos = (x: number): number => (((x - l - 1) % n) + n) % n;
    if (pos(k) < pos(r)) terms.push(eq(last, constant(l, rb)));
  }
  void m;
  return terms.length ? terms.reduce((a, b) => or(a, b)) : constant(0, 1);
}
