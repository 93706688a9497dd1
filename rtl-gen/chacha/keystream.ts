// The ChaCha keystream engine: a block request (key slot, nonce, counter) in, its 64-byte
// keystream block out exactly engineLatency() cycles later. Nothing in it ever stalls.
//
// U round units in a ring, each with s register stages, closed through ring-entry
// registers: a block enters, goes round the ring R/U times and leaves. With U = R the ring
// is a straight pipeline that takes a request every cycle. Otherwise a request may enter
// only in a cycle whose ring slot is free (`req_ok`): the engine keeps a short history of
// the requests it took, and a slot taken at cycle t is busy at the entry at t + N, t + 2N,
// ... up to its last pass (N registers round the ring). Because a request's slot is
// decided when it is made, its block leaves at a fixed time; the packet cipher around
// the engine needs no FIFO between the two.
//
// Keys live in two on-chip key RAMs (keySlots x 256 bits each, written 32 bits at a time):
// one read as a block enters, one for the final addition as it leaves. Keys apply per
// packet: a key word goes into the entry copy at the first edge after its handshake at
// which no packet of its slot is open (the requester says a cycle ahead which packet will be
// open, on pkt_open_next / pkt_slot_next), and into the exit copy exactly as many cycles later as a block takes
// between the two reads. So every block sees one key throughout, every block of a packet
// the key its first request saw, and blocks in flight keep the key they started with.
// key_wr_ready is low in between.

import { CHACHA_CONSTANTS } from '../../spec/chacha20.ts';
import { GenError } from '../ir/errors.ts';
import { type Expr, type SignalRef, add, and, concat, constant, eq, fold, mux, ne, not, or, reduce, sub, xor } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { oneOf, powerOfTwo } from '../ir/params.ts';
import { delayLine } from '../lib/delay-line.ts';
import { eventHistory } from '../lib/history.ts';
import { ecp5XorAddIn } from '../vendor/ecp5.ts';
import { fusedPartner, round } from './round.ts';
import { contextFormat } from '../../spec/chacha-stream.ts';

export const KEY_WORDS = 8;

/**
 * Ring-entry registers: none in a straight pipeline (nothing comes round), otherwise one
 * or two, so that the choice between a returning block and a new one is registered and
 * not in front of a round's adder, and so that the ring's length is odd: then requests
 * arriving every 2, 4 or 8 cycles (a block per 64 bytes at W = 256, 128 or 64) visit every
 * slot before coming back to one. Without entryReg there are none.
 */
export function ringEntryRegs(rounds: number, units: number, stages: number, entryReg = true): number {
  if (units === rounds || !entryReg) return 0;
  return (units * stages) % 2 === 0 ? 1 : 2;
}

/** Registers a block passes on one trip round the ring. */
export function ringSlots(rounds: number, units: number, stages: number, entryReg = true): number {
  return units * stages + ringEntryRegs(rounds, units, stages, entryReg);
}

/** Cycles from a request to its keystream block on ks_data. */
export function engineLatency(rounds: number, units: number, stages: number, entryReg = true): number {
  return (rounds / units) * ringSlots(rounds, units, stages, entryReg) + 3;
}

/**
 * Cycles key_wr_ready stays low after each key word when no packet of the word's slot is
 * open: the word goes into the exit key copy as many cycles after the entry copy as a block
 * takes between its two key reads (test/chacha/pipeline.test.ts measures it).
 */
export function keyWriteBusyCycles(rounds: number, units: number, stages: number, entryReg = true): number {
  return (rounds / units) * ringSlots(rounds, units, stages, entryReg) - 1;
}

/** Parameters shared by the keystream engine and the packet cipher built on it. */
export const CHACHA_CORE_PARAMS = {
  rounds: oneOf<number>('ChaCha rounds', 20, [8, 12, 20]),
  units: oneOf<number>('round units in the ring (a divisor of rounds)', 20, [1, 2, 3, 4, 5, 6, 8, 10, 12, 20]),
  stages: oneOf<number>('register stages per round unit', 4, [1, 2, 4]),
  keySlots: powerOfTwo('key slots in the key RAM', 4, 2, 256),
  layout: oneOf<string>('ietf: 32-bit counter, 96-bit nonce; original: 64/64', 'ietf', ['ietf', 'original']),
  entryReg: oneOf<boolean>('register the ring entry (off saves a ring slot where the clock is not the limit)', true, [true, false]),
  adders: oneOf<string>('fabric: plain additions; ecp5: XORs folded into ECP5 carry chains (round.ts)', 'fabric', ['fabric', 'ecp5']),
};

