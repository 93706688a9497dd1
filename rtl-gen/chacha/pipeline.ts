// The ChaCha20 packet cipher: AXI-Stream packets in, the same packets XORed with their
// keystream out.
//
// The first beat of each packet carries its context in s_axis_tuser (key slot, nonce,
// initial block counter; layout in stream-format.ts). Every packet starts a fresh block.
// As a beat is accepted, a block request is issued for each new 64-byte block it starts,
// and the beat waits in a data FIFO while the keystream engine makes that block; the
// output side XORs each beat with its slice of the block. A packet whose block counter
// wraps is flagged on m_axis_tuser[0] from the wrapping block on (so always on its last
// beat): its keystream repeats and it must be dropped, not sent.
//
// Rate: the engine makes U/R blocks per cycle; a packet of n beats needs ceil(bytes/64)
// blocks, so the core takes one beat per cycle whenever blocks per beat <= U/R, e.g.
// always with U = R, and for 64-byte packets at W = 64 from U/R >= 1/8.

import { type Expr, add, and, concat, constant, eq, fold, mux, not, or, sub, xor } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { axisSink, axisSource } from '../ir/interfaces.ts';
import { Module } from '../ir/module.ts';
import { oneOf } from '../ir/params.ts';
import { fifo, lutFifoLanes } from '../lib/fifo.ts';
import { registerSlice } from '../lib/register-slice.ts';
import { CHACHA_CORE_PARAMS, checkUnits, engineLatency, keystreamEngine, keystreamFifoDepth } from './keystream.ts';
import { contextFormat } from './stream-format.ts';

/** Cycles from an accepted first beat to its output on an idle core (checked by the tests). */
export function pipelineLatency(rounds: number, units: number, stages: number, entryReg = true): number {
  return engineLatency(rounds, units, stages, entryReg) + 6;
}

/** Block requests waiting for the engine; a few absorb the engine's entry waits. */
const REQUEST_FIFO_DEPTH = 8;

