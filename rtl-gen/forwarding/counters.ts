// A bank of traffic counters (spec/forwarding/counters.ts): each entry a pair of frames and
// bytes in block RAM, updated by read-modify-write, one operation per cycle. Several
// increment ports (one per event source: a pipeline's ingress, its egress...) queue into a
// round-robin arbiter; the host's read port reads an entry and, when asked, zeroes it in the
// same operation, so a frame counted just before the read is in the value read and one
// counted just after is in the next: nothing is lost or counted twice.
//
// Pipeline: take an operation and address the RAM; one cycle later the old entry is there
// (forwarded from the previous operation's write when it was the same entry, the one case the
// RAM does not show yet), the new entry is written and a read's result comes out.
import { COUNTER_BYTE_BITS, COUNTER_FRAME_BITS } from '../../spec/forwarding/counters.ts';
import { type Expr, type SignalRef, add, and, concat, constant, eq, mux, not, or, sliceRef, zext } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { intRange, powerOfTwo } from '../ir/params.ts';
import { fifo } from '../lib/fifo.ts';

/** Bytes one increment adds at most (a frame is shorter than 64 KiB). */
export const COUNTER_DELTA_BITS = 16;
/** Increments each port's queue holds; sources fire at most once per frame, so it never fills. */
export const COUNTER_QUEUE_DEPTH = 8;

