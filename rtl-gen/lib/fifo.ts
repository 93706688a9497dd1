// A first-word-fall-through FIFO on an inferred block RAM (or LUT RAM).
//
// The RAM's registered read port (or, for LUT RAM, a register after its read) is the head of the queue: a read is issued
// whenever the head is empty or being taken, so one word moves per cycle with no extra
// output register and no read-during-write hazard (the read and write pointers only meet
// when the RAM part is empty, and then nothing is read). An empty FIFO shows a new word two
// cycles after it is written. `level` counts every word held, head included.

import { type Expr, add, and, concat, constant, fold, lt, mux, ne, not, or, upDown, zext } from '../ir/expr.ts';
import { GenError } from '../ir/errors.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module, type RegHandle } from '../ir/module.ts';
import { intRange, oneOf, powerOfTwo } from '../ir/params.ts';
import { ecp5Ram } from '../vendor/ecp5.ts';
import { eventHistory } from './history.ts';
import { registerSlice } from './register-slice.ts';

/**
 * Lanes for a LUT-RAM FIFO so that no read address or enable reaches more than about 64
 * RAM cells (an ECP5 DPR16X4 holds 16 words of 4 bits): past that, the address net alone
 * took 3.8 ns to route in a 149-bit, 128-word FIFO on ECP5-85.
 */
export function lutFifoLanes(width: number, depth: number): number {
  const cells = Math.ceil(width / 4) * Math.ceil(depth / 16);
  return Math.max(1, Math.min(Math.floor(width / 4), Math.ceil(cells / 64)));
}

