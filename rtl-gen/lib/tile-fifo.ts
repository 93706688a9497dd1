// A wide, credited FIFO on ECP5 block-RAM tiles whose reader sees one compact head.
//
// ECP5 block RAM sits in rows across the device, so a FIFO hundreds of bits wide spans
// tiles far apart. Anything that must reach every tile in the cycle it is computed then
// crosses the chip: on the unrolled ChaCha core (33 tiles) the reader's ready alone took
// 4.6 ns to route to the lanes' heads. Here nothing computed in a cycle leaves its
// neighbourhood in that cycle:
// - every tile has its own write-enable, write-data and read-enable registers and its
//   own pointers, so the only long wires run from flop to flop (the enables are marked
//   `keep`: yosys merges registers with the same input, and did, into one for all tiles);
// - the read decisions come from one controller, which issues reads ahead against credits
//   into a small FIFO (the head) that the tiles' words come back to, through one more
//   register each. Write and read enables reach the tiles through two registers: one per
//   group of TILES_PER_GROUP tiles, then the tile's own;
// - the head is LUT RAM (a 578-bit word takes 145 cells, a compact block; in flip-flops,
//   eight words and their read multiplexer spread out and took 7.8 ns) in lanes of
//   HEAD_LANE_BITS with pointers of their own, each ending in a register slice: the
//   reader's ready reaches one LUT per lane, and each lane's enables a few dozen flops.
//
// The writer is credited: it never writes more words than `depth` counting those in the
// head. A word written into an empty FIFO reaches m_data TILE_FIFO_LATENCY cycles later.

import { GenError } from '../ir/errors.ts';
import { type Expr, add, and, concat, constant, ne, upDown } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { intRange, powerOfTwo } from '../ir/params.ts';
import { ecp5Ram, tileSlices } from '../vendor/ecp5.ts';
import { fifo, flagNotZero } from './fifo.ts';
import { eventHistory } from './history.ts';

/** Words in the head's LUT RAM (one DPR16X4 deep). */
const HEAD_RAM_WORDS = 16;

/**
 * The controller's credits: words in flight, in the head and in its slice. A credit comes
 * back when its word leaves the slice; with the reader ready, it is usable 9 cycles after
 * its read was issued (READ_TRIP, 2 through the head, 1 through the slice, 1 to the room
 * flag), so at least 9 keep one word moving per cycle (8 do not). A
 * LUT-RAM cell holds 16 words anyway, and the head holds one more, so it never overflows.
 */
const HEAD_CREDITS = 16;

/**
 * Bits per head lane: two tiles' worth. In lanes of about 64 LUT-RAM cells (three of 193
 * bits on the unrolled core) one lane's slice spread out, 3.4 to 3.9 ns between its own
 * registers, in two runs of three.
 */
const HEAD_LANE_BITS = 36;

/** Tiles sharing a write- and a read-enable register (the first of the two steps to a tile). */
const TILES_PER_GROUP = 6;

/** Cycles from a read issued by the controller to its word at the head's write port: group and tile registers, tile read 2, return register. */
const READ_TRIP = 5;

/**
 * Cycles from s_valid to the word on m_data of an empty FIFO: count 1, flag 1, the read
 * trip, the head (written, then its head register) 2 and its slice 1. (The tile is written
 * two cycles after s_valid, through the group and tile registers, and read at the earliest
 * two cycles after that.)
 */
export const TILE_FIFO_LATENCY = 1 + 1 + READ_TRIP + 2 + 1;

