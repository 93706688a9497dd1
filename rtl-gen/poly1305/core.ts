// The Poly1305 core: many messages at once through one pipelined multiplier.
//
// Why many: a message's Horner step h <- (h + m) r needs the previous step's result, and
// the multiply-reduce pipeline (multiply.ts) takes D cycles, so one message alone could use
// it one cycle in D. The pipeline is closed into a ring of D + 1 registers, and each
// register position is a *slot* that carries the state of its own message round the ring:
// slot s is at the ring's entry every D + 1 cycles, and there takes one step (a word of up
// to `lanes` blocks, multi-lane Horner: (h + m1) r^k + m2 r^(k-1) + ... + mk r), or passes
// its h through times 1 when it has nothing to take. With every slot busy the ring absorbs
// one word per cycle. Messages go to slots in any order the writer likes (the AEAD engine
// deals them round-robin); each slot works through its messages in the order written.
//
// Every Poly1305 key is one-time (in the AEAD it comes from each packet's ChaCha20 block
// 0), so the powers r^2 .. r^lanes are computed here, per message, never by a host: a
// message starts with a key word; its pass computes r^2 (with two or more lanes) and
// r^3, r^4 follow in the next passes (four lanes), each written into the slot's power
// RAM as it leaves the ring.
//
// Words wait in a queue per slot (one RAM, `queueWords` words per slot) and are read ahead
// of their slot's arrival at the entry, so a word written at least two cycles before its
// slot comes round is taken on that visit. A message's last word marks its end: on the
// slot's next visit its h goes to the finalizer (finalize.ts), which adds s and compares
// with the expected tag if one was written, and the slot takes the next message's key word.
//
// Write port: wr_* (registered), any cycle, never into a full slot queue (the writer keeps
// credits: taken_valid/taken_slot report each word the ring takes). A word holds up to
// `lanes` 16-byte blocks, block 0 in the low bits; every block is a whole 16-byte block
// with its 2^128 pad bit, except that a word of one block may be a message's short last
// block (wr_tail bytes, the bytes above it zero). wr_key marks a key word: wr_data's low
// 128 bits are r (clamped here), wr_s is s, wr_seq names the message in the tag output; a
// key word that is also a message's last is an empty message (its tag is s).

import { GenError } from '../ir/errors.ts';
import { type Expr, add, and, concat, constant, eq, lt, mux, ne, not, or, sub, upDown, zext } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module, type RegHandle } from '../ir/module.ts';
import { intRange, oneOf, powerOfTwo } from '../ir/params.ts';
import { RAM_READ_LATENCY, type RamKind, simpleRam } from '../lib/ram.ts';
import { FINALIZE_LATENCY, poly1305Finalize } from './finalize.ts';
import { FIELD_BITS, LIMB_BITS, LIMBS, R_CLAMP } from './limbs.ts';
import { MULTIPLY_PARAMS, multiplyLatency, poly1305Multiply } from './multiply.ts';

const HBITS = LIMBS * FIELD_BITS;

export const POLY1305_PARAMS = {
  ...MULTIPLY_PARAMS,
  queueWords: powerOfTwo('words each slot\'s queue holds', 128, 4, 4096),
  queueRam: oneOf<string>('memory of the slot queues: lut, block (inferred) or ecp5 (DP16KD tiles with their output register)', 'block', ['lut', 'block', 'ecp5']),
  seqBits: intRange('bits of the message sequence number in the tag output (2^seqBits messages may be known at once)', 6, 1, 10),
};

export interface Poly1305Shape {
  mulStages: number;
  reduceStages: number;
}

/** Slots (messages in the ring at once) = the ring's length. */
export function poly1305Slots(p: Poly1305Shape): number {
  return multiplyLatency(p) + 1;
}

export const slotBits = (slots: number): number => Math.max(1, Math.ceil(Math.log2(slots)));
export const countBits = (lanes: number): number => Math.log2(lanes) + 1;

/** Cycles from a message's last word taken at the entry to its tag on tag_*. */
export function poly1305TagLatency(p: Poly1305Shape): number {
  return poly1305Slots(p) + FINALIZE_LATENCY;
}