export const chachaPipeline = defineGenerator(
  'chacha/pipeline',
  '1.0.0',
  {
    ...CHACHA_CORE_PARAMS,
    width: oneOf<number>('packet stream width in bits', 512, [64, 128, 256, 512]),
    fifoRam: oneOf<string>('FIFO memory: lut (fast on ECP5) or block (saves logic on iCE40)', 'lut', ['lut', 'block']),
  },
  (p, info) => {
    const { rounds: R, units: U, stages: S, width: W } = p;
    checkUnits('chacha/pipeline', R, U);
    const fmt = contextFormat(p.layout as 'ietf' | 'original', p.keySlots);
    const sb = fmt.slotBits;
    const B = 512 / W; // beats per block
    const bb = Math.log2(B);
    const lay = p.layout === 'ietf' ? 'ietf' : 'orig';
    const m = new Module(`chacha_pipe_r${R}_u${U}_s${S}_w${W}_k${p.keySlots}_${lay}${p.fifoRam === 'block' ? '_bram' : ''}${p.entryReg || U === R ? '' : '_ne'}`, info);
    const ksDepth = keystreamFifoDepth(R, U, S, B, p.entryReg);
    // Beats wait in the data FIFO while their block is made: the latency times the rate at
    // which beats can enter (one per cycle, or fewer when blocks are the limit).
    const beatRate = Math.min(1, (B * U) / R);
    const depth = Math.max(4, 2 ** Math.ceil(Math.log2(Math.ceil(beatRate * (pipelineLatency(R, U, S, p.entryReg) + 2)) + 4)));
    m.describe(
      `ChaCha${R} packet cipher, ${W}-bit AXI-Stream, ${U} round unit(s) x ${S} stage(s): ${U}/${R} blocks per cycle.`,
      `s_axis_tuser (first beat of a packet): counter [${fmt.counterLo + fmt.counterBits - 1}:${fmt.counterLo}],` +
        ` nonce [${fmt.nonceLo + fmt.nonceBits - 1}:${fmt.nonceLo}], key slot [${sb - 1}:0]; ignored on later beats.`,
      'tdata byte 0 is bits 7:0; tkeep marks valid bytes (only the last beat may be partial).',
      'm_axis_tuser[0]: the packet\'s block counter wrapped (drop the packet).',
      `Latency from an accepted first beat to its output beat on an idle core: ${pipelineLatency(R, U, S, p.entryReg)} cycles`,
      `(rounds x stages in the round units, a ring-entry register per pass when U < R, plus request FIFO,`,
      'entry, final addition, keystream FIFO and output register).',
      'Key writes apply to the blocks of beats accepted after the write\'s handshake; blocks requested before keep the old key.',
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
    const inPacket = m.reg('in_packet_reg', 1, { reset: 0, doc: 'the next beat continues a packet' });
    const blkBeat = bb ? m.reg('blk_beat_reg', bb, { reset: 0, doc: 'beat index within the current block' }) : undefined;
    const ctr = m.reg('counter_reg', fmt.counterBits);
    const nonce = m.reg('nonce_reg', fmt.nonceBits);
    const slot = m.reg('slot_reg', sb);
    const wrapped = m.reg('wrapped_reg', 1);

    const first = m.wire('first_beat', not(inPacket));
    const newBlock = m.wire('new_block', blkBeat ? or(first, eq(blkBeat, constant(0, bb))) : constant(1, 1));
    const ctxSlot = m.slice(s.tuser, sb - 1, 0);
    const ctxNonce = m.slice(s.tuser, fmt.nonceLo + fmt.nonceBits - 1, fmt.nonceLo);
    const ctxCounter = m.slice(s.tuser, fmt.counterLo + fmt.counterBits - 1, fmt.counterLo);
    const maxCounter = constant((1n << BigInt(fmt.counterBits)) - 1n, fmt.counterBits);
    const curSlot = m.wire('cur_slot', mux(first, ctxSlot, slot));
    const curNonce = m.wire('cur_nonce', mux(first, ctxNonce, nonce));
    const nextCounter = mux(newBlock, add(ctr, constant(1, fmt.counterBits)), ctr);
    const curCounter = m.wire('cur_counter', mux(first, ctxCounter, nextCounter));
    const curWrapped = m.wire('cur_wrapped', mux(first, constant(0, 1), or(wrapped, and(newBlock, eq(ctr, maxCounter)))));
    const lastInBlock = m.wire('last_in_block', blkBeat ? or(s.tlast, eq(blkBeat, constant(B - 1, bb))) : constant(1, 1));

    // Wires that close loops between the FIFOs and the handshakes, driven further down.
    const accept = m.wire('in_fire', 1);
    const reqTake = m.wire('req_take', 1);
    const outFire = m.wire('out_fire', 1);
    const ksPop = m.wire('ks_pop', 1);

    const reqFifo = m.instance(fifo({ width: sb + 128, depth: REQUEST_FIFO_DEPTH, ram: p.fifoRam, withLevel: true, writeReg: true }), 'req_fifo', {
      s_valid: and(accept, newBlock),
      s_data: concat(curCounter, curNonce, curSlot),
      m_ready: reqTake,
    });
    // Data FIFO word: {wrapped, last in block, beat index in block, tlast, tkeep, tdata}.
    const dataWidth = 1 + 1 + bb + 1 + W / 8 + W;
    const dataIn: Expr[] = [curWrapped, lastInBlock, ...(blkBeat ? [blkBeat] : []), s.tlast, s.tkeep, s.tdata];
    const dataFifo = m.instance(fifo({ width: dataWidth, depth, ram: p.fifoRam, writeReg: true, lanes: p.fifoRam === 'lut' ? lutFifoLanes(dataWidth, depth) : 1 }), 'data_fifo', {
      s_valid: accept,
      s_data: concat(...dataIn),
      m_ready: outFire,
    });

    const inReady = m.wire('in_ready', and(dataFifo.s_ready!, or(not(newBlock), reqFifo.s_ready!)));
    m.assign(accept, and(s.tvalid, inReady));
    inPacket.set(not(s.tlast), accept);
    if (blkBeat) blkBeat.set(mux(s.tlast, constant(0, bb), add(blkBeat, constant(1, bb))), accept);
    ctr.set(curCounter, accept);
    nonce.set(curNonce, accept);
    slot.set(curSlot, accept);
    wrapped.set(curWrapped, accept);

    // ---- key writes -----------------------------------------------------------------------------
    // A key word written at the port must not reach blocks requested before it, and the
    // engine only sees requests as they leave the request FIFO. So the word is held here
    // while the requests that were queued at its handshake (`kw_barrier_reg`) drain into the
    // engine; then it goes to the engine, and until the engine has taken it, requests for
    // its slot are held back (the engine holds them from then on).
    const req = m.named(reqFifo.m_data!, 'req_head');
    const reqSlot = m.slice(req, sb - 1, 0);
    const kwHeld = m.reg('kw_held_reg', 1, { reset: 0, doc: 'a key word waits for earlier requests' });
    const kwSlot = m.reg('kw_slot_reg', sb);
    const kwWord = m.reg('kw_word_reg', 3);
    const kwData = m.reg('kw_data_reg', 32);
    const levelWidth = reqFifo.level!.width;
    // The count is taken the cycle after the handshake, from the FIFO's level then (which
    // includes a request pushed at the handshake's own edge: that one counts as earlier).
    // Takes are counted a cycle late (`req_took_reg`), so the counter is updated from
    // registers only: kw_barrier_reg = earlier requests still queued + req_took_reg, and
    // they are all gone when it is 0, or 1 with req_took_reg set.
    const kwSnap = m.reg('kw_snap_reg', 1, { reset: 0, doc: 'the held word arrived last cycle: count the queue now' });
    const barrier = m.reg('kw_barrier_reg', levelWidth, { reset: 0, doc: 'requests queued before the held word, plus req_took_reg' });
    const took = m.reg('req_took_reg', 1, { reset: 0, doc: 'a request left the FIFO last cycle' });
    took.set(reqTake);
    const kwAccept = m.wire('key_wr_accept', and(kw.key_wr_valid, not(kwHeld)));
    kwSlot.set(kw.key_wr_slot, kwAccept);
    kwWord.set(kw.key_wr_word, kwAccept);
    kwData.set(kw.key_wr_data, kwAccept);
    kwSnap.set(kwAccept);
    const zero = constant(0, levelWidth);
    const barrierDone = m.wire('kw_barrier_done', or(eq(barrier, zero), and(took, eq(barrier, constant(1, levelWidth)))));
    const kwToEngine = m.wire('kw_to_engine', fold('and', [kwHeld, not(kwSnap), barrierDone]));
    barrier.set(mux(kwSnap, reqFifo.level!, mux(or(eq(barrier, zero), not(took)), barrier, sub(barrier, constant(1, levelWidth)))));
    const gateSlot = m.wire('kw_gate', and(kwToEngine, eq(reqSlot, kwSlot)));

    // ---- keystream engine ----------------------------------------------------------------------
    const reqValid = m.wire('req_valid', and(reqFifo.m_valid!, not(gateSlot)));
    const engine = m.instance(keystreamEngine({ rounds: R, units: U, stages: S, keySlots: p.keySlots, layout: p.layout, entryReg: p.entryReg, fifoDepth: ksDepth, fifoRam: p.fifoRam }), 'engine', {
      key_wr_valid: kwToEngine,
      key_wr_slot: kwSlot,
      key_wr_word: kwWord,
      key_wr_data: kwData,
      req_valid: reqValid,
      req_slot: reqSlot,
      req_nonce: m.slice(req, sb + fmt.nonceBits - 1, sb),
      req_counter: m.slice(req, sb + 127, sb + fmt.nonceBits),
      ks_ready: ksPop,
    });
    m.assign(reqTake, and(reqValid, engine.req_ready!));
    kwHeld.set(or(kwAccept, and(kwHeld, not(and(kwToEngine, engine.key_wr_ready!)))));

    // ---- combiner: each beat XORed with its slice of the block -----------------------------------
    const head = m.named(dataFifo.m_data!, 'data_head');
    const hData = m.slice(head, W - 1, 0);
    const hKeep = m.slice(head, W + W / 8 - 1, W);
    const hLast = m.slice(head, W + W / 8, W + W / 8);
    const hIdx = bb ? m.slice(head, W + W / 8 + bb, W + W / 8 + 1) : undefined;
    const hLastInBlock = m.slice(head, W + W / 8 + bb + 1, W + W / 8 + bb + 1);
    const hWrapped = m.slice(head, dataWidth - 1, dataWidth - 1);
    const ksWords = m.words(engine.ks_data!, B);
    let slice: Expr = ksWords[0]!;
    for (let i = 1; i < B; i++) slice = mux(eq(hIdx!, constant(i, bb)), ksWords[i]!, slice);
    // The output goes through a register slice: m_axis is driven by registers, and the
    // consumer's tready reaches only the slice, not the FIFO pops behind it.
    const outValid = m.wire('out_valid', and(dataFifo.m_valid!, engine.ks_valid!));
    const outSlice = m.instance(registerSlice({ width: 1 + 1 + W / 8 + W }), 'out_slice', {
      s_valid: outValid,
      s_data: concat(hWrapped, hLast, hKeep, xor(hData, m.named(slice, 'keystream_slice'))),
      m_ready: o.tready,
    });
    m.assign(outFire, and(outValid, outSlice.s_ready!));
    m.assign(ksPop, and(outFire, hLastInBlock));

    const res = m.named(outSlice.m_data!, 'out_word');
    o.tdata.drive(m.slice(res, W - 1, 0));
    o.tkeep.drive(m.slice(res, W + W / 8 - 1, W));
    o.tlast.drive(m.slice(res, W + W / 8, W + W / 8));
    o.tuser.drive(m.slice(res, W + W / 8 + 1, W + W / 8 + 1));
    o.tvalid.drive(outSlice.m_valid!);
    s.tready.drive(inReady);
    m.output('key_wr_ready', 1).drive(not(kwHeld));
    m.output('status_error', 1).drive(engine.status_ks_overflow!);
    m.output('status_blocks_outstanding', engine.status_outstanding!.width).drive(engine.status_outstanding!);
    return m;
  },
);
