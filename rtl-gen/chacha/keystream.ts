// The ChaCha keystream engine: block requests (key slot, nonce, counter) in, 64-byte
// keystream blocks out, in request order.
//
// U round units in a ring, each with s register stages: a block enters at unit 0, goes
// round the ring R/U times, and leaves after R*s cycles. U*s blocks are in flight, so the
// engine makes U/R blocks per cycle; with U = R the ring is a straight pipeline making one
// block per cycle. A request waits at the ring's entry only while the slot passing it is
// still on an earlier pass.
//
// Keys live in an on-chip key RAM (keySlots x 256 bits, written 32 bits at a time). The
// key is read when a block enters and again when it leaves (for the final addition), so a
// slot may not change in between: a key write waits while any block of that slot is in
// flight, and a request for the slot being written waits one cycle.
//
// Output goes through a block-RAM FIFO; requests are accepted only against free FIFO space
// (credits), so the ring never has to stop.

import { CHACHA_CONSTANTS } from '../../sim/golden/chacha20.ts';
import { GenError } from '../ir/errors.ts';
import { type Expr, add, and, concat, constant, eq, fold, lt, mux, ne, not, or, sub } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { oneOf, powerOfTwo } from '../ir/params.ts';
import { fifo } from '../lib/fifo.ts';
import { round } from './round.ts';
import { contextFormat } from './stream-format.ts';

export const KEY_WORDS = 8;

const pow2AtLeast = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/**
 * Keystream FIFO depth, from Little's law: the engine makes U/R blocks per cycle and a
 * block is held from acceptance for R*s ring cycles plus about 6 of entry, final addition
 * and FIFO, plus the B beats its packet takes to use it. Credits for that many blocks keep
 * the ring full; more would only cost block RAM (a 512-bit word is 32 iCE40 RAMs wide).
 */
export function keystreamFifoDepth(rounds: number, units: number, stages: number, beatsPerBlock = 1): number {
  return Math.max(2, pow2AtLeast(units * stages + Math.ceil(((6 + beatsPerBlock) * units) / rounds)));
}