export const fifo = defineGenerator(
  'lib/fifo',
  '1.2.0',
  {
    width: intRange('word width in bits', 32, 1, 4096),
    depth: powerOfTwo('words in the RAM (the head register holds one more)', 16, 2, 65536),
    withLevel: oneOf<boolean>('bring out the fill level', false, [false, true]),
    credited: oneOf<boolean>('the writer never writes a full FIFO (credits), so a write needs no handshake: s_ready only reports space', false, [false, true]),
    writeReg: oneOf<boolean>('register the write side: a word is written the cycle after its handshake, so the write enable comes from a flop (s_ready keeps a word of room for it)', false, [false, true]),
    outSlice: oneOf<boolean>('a register slice after the head (one more cycle): the reader\'s ready then reaches one LUT in each lane, not the FIFO\'s pointers and flags', false, [false, true]),
    lanes: intRange('independent FIFOs side by side, each with its own pointers and flags, moving in lockstep', 1, 1, 64),
    laneValids: oneOf<boolean>('s_valid has a bit per lane (all equal, each from a register of its own in the writer), so no one flop reaches every lane', false, [false, true]),
    ram: oneOf<string>('block: block RAM whose read register is the head; lut: LUT RAM read into a fabric head register; logic: flip-flops, for a few words where block RAM would be mostly empty; ecp5: DP16KD tiles with their output register, read ahead into a few flip-flop words', 'block', ['block', 'lut', 'logic', 'ecp5']),
  },
  (p, info) => {
    const m = new Module(`fifo_w${p.width}_d${p.depth}${p.ram === 'block' ? '' : `_${p.ram}`}${p.withLevel ? '_lvl' : ''}${p.credited ? '_cr' : ''}${p.writeReg ? '_wr' : ''}${p.outSlice ? '_os' : ''}${p.lanes > 1 ? `_l${p.lanes}` : ''}${p.laneValids ? 'v' : ''}`, info);
    if (p.lanes > 1) return laned(m, p);
    if (p.outSlice) return sliced(m, p);
    if (p.ram === 'ecp5') return readAhead(m, p);
    const aw = Math.log2(p.depth);
    const cw = aw + 1;
    const { inValid, inData, outReady } = fifoPorts(m, p, 'in RAM plus the head register');

    const wrPtr = m.reg('wr_ptr_reg', aw, { reset: 0 });
    const rdPtr = m.reg('rd_ptr_reg', aw, { reset: 0 });
    const stored = m.reg('stored_reg', cw, { reset: 0, doc: 'words in the RAM, not counting the head' });
    const headValid = m.reg('head_valid_reg', 1, { reset: 0 });

    // Full and non-empty are kept as flags of their own, updated alongside `stored`, so
    // s_ready and the read decision come straight from registers instead of comparing
    // the count every cycle.
    // With a registered write side the word accepted now is written next cycle, so s_ready
    // must leave room for it: `full` then means depth - 1 stored words.
    const limit = p.writeReg ? p.depth - 1 : p.depth;
    const full = m.reg('full_reg', 1, { reset: 0, doc: `stored >= ${limit}` });
    const hasStored = m.reg('has_stored_reg', 1, { reset: 0, doc: 'stored != 0' });
    const inReady = m.wire('in_ready', not(full));
    let push: Expr;
    let writeData: Expr = inData;
    if (p.writeReg) {
      const wValid = m.reg('wr_valid_reg', 1, { reset: 0, doc: 'a word accepted last cycle is written now' });
      const wData = m.reg('wr_data_reg', p.width);
      wValid.set(and(inValid, inReady));
      wData.set(inData);
      push = m.wire('push', wValid);
      writeData = wData;
    } else {
      // A credited writer's words are all taken: the write enable is s_valid itself, one
      // register in the writer, instead of a function of the fill level (a wide FIFO's
      // write enable fans out to every RAM cell).
      push = m.wire('push', p.credited ? inValid : and(inValid, inReady));
    }
    const pop = m.wire('pop', and(headValid, outReady));
    // The head register loads whenever it is free, whether or not a word is stored (then
    // it takes a stale word and stays invalid): its enable, which reaches every bit of a
    // wide head, is one LUT of a flop and the reader's ready, not part of the flag logic.
    const headFree = m.wire('head_free', or(not(headValid), outReady));
    const fetch = m.wire('fetch', and(hasStored, headFree));

    const mem = m.memory('ram', p.width, p.depth, undefined, { style: ({ lut: 'distributed', block: 'block', logic: 'logic' } as const)[p.ram as 'lut' | 'block' | 'logic'] });
    mem.write(push, wrPtr, writeData);
    let head;
    if (p.ram === 'block') {
      head = mem.readSync('head_reg', rdPtr, headFree);
    } else {
      // ECP5 block RAM without its output register has a slow clock-to-out (about 5.6 ns in
      // nextpnr's model, and yosys never enables the register); LUT RAM reads in a LUT delay.
      const h = m.reg('head_reg', p.width);
      h.set(mem.readAsync('ram_rd_data', rdPtr), headFree);
      head = h;
    }

    updateCount({ m, wrPtr, rdPtr, stored, full, hasStored }, push, fetch, limit);
    headValid.set(or(fetch, and(headValid, not(pop))));

    m.output('s_ready', 1).drive(inReady);
    m.output('m_valid', 1).drive(headValid);
    m.output('m_data', p.width).drive(head);
    // The level counts a word accepted but not yet written, so it is never below what the writer has handed over.
    if (p.withLevel) m.output('level', cw + 1).drive(fold('add', [stored, headValid, ...(p.writeReg ? [push] : [])].map((e) => zext(e, cw + 1))));
    return m;
  },
);

/**
 * The pointers, the count of words in the RAM and its two flags (`full`: count >= limit;
 * `hasStored`: count != 0), updated from the same events so the flags need no comparison
 * of the count in the cycle they are used.
 */
function updateCount(
  r: { m: Module; wrPtr: RegHandle; rdPtr: RegHandle; stored: RegHandle; full: RegHandle; hasStored: RegHandle },
  push: Expr,
  take: Expr,
  limit: number,
): void {
  const { m, wrPtr, rdPtr, stored, full, hasStored } = r;
  const aw = wrPtr.width;
  const cw = stored.width;
  wrPtr.set(add(wrPtr, constant(1, aw)), push);
  rdPtr.set(add(rdPtr, constant(1, aw)), take);
  stored.set(upDown(stored, push, take));
  const { next: hasNext, grows, shrinks } = flagNotZero(m, 'stored', stored, push, take, hasStored);
  hasStored.set(hasNext);
  // stored + 1 >= limit when it grows, stored - 1 >= limit when it shrinks.
  full.set(mux(grows, not(lt(stored, constant(limit - 1, cw))), mux(shrinks, not(lt(stored, constant(limit + 1, cw))), full)));
}

