// The ChaCha keystream engine: block requests (key slot, nonce, counter) in, 64-byte
// keystream blocks out, in request order.
//
// U round units in a ring, each with s register stages, closed through a ring-entry
// register: a block enters, goes round the ring R/U times, and leaves after
// (R/U)*(U*s + 1) cycles. U*s + 1 blocks are in flight, so the engine makes U/R blocks per
// cycle; with U = R the ring is a straight pipeline (no entry register) making one block
// per cycle. A request waits at the ring's entry only while the slot passing it is
// still on an earlier pass.
//
// Keys live in an on-chip key RAM (keySlots x 256 bits, written 32 bits at a time). The
// key is read when a block enters and again as it leaves (for the final addition), so a
// slot may not change in between: a key word is held until no block of its slot is in
// flight, and requests for that slot wait while it is held.
//
// Output goes through a FIFO; requests are accepted only against free FIFO space
// (credits), so the ring never has to stop.

import { CHACHA_CONSTANTS } from '../../sim/golden/chacha20.ts';
import { GenError } from '../ir/errors.ts';
import { type Expr, type SignalRef, add, and, concat, constant, eq, fold, lt, mux, ne, not, or, sub } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { oneOf, powerOfTwo } from '../ir/params.ts';
import { fifo, lutFifoLanes } from '../lib/fifo.ts';
import { round } from './round.ts';
import { contextFormat } from './stream-format.ts';

export const KEY_WORDS = 8;

const pow2AtLeast = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/**
 * Keystream FIFO depth, from Little's law: the engine makes U/R blocks per cycle and a
 * block is held from acceptance for its trips round the ring plus about 6 of entry, final addition
 * and FIFO, plus the B beats its packet takes to use it. Credits for that many blocks keep
 * the ring full; more would only cost block RAM (a 512-bit word is 32 iCE40 RAMs wide).
 */
export function keystreamFifoDepth(rounds: number, units: number, stages: number, beatsPerBlock = 1, entryReg = true): number {
  return Math.max(2, pow2AtLeast(ringSlots(rounds, units, stages, entryReg) + Math.ceil(((6 + beatsPerBlock) * units) / rounds)));
}

/**
 * Registers a block passes on one trip round the ring: U*s in the round units, plus the
 * ring-entry register when blocks go round more than once (it holds the choice between
 * a returning block and a new one, so that multiplexer is not in front of a round's adder).
 */
export function ringSlots(rounds: number, units: number, stages: number, entryReg = true): number {
  return units * stages + (units < rounds && entryReg ? 1 : 0);
}

/** Cycles from a request's acceptance to its block entering the keystream FIFO, on an idle engine. */
export function engineLatency(rounds: number, units: number, stages: number, entryReg = true): number {
  return (rounds / units) * ringSlots(rounds, units, stages, entryReg) + 2;
}

/** Parameters shared by the keystream engine and the packet cipher built on it. */
export const CHACHA_CORE_PARAMS = {
  rounds: oneOf<number>('ChaCha rounds', 20, [8, 12, 20]),
  units: oneOf<number>('round units in the ring (a divisor of rounds)', 20, [1, 2, 3, 4, 5, 6, 8, 10, 12, 20]),
  stages: oneOf<number>('register stages per round unit', 4, [1, 2, 4]),
  keySlots: powerOfTwo('key slots in the key RAM', 4, 2, 256),
  layout: oneOf<string>('ietf: 32-bit counter, 96-bit nonce; original: 64/64', 'ietf', ['ietf', 'original']),
  entryReg: oneOf<boolean>('register the ring entry (off saves a ring slot, and with it keystream FIFO depth, where the clock is not the limit)', true, [true, false]),
};

/** The one rule the schema cannot express: U must divide R. */
export function checkUnits(generator: string, rounds: number, units: number): void {
  if (rounds % units !== 0) throw new GenError(`${generator}: parameter "units" is ${units}; it must divide rounds (${rounds})`);
}