/** Parameters shared by the keystream engine and the packet cipher built on it. */
export const CHACHA_CORE_PARAMS = {
  rounds: oneOf<number>('ChaCha rounds', 20, [8, 12, 20]),
  units: oneOf<number>('round units in the ring (a divisor of rounds)', 20, [1, 2, 3, 4, 5, 6, 8, 10, 12, 20]),
  stages: oneOf<number>('register stages per round unit', 4, [1, 2, 4]),
  keySlots: powerOfTwo('key slots in the key RAM', 4, 2, 256),
  layout: oneOf<string>('ietf: 32-bit counter, 96-bit nonce; original: 64/64', 'ietf', ['ietf', 'original']),
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
    const depth = p.fifoDepth || keystreamFifoDepth(R, U, S);
    const cw = Math.log2(depth) + 2;

    const m = new Module(`chacha_ks_r${R}_u${U}_s${S}_k${p.keySlots}_${lay}_d${depth}${p.fifoRam === 'block' ? '_bram' : ''}`, info);
    m.describe(
      `ChaCha${R} keystream engine: ${U} round unit(s) x ${S} stage(s), ${passes} pass(es) per block,`,
      `${U}/${R} blocks per cycle, ${R * S} cycles from ring entry to exit, blocks leave in request order.`,
      'ks_data: the 64 keystream bytes, byte 0 in bits 7:0.',
      'Key RAM: write 32-bit word key_wr_word (0 = key bytes 0-3) of slot key_wr_slot; a write waits',
      'while a block of that slot is in flight.',
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
    const fields = (meta: Expr, name: string) => {
      const r = m.named(meta, name);
      return {
        valid: m.slice(r, 0, 0),
        slot: m.slice(r, sb, 1),
        pass: pw ? m.slice(r, sb + pw, sb + 1) : undefined,
        ctx: m.slice(r, metaWidth - 1, sb + pw + 1),
      };
    };

    // Key RAM: one 32-bit memory per key word, read at entry and at exit.
    const entered = m.reg('ent_valid_reg', 1, { reset: 0, doc: 'a block waits at the ring entry' });
    const entState = m.reg('ent_state_reg', 512, { doc: 'its initial state' });
    const entSlot = m.reg('ent_slot_reg', sb);
    const entCtx = m.reg('ent_ctx_reg', 128);

    // The ring.
    const ringInState = m.wire('ring_in_state', 512);
    const ringInMeta = m.wire('ring_in_meta', metaWidth);
    const units: Array<Record<string, Expr>> = [];
    let state: Expr = ringInState;
    let meta: Expr = ringInMeta;
    for (let j = 0; j < U; j++) {
      const pattern = U % 2 === 0 || passes === 1 ? (j % 2 === 0 ? 'column' : 'diagonal') : 'alternating';
      const unit = round({ stages: S, pattern, metaWidth, tapBits });
      const ins: Record<string, Expr> = { state_in: state, meta_in: meta };
      if (pattern === 'alternating') {
        // Round number pass*U + j is odd (diagonal) when pass and j differ in parity.
        const pass0 = m.slice(meta, sb + 1, sb + 1, `u${j}_in_meta`);
        ins.diag_in = j % 2 === 0 ? pass0 : not(pass0);
      }
      const o = m.instance(unit, `unit${j}`, ins);
      units.push(o);
      state = o.state_out!;
      meta = o.meta_out!;
    }
    const tail = fields(meta, 'tail_meta');
    const tailState = state;
    const lastPass = pw ? constant(passes - 1, pw) : undefined;
    const tailContinues = tail.pass && lastPass ? m.wire('tail_continues', and(tail.valid, ne(tail.pass, lastPass))) : constant(0, 1);
    const tailExits = m.wire('tail_exits', tail.pass && lastPass ? and(tail.valid, eq(tail.pass, lastPass)) : tail.valid);

    // Key writes wait while any block of that slot is at the entry or in the ring.
    const busyTerms: Expr[] = [and(entered, eq(entSlot, kwSlot))];
    units.forEach((o, j) => {
      for (let s = 0; s < S; s++) {
        const tap = m.slice(o.meta_taps!, s * tapBits + tapBits - 1, s * tapBits, s === 0 ? `unit${j}_taps` : undefined);
        const t = m.named(tap, `unit${j}_tap${s}`);
        busyTerms.push(and(m.slice(t, 0, 0), eq(m.slice(t, sb, 1), kwSlot)));
      }
    });
    const slotBusy = m.wire('key_slot_busy', fold('or', busyTerms));
    const kwReady = m.wire('key_wr_ok', not(slotBusy));
    const kwFire = m.wire('key_wr_fire', and(kwValid, kwReady));

    const keyMems = Array.from({ length: KEY_WORDS }, (_, i) => {
      const mem = m.memory(`key_word${i}`, 32, p.keySlots, `key bytes ${4 * i}-${4 * i + 3} of each slot`);
      mem.write(and(kwFire, eq(kwWord, constant(i, 3))), kwSlot, kwData);
      return mem;
    });
    const entryKey = keyMems.map((mem, i) => mem.readAsync(`entry_key${i}`, reqSlot));
    const exitKey = keyMems.map((mem, i) => mem.readAsync(`exit_key${i}`, tail.slot));

    // Credits: blocks accepted and not yet taken from the output FIFO.
    const outstanding = m.reg('outstanding_reg', cw, { reset: 0 });
    const creditOk = m.wire('credit_ok', lt(outstanding, constant(depth, cw)));
    const entGo = m.wire('ent_go', and(entered, not(tailContinues)));
    const reqReady = m.wire('req_ok', fold('and', [creditOk, or(not(entered), entGo), not(and(kwFire, eq(reqSlot, kwSlot)))]));
    const reqFire = m.wire('req_fire', and(reqValid, reqReady));

    const consts = [...CHACHA_CONSTANTS].map((c) => constant(c, 32));
    const ctxIn = m.wire('req_ctx', concat(reqNonce, reqCounter));
    entState.set(concat(ctxIn, ...[...entryKey].reverse(), ...[...consts].reverse()), reqFire);
    entSlot.set(reqSlot, reqFire);
    entCtx.set(ctxIn, reqFire);
    entered.set(or(reqFire, and(entered, not(entGo))));

    // Ring entry: a block still on an earlier pass goes round again; otherwise the waiting block (or a bubble) enters.
    const fresh = metaOf(entered, entSlot, pw ? constant(0, pw) : undefined, entCtx);
    if (!tail.pass) {
      m.assign(ringInState, entState);
      m.assign(ringInMeta, fresh);
    } else {
      const again = metaOf(tail.valid, tail.slot, add(tail.pass, constant(1, pw)), tail.ctx);
      m.assign(ringInState, mux(tailContinues, tailState, entState));
      m.assign(ringInMeta, mux(tailContinues, again, fresh));
    }

    // Final addition of the initial state (RFC 8439 2.3) as the block leaves.
    const init = [...consts, ...exitKey, ...m.words(tail.ctx, 4, 'tail_ctx')];
    const sums = m.words(tailState, 16, 'tail_state').map((w, i) => add(w, init[i]!));
    const finValid = m.reg('fin_valid_reg', 1, { reset: 0 });
    const finData = m.reg('fin_data_reg', 512);
    finValid.set(tailExits);
    finData.set(concat(...sums.reverse()), tailExits);

    const out = m.instance(fifo({ width: 512, depth, ram: p.fifoRam }), 'ks_fifo', { clk: m.clock(), rst: m.reset(), s_valid: finValid, s_data: finData, m_ready: ksReady });
    const ksPop = m.wire('ks_pop', and(out.m_valid!, ksReady));
    const one = constant(1, cw);
    outstanding.set(mux(reqFire, mux(ksPop, outstanding, add(outstanding, one)), mux(ksPop, sub(outstanding, one), outstanding)));

    m.output('key_wr_ready', 1).drive(kwReady);
    m.output('req_ready', 1).drive(reqReady);
    m.output('ks_valid', 1).drive(out.m_valid!);
    m.output('ks_data', 512).drive(out.m_data!);
    // Credits keep the FIFO from ever refusing a block; if it did, this flags the bug.
    m.output('status_ks_overflow', 1).drive(and(finValid, not(out.s_ready!)));
    m.output('status_outstanding', cw).drive(outstanding);
    return m;
  },
);