export const poly1305 = defineGenerator('poly1305/core', '1.0.0', POLY1305_PARAMS, (p, info) => {
  const L = p.lanes;
  const D = multiplyLatency(p);
  const d = D + 1;
  const sb = slotBits(d);
  const sq = p.seqBits;
  const cb = countBits(L);
  const cbStore = L > 1 ? cb : 0; // one lane: every word holds one block
  const qa = Math.log2(p.queueWords);
  const ram = p.queueRam as RamKind;
  const ell = RAM_READ_LATENCY[ram];
  if (ell > D - 1) throw new GenError(`poly1305/core: a ring of ${d} registers is too short to read its ${ram} queue ahead; raise reduceStages`);
  const m = new Module(`poly1305_l${L}_${p.multiplier === 'ecp5' ? 'dsp' : 'fab'}_m${p.mulStages}_r${p.reduceStages}_q${p.queueWords}_${ram}_s${sq}`, info);
  m.describe(
    `Poly1305 over up to ${d} messages at once: a ring of ${d} registers (operands, then the ${D}-stage multiply-reduce pipeline), one slot each.`,
    `Each visit to the entry a slot absorbs one queued word of up to ${L} block(s) (multi-lane Horner, powers of r computed per message),`,
    `or passes through. Slot queues: ${p.queueWords} words each, ${ram} RAM, read ${ell} cycle(s) ahead.`,
    `A message's tag appears on tag_* ${poly1305TagLatency(p)} cycles after its last word is taken (taken_valid), at the earliest.`,
  );
  m.clock();
  m.reset();
  const wr = {
    valid: m.input('wr_valid', 1, 'write one word into slot wr_slot\'s queue (never a full one)'),
    slot: m.input('wr_slot', sb),
    key: m.input('wr_key', 1, 'a key word: starts a message'),
    data: m.input('wr_data', 128 * L, 'blocks, block j in bits 128j+127:128j, byte 0 lowest; key word: r in bits 127:0'),
    count: m.input('wr_count', cb, 'blocks in the word, 1 to lanes'),
    tail: m.input('wr_tail', 5, 'bytes of block 0 (1 to 16; below 16 only in a one-block word)'),
    last: m.input('wr_last', 1, 'the message\'s last word'),
    seq: m.input('wr_seq', sq, 'key word: the message\'s sequence number'),
    s: m.input('wr_s', 128, 'key word: s'),
  };
  const exp = { valid: m.input('exp_valid', 1, 'expected tag of message exp_seq (before its last word is taken)'), seq: m.input('exp_seq', sq), tag: m.input('exp_tag', 128) };

  // ---- write side: registered, then into the slot's queue ---------------------------------------
  const dPad = 1 << sb;
  const wordWidth = 1 + 1 + cbStore + 5 + sq + 128 * L;
  const wv = m.reg('wr_valid_reg', 1, { reset: 0 });
  const ws = m.reg('wr_slot_reg', sb);
  const wword = m.reg('wr_word_reg', wordWidth, { doc: '{key, last, count, tail, seq, data}' });
  wv.set(wr.valid);
  ws.set(wr.slot);
  wword.set(concat(wr.key, wr.last, ...(L > 1 ? [wr.count] : []), wr.tail, wr.seq, wr.data));
  if (L === 1) m.unread('wr_count', wr.count);
  const sWrite = m.reg('s_wr_valid_reg', 1, { reset: 0 });
  const sSeq = m.reg('s_wr_seq_reg', sq);
  const sData = m.reg('s_wr_data_reg', 128);
  sWrite.set(and(wr.valid, wr.key));
  sSeq.set(wr.seq);
  sData.set(wr.s);

  const indexOf = (e: Expr, i: number) => eq(e, constant(i, sb));
  const pick = (items: Expr[], idx: Expr): Expr => items.slice(1).reduce((acc, it, i) => mux(indexOf(idx, i + 1), it, acc), items[0]!);
  const wrPtr: RegHandle[] = [];
  const rdPtr: RegHandle[] = [];
  const count: RegHandle[] = [];
  const nonEmpty: RegHandle[] = [];
  for (let s = 0; s < d; s++) {
    wrPtr.push(m.reg(`q${s}_wr_ptr_reg`, qa, { reset: 0 }));
    rdPtr.push(m.reg(`q${s}_rd_ptr_reg`, qa, { reset: 0 }));
    count.push(m.reg(`q${s}_count_reg`, qa + 1, { reset: 0, doc: `words in slot ${s}'s queue` }));
    nonEmpty.push(m.reg(`q${s}_nonempty_reg`, 1, { reset: 0 }));
  }

  // ---- the ring's read-ahead: decide for the slot that reaches the entry `ell` cycles from now -----
  const entrySlot = m.reg('entry_slot_reg', sb, { reset: 0, doc: 'the slot whose state is at the ring\'s tail now' });
  const preSlot = m.reg('pre_slot_reg', sb, { reset: ell % d, doc: `entry_slot_reg + ${ell}` });
  const nextSlot = L > 1 ? m.reg('tail_next_slot_reg', sb, { reset: 1 % d, doc: 'entry_slot_reg + 1' }) : undefined;
  const wrap = (r: Expr) => mux(eq(r, constant(d - 1, sb)), constant(0, sb), add(r, constant(1, sb)));
  entrySlot.set(wrap(entrySlot));
  preSlot.set(wrap(preSlot));
  nextSlot?.set(wrap(nextSlot));

  // Metadata riding the ring: {seq, produced, have, exit, active} (the read-ahead taps the low five bits).
  const pb = 3;
  const metaWidth = 1 + 1 + pb + pb + sq;
  const mf = (x: Expr) => ({
    active: m.slice(x, 0, 0),
    exit: m.slice(x, 1, 1),
    have: m.slice(x, 1 + pb, 2),
    produced: m.slice(x, 1 + 2 * pb, 2 + pb),
    seq: m.slice(x, metaWidth - 1, 2 + 2 * pb),
  });
  const metaOf = (f: { active: Expr; exit: Expr; produced: Expr; have: Expr; seq: Expr }) => concat(f.seq, f.produced, f.have, f.exit, f.active);

  const aReg = m.reg('ring_a_reg', L * HBITS, { doc: 'operands a of each lane (the ring\'s entry register)' });
  const bReg = m.reg('ring_b_reg', L * HBITS, { doc: 'operands b of each lane' });
  const metaReg = m.reg('ring_meta_reg', metaWidth, { reset: 0 });
  const mul = m.instance(poly1305Multiply({ lanes: L, multiplier: p.multiplier, mulStages: p.mulStages, reduceStages: p.reduceStages, metaWidth, metaTap: ell, tapBits: 2 + pb }), 'mul', {
    a: aReg, b: bReg, meta_in: metaReg,
  }, { unused: L > 1 ? [] : ['h_next', 'meta_next'] });
  const tapMeta = m.named(mul.meta_tap!, 'pre_meta');
  const tap = { active: m.slice(tapMeta, 0, 0), exit: m.slice(tapMeta, 1, 1), have: m.slice(tapMeta, 1 + pb, 2) };
  const lanesC = constant(L, pb);
  const wants = m.wire('pre_wants', or(not(tap.active), or(tap.exit, eq(tap.have, lanesC))));
  const preNonEmpty = pick(nonEmpty, preSlot);
  const take = m.wire('pre_take', and(wants, preNonEmpty));
  const rdAddr = concat(preSlot, pick(rdPtr, preSlot));
  const wrAddr = concat(ws, pick(wrPtr, ws));
  const qData = simpleRam(m, 'queue', ram, { width: wordWidth, depth: dPad * p.queueWords }, { enable: wv, addr: wrAddr, data: wword }, rdAddr);
  // The word's valid bit follows the RAM's latency.
  let qValid: Expr = take;
  for (let i = 0; i < ell; i++) {
    const r = m.reg(`word_valid_d${i}_reg`, 1, { reset: 0 });
    r.set(qValid);
    qValid = r;
  }
  for (let s = 0; s < d; s++) {
    const written = and(wv, indexOf(ws, s));
    const read = and(take, indexOf(preSlot, s));
    wrPtr[s]!.set(add(wrPtr[s]!, constant(1, qa)), written);
    rdPtr[s]!.set(add(rdPtr[s]!, constant(1, qa)), read);
    const next = m.wire(`q${s}_count_next`, upDown(count[s]!, written, read));
    count[s]!.set(next);
    nonEmpty[s]!.set(ne(next, constant(0, qa + 1)));
  }
  const overflow = m.wire('queue_overflow', and(wv, eq(pick(count, ws), constant(p.queueWords, qa + 1))));

  // ---- the entry: what the slot at the tail does on this visit -------------------------------------
  const hTail = m.named(mul.h!, 'tail_h');
  const t = mf(m.named(mul.meta!, 'tail_meta'));
  const word = m.named(qData, 'word');
  const wKey = m.slice(word, wordWidth - 1, wordWidth - 1);
  const wLast = m.slice(word, wordWidth - 2, wordWidth - 2);
  const wCount = L > 1 ? m.slice(word, wordWidth - 3, wordWidth - 2 - cb) : constant(1, 1);
  const wTail = m.slice(word, wordWidth - 3 - cbStore, wordWidth - 7 - cbStore);
  const wSeq = m.slice(word, 128 * L + sq - 1, 128 * L);
  const wBlocks = m.words(m.slice(word, 128 * L - 1, 0, 'word_blocks'), L, 'word_block');
  const isKey = m.wire('entry_key', and(qValid, wKey));
  const isData = m.wire('entry_data', and(qValid, not(wKey)));
  const exit = m.wire('entry_exit', and(t.active, t.exit));
  const cont = m.wire('entry_continues', and(t.active, not(t.exit)));
  const powering = m.wire('entry_power', and(not(qValid), and(cont, ne(t.have, lanesC))));
  const idle = m.wire('entry_idle', and(not(qValid), and(cont, eq(t.have, lanesC))));
  // h carried on: the tail holds h unless its pass made a power (then h is still 0).
  const hBase = m.named(mux(and(cont, eq(t.produced, constant(0, pb))), hTail, constant(0, HBITS)), 'h_base');

  // Powers of r, one LUT RAM per exponent, indexed by slot. r^1 is written as the key word
  // enters; r^k (k >= 2) as it leaves the pipeline (written with the value the tail takes at
  // the next edge, so the slot's next visit, which reads it in the same cycle, sees it).
  const toLimbs = (v: Expr, name: string): Expr => {
    const n = m.named(v, name);
    return concat(...Array.from({ length: LIMBS }, (_, i) => zext(m.slice(n, Math.min(v.width, LIMB_BITS * (i + 1)) - 1, LIMB_BITS * i), FIELD_BITS)).reverse());
  };
  const rClamped = toLimbs(and(m.slice(wBlocks[0]!, 127, 0), constant(R_CLAMP, 128)), 'key_r');
  const nextMeta = L > 1 ? mf(m.named(mul.meta_next!, 'tail_next_meta')) : undefined;
  if (nextMeta) m.unread('tail_next_meta_fields', nextMeta.exit, nextMeta.have, nextMeta.seq);
  const powers: Expr[] = [];
  for (let k = 1; k <= L; k++) {
    const mem = m.memory(`pow${k}_ram`, HBITS, dPad, `r^${k} of each slot's message`, { style: 'distributed' });
    if (k === 1) mem.write(isKey, entrySlot, rClamped);
    else mem.write(and(nextMeta!.active, eq(nextMeta!.produced, constant(k, pb))), nextSlot!, mul.h_next!);
    powers.push(mem.readAsync(`pow${k}_rd`, entrySlot));
  }
  const powerAt = (idx: Expr): Expr => powers.slice(1).reduce((acc, pw, i) => mux(eq(idx, constant(i + 2, idx.width)), pw, acc), powers[0]!);

  // Message blocks as limbs, with the pad bit (block 0: after wr_tail bytes; the others: 2^128).
  const padBits = concat(constant(0, 7), eq(wTail, constant(16, 5)),
    ...Array.from({ length: 15 }, (_, i) => concat(constant(0, 7), eq(wTail, constant(15 - i, 5)))), constant(0, 8));
  const blockLimbs = wBlocks.map((blk, j) =>
    toLimbs(j === 0 ? or(concat(constant(0, 8), blk), padBits) : concat(constant(0, 7), constant(1, 1), blk), `m${j}`));
  const limbAdd = (x: Expr, y: Expr, name: string): Expr => {
    const xs = m.words(m.named(x, `${name}_x`), LIMBS);
    const ys = m.words(m.named(y, `${name}_y`), LIMBS);
    return concat(...xs.map((xi, i) => add(xi, ys[i]!)).reverse());
  };
  const ONE = zext(constant(1, 1), HBITS);
  const ZERO = constant(0, HBITS);
  // The key pass squares r when there are powers to make (not for an empty message, whose
  // key word is also its last: its h stays 0).
  const keyOperand = L >= 2 ? mux(wLast, ZERO, rClamped) : ZERO;
  const aLanes: Expr[] = [];
  const bLanes: Expr[] = [];
  for (let j = 0; j < L; j++) {
    const mj = blockLimbs[j]!;
    if (j === 0) {
      aLanes.push(mux(isKey, keyOperand, mux(isData, limbAdd(hBase, mj, 'a0_sum'), mux(powering, powerAt(t.have), mux(idle, hBase, ZERO)))));
      bLanes.push(mux(isKey, keyOperand, mux(isData, powerAt(wCount), mux(powering, powers[0]!, mux(idle, ONE, ZERO)))));
    } else {
      const present = m.wire(`lane${j}_present`, and(isData, lt(constant(j, cb), wCount)));
      aLanes.push(mux(present, mj, ZERO));
      bLanes.push(mux(present, powerAt(sub(wCount, constant(j, cb))), ZERO));
    }
  }
  aReg.set(concat(...aLanes.reverse()));
  bReg.set(concat(...bLanes.reverse()));

  const haveNext = m.named(add(t.have, constant(1, pb)), 'have_next');
  const firstPower = constant(L >= 2 ? 2 : 0, pb);
  const one1 = constant(1, 1);
  const zero1 = constant(0, 1);
  const keyMeta = metaOf({ active: one1, exit: wLast, produced: mux(wLast, constant(0, pb), firstPower), have: constant(L >= 2 ? 2 : 1, pb), seq: wSeq });
  const dataMeta = metaOf({ active: one1, exit: wLast, produced: constant(0, pb), have: t.have, seq: t.seq });
  const powerMeta = metaOf({ active: one1, exit: zero1, produced: haveNext, have: haveNext, seq: t.seq });
  const idleMeta = metaOf({ active: one1, exit: zero1, produced: constant(0, pb), have: t.have, seq: t.seq });
  metaReg.set(mux(isKey, keyMeta, mux(isData, dataMeta, mux(powering, powerMeta, mux(idle, idleMeta, constant(0, metaWidth))))));

  // ---- the finalizer: a slot's h after its last word, on the slot's next visit ---------------------
  const fin = m.instance(poly1305Finalize({ seqBits: sq }), 'fin', {
    in_valid: exit, in_h: hTail, in_seq: t.seq,
    s_wr_valid: sWrite, s_wr_seq: sSeq, s_wr_data: sData,
    exp_wr_valid: exp.valid, exp_wr_seq: exp.seq, exp_wr_data: exp.tag,
  });

  // A writer bug (a full queue written, a key word for a busy slot, a data word for a free
  // one) is latched, never silently absorbed.
  const error = m.reg('error_reg', 1, { reset: 0, doc: 'sticky: the writer broke the protocol' });
  error.set(or(error, or(overflow, or(and(isKey, cont), and(isData, not(cont))))));

  m.output('taken_valid', 1, 'the ring took a word from slot taken_slot\'s queue (a credit back)').drive(take);
  m.output('taken_slot', sb).drive(preSlot);
  m.output('tag_valid', 1).drive(fin.out_valid!);
  m.output('tag_seq', sq).drive(fin.out_seq!);
  m.output('tag_data', 128, 'little-endian: byte 0 in bits 7:0').drive(fin.out_tag!);
  m.output('tag_match', 1, 'tag_data equals the expected tag written for tag_seq').drive(fin.out_match!);
  m.output('status_error', 1).drive(error);
  return m;
});