export const keystreamEngine = defineGenerator(
  'chacha/keystream',
  '1.0.0',
  {
    ...CHACHA_CORE_PARAMS,
    fifoRam: oneOf<string>('FIFO memory: lut (fast on ECP5) or block (saves logic on iCE40)', 'lut', ['lut', 'block']),
    fifoDepth: oneOf<number>('keystream FIFO depth in blocks; 0 picks keystreamFifoDepth()', 0, [0, ...Array.from({ length: 12 }, (_, i) => 2 ** (i + 1))]),
  },
  (p, info) => {
    const R = p.rounds;
    const U = p.units;
    const S = p.stages;
    checkUnits('chacha/keystream', R, U);
    const passes = R / U;
    const lay = p.layout === 'ietf' ? 'ietf' : 'orig';
    const fmt = contextFormat(p.layout as 'ietf' | 'original', p.keySlots);
    const sb = fmt.slotBits;
    // Pass counter bits; a straight pipeline (one pass) carries none.
    const pw = passes === 1 ? 0 : Math.max(1, Math.ceil(Math.log2(passes)));
    const depth = p.fifoDepth || keystreamFifoDepth(R, U, S, 1, p.entryReg);
    const cw = Math.log2(depth) + 2;

    const m = new Module(`chacha_ks_r${R}_u${U}_s${S}_k${p.keySlots}_${lay}_d${depth}${p.fifoRam === 'block' ? '_bram' : ''}${p.entryReg || U === R ? '' : '_ne'}`, info);
    m.describe(
      `ChaCha${R} keystream engine: ${U} round unit(s) x ${S} stage(s), ${passes} pass(es) per block,`,
      `${U}/${R} blocks per cycle, ${engineLatency(R, U, S, p.entryReg)} cycles from request to output FIFO, blocks leave in request order.`,
      'ks_data: the 64 keystream bytes, byte 0 in bits 7:0.',
      'Key RAM: write 32-bit word key_wr_word (0 = key bytes 0-3) of slot key_wr_slot. The word is held',
      'until no block of that slot is in flight (requests for the slot wait meanwhile); key_wr_ready is low while it is held.',
    );
    m.clock();
    m.reset();
    const kwValid = m.input('key_wr_valid', 1);
    const kwSlot = m.input('key_wr_slot', sb);
    const kwWord = m.input('key_wr_word', 3);
    const kwData = m.input('key_wr_data', 32);
    const reqValid = m.input('req_valid', 1);
    const reqSlot = m.input('req_slot', sb);
    const reqCounter = m.input('req_counter', fmt.counterBits);
    const reqNonce = m.input('req_nonce', fmt.nonceBits);
    const ksReady = m.input('ks_ready', 1);

    // Metadata riding with each block: {ctx (state words 12-15), pass, slot, valid}.
    const metaWidth = 1 + sb + pw + 128;
    const tapBits = 1 + sb;
    const metaOf = (valid: Expr, slot: Expr, pass: Expr | undefined, ctx: Expr): Expr =>
      pass ? concat(ctx, pass, slot, valid) : concat(ctx, slot, valid);
    // The low bits, {pass, slot, valid}, are all the ring's control looks at.
    const control = (r: SignalRef) => ({
      valid: m.slice(r, 0, 0),
      slot: m.slice(r, sb, 1),
      pass: pw ? m.slice(r, sb + pw, sb + 1) : undefined,
    });
    const fields = (meta: Expr, name: string) => {
      const r = m.named(meta, name);
      return { ...control(r), ctx: m.slice(r, metaWidth - 1, sb + pw + 1) };
    };

    const entered = m.reg('ent_valid_reg', 1, { reset: 0, doc: 'a block waits at the ring entry' });
    const entState = m.reg('ent_state_reg', 512, { doc: 'its initial state' });
    const entSlot = m.reg('ent_slot_reg', sb);
    const entCtx = m.reg('ent_ctx_reg', 128);

    // The ring of identical round units (round.ts explains why no unit needs to know
    // whether its round is a column or a diagonal one).
    const ringInState = m.wire('ring_in_state', 512);
    const ringInMeta = m.wire('ring_in_meta', metaWidth);
    const unit = round({ stages: S, metaWidth, tapBits, nextBits: tapBits + pw });
    const units: Array<Record<string, Expr>> = [];
    let state: Expr = ringInState;
    let meta: Expr = ringInMeta;
    for (let j = 0; j < U; j++) {
      const o = m.instance(unit, `unit${j}`, { state_in: state, meta_in: meta }, { unused: j === U - 1 ? [] : ['meta_next'] });
      units.push(o);
      state = o.state_out!;
      meta = o.meta_out!;
    }
    const tail = fields(meta, 'tail_meta');
    const tailState = state;

    // Decisions about the block at the ring's tail are registered a cycle ahead, from the
    // metadata entering the last stage: whether it goes round again (the ring-entry
    // multiplexer's select, fanning out to 640 bits) or leaves, and its key for the final
    // addition. Both were the critical path when decided on the tail combinationally.
    const next = control(m.named(units[U - 1]!.meta_next!, 'tail_meta_next'));
    const lastPass = pw ? constant(passes - 1, pw) : undefined;
    const tailContinues = m.reg('tail_continues_reg', 1, { reset: 0, doc: 'the tail block goes round again' });
    const tailExits = m.reg('tail_exits_reg', 1, { reset: 0, doc: 'the tail block has done its last round' });
    tailContinues.set(next.pass && lastPass ? and(next.valid, ne(next.pass, lastPass)) : constant(0, 1));
    tailExits.set(next.pass && lastPass ? and(next.valid, eq(next.pass, lastPass)) : next.valid);

    // Key writes. The port takes a word into a holding register at once (key_wr_ready is
    // that register's emptiness); the word is written into the key RAM when no block of
    // its slot is at the entry or in the ring, judged from a registered OR of every stage's
    // tap (key_busy_reg, computed against the held slot: so the word waits at least one
    // cycle, `kw_checked_reg`). While a word waits, requests for its slot wait too, so the
    // slot drains and the write cannot starve.
    const kwPending = m.reg('kw_pending_reg', 1, { reset: 0, doc: 'a key word waits to be written' });
    const kwChecked = m.reg('kw_checked_reg', 1, { reset: 0, doc: 'key_busy_reg describes the waiting word' });
    const kwSlotR = m.reg('kw_slot_reg', sb);
    const kwWordR = m.reg('kw_word_reg', 3);
    const kwDataR = m.reg('kw_data_reg', 32);
    const kwAccept = m.wire('key_wr_accept', and(kwValid, not(kwPending)));
    kwSlotR.set(kwSlot, kwAccept);
    kwWordR.set(kwWord, kwAccept);
    kwDataR.set(kwData, kwAccept);
    const busyTerms: Expr[] = [and(entered, eq(entSlot, kwSlotR))];
    units.forEach((o, j) => {
      // Every stage register of every unit: the intermediate ones through the taps, the last through meta_out.
      const stageMetas = Array.from({ length: S - 1 }, (_, s) => m.slice(o.meta_taps!, s * tapBits + tapBits - 1, s * tapBits, s === 0 ? `unit${j}_taps` : undefined));
      stageMetas.push(o.meta_out!);
      stageMetas.forEach((tap, s) => {
        const t = m.named(tap, `unit${j}_tap${s}`);
        busyTerms.push(and(m.slice(t, 0, 0), eq(m.slice(t, sb, 1), kwSlotR)));
      });
    });
    const kwCommit = m.wire('key_wr_commit', 1);
    const keyMems = Array.from({ length: KEY_WORDS }, (_, i) => {
      const mem = m.memory(`key_word${i}`, 32, p.keySlots, `key bytes ${4 * i}-${4 * i + 3} of each slot`);
      mem.write(and(kwCommit, eq(kwWordR, constant(i, 3))), kwSlotR, kwDataR);
      return mem;
    });
    const entryKey = keyMems.map((mem, i) => mem.readAsync(`entry_key${i}`, reqSlot));
    const exitKey = keyMems.map((mem, i) => {
      const r = m.reg(`exit_key${i}_reg`, 32);
      r.set(mem.readAsync(`exit_key${i}`, next.slot));
      return r;
    });

    // Credits: blocks accepted and not yet taken from the output FIFO.
    const outstanding = m.reg('outstanding_reg', cw, { reset: 0 });
    // outstanding < depth, kept as a register of its own (updated from the same events) so
    // the request handshake starts from a flop, not from a comparison.
    const creditOk = m.reg('credit_ok_reg', 1, { reset: 1, doc: 'outstanding < depth' });
    const entGo = m.wire('ent_go', and(entered, not(tailContinues)));
    const reqReady = m.wire('req_ok', fold('and', [creditOk, or(not(entered), entGo), not(and(kwPending, eq(reqSlot, kwSlotR)))]));
    const reqFire = m.wire('req_fire', and(reqValid, reqReady));

    const consts = [...CHACHA_CONSTANTS].map((c) => constant(c, 32));
    const ctxIn = m.wire('req_ctx', concat(reqNonce, reqCounter));
    // The entry registers load whenever they are free (empty, or their block moves on),
    // whether or not a request fires: then their 640-bit enable depends on two registers,
    // not on the request handshake. A straight pipeline's entry never holds a block
    // (nothing comes round to block it), so there they load every cycle.
    const load = passes > 1 ? m.wire('ent_free', or(not(entered), entGo)) : undefined;
    entState.set(concat(ctxIn, ...[...entryKey].reverse(), ...[...consts].reverse()), load);
    entSlot.set(reqSlot, load);
    entCtx.set(ctxIn, load);
    entered.set(passes > 1 ? or(reqFire, and(entered, not(entGo))) : reqFire);

    // Ring entry: a block still on an earlier pass goes round again; otherwise the waiting
    // block (or a bubble) enters. In a ring the choice is registered (ringSlots()).
    const fresh = metaOf(entered, entSlot, pw ? constant(0, pw) : undefined, entCtx);
    if (!tail.pass) {
      m.assign(ringInState, entState);
      m.assign(ringInMeta, fresh);
    } else {
      const again = metaOf(tail.valid, tail.slot, add(tail.pass, constant(1, pw)), tail.ctx);
      const chosenState = mux(tailContinues, tailState, entState);
      const chosenMeta = mux(tailContinues, again, fresh);
      if (!p.entryReg) {
        m.assign(ringInState, chosenState);
        m.assign(ringInMeta, chosenMeta);
      } else {
        const entryState = m.reg('ring_entry_state_reg', 512);
        const entryValid = m.reg('ring_entry_valid_reg', 1, { reset: 0 });
        const entryMeta = m.reg('ring_entry_meta_reg', metaWidth - 1);
        const entryNext = m.named(chosenMeta, 'ring_entry_next');
        entryState.set(chosenState);
        entryValid.set(m.slice(entryNext, 0, 0));
        entryMeta.set(m.slice(entryNext, metaWidth - 1, 1));
        m.assign(ringInState, entryState);
        m.assign(ringInMeta, concat(entryMeta, entryValid));
        busyTerms.push(and(entryValid, eq(m.slice(entryMeta, sb - 1, 0), kwSlotR)));
      }
    }
    const slotBusy = m.reg('key_busy_reg', 1, { reset: 0, doc: 'a block of the waiting word\'s slot was in flight last cycle' });
    slotBusy.set(fold('or', busyTerms));
    m.assign(kwCommit, fold('and', [kwPending, kwChecked, not(slotBusy)]));
    kwPending.set(or(kwAccept, and(kwPending, not(kwCommit))));
    kwChecked.set(and(kwPending, not(kwCommit)));

    // Final addition of the initial state (RFC 8439 2.3) as the block leaves.
    const init = [...consts, ...exitKey, ...m.words(tail.ctx, 4, 'tail_ctx')];
    const sums = m.words(tailState, 16, 'tail_state').map((w, i) => add(w, init[i]!));
    const finValid = m.reg('fin_valid_reg', 1, { reset: 0 });
    const finData = m.reg('fin_data_reg', 512);
    finValid.set(tailExits);
    finData.set(concat(...sums.reverse()));

    // A 512-bit word spans 32 iCE40 block RAMs (or 15 ECP5 ones) whatever the depth, so a
    // FIFO of a few blocks is cheaper in flip-flops.
    const ksRam = depth <= 4 ? 'logic' : p.fifoRam;
    // Credits guarantee the FIFO has room for every block that leaves the ring, so the
    // write needs no handshake (and its enable fans out from one register). In LUT RAM the
    // FIFO is split into lanes, so no read address or enable spans all 512 bits.
    const out = m.instance(fifo({ width: 512, depth, ram: ksRam, credited: true, lanes: ksRam === 'lut' ? lutFifoLanes(512, depth) : 1 }), 'ks_fifo', { clk: m.clock(), rst: m.reset(), s_valid: finValid, s_data: finData, m_ready: ksReady });
    const ksPop = m.wire('ks_pop', and(out.m_valid!, ksReady));
    const one = constant(1, cw);
    outstanding.set(mux(reqFire, mux(ksPop, outstanding, add(outstanding, one)), mux(ksPop, sub(outstanding, one), outstanding)));
    creditOk.set(mux(reqFire, mux(ksPop, creditOk, lt(outstanding, constant(depth - 1, cw))), or(ksPop, creditOk)));

    m.output('key_wr_ready', 1).drive(not(kwPending));
    m.output('req_ready', 1).drive(reqReady);
    m.output('ks_valid', 1).drive(out.m_valid!);
    m.output('ks_data', 512).drive(out.m_data!);
    // Credits keep the FIFO from ever refusing a block; if it did, this flags the bug.
    m.output('status_ks_overflow', 1).drive(and(finValid, not(out.s_ready!)));
    m.output('status_outstanding', cw).drive(outstanding);
    return m;
  },
);