/**
 * The next value of `count != 0`, kept as a flag register beside a count that goes up on
 * `up` and down on `down`: set when it grows, and when it shrinks, cleared if it was 1.
 */
export function flagNotZero(m: Module, name: string, count: Expr, up: Expr, down: Expr, flag: Expr): { next: Expr; grows: Expr; shrinks: Expr } {
  const grows = m.wire(`${name}_grows`, and(up, not(down)));
  const shrinks = m.wire(`${name}_shrinks`, and(down, not(up)));
  return { next: mux(grows, constant(1, 1), mux(shrinks, ne(count, constant(1, count.width)), flag)), grows, shrinks };
}

/** The description, clock, reset and input ports every FIFO variant shares. */
function fifoPorts(m: Module, p: { width: number; depth: number; writeReg: boolean }, how: string, validBits = 1) {
  m.describe(
    `First-word-fall-through FIFO: ${p.depth} words of ${p.width} bits ${how}.`,
    `A word written into an empty FIFO is at the head ${p.writeReg ? 'three' : 'two'} cycles later; one word per cycle in and out.`,
  );
  m.clock();
  m.reset();
  return { inValid: m.input('s_valid', validBits, validBits > 1 ? 'one bit per lane, all equal' : undefined), inData: m.input('s_data', p.width), outReady: m.input('m_ready', 1) };
}

/** The FIFO followed by a register slice, for a reader whose ready arrives late or from far away. */
function sliced(m: Module, p: { width: number; depth: number; withLevel: boolean; credited: boolean; writeReg: boolean; ram: string }): Module {
  if (p.withLevel) throw new GenError('lib/fifo: an output slice and a level output do not go together (the slice\'s words are not counted)');
  const { inValid, inData, outReady } = fifoPorts(m, p, 'and a register slice after its head');
  const sliceReady = m.wire('slice_ready', 1);
  const inner = m.instance(fifo({ ...p, outSlice: false, lanes: 1 }), 'queue', { s_valid: inValid, s_data: inData, m_ready: sliceReady });
  const out = m.instance(registerSlice({ width: p.width }), 'slice', { s_valid: inner.m_valid!, s_data: inner.m_data!, m_ready: outReady });
  m.assign(sliceReady, out.s_ready!);
  m.output('s_ready', 1).drive(inner.s_ready!);
  m.output('m_valid', 1).drive(out.m_valid!);
  m.output('m_data', p.width).drive(out.m_data!);
  return m;
}

/**
 * A wide FIFO as `lanes` narrower ones that see the same pushes and pops, so they hold the
 * same number of words at every cycle: the flags of lane 0 speak for all. Each lane has its
 * own pointers and enables, which synthesis cannot merge (each register feeds back on
 * itself), so no control signal fans out to the whole width: in a 512-bit FIFO on LUT RAM
 * the read address and the head register's enable otherwise reach every RAM cell.
 */
function laned(m: Module, p: { width: number; depth: number; withLevel: boolean; credited: boolean; writeReg: boolean; lanes: number; laneValids: boolean; ram: string; outSlice: boolean }): Module {
  if (p.lanes > p.width) throw new GenError(`lib/fifo: ${p.lanes} lanes cannot split ${p.width} bits`);
  const { inValid, inData, outReady } = fifoPorts(m, p, `as ${p.lanes} lanes moving in lockstep`, p.laneValids ? p.lanes : 1);
  // Lanes of the rounded-up width (the last one narrower), so lanes match block-RAM tiles
  // when `lanes` is the width over a tile's, unless that would leave the last lane empty.
  const up = Math.ceil(p.width / p.lanes);
  const base = up * (p.lanes - 1) < p.width ? up : Math.floor(p.width / p.lanes);
  const heads: Expr[] = [];
  let lane0: Record<string, Expr> = {};
  for (let i = 0, lo = 0; i < p.lanes; i++) {
    const w = i === p.lanes - 1 ? p.width - lo : base;
    const laneFifo = fifo({ width: w, depth: p.depth, ram: p.ram, credited: p.credited, writeReg: p.writeReg, withLevel: i === 0 && p.withLevel, outSlice: p.outSlice });
    const o = m.instance(laneFifo, `lane${i}`, { s_valid: p.laneValids ? m.slice(inValid, i, i) : inValid, s_data: m.slice(inData, lo + w - 1, lo), m_ready: outReady }, { unused: i === 0 ? [] : ['s_ready', 'm_valid'] });
    if (i === 0) lane0 = o;
    heads.push(o.m_data!);
    lo += w;
  }
  m.output('s_ready', 1).drive(lane0.s_ready!);
  m.output('m_valid', 1).drive(lane0.m_valid!);
  m.output('m_data', p.width).drive(concat(...heads.reverse()));
  if (p.withLevel) m.output('level', lane0.level!.width).drive(lane0.level!);
  return m;
}