export const counterBank = defineGenerator(
  'forwarding/counters',
  '1.0.0',
  {
    entries: powerOfTwo('counters in the bank', 512, 16, 65536),
    ports: intRange('increment ports', 2, 1, 16),
  },
  (p, info) => {
    const ib = Math.log2(p.entries);
    const fw = COUNTER_FRAME_BITS;
    const bw = COUNTER_BYTE_BITS;
    const ew = fw + bw;
    const m = new Module(`counters_e${p.entries}_i${p.ports}`, info);
    m.describe(
      `${p.entries} counters of (${fw}-bit frames, ${bw}-bit bytes) in block RAM, ${p.ports} increment port(s) and a read-and-clear port.`,
      'One operation per cycle; reads go before queued increments. A read\'s result comes out 2 cycles after s_rd_valid is taken.',
      `After reset a clear pass writes every counter to zero (${p.entries} cycles, ready low); increments wait in their queues meanwhile.`,
      `Each increment port queues ${COUNTER_QUEUE_DEPTH} increments; inc_overflow pulses if one is refused (the plane never lets that happen).`,
    );
    m.clock();
    m.reset();
    const q = fifo({ width: ib + COUNTER_DELTA_BITS, depth: COUNTER_QUEUE_DEPTH, ram: 'logic' });
    const heads: Array<{ valid: Expr; index: Expr; delta: Expr; take: SignalRef }> = [];
    const takes: Expr[] = [];
    let overflow: Expr = constant(0, 1);
    for (let k = 0; k < p.ports; k++) {
      const v = m.input(`s_inc${k}_valid`, 1, 'count one frame');
      const idx = m.input(`s_inc${k}_index`, ib, 'counter');
      const by = m.input(`s_inc${k}_bytes`, COUNTER_DELTA_BITS, 'its bytes');
      const take = m.wire(`inc${k}_take`, 1);
      takes.push(take);
      const o = m.instance(q, `inc${k}_queue`, { s_valid: v, s_data: concat(idx, by), m_ready: take });
      overflow = or(overflow, and(v, not(o.s_ready!)));
      heads.push({ valid: o.m_valid!, index: m.slice(o.m_data!, ib + COUNTER_DELTA_BITS - 1, COUNTER_DELTA_BITS), delta: m.slice(o.m_data!, COUNTER_DELTA_BITS - 1, 0), take });
    }
    // The clear pass after reset: block RAM keeps its words through a reset, counters must not.
    const clearing = m.reg('clearing_reg', 1, { reset: 1, doc: 'the clear pass after reset is under way' });
    const clearIdx = m.reg('clear_index_reg', ib, { reset: 0 });
    const clearLast = eq(clearIdx, constant(p.entries - 1, ib));
    clearing.set(mux(and(clearing, clearLast), constant(0, 1), clearing));
    clearIdx.set(add(clearIdx, constant(1, ib)), clearing);
    const rdValid = m.wire('rd_valid', and(m.input('s_rd_valid', 1, 'read a counter (ignored while s_rd_ready is low)'), not(clearing)));
    const rdIndex = m.input('s_rd_index', ib);
    const rdClear = m.input('s_rd_clear', 1, 'zero it in the same operation');

    // Arbiter: the host's read first, then the increment queues round robin.
    const kb = Math.max(1, Math.ceil(Math.log2(p.ports)));
    const last = m.reg('last_reg', kb, { reset: 0 });
    const grants: Expr[] = [];
    heads.forEach((h, k) => {
      let g = and(and(h.valid, not(rdValid)), not(clearing));
      heads.forEach((o, j) => {
        if (j === k) return;
        const terms: Expr[] = [];
        for (let l = 0; l < p.ports; l++) {
          const pos = (x: number): number => (((x - l - 1) % p.ports) + p.ports) % p.ports;
          if (pos(j) < pos(k)) terms.push(eq(last, constant(l, kb)));
        }
        if (terms.length) g = and(g, not(and(o.valid, terms.reduce((a, b) => or(a, b)))));
      });
      grants.push(m.wire(`grant${k}`, g));
      m.assign(h.take, grants[k]!);
    });
    const anyInc = grants.reduce((a, b) => or(a, b));
    const pick = (xs: Expr[]): Expr => xs.slice(1).reduce((acc, x, i) => mux(grants[i + 1]!, x, acc), xs[0]!);
    if (p.ports > 1) last.set(pick(heads.map((_, k) => constant(k, kb))), anyInc);
    else last.set(last);

    // Stage 1: the operation taken this cycle addresses the RAM.
    const opValid = m.wire('op_valid', or(rdValid, anyInc));
    const opIndex = m.wire('op_index', mux(rdValid, rdIndex, pick(heads.map((h) => h.index))));
    const s1Valid = m.reg('s1_valid_reg', 1, { reset: 0 });
    const s1Read = m.reg('s1_read_reg', 1, { reset: 0 });
    const s1Clear = m.reg('s1_clear_reg', 1);
    const s1Index = m.reg('s1_index_reg', ib);
    const s1Delta = m.reg('s1_delta_reg', COUNTER_DELTA_BITS);
    s1Valid.set(opValid);
    s1Read.set(rdValid);
    s1Clear.set(rdClear);
    s1Index.set(opIndex);
    s1Delta.set(pick(heads.map((h) => h.delta)));
    const mem = m.memory('entries_mem', ew, p.entries, 'per counter: {bytes, frames}', { style: 'block', readDuringWrite: 'undefined' });
    const rd = mem.readSync('entry_rd', opIndex);

    // Stage 2: the old entry (forwarded when the previous operation wrote it), the new one written.
    const lastWrValid = m.reg('last_wr_valid_reg', 1, { reset: 0 });
    const lastWrIndex = m.reg('last_wr_index_reg', ib);
    const lastWrData = m.reg('last_wr_data_reg', ew);
    const fwd = m.wire('forward', and(lastWrValid, eq(lastWrIndex, s1Index)), 'the previous operation wrote this entry last cycle');
    const old = m.wire('old_entry', mux(fwd, lastWrData, rd));
    const oldFrames = m.wire('old_frames', sliceRef(m.named(old), fw - 1, 0));
    const oldBytes = m.wire('old_bytes', sliceRef(m.named(old), ew - 1, fw));
    const incFrames = add(oldFrames, constant(1, fw));
    const incBytes = add(oldBytes, zext(s1Delta, bw));
    const next = m.wire('new_entry', mux(s1Read, mux(s1Clear, constant(0, ew), old), concat(incBytes, incFrames)));
    const write = m.wire('write', and(s1Valid, or(not(s1Read), s1Clear)));
    mem.write(or(write, clearing), mux(clearing, clearIdx, s1Index), mux(clearing, constant(0, ew), next));
    lastWrValid.set(write);
    lastWrIndex.set(s1Index);
    lastWrData.set(next);

    const outValid = m.reg('rd_valid_reg', 1, { reset: 0 });
    const outFrames = m.reg('rd_frames_reg', fw);
    const outBytes = m.reg('rd_bytes_reg', bw);
    const readDone = m.wire('read_done', and(s1Valid, s1Read));
    outValid.set(readDone);
    outFrames.set(oldFrames, readDone);
    outBytes.set(oldBytes, readDone);
    m.output('s_rd_ready', 1, 'reads are taken (low during the clear pass after reset)').drive(not(clearing));
    m.output('m_rd_valid', 1, 'result of the read taken two cycles ago').drive(outValid);
    m.output('m_rd_frames', fw).drive(outFrames);
    m.output('m_rd_bytes', bw).drive(outBytes);
    m.output('inc_overflow', 1, 'an increment found its queue full and was lost (never in the plane)').drive(overflow);
    return m;
  },
);
