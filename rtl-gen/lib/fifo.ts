// A first-word-fall-through FIFO on an inferred block RAM (or LUT RAM).
//
// The RAM's registered read port (or, for LUT RAM, a register after its read) is the head of the queue: a read is issued
// whenever the head is empty or being taken, so one word moves per cycle with no extra
// output register and no read-during-write hazard (the read and write pointers only meet
// when the RAM part is empty, and then nothing is read). An empty FIFO shows a new word two
// cycles after it is written. `level` counts every word held, head included.

import { add, and, constant, mux, ne, not, or, sub, zext } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { intRange, oneOf, powerOfTwo } from '../ir/params.ts';

export const fifo = defineGenerator(
  'lib/fifo',
  '1.0.0',
  {
    width: intRange('word width in bits', 32, 1, 4096),
    depth: powerOfTwo('words in the RAM (the head register holds one more)', 16, 2, 65536),
    withLevel: oneOf<boolean>('bring out the fill level', false, [false, true]),
    ram: oneOf<string>('block: block RAM whose read register is the head; lut: LUT RAM read into a fabric head register', 'block', ['block', 'lut']),
  },
  (p, info) => {
    const m = new Module(`fifo_w${p.width}_d${p.depth}${p.ram === 'lut' ? '_lut' : ''}${p.withLevel ? '_lvl' : ''}`, info);
    const aw = Math.log2(p.depth);
    const cw = aw + 1;
    m.describe(
      `First-word-fall-through FIFO: ${p.depth} words of ${p.width} bits in RAM plus the head register.`,
      'A word written into an empty FIFO is at the head two cycles later; one word per cycle in and out.',
    );
    m.clock();
    m.reset();
    const inValid = m.input('s_valid', 1);
    const inData = m.input('s_data', p.width);
    const outReady = m.input('m_ready', 1);

    const wrPtr = m.reg('wr_ptr_reg', aw, { reset: 0 });
    const rdPtr = m.reg('rd_ptr_reg', aw, { reset: 0 });
    const stored = m.reg('stored_reg', cw, { reset: 0, doc: 'words in the RAM, not counting the head' });
    const headValid = m.reg('head_valid_reg', 1, { reset: 0 });

    const inReady = m.wire('in_ready', ne(stored, constant(p.depth, cw)));
    const push = m.wire('push', and(inValid, inReady));
    const pop = m.wire('pop', and(headValid, outReady));
    const fetch = m.wire('fetch', and(ne(stored, constant(0, cw)), or(not(headValid), pop)));

    const mem = m.memory('ram', p.width, p.depth, undefined, { style: p.ram === 'lut' ? 'distributed' : 'block' });
    mem.write(push, wrPtr, inData);
    let head;
    if (p.ram === 'block') {
      head = mem.readSync('head_reg', rdPtr, fetch);
    } else {
      // ECP5 block RAM without its output register has a slow clock-to-out (about 5.6 ns in
      // nextpnr's model, and yosys never enables the register); LUT RAM reads in a LUT delay.
      const h = m.reg('head_reg', p.width);
      h.set(mem.readAsync('ram_rd_data', rdPtr), fetch);
      head = h;
    }

    wrPtr.set(add(wrPtr, constant(1, aw)), push);
    rdPtr.set(add(rdPtr, constant(1, aw)), fetch);
    const one = constant(1, cw);
    stored.set(mux(push, mux(fetch, stored, add(stored, one)), mux(fetch, sub(stored, one), stored)));
    headValid.set(or(fetch, and(headValid, not(pop))));

    m.output('s_ready', 1).drive(inReady);
    m.output('m_valid', 1).drive(headValid);
    m.output('m_data', p.width).drive(head);
    if (p.withLevel) m.output('level', cw + 1).drive(add(zext(stored, cw + 1), zext(headValid, cw + 1)));
    return m;
  },
);
