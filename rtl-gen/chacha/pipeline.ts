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

import { type Expr, add, and, concat, constant, eq, mux, not, or, xor } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { axisSink, axisSource } from '../ir/interfaces.ts';
import { Module } from '../ir/module.ts';
import { oneOf } from '../ir/params.ts';
import { fifo } from '../lib/fifo.ts';
import { CHACHA_CORE_PARAMS, checkUnits, keystreamEngine, keystreamFifoDepth } from './keystream.ts';
import { contextFormat } from './stream-format.ts';

/** Cycles from an accepted first beat to its output on an idle core (checked by the tests). */
export function pipelineLatency(rounds: number, stages: number): number {
  return rounds * stages + 6;
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
    const m = new Module(`chacha_pipe_r${R}_u${U}_s${S}_w${W}_k${p.keySlots}_${lay}${p.fifoRam === 'block' ? '_bram' : ''}`, info);
    const ksDepth = keystreamFifoDepth(R, U, S, B);
    // Beats wait in the data FIFO while their block is made: the latency times the rate at
    // which beats can enter (one per cycle, or fewer when blocks are the limit).
    const beatRate = Math.min(1, (B * U) / R);
    const depth = Math.max(4, 2 ** Math.ceil(Math.log2(Math.ceil(beatRate * (pipelineLatency(R, S) + 2)) + 4)));
    m.describe(
      `ChaCha${R} packet cipher, ${W}-bit AXI-Stream, ${U} round unit(s) x ${S} stage(s): ${U}/${R} blocks per cycle.`,
      `s_axis_tuser (first beat of a packet): counter [${fmt.counterLo + fmt.counterBits - 1}:${fmt.counterLo}],` +
        ` nonce [${fmt.nonceLo + fmt.nonceBits - 1}:${fmt.nonceLo}], key slot [${sb - 1}:0]; ignored on later beats.`,
      'tdata byte 0 is bits 7:0; tkeep marks valid bytes (only the last beat may be partial).',
      'm_axis_tuser[0]: the packet\'s block counter wrapped (drop the packet).',
      `Latency from an accepted first beat to its output beat on an idle core: ${pipelineLatency(R, S)} cycles`,
      `(rounds x stages in the ring, plus request FIFO, ring entry, final addition and keystream FIFO).`,
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

    const reqFifo = m.instance(fifo({ width: sb + 128, depth: REQUEST_FIFO_DEPTH, ram: p.fifoRam }), 'req_fifo', {
      s_valid: and(accept, newBlock),
      s_data: concat(curCounter, curNonce, curSlot),
      m_ready: reqTake,
    });
    // Data FIFO word: {wrapped, last in block, beat index in block, tlast, tkeep, tdata}.
    const dataWidth = 1 + 1 + bb + 1 + W / 8 + W;
    const dataIn: Expr[] = [curWrapped, lastInBlock, ...(blkBeat ? [blkBeat] : []), s.tlast, s.tkeep, s.tdata];
    const dataFifo = m.instance(fifo({ width: dataWidth, depth, ram: p.fifoRam }), 'data_fifo', {
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

    // ---- keystream engine ----------------------------------------------------------------------
    const req = m.named(reqFifo.m_data!, 'req_head');
    const engine = m.instance(keystreamEngine({ rounds: R, units: U, stages: S, keySlots: p.keySlots, layout: p.layout, fifoDepth: ksDepth, fifoRam: p.fifoRam }), 'engine', {
      ...kw,
      req_valid: reqFifo.m_valid!,
      req_slot: m.slice(req, sb - 1, 0),
      req_nonce: m.slice(req, sb + fmt.nonceBits - 1, sb),
      req_counter: m.slice(req, sb + 127, sb + fmt.nonceBits),
      ks_ready: ksPop,
    });
    m.assign(reqTake, and(reqFifo.m_valid!, engine.req_ready!));

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
    const outValid = m.wire('out_valid', and(dataFifo.m_valid!, engine.ks_valid!));
    m.assign(outFire, and(outValid, o.tready));
    m.assign(ksPop, and(outFire, hLastInBlock));

    o.tdata.drive(xor(hData, m.named(slice, 'keystream_slice')));
    o.tkeep.drive(hKeep);
    o.tlast.drive(hLast);
    o.tuser.drive(hWrapped);
    o.tvalid.drive(outValid);
    s.tready.drive(inReady);
    m.output('key_wr_ready', 1).drive(engine.key_wr_ready!);
    m.output('status_error', 1).drive(engine.status_ks_overflow!);
    m.output('status_blocks_outstanding', engine.status_outstanding!.width).drive(engine.status_outstanding!);
    return m;
  },
);
