// A frame FIFO that never stalls its writer: a MAC hands frames over at line rate and cannot
// wait, so a frame that does not fit is dropped whole (its beats written so far are taken
// back, and `overflow` pulses at its last beat) instead of cut short. The reader sees only
// whole frames: a frame's beats become readable when its last beat is written (`committed`
// pulses), so a reader that starts a frame never waits for the rest of it.
//
// Words are {last, data}; the head is first-word-fall-through in the RAM's read register, as
// in lib/fifo.ts.
import { add, and, concat, constant, eq, mux, ne, not, or, sliceRef } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { intRange, powerOfTwo } from '../ir/params.ts';

export const frameFifo = defineGenerator(
  'lib/frame-fifo',
  '1.0.0',
  {
    width: intRange('data bits of a beat (tkeep included)', 72, 1, 1024),
    depth: powerOfTwo('beats the RAM holds', 512, 16, 65536),
  },
  (p, info) => {
    const aw = Math.log2(p.depth);
    const m = new Module(`frame_fifo_w${p.width}_d${p.depth}`, info);
    m.describe(
      `Frame FIFO of ${p.depth} beats of ${p.width} bits: s_valid is always taken; a frame that does not fit is dropped whole`,
      '(overflow pulses with its last beat); a frame is readable once its last beat is written (committed pulses then).',
    );
    m.clock();
    m.reset();
    const inValid = m.input('s_valid', 1, 'a beat (always taken)');
    const inData = m.input('s_data', p.width);
    const inLast = m.input('s_last', 1, 'last beat of the frame');
    const inAbort = m.input('s_abort', 1, 'drop the frame this beat belongs to (the writer has no room for what goes with it)');
    const outReady = m.input('m_ready', 1);

    const wrPtr = m.reg('wr_ptr_reg', aw + 1, { reset: 0 });
    const startPtr = m.reg('start_ptr_reg', aw + 1, { reset: 0, doc: 'first beat of the frame being written' });
    const commitPtr = m.reg('commit_ptr_reg', aw + 1, { reset: 0, doc: 'end of the last whole frame' });
    const rdPtr = m.reg('rd_ptr_reg', aw + 1, { reset: 0 });
    const dropping = m.reg('dropping_reg', 1, { reset: 0, doc: 'the frame being written did not fit' });
    const full = m.wire('full', and(ne(sliceRef(wrPtr, aw, aw), sliceRef(rdPtr, aw, aw)), eq(sliceRef(wrPtr, aw - 1, 0), sliceRef(rdPtr, aw - 1, 0))), 'wr_ptr - rd_ptr = depth');
    const write = m.wire('write', and(inValid, not(or(or(dropping, full), inAbort))));
    const lost = m.wire('lost', and(inValid, or(or(dropping, full), inAbort)), 'this beat does not fit (or is refused): the frame is dropped');
    const endGood = m.wire('end_good', and(and(inValid, inLast), not(lost)));
    const endBad = m.wire('end_bad', and(and(inValid, inLast), lost));
    const wrNext = m.wire('wr_next', add(wrPtr, constant(1, aw + 1)));
    wrPtr.set(mux(endBad, startPtr, mux(write, wrNext, wrPtr)));
    startPtr.set(wrNext, endGood);
    commitPtr.set(wrNext, endGood);
    dropping.set(mux(and(inValid, inLast), constant(0, 1), or(dropping, lost)));

    const mem = m.memory('ram', p.width + 1, p.depth, 'beats {last, data}', { style: 'block' });
    mem.write(write, sliceRef(wrPtr, aw - 1, 0), concat(inLast, inData));
    const headValid = m.reg('head_valid_reg', 1, { reset: 0 });
    const headFree = m.wire('head_free', or(not(headValid), outReady));
    const hasCommitted = m.wire('has_committed', ne(commitPtr, rdPtr));
    const fetch = m.wire('fetch', and(hasCommitted, headFree));
    const head = mem.readSync('head_reg', sliceRef(rdPtr, aw - 1, 0), headFree);
    rdPtr.set(add(rdPtr, constant(1, aw + 1)), fetch);
    headValid.set(or(fetch, and(headValid, not(outReady))));

    m.output('m_valid', 1).drive(headValid);
    m.output('m_data', p.width).drive(sliceRef(head, p.width - 1, 0));
    m.output('m_last', 1).drive(sliceRef(head, p.width, p.width));
    m.output('overflow', 1, 'a frame was dropped (with its last beat)').drive(endBad);
    m.output('committed', 1, 'a frame was committed (with its last beat)').drive(endGood);
    return m;
  },
);
