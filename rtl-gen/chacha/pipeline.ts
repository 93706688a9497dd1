// The ChaCha20 packet cipher: AXI-Stream packets in, the same packets XORed with their
// keystream out.
//
// The first beat of each packet carries its context in s_axis_tuser (key slot, nonce,
// initial block counter; layout in spec/chacha-stream.ts). Every packet starts a fresh block.
// A beat that starts a 64-byte block is accepted only in a cycle the keystream engine can
// take that block's request, and then its block comes out of the engine a fixed number
// of cycles later. So the beats need no FIFO: they go through a delay line of exactly that
// length, meet their block (held in a register until the next block arrives) and are
// XORed with their slice of it. Only the output has a FIFO, and beats are accepted only
// against free places in it (credits), so nothing between the input and that FIFO ever
// stalls and no handshake fans out over the datapath.
//
// A packet whose block counter wraps is flagged on m_axis_tuser[0] from the wrapping block
// on (so always on its last beat): its keystream repeats and it must be dropped, not sent.
//
// Rate: the engine makes U/R blocks per cycle; a packet of n beats needs ceil(bytes/64)
// blocks, so the core takes one beat per cycle whenever blocks per beat <= U/R, e.g.
// always with U = R, and for back-to-back 64-byte packets at W = 64 from U/R >= 1/8.

import { type Expr, add, and, concat, constant, eq, mux, not, or, upDown, xor } from '../ir/expr.ts';
import { GenError } from '../ir/errors.ts';
import { defineGenerator } from '../ir/generator.ts';
import { axisSink, axisSource } from '../ir/interfaces.ts';
import { Module } from '../ir/module.ts';
import { oneOf } from '../ir/params.ts';
import { delayLine } from '../lib/delay-line.ts';
import { fifo, flagNotZero, lutFifoLanes } from '../lib/fifo.ts';
import { eventHistory } from '../lib/history.ts';
import { TILE_FIFO_LATENCY, tileFifo } from '../lib/tile-fifo.ts';
import { CHACHA_CORE_PARAMS, checkUnits, engineLatency, keyWriteBusyCycles, keystreamEngine } from './keystream.ts';
import { contextFormat } from '../../spec/chacha-stream.ts';

export interface PipelineShape {
  rounds: number;
  units: number;
  stages: number;
  width: number;
  entryReg?: boolean;
  fifoRam?: string;
  outGather?: boolean;
}

/** Cycles from a beat's acceptance to its arrival at the output FIFO's write port. */
function cyclesToOutputFifo(c: PipelineShape): number {
  const held = c.width < 512 ? 1 : 0; // a block shared by several beats waits in a register
  return engineLatency(c.rounds, c.units, c.stages, c.entryReg ?? true) + held + 1;
}

/** Cycles from a write into an empty output FIFO to the word on m_axis, by RAM style (through a register slice, or the tile FIFO's own head). */
const OUTPUT_FIFO_LATENCY: Readonly<Record<string, number>> = { lut: 3, block: 3, ecp5: 6 };

/** Cycles from an accepted first beat to its output on an idle core (checked by the tests). */
export function pipelineLatency(c: PipelineShape): number {
  return cyclesToOutputFifo(c) + (c.fifoRam === 'ecp5' && c.outGather ? TILE_FIFO_LATENCY : OUTPUT_FIFO_LATENCY[c.fifoRam ?? 'lut']!);
}