export const tileFifo = defineGenerator(
  'lib/tile-fifo',
  '1.2.0',
  {
    width: intRange('word width in bits', 64, 2, 4096),
    depth: powerOfTwo('words in the tiles', 128, 16, 16384),
  },
  (p, info) => {
    const slices = tileSlices(p.width, p.depth);
    const tiles = slices.length;
    if (tiles > 64) throw new GenError(`lib/tile-fifo: ${tiles} tiles of ${slices[0]!.w} bits is more block RAM than any ECP5 offers in one FIFO`);
    const m = new Module(`tile_fifo_w${p.width}_d${p.depth}`, info);
    m.describe(
      `Credited first-word-fall-through FIFO: ${p.depth} words of ${p.width} bits in ${tiles} ECP5 block-RAM tile(s), read ahead into a ${HEAD_RAM_WORDS}-word LUT-RAM head and a register slice.`,
      `The writer must hold no more than ${p.depth} words in it (head included); s_ready reports whether the tiles have room.`,
      `A word written into an empty FIFO is on m_data ${TILE_FIFO_LATENCY} cycles later; one word per cycle in and out.`,
    );
    m.clock();
    m.reset();
    const inValid = m.input('s_valid', 1);
    const inData = m.input('s_data', p.width);
    const outReady = m.input('m_ready', 1);
    const aw = Math.log2(p.depth);
    const cw = aw + 1;

    // ---- controller: how many words the tiles hold, and reads against the head's credits --------
    // Counted a cycle before the tiles are written: a read issued on that count reaches its
    // tile two cycles after its issue, so it still follows the write.
    const pushed = m.reg('pushed_reg', 1, { reset: 0, keep: true, doc: 'a word came in last cycle' });
    pushed.set(inValid);
    const stored = m.reg('stored_reg', cw, { reset: 0, doc: 'words written into the tiles and not yet read' });
    const hasStored = m.reg('has_stored_reg', 1, { reset: 0, doc: 'stored_reg != 0' });
    const credits = m.reg('credits_reg', Math.ceil(Math.log2(HEAD_CREDITS + 1)), { reset: HEAD_CREDITS, doc: 'free words in the head and its slice, less reads in flight' });
    const room = m.reg('room_reg', 1, { reset: 1, doc: 'credits_reg != 0' });
    const issue = m.wire('issue', and(hasStored, room));
    // The flags follow their counts from the events and a comparison of the register with a
    // constant, not from the next count (an adder and a compare in the loop through issue).
    stored.set(upDown(stored, pushed, issue));
    hasStored.set(flagNotZero(m, 'stored', stored, pushed, issue, hasStored).next);

    // ---- tiles: registers of their own on both sides ------------------------------------------------
    // Copies of one event, each a register of its own (kept: yosys would merge them).
    const copies = (what: string, count: number, event: Expr, doc: (i: number) => string) => Array.from({ length: count }, (_, i) => {
      const r = m.reg(`${what}${i}_reg`, 1, { reset: 0, keep: true, doc: doc(i) });
      r.set(event);
      return r;
    });
    // Writes and reads both reach a tile through a group register, then the tile's own.
    const groups = Math.ceil(tiles / TILES_PER_GROUP);
    const groupDoc = (g: number) => `for tiles ${g * TILES_PER_GROUP} to ${Math.min(tiles, (g + 1) * TILES_PER_GROUP) - 1}`;
    const wrGroups = copies('wr_issue', groups, inValid, groupDoc);
    const rdGroups = copies('rd_issue', groups, issue, groupDoc);
    const words = slices.map(({ k, lo, w }) => {
      const g = Math.floor(k / TILES_PER_GROUP);
      const wrEn = m.reg(`wr_en${k}_reg`, 1, { reset: 0, keep: true });
      const wrStage = m.reg(`wr_stage${k}_reg`, w, { doc: 'the word, a cycle behind s_data, as the enable is behind its group register' });
      const wrData = m.reg(`wr_data${k}_reg`, w);
      const wrPtr = m.reg(`wr_ptr${k}_reg`, aw, { reset: 0 });
      const rdEn = m.reg(`rd_en${k}_reg`, 1, { reset: 0, keep: true });
      const rdPtr = m.reg(`rd_ptr${k}_reg`, aw, { reset: 0 });
      wrEn.set(wrGroups[g]!);
      wrStage.set(m.slice(inData, lo + w - 1, lo));
      wrData.set(wrStage);
      wrPtr.set(add(wrPtr, constant(1, aw)), wrEn);
      rdEn.set(rdGroups[g]!);
      rdPtr.set(add(rdPtr, constant(1, aw)), rdEn);
      // The tile reads rd_ptr every cycle; the word of a read enabled now is on its output two cycles later.
      const rd = ecp5Ram(m, `ram${k}`, { width: w, depth: p.depth, outputRegister: true }, { enable: wrEn, addr: wrPtr, data: wrData }, rdPtr);
      const back = m.reg(`ret${k}_reg`, w, { doc: `tile ${k}'s word on its way to the head` });
      back.set(rd);
      return back;
    });

    // ---- head: the words come back READ_TRIP cycles after their read was issued -------------------
    // The last step of the trip is a register per head lane (kept apart), as the lanes
    // spread out: one flop reaching all 17 of the unrolled core's took 6.3 ns.
    const inFlight = eventHistory(m, 'in_flight_reg', READ_TRIP - 1, issue, 'a read issued');
    const headLanes = Math.min(64, Math.ceil(p.width / HEAD_LANE_BITS));
    const arrive = copies('arrive', headLanes, m.slice(inFlight, READ_TRIP - 2, READ_TRIP - 2), (i) => `head lane ${i}: the word of a read issued ${READ_TRIP} cycles ago arrives`);
    const head = m.instance(fifo({ width: p.width, depth: HEAD_RAM_WORDS, ram: 'lut', credited: true, lanes: headLanes, laneValids: true, outSlice: true }), 'head', {
      s_valid: concat(...arrive.reverse()),
      s_data: concat(...words.reverse()),
      m_ready: outReady,
    }, { unused: ['s_ready'] });
    const pop = m.wire('pop', and(head.m_valid!, outReady));
    credits.set(upDown(credits, pop, issue));
    room.set(flagNotZero(m, 'credits', credits, pop, issue, room).next);

    // s_ready is informational (the writer is credited): the tiles' own count, a cycle late.
    m.output('s_ready', 1).drive(m.wire('tiles_not_full', ne(stored, constant(p.depth, cw))));
    m.output('m_valid', 1).drive(head.m_valid!);
    m.output('m_data', p.width).drive(head.m_data!);
    return m;
  },
);