/** Words a read-ahead FIFO keeps in flight or in flip-flops: its round trip from a read to the credit it returns. */
const READ_AHEAD_WORDS = 5;

/**
 * A FIFO on ECP5 block RAM with the output register on (two cycles from read address to
 * word, but a fast clock-to-output): reads are issued ahead, against credits, into a small
 * flip-flop FIFO that is the head, so the read decision comes from two registers and the
 * consumer's ready reaches only the flip-flops. A word written into an empty FIFO is at
 * the head five cycles later.
 */
function readAhead(m: Module, p: { width: number; depth: number; withLevel: boolean; credited: boolean; writeReg: boolean }): Module {
  if (p.withLevel || p.writeReg) throw new GenError('lib/fifo: ram "ecp5" has no level output or registered write side');
  const { inValid, inData, outReady } = fifoPorts(m, { ...p, writeReg: false }, 'in ECP5 block RAM, read ahead into flip-flops');
  const aw = Math.log2(p.depth);
  const cw = aw + 1;
  const wrPtr = m.reg('wr_ptr_reg', aw, { reset: 0 });
  const rdPtr = m.reg('rd_ptr_reg', aw, { reset: 0 });
  const stored = m.reg('stored_reg', cw, { reset: 0, doc: 'words in the RAM not yet read' });
  const full = m.reg('full_reg', 1, { reset: 0, doc: `stored >= ${p.depth}` });
  const hasStored = m.reg('has_stored_reg', 1, { reset: 0, doc: 'stored != 0' });
  const credits = m.reg('credits_reg', 3, { reset: READ_AHEAD_WORDS, doc: 'free words in the head FIFO, less reads in flight' });
  const room = m.reg('room_reg', 1, { reset: 1, doc: 'credits_reg != 0' });
  const inReady = m.wire('in_ready', not(full));
  const push = m.wire('push', p.credited ? inValid : and(inValid, inReady));
  const issue = m.wire('issue', and(hasStored, room));
  const rdData = ecp5Ram(m, 'ram', { width: p.width, depth: p.depth, outputRegister: true }, { enable: push, addr: wrPtr, data: inData }, rdPtr);
  // The read word arrives two cycles after its address; a bit per cycle in flight marks it.
  const inFlight = eventHistory(m, 'in_flight_reg', 2, issue, 'a read issued');
  const head = m.instance(fifo({ width: p.width, depth: READ_AHEAD_WORDS - 1, ram: 'logic', credited: true }), 'head_fifo', {
    s_valid: m.slice(inFlight, 1, 1), s_data: rdData, m_ready: outReady,
  }, { unused: ['s_ready'] });
  const pop = m.wire('pop', and(head.m_valid!, outReady));

  updateCount({ m, wrPtr, rdPtr, stored, full, hasStored }, push, issue, p.depth);
  const nextCredits = m.wire('credits_next', upDown(credits, pop, issue));
  credits.set(nextCredits);
  room.set(ne(nextCredits, constant(0, 3)));

  m.output('s_ready', 1).drive(inReady);
  m.output('m_valid', 1).drive(head.m_valid!);
  m.output('m_data', p.width).drive(head.m_data!);
  return m;
}