/** The one rule the schema cannot express: U must divide R. */
export function checkUnits(generator: string, rounds: number, units: number): void {
  if (rounds % units !== 0) throw new GenError(`${generator}: parameter "units" is ${units}; it must divide rounds (${rounds})`);
}

export const keystreamEngine = defineGenerator(
  'chacha/keystream',
  '2.4.0',
  {
    ...CHACHA_CORE_PARAMS,
    ctxRam: oneOf<string>('where state words 12-15 (counter, nonce) wait for the final addition: ring (flip-flops riding with the block) or, in a straight pipeline, a delay line beside it in lut, block or ecp5 RAM', 'ring', ['ring', 'lut', 'block', 'ecp5']),
  },
  (p, info) => {
    const R = p.rounds;
    const U = p.units;
    const S = p.stages;
    checkUnits('chacha/keystream', R, U);
    const passes = R / U;
    const N = ringSlots(R, U, S, p.entryReg);
    const entryRegs = ringEntryRegs(R, U, S, p.entryReg);
    const latency = engineLatency(R, U, S, p.entryReg);
    const lay = p.layout === 'ietf' ? 'ietf' : 'orig';
    const fmt = contextFormat(p.layout as 'ietf' | 'original', p.keySlots);
    const sb = fmt.slotBits;
    // Pass counter bits; a straight pipeline (one pass) carries none.
    const pw = passes === 1 ? 0 : Math.max(1, Math.ceil(Math.log2(passes)));
    // In a straight pipeline the counter and nonce need not ride through every stage: they
    // wait in a delay line of the ring's length instead. Unrolled at four stages a round,
    // riding costs 128 x 80 flip-flops, a sixth of the core's.
    const ctxRides = p.ctxRam === 'ring';
    if (!ctxRides && passes > 1) throw new GenError(`chacha/keystream: ctxRam "${p.ctxRam}" needs a straight pipeline (units = rounds); with ${U} unit(s) the counter and nonce go round the ring with the block`);

    const fused = p.adders === 'ecp5';
    const m = new Module(`chacha_ks_r${R}_u${U}_s${S}_k${p.keySlots}_${lay}${p.entryReg || U === R ? '' : '_ne'}${fused ? '_cc' : ''}${ctxRides ? '' : `_ctx${p.ctxRam}`}`, info);
    m.describe(
      `ChaCha${R} keystream engine: ${U} round unit(s) x ${S} stage(s), ${passes} pass(es) round a ring of ${N} register(s),`,
      `${U}/${R} blocks per cycle. A request made while req_ok is 1 comes out on ks_data ${latency} cycles later (ks_valid); no backpressure.`,
      'ks_data: the 64 keystream bytes, byte 0 in bits 7:0.',
      'Key RAM: write 32-bit word key_wr_word (0 = key bytes 0-3) of slot key_wr_slot. Keys apply per packet: requests made from',
      'the cycle after the handshake on use the word, except that while a packet of its slot is open (begun by an earlier request;',
      'pkt_open_next, pkt_slot_next give the packet state after each edge) the word waits for that packet to end; so every block of',
      'a packet has the key its first request saw.',
      `key_wr_ready is low for ${keyWriteBusyCycles(R, U, S, p.entryReg)} cycles after each word, plus any wait for an open packet of its slot.`,
      'rst drops the blocks in flight; it does not clear the key RAM, and a word taken before it still goes into both key copies.',
    );
    m.clock();
    m.reset();
    const kwValid = m.input('key_wr_valid', 1);
    const kwSlot = m.input('key_wr_slot', sb);
    const kwWord = m.input('key_wr_word', 3);
    const kwData = m.input('key_wr_data', 32);
    const reqValid = m.input('req_valid', 1, 'a block enters: only while req_ok is 1');
    const reqSlot = m.input('req_slot', sb);
    const reqCounter = m.input('req_counter', fmt.counterBits);
    const reqNonce = m.input('req_nonce', fmt.nonceBits);
    const pktOpenNext = m.input('pkt_open_next', 1, 'after this edge a packet is open: the next request, if any, continues a packet begun by this or an earlier one');
    const pktSlotNext = m.input('pkt_slot_next', sb, 'key slot of that packet (key words of its slot wait until it ends)');

    // ---- door: is the ring slot a request made now would take free? ----------------------------
    // A request at cycle t enters the ring at the edge ending cycle t + 2 and is loaded at
    // the entry again at t + 2 + jN for passes j = 1 .. P-1. So a request at t + 1 is refused
    // when one was taken at t + 1 - jN: the current request (jN = 1) or one in the history.
    const reqOk = m.reg('req_ok_reg', 1, { reset: 1, doc: 'the slot at the entry next cycle is free' });
    const histLen = (passes - 1) * N - 1;
    const hist = histLen > 0 ? eventHistory(m, 'req_hist_reg', histLen, reqValid, 'a request was taken') : undefined;
    const busyTerms: Expr[] = [];
    for (let j = 1; j < passes; j++) {
      const age = j * N - 1; // cycles before the current one, 0 = the current request
      busyTerms.push(age === 0 ? reqValid : m.slice(hist!, age - 1, age - 1));
    }
    reqOk.set(busyTerms.length ? not(fold('or', busyTerms)) : constant(1, 1));

    // Requests are registered first: the key RAM's address then comes from a flop.
    // (kept: the packet cipher keeps a register with the same input for its own count)
    const reqValidR = m.reg('req_valid_reg', 1, { reset: 0, keep: true });
    const reqSlotR = m.reg('req_slot_reg', sb);
    const reqCtxR = m.reg('req_ctx_reg', 128, { doc: 'state words 12-15 of the request' });
    reqValidR.set(reqValid);
    reqSlotR.set(reqSlot);
    reqCtxR.set(concat(reqNonce, reqCounter));

    // ---- key RAMs ------------------------------------------------------------------------------
    // Keys apply per packet: a word enters the entry copy at the first edge, from the one
    // after its handshake on, at which no packet of its slot is open (a packet begun earlier
    // may still request blocks; the requester says so a cycle ahead, pkt_open_next with
    // pkt_slot_next, so the check is a register), so every block of a packet is made
    // with the key its first request saw, and a packet whose first beat comes after the
    // handshake uses the new word. A word written at an edge is seen by requests made in
    // that edge's cycle (they read the key RAM a cycle later).
    // It goes into the exit copy exactly `gap` cycles after the entry copy: the cycles between
    // a block's entry-key read and its exit-key read (the cycle before its last pass reaches
    // the ring's tail), so a block reads the same word twice. key_wr_ready is low meanwhile.
    // The key path has no reset: rst (which drops the blocks in flight) leaves the key RAM
    // and a word under way alone, so the two copies never disagree; its flags power up 0, idle.
    const gap = passes * N;
    if (gap < 4) throw new GenError(`chacha/keystream: a ring of ${N} register(s) making ${passes} pass(es) leaves ${gap} cycles between the key reads; the key path needs 4`);
    const kwPending = m.reg('kw_pending_reg', 1, { doc: 'a word is taken and not yet in the exit copy (key_wr_ready low)' });
    const cw = Math.ceil(Math.log2(gap + 1));
    const kwCounting = m.reg('kw_counting_reg', 1, { doc: 'the word is in the entry copy; kw_count_reg runs' });
    const kwCount = m.reg('kw_count_reg', cw, { doc: 'cycles until the word leaves for the exit copy' });
    const kwAccept = m.wire('key_wr_accept', and(kwValid, not(kwPending)));
    // The entry side has a copy of the busy flag of its own (kept apart): the pending flag
    // sits by the count and the exit side, and reaching the entry from there took 4.6 ns
    // unrolled.
    const kwBusyEntry = m.reg('kw_busy_entry_reg', 1, { keep: true, doc: 'kw_pending_reg, for the entry side' });
    // The port is registered by the entry copy while it is idle, under an enable straight
    // from a register (the handshake through a LUT reaching 37 clock enables took 5.1 ns of
    // routing unrolled), so the word taken sits there until it is in the entry copy.
    const kwSlotE = m.reg('kw_slot_reg', sb, { doc: 'key_wr_slot, held from the handshake until the word is in the exit copy' });
    const kwWordE = m.reg('kw_word_reg', 3);
    const kwDataE = m.reg('kw_data_reg', 32);
    kwSlotE.set(kwSlot, not(kwBusyEntry));
    kwWordE.set(kwWord, not(kwBusyEntry));
    kwDataE.set(kwData, not(kwBusyEntry));
    // A copy held by the exit side, far from the entry copy, loaded the cycle after the handshake.
    const kwTaken = m.reg('kw_taken_reg', 1, { doc: 'a word was taken last cycle' });
    const kwSlotH = m.reg('kw_held_slot_reg', sb, { doc: 'the word taken, for the exit copy' });
    const kwWordH = m.reg('kw_held_word_reg', 3);
    const kwDataH = m.reg('kw_held_data_reg', 32);
    kwTaken.set(kwAccept);
    kwSlotH.set(kwSlotE, kwTaken);
    kwWordH.set(kwWordE, kwTaken);
    kwDataH.set(kwDataE, kwTaken);
    // One candidate enable per key word, decoded before the register: each reaches its own
    // RAM's cells through one gate, the packet check (one enable and a decode after it took
    // 4.8 ns unrolled). The check is a register, worked out a cycle ahead from the packet the
    // requester will have open and the word the entry side will hold (the open packet's slot
    // from the requester compared in the cycle of the write took 6.3 ns of routing at U = 5).
    const kwEntry = m.reg('kw_entry_reg', KEY_WORDS, { doc: 'bit i: the word taken is key word i and is not yet in the entry copy' });
    const wordEnables = (valid: Expr, word: Expr) => concat(...Array.from({ length: KEY_WORDS }, (_, i) => and(valid, eq(word, constant(i, 3)))).reverse());
    // Two registers, so that the requester's handshake reaches a flip-flop with no gate in
    // front (a compare behind it took 6.4 ns at U = 5): the packet state, and whether its
    // slot is the held word's.
    const pktOpenR = m.reg('pkt_open_reg', 1, { doc: 'a packet begun by an earlier request is open' });
    pktOpenR.set(pktOpenNext);
    const slotMatch = m.reg('kw_slot_match_reg', 1, { doc: 'the open packet\'s slot is the held word\'s' });
    slotMatch.set(eq(pktSlotNext, mux(kwBusyEntry, kwSlotE, kwSlot)));
    const blocked = m.wire('kw_entry_blocked', and(pktOpenR, slotMatch));
    const each = (bit: Expr) => concat(...Array.from({ length: KEY_WORDS }, () => bit));
    const entryWe = m.wire('kw_entry_we', and(kwEntry, each(not(blocked))));
    kwEntry.set(or(wordEnables(and(kwValid, not(kwBusyEntry)), kwWord), and(kwEntry, each(blocked))));
    // The count, by the exit side, starts a cycle after the entry write, from a register.
    const kwEntered = m.reg('kw_entered_reg', 1, { doc: 'the word went into the entry copy last cycle' });
    kwEntered.set(and(reduce('or', kwEntry), not(blocked)));
    const kwExit = m.wire('key_wr_exit', and(kwCounting, eq(kwCount, constant(0, cw))));
    // The exit copy is written through two register stages, so the count runs out two cycles
    // before its write: gap - 4 counted from the cycle after the entry write.
    kwCount.set(mux(kwEntered, constant(gap - 4, cw), sub(kwCount, constant(1, cw))));
    kwCounting.set(or(kwEntered, and(kwCounting, not(kwExit))));
    const kwPendingNext = m.wire('kw_pending_next', or(kwAccept, and(kwPending, not(kwExit))));
    kwPending.set(kwPendingNext);
    kwBusyEntry.set(kwPendingNext);
    const entryKey = Array.from({ length: KEY_WORDS }, (_, i) => {
      const mem = m.memory(`entry_key${i}`, 32, p.keySlots, `key bytes ${4 * i}-${4 * i + 3} of each slot, read as blocks enter`);
      mem.write(m.slice(entryWe, i, i), kwSlotE, kwDataE);
      return mem.readAsync(`entry_key${i}_rd`, reqSlotR);
    });
    // Two stages to the exit copy; the second carries a write enable per key word, decoded
    // by the first, as the entry copy's are.
    const v1 = m.reg('kw_exit1_valid_reg', 1);
    const sl1 = m.reg('kw_exit1_slot_reg', sb);
    const w1 = m.reg('kw_exit1_word_reg', 3);
    const d1 = m.reg('kw_exit1_data_reg', 32);
    v1.set(kwExit);
    sl1.set(kwSlotH);
    w1.set(kwWordH);
    d1.set(kwDataH);
    const en2 = m.reg('kw_exit2_en_reg', KEY_WORDS, { doc: 'bit i: key word i goes into the exit copy now' });
    const sl2 = m.reg('kw_exit2_slot_reg', sb);
    const d2 = m.reg('kw_exit2_data_reg', 32);
    en2.set(wordEnables(v1, w1));
    sl2.set(sl1);
    d2.set(d1);
    const exitMems = Array.from({ length: KEY_WORDS }, (_, i) => {
      const mem = m.memory(`exit_key${i}`, 32, p.keySlots, `the same, ${gap} cycles later, read as blocks leave`);
      mem.write(m.slice(en2, i, i), sl2, d2);
      return mem;
    });

    // ---- entry ---------------------------------------------------------------------------------
    // Metadata riding with each block: {ctx (state words 12-15) unless it waits in a delay line, pass, slot, valid}.
    const ctxWidth = ctxRides ? 128 : 0;
    const metaWidth = 1 + sb + pw + ctxWidth;
    const metaOf = (valid: Expr, slot: Expr, pass: Expr | undefined, ctx: Expr | undefined): Expr =>
      concat(...(ctx ? [ctx] : []), ...(pass ? [pass] : []), slot, valid);
    const control = (r: SignalRef) => ({
      valid: m.slice(r, 0, 0),
      slot: m.slice(r, sb, 1),
      pass: pw ? m.slice(r, sb + pw, sb + 1) : undefined,
    });
    // The entry registers load every cycle (bubbles included), so no enable fans out over them.
    const consts = [...CHACHA_CONSTANTS].map((c) => constant(c, 32));
    const entValid = m.reg('ent_valid_reg', 1, { reset: 0, doc: 'a block enters the ring at the next edge' });
    const entState = m.reg('ent_state_reg', 512, { doc: 'its initial state' });
    const entSlot = m.reg('ent_slot_reg', sb);
    const entCtx = ctxRides ? m.reg('ent_ctx_reg', 128) : undefined;
    entValid.set(reqValidR);
    // Fused units take row 1 (key words 0-3) as pairs with row 2 (key words 4-7): see round.ts.
    const rowB = fused ? entryKey.slice(0, 4).map((k, i) => xor(m.rotl(k, 25), entryKey[4 + fusedPartner(i)]!)) : entryKey.slice(0, 4);
    entState.set(concat(reqCtxR, ...[...rowB, ...entryKey.slice(4)].reverse(), ...[...consts].reverse()));
    entSlot.set(reqSlotR);
    entCtx?.set(reqCtxR);

    // ---- the ring of identical round units (round.ts explains why no unit needs to know
    // whether its round is a column or a diagonal one) ---------------------------------------------
    const ringInState = m.wire('ring_in_state', 512);
    const ringInMeta = m.wire('ring_in_meta', metaWidth);
    const unit = round({ stages: S, metaWidth, tapBits: 1, nextBits: 1 + sb + pw, adders: p.adders });
    // A straight pipeline's last unit need not carry the key slot to the tail: its exit
    // key is read from meta_next, and nothing goes round again.
    const lastUnit = passes === 1 ? round({ stages: S, metaWidth, tapBits: 1, nextBits: 1 + sb, outDrop: sb, adders: p.adders }) : unit;
    let state: Expr = ringInState;
    let meta: Expr = ringInMeta;
    let lastNext: Expr = constant(0, 1);
    for (let j = 0; j < U; j++) {
      const o = m.instance(j === U - 1 ? lastUnit : unit, `unit${j}`, { state_in: state, meta_in: meta }, { unused: [...(S > 1 ? ['meta_taps'] : []), ...(j === U - 1 ? [] : ['meta_next'])] });
      state = o.state_out!;
      meta = o.meta_out!;
      lastNext = o.meta_next!;
    }
    const tailMeta = m.named(meta, 'tail_meta');
    // The block reaches the tail N + 1 cycles after its request was registered.
    const tailCtx = ctxRides
      ? m.slice(tailMeta, tailMeta.width - 1, tailMeta.width - 128, 'tail_ctx_bits')
      : m.named(m.instance(delayLine({ width: 128, delay: N + 1, ram: p.ctxRam }), 'ctx_delay', { d_valid: reqValidR, d: reqCtxR }, { unused: ['q_valid'] }).q!, 'tail_ctx_bits');
    const tailState = state;

    // Decisions about the block at the ring's tail are registered a cycle ahead, from the
    // metadata entering the last stage: whether it goes round again (the entry
    // multiplexer's select, fanning out to 640 bits) or leaves, and its exit key.
    const next = control(m.named(lastNext, 'tail_meta_next'));
    const lastPass = pw ? constant(passes - 1, pw) : undefined;
    // (A straight pipeline's tail block always leaves, and its valid bit is at hand.)
    let tailExits: Expr = m.slice(tailMeta, 0, 0);
    if (passes > 1) {
      const r = m.reg('tail_exits_reg', 1, { reset: 0, doc: 'the tail block has done its last round' });
      r.set(and(next.valid, eq(next.pass!, lastPass!)));
      tailExits = r;
    }
    const exitKey = exitMems.map((mem, i) => {
      const r = m.reg(`exit_key${i}_reg`, 32);
      r.set(mem.readAsync(`exit_key${i}_rd`, next.slot), next.valid);
      return r;
    });

    const fresh = metaOf(entValid, entSlot, pw ? constant(0, pw) : undefined, entCtx);
    // The door makes this impossible; if a request ever met a returning block, this says so.
    const collision = m.reg('collision_reg', 1, { reset: 0, doc: 'a request met a block going round again (a bug)' });
    if (passes === 1) {
      m.assign(ringInState, entState);
      m.assign(ringInMeta, fresh);
      collision.set(constant(0, 1));
    } else {
      const tail = control(tailMeta);
      // The choice fans out to 640 bits spread over the ring's entry: one kept copy of it
      // per row of the state (one copy reaching them all took 4.3 ns of routing at U = 5),
      // the first also for the metadata.
      const continues = and(next.valid, ne(next.pass!, lastPass!));
      const copies = Array.from({ length: 4 }, (_, r) => {
        const c = m.reg(`tail_continues${r}_reg`, 1, { reset: 0, keep: true, doc: `the tail block goes round again (for state row ${r}${r === 0 ? ' and the metadata' : ''})` });
        c.set(continues);
        return c;
      });
      const tailContinues = copies[0]!;
      const again = metaOf(tail.valid, tail.slot, add(tail.pass!, constant(1, pw)), tailCtx);
      const rows = (x: Expr, name: string) => m.words(x, 4, name);
      const [tailRows, entRows] = [rows(tailState, 'tail_state_row'), rows(entState, 'ent_state_row')];
      let st: Expr = concat(...copies.map((c, r) => mux(c, tailRows[r]!, entRows[r]!)).reverse());
      let me: Expr = mux(tailContinues, again, fresh);
      for (let e = 0; e < entryRegs; e++) {
        const rs = m.reg(`ring_entry${e}_state_reg`, 512);
        const rv = m.reg(`ring_entry${e}_valid_reg`, 1, { reset: 0 });
        const rm = m.reg(`ring_entry${e}_meta_reg`, metaWidth - 1);
        const nm = m.named(me, `ring_entry${e}_next`);
        rs.set(st);
        rv.set(m.slice(nm, 0, 0));
        rm.set(m.slice(nm, metaWidth - 1, 1));
        st = rs;
        me = concat(rm, rv);
      }
      m.assign(ringInState, st);
      m.assign(ringInMeta, me);
      collision.set(or(collision, and(entValid, tailContinues)));
    }

    // ---- final addition of the initial state (RFC 8439 2.3) as the block leaves -------------------
    const init = [...consts, ...exitKey, ...m.words(tailCtx, 4, 'tail_ctx')];
    const tw = m.words(tailState, 16, 'tail_state');
    // With fused units row 1 leaves as pairs; its final addition folds the pair's XOR in too.
    const xorAdd = ecp5XorAddIn(m);
    const sums = tw.map((w, i) =>
      fused && i >= 4 && i < 8 ? xorAdd(init[i]!, m.rotl(w, 7), m.rotl(tw[8 + fusedPartner(i - 4)]!, 7), `fin_b${i - 4}`) : add(w, init[i]!));
    const finValid = m.reg('fin_valid_reg', 1, { reset: 0 });
    const finData = m.reg('fin_data_reg', 512);
    finValid.set(tailExits);
    finData.set(concat(...sums.reverse()));

    m.output('key_wr_ready', 1).drive(not(kwPending));
    m.output('req_ok', 1).drive(reqOk);
    m.output('ks_valid', 1).drive(finValid);
    m.output('ks_data', 512).drive(finData);
    m.output('status_collision', 1).drive(collision);
    return m;
  },
);