export const chachaPipeline = defineGenerator(
  'chacha/pipeline',
  '2.4.0',
  {
    ...CHACHA_CORE_PARAMS,
    width: oneOf<number>('packet stream width in bits', 512, [64, 128, 256, 512]),
    fifoRam: oneOf<string>('memory of the delay line and output FIFO: lut (LUT RAM), block (inferred block RAM, for iCE40), ecp5 (DP16KD tiles with their output register)', 'lut', ['lut', 'block', 'ecp5']),
    outGather: oneOf<boolean>('ECP5 tiles: gather the output FIFO into one head the reader\'s ready reaches (lib/tile-fifo), instead of a lane per tile, each with its own head and register slice', false, [false, true]),
  },
  (p, info) => {
    const { rounds: R, units: U, stages: S, width: W } = p;
    checkUnits('chacha/pipeline', R, U);
    const fmt = contextFormat(p.layout as 'ietf' | 'original', p.keySlots);
    const sb = fmt.slotBits;
    const B = 512 / W; // beats per block
    const bb = Math.log2(B);
    const lay = p.layout === 'ietf' ? 'ietf' : 'orig';
    const ram = p.fifoRam;
    const m = new Module(`chacha_pipe_r${R}_u${U}_s${S}_w${W}_k${p.keySlots}_${lay}${ram === 'lut' ? '' : `_${ram === 'block' ? 'bram' : ram}`}${p.outGather ? '_g' : ''}${p.entryReg || U === R ? '' : '_ne'}${p.adders === 'ecp5' ? '_cc' : ''}`, info);
    const ksLatency = engineLatency(R, U, S, p.entryReg);
    const delay = ksLatency + (B > 1 ? 1 : 0);
    const latency = pipelineLatency(p);
    // Credits cover every beat from acceptance to the output: at full rate that is the
    // latency times the rate at which beats can enter (one per cycle, or fewer when blocks are the limit).
    const beatRate = Math.min(1, (B * U) / R);
    const depth = Math.max(4, 2 ** Math.ceil(Math.log2(Math.ceil(beatRate * (latency + 2)) + 4)));
    const busy = keyWriteBusyCycles(R, U, S, p.entryReg);
    const bitsPerCycle = Math.min((512 * U) / R, W);
    m.describe(
      `ChaCha${R} packet cipher, ${W}-bit AXI-Stream, ${U} round unit(s) x ${S} stage(s): ${U}/${R} blocks per cycle.`,
      `Rate: min(512 x U/R, W) = ${+bitsPerCycle.toFixed(2)} payload bits per cycle at full load on packets of whole 64-byte blocks (each packet starts a fresh block).`,
      `s_axis_tuser (first beat of a packet): counter [${fmt.counterLo + fmt.counterBits - 1}:${fmt.counterLo}],` +
        ` nonce [${fmt.nonceLo + fmt.nonceBits - 1}:${fmt.nonceLo}], key slot [${sb - 1}:0]; ignored on later beats.`,
      'tdata byte 0 is bits 7:0. tkeep must be all ones on every beat but a packet\'s last, and on the last contiguous from byte 0;',
      'the core does not check it: byte i of beat k is enciphered with byte k x W/8 + i of the packet\'s keystream whatever tkeep says.',
      'Output bytes outside m_axis_tkeep are zero (never keystream). tkeep and tlast pass through unchanged.',
      'm_axis_tuser[0]: the packet\'s block counter wrapped: set from the beat holding the wrapping block\'s first byte to the last beat',
      '(a wrapped packet always has it on its last beat), clear on the beats before; such a packet must be dropped, its keystream repeats.',
      `Latency from an accepted first beat to its output beat on an idle core: ${latency} cycles (the keystream engine's ${ksLatency},`,
      `${B > 1 ? 'the register holding a block for its beats, ' : ''}the XOR register and the output FIFO). Output FIFO: ${depth} beats.`,
      'Keys apply per packet: a key word applies to exactly the packets whose first beat is accepted after the word\'s handshake',
      '(a word taken at the same edge as a first beat is not that packet\'s), and every block of a packet uses the key its first beat saw:',
      'a word for the slot of a packet still coming in waits, key_wr_ready low, until that packet\'s last beat is in.',
      `key_wr_ready is low for ${busy} cycles after each word (a 256-bit key: 8 words in ${8 * (busy + 1)} cycles), plus any wait for an open packet of its slot.`,
      'rst drops every beat accepted and not yet delivered and every block in flight: nothing from before it comes out, and a packet',
      'partly delivered ends without tlast (reset its receiver too); the next beat after rst is a first beat. rst does not clear the',
      'key RAM (keys survive it; after power-up they are undefined until written), and a key word taken before rst is still written.',
      'status_error: sticky, cleared by rst: a block request met a block going round the ring (the slot schedule failed; never',
      'expected; from then on keystream may be wrong). status_outstanding: beats accepted and not yet delivered, counting',
      'acceptances one cycle and deliveries two cycles late; 0 on an idle core.',
    );
    m.clock();
    m.reset();
    const s = axisSink(m, { dataWidth: W, keep: true, last: true, userWidth: fmt.width });
    const o = axisSource(m, { dataWidth: W, keep: true, last: true, userWidth: 1 });
    const kw = {
      key_wr_valid: m.input('key_wr_valid', 1, 'key RAM write: one 32-bit word'),
      key_wr_slot: m.input('key_wr_slot', sb),
      key_wr_word: m.input('key_wr_word', 3, '0 = key bytes 0-3 ... 7 = bytes 28-31'),
      key_wr_data: m.input('key_wr_data', 32, 'key bytes, the lowest-numbered in bits 7:0'),
    };

    // ---- requester: one block request per 64 bytes of each packet ----------------------------
    // Two copies of the packet flag, both kept (yosys merges a plain register into a kept
    // one with the same input): one for the requester's counters, one for the choices that
    // feed the engine's request registers, which sit by the first round (one copy reaching
    // both took 5.4 ns unrolled).
    const inPacket = m.reg('in_packet_reg', 1, { reset: 0, keep: true, doc: 'the next beat continues a packet' });
    const inPacketReq = m.reg('in_packet_req_reg', 1, { reset: 0, keep: true, doc: 'in_packet_reg, for the request' });
    const blkBeat = bb ? m.reg('blk_beat_reg', bb, { reset: 0, doc: 'beat index within the current block' }) : undefined;
    const ctr = m.reg('counter_reg', fmt.counterBits);
    const ctrInc = m.reg('counter_inc_reg', fmt.counterBits, { doc: 'counter_reg + 1, ready for the next block' });
    const ctrTop = m.reg('counter_top_reg', 1, { doc: 'counter_reg is the top value: the next block wraps' });
    const nonce = m.reg('nonce_reg', fmt.nonceBits);
    const slot = m.reg('slot_reg', sb);
    const wrapped = m.reg('wrapped_reg', 1);

    const first = m.wire('first_beat', not(inPacket));
    const firstReq = m.wire('first_beat_req', not(inPacketReq));
    // Whether the beat at the input starts a block is a register of its own (worked out from
    // the next packet state and beat index), so the input handshake is one gate of registers
    // (through a compare of the beat index it took 6.2 ns at U = 5).
    const newBlockR = blkBeat ? m.reg('new_block_reg', 1, { reset: 1, doc: 'the beat at the input starts a block: a first beat, or beat 0 of a block' }) : undefined;
    const newBlock: Expr = newBlockR ?? constant(1, 1);
    const ctxSlot = m.slice(s.tuser, sb - 1, 0);
    const ctxNonce = m.slice(s.tuser, fmt.nonceLo + fmt.nonceBits - 1, fmt.nonceLo);
    const ctxCounter = m.slice(s.tuser, fmt.counterLo + fmt.counterBits - 1, fmt.counterLo);
    const curSlot = m.wire('cur_slot', mux(firstReq, ctxSlot, slot));
    const curNonce = m.wire('cur_nonce', mux(firstReq, ctxNonce, nonce));
    // The counter of the beat at the input: from tuser on a first beat, the next one on a new block.
    const counterAt = (firstBeat: Expr) => mux(firstBeat, ctxCounter, mux(newBlock, ctrInc, ctr));
    const curCounter = m.wire('cur_counter', counterAt(firstReq));
    // The counter wraps when a packet's next block follows the top value.
    const curWrapped = m.wire('cur_wrapped', mux(first, constant(0, 1), or(wrapped, and(newBlock, ctrTop))));

    // ---- keystream engine and the input handshake -------------------------------------------------
    // A beat is taken against a credit (a free place in the output FIFO); a beat starting a
    // block also needs the engine to take its request now. Both are registers.
    const accept = m.wire('in_fire', 1);
    const inPacketNext = m.wire('in_packet_next', 1);
    // A straight engine keeps the counter and nonce in a delay line of the FIFO's RAM kind.
    const ctxRam = U === R ? ram : 'ring';
    const engine = m.instance(keystreamEngine({ rounds: R, units: U, stages: S, keySlots: p.keySlots, layout: p.layout, entryReg: p.entryReg, adders: p.adders, ctxRam }), 'engine', {
      ...kw,
      req_valid: and(accept, newBlock),
      req_slot: curSlot,
      req_nonce: curNonce,
      req_counter: curCounter,
      // Key words of the open packet's slot wait for it to end (keys apply per packet): the
      // packet state after this edge, the next values of in_packet_req_reg and slot_reg.
      pkt_open_next: inPacketNext,
      pkt_slot_next: m.wire('slot_next', mux(first, ctxSlot, slot)),
    }, { unused: B > 1 ? [] : ['ks_valid'] });
    const cw = Math.log2(depth) + 1;
    // The status count: acceptances counted a cycle late and deliveries two cycles late,
    // from registers only, wherever the placer puts it.
    const outstanding = m.reg('outstanding_reg', cw, { reset: 0, doc: 'beats accepted before last cycle, less those delivered before two cycles ago' });
    // (kept apart from the engine's request register, also kept, which has the same input at W = 512)
    const took = m.reg('took_reg', 1, { reset: 0, keep: true, doc: 'a beat was accepted last cycle' });
    // credit_ok is a flag kept beside a count of free places, from the events that move it,
    // so no comparison with the count's value runs in front of it (a carry-chain compare
    // and its choice took 5.8 ns unrolled).
    const room = m.reg('credit_room_reg', cw, { reset: depth - 2, doc: `${depth - 2} - outstanding_reg - took_reg` });
    const creditOk = m.reg('credit_ok_reg', 1, { reset: 1, keep: true, doc: 'credit_room_reg != 0' });
    // A replica of credit_ok_reg makes a second copy of the handshake for the requester's
    // own registers (counters, packet state), which sit apart from the engine's entry and
    // the delay line: one handshake LUT reaching all of them took 5.9 ns unrolled.
    const creditOkCtx = m.reg('credit_ok_ctx_reg', 1, { reset: 1, keep: true, doc: 'credit_ok_reg, for the requester\'s registers' });
    const blockOk = or(not(newBlock), engine.req_ok!);
    const inReady = m.wire('in_ready', and(creditOk, blockOk));
    m.assign(accept, and(s.tvalid, inReady));
    const acceptCtx = m.wire('in_fire_ctx', and(s.tvalid, and(creditOkCtx, blockOk)));
    inPacket.set(not(s.tlast), acceptCtx);
    inPacketReq.set(not(s.tlast), acceptCtx);
    m.assign(inPacketNext, mux(acceptCtx, not(s.tlast), inPacketReq));
    if (blkBeat) {
      const beatNext = m.wire('blk_beat_next', mux(acceptCtx, mux(s.tlast, constant(0, bb), add(blkBeat, constant(1, bb))), blkBeat));
      blkBeat.set(beatNext);
      newBlockR!.set(or(not(mux(acceptCtx, not(s.tlast), inPacket)), eq(beatNext, constant(0, bb))));
    }
    ctr.set(counterAt(first), acceptCtx);
    const n = fmt.counterBits;
    const isOnes = (x: Expr) => eq(x, constant((1n << BigInt(x.width)) - 1n, x.width));
    const plusOne = (x: Expr) => add(x, constant(1, x.width));
    if (B > 1) {
      // A packet's next block starts B >= 2 beats after its last one, so counter + 1 and the
      // top-value flag can follow counter_reg a cycle behind, from a register and with no
      // choice in front: nothing runs from tuser through an adder (tuser through a compare
      // and the + 1's choices took 6.3 ns at U = 5).
      ctrInc.set(plusOne(ctr));
      ctrTop.set(isOnes(ctr));
    } else {
      // One block per beat: the next block may start in the next cycle, so counter + 1 (for
      // the next block) and the top-value flag follow the same choice as
      // cur_counter, each worked out before the choice, so nothing starts from cur_counter,
      // which fans out to the engine. The + 1 is split in halves, and the high half is chosen
      // between itself and itself + 1 by the low half's carry (from a register, worked out a
      // cycle ahead, or a compare of tuser beside the adder): no carry runs the full width (a
      // 33-bit + 1 behind its choice failed 195 MHz by 0.75 ns unrolled, a compare in front of
      // the high half's carry by 1.1 ns); the top-value flag is compares, not a carry chain.
      const h = n / 2;
      const ctxHi = m.slice(s.tuser, fmt.counterLo + n - 1, fmt.counterLo + h);
      const ctxLo = m.slice(s.tuser, fmt.counterLo + h - 1, fmt.counterLo);
      const incHi = m.slice(ctrInc, n - 1, h);
      const incLo = m.slice(ctrInc, h - 1, 0);
      const isOnesLessOne = (x: Expr) => eq(x, constant(2 ** x.width - 2, x.width));
      const incLoOnes = m.reg('counter_inc_lo_ones_reg', 1, { doc: 'the low half of counter_inc_reg is all ones: its + 1 carries' });
      const ctxLoOnes = m.wire('ctx_counter_lo_ones', isOnes(ctxLo));
      const nextInc = m.wire('counter_inc_next', concat(
        mux(first, mux(ctxLoOnes, plusOne(ctxHi), ctxHi), mux(newBlock, mux(incLoOnes, plusOne(incHi), incHi), incHi)),
        mux(first, plusOne(ctxLo), mux(newBlock, plusOne(incLo), incLo)),
      ));
      ctrInc.set(nextInc, acceptCtx);
      incLoOnes.set(mux(first, isOnesLessOne(ctxLo), mux(newBlock, isOnesLessOne(incLo), incLoOnes)), acceptCtx);
      // The block requested now has the top value when its counter is all ones.
      const incIsOnes = and(incLoOnes, isOnes(incHi));
      ctrTop.set(mux(first, and(ctxLoOnes, isOnes(ctxHi)), mux(newBlock, incIsOnes, ctrTop)), acceptCtx);
    }
    // Between packets these follow tuser, which holds still while a first beat waits, so
    // they need not wait for the handshake (and accept fans out to fewer flops).
    nonce.set(ctxNonce, first);
    slot.set(ctxSlot, first);
    wrapped.set(curWrapped, acceptCtx);

    // ---- the beats wait in a delay line while their block is made -------------------------------
    // Word: {copies of the beat index in block, wrapped, tlast, tkeep, tdata}; the low part is
    // the output word's. The index chooses the beat's slice of the block for every data bit:
    // one copy per 32 bits, each from a register of its own at the delay line's output (one
    // copy reaching all 128 bits at U = 5 took 3.5 ns of routing; on ECP5 tiles the copies
    // fill bits the tiles have spare).
    const outWidth = 1 + 1 + W / 8 + W;
    const idxCopies = bb ? W / 32 : 0;
    const wordWidth = idxCopies * bb + outWidth;
    const delayed = m.instance(delayLine({ width: wordWidth, delay, ram }), 'beat_delay', {
      d_valid: accept,
      d: concat(...Array.from({ length: idxCopies }, () => blkBeat!), curWrapped, s.tlast, s.tkeep, s.tdata),
    });
    const beat = m.named(delayed.q!, 'delayed_beat');
    const bData = m.slice(beat, W - 1, 0);
    const bRest = m.slice(beat, outWidth - 1, W); // {wrapped, tlast, tkeep}
    let block: Expr = engine.ks_data!;
    if (B > 1) {
      // The block stays here until the next one arrives: by then all its beats have passed
      // (they were accepted before the next block's first beat, and are delayed by as much).
      const held = m.reg('ks_block_reg', 512, { doc: 'the latest keystream block' });
      held.set(engine.ks_data!, engine.ks_valid!);
      block = held;
    }
    const ksWords = m.words(block, B, 'ks_block').map((w, i) => (bb ? m.named(w, `ks_word${i}`) : w));
    let slice: Expr = ksWords[0]!;
    if (bb) {
      const groups = Array.from({ length: idxCopies }, (_, g) => {
        const idx = m.named(m.slice(beat, outWidth + (g + 1) * bb - 1, outWidth + g * bb), `delayed_beat_index${g}`);
        let part: Expr = m.slice(ksWords[0]!, 32 * g + 31, 32 * g);
        for (let i = 1; i < B; i++) part = mux(eq(idx, constant(i, bb)), m.slice(ksWords[i]!, 32 * g + 31, 32 * g), part);
        return part;
      });
      slice = concat(...groups.reverse());
    }
    // The word's valid bit goes to each lane of the output FIFO from a register of its own
    // (kept apart): one register reaching the nine ECP5 lanes of U5 s4 W128 took 5.4 ns of routing.
    const lanes = ram === 'ecp5' ? Math.ceil(outWidth / 18) : ram === 'lut' ? lutFifoLanes(outWidth, depth) : 1;
    const laneValids = !p.outGather && lanes > 1;
    const xValids = Array.from({ length: laneValids ? lanes : 1 }, (_, i) => m.reg(laneValids ? `xor_valid${i}_reg` : 'xor_valid_reg', 1, { reset: 0, keep: laneValids, doc: laneValids ? `a word for output FIFO lane ${i}` : undefined }));
    const xWord = m.reg('xor_word_reg', outWidth, { doc: '{wrapped, tlast, tkeep, (tdata ^ keystream) & tkeep bytes}' });
    for (const v of xValids) v.set(delayed.q_valid!);
    // Bytes outside tkeep come out zero, not as plaintext XOR keystream: a receiver that
    // ignores tkeep then sees no keystream, and nothing of a block leaks past its packet.
    const keep = m.named(m.slice(beat, W + W / 8 - 1, W), 'delayed_beat_keep');
    const keepMask = concat(...Array.from({ length: W / 8 }, (_, i) => m.slice(keep, W / 8 - 1 - i, W / 8 - 1 - i)).flatMap((b) => Array<Expr>(8).fill(b)));
    xWord.set(concat(bRest, and(xor(bData, m.named(slice, 'keystream_slice')), keepMask)));

    // ---- output FIFO: credited, so its write needs no handshake ---------------------------------
    // Lanes with pointers and flags of their own keep every enable local: one per block-RAM
    // tile on ECP5 (the head flip-flops then sit by their tile), about 64 cells of LUT RAM;
    // each lane ends in a register slice, so m_axis_tready reaches one LUT per lane. Or, on
    // ECP5 tiles with outGather, one head for the reader's ready (lib/tile-fifo).
    if (p.outGather && ram !== 'ecp5') throw new GenError(`chacha/pipeline: outGather gathers ECP5 block-RAM tiles; fifoRam is "${ram}"`);
    const outFifo = p.outGather
      ? tileFifo({ width: outWidth, depth })
      : fifo({ width: outWidth, depth, ram, credited: true, lanes, laneValids, outSlice: true });
    const out = m.instance(outFifo, 'out_fifo', {
      s_valid: concat(...[...xValids].reverse()),
      s_data: xWord,
      m_ready: o.tready,
    }, { unused: ['s_ready'] });
    const outFire = m.wire('out_fire', and(out.m_valid!, o.tready));
    // Credits come back through two registers: the output FIFO and the input are at
    // opposite ends of the datapath. (The FIFO's depth leaves room for the delay.)
    const returned = eventHistory(m, 'credit_return_reg', 2, outFire, 'a beat left');
    const creditBack = m.slice(returned, 1, 1, 'credit_back');
    took.set(accept);
    outstanding.set(upDown(outstanding, took, creditBack));
    // The free places count acceptances at once, so credit_ok (room for one more) allows at
    // most depth - 2 beats that outstanding_reg has seen, plus the one accepted last cycle.
    room.set(upDown(room, creditBack, accept));
    const creditNext = flagNotZero(m, 'credit_room', room, creditBack, accept, creditOk).next;
    creditOk.set(creditNext);
    creditOkCtx.set(creditNext);

    const res = m.named(out.m_data!, 'out_word');
    o.tdata.drive(m.slice(res, W - 1, 0));
    o.tkeep.drive(m.slice(res, W + W / 8 - 1, W));
    o.tlast.drive(m.slice(res, W + W / 8, W + W / 8));
    o.tuser.drive(m.slice(res, W + W / 8 + 1, W + W / 8 + 1));
    o.tvalid.drive(out.m_valid!);
    s.tready.drive(inReady);
    m.output('key_wr_ready', 1).drive(engine.key_wr_ready!);
    m.output('status_error', 1).drive(engine.status_collision!);
    m.output('status_outstanding', cw, 'beats accepted and not yet delivered (counted one and two cycles late)').drive(outstanding);
    return m;
  },
);
