// A fixed delay: the word presented on `d` at cycle t appears on `q` at cycle t + delay,
// whatever happens around it. Nothing stalls it, so no enable fans out across its width:
// the RAM is written every cycle at a free-running pointer and read at another that runs
// (delay - read latency) words behind it. Only the valid bit, which must be cleared by
// reset, travels in flip-flops beside the RAM.

import { GenError } from '../ir/errors.ts';
import { add, constant, concat } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { intRange, oneOf } from '../ir/params.ts';
import { ecp5Ram, tileSlices } from '../vendor/ecp5.ts';
import { eventHistory } from './history.ts';

/** Cycles from the read address to the word on q, by RAM style (LUT RAM reads into a register; ECP5 tiles' output register, then one in fabric). */
export const DELAY_RAM_LATENCY: Readonly<Record<string, number>> = { lut: 1, block: 1, ecp5: 3 };

/** Words the RAM needs for `delay`: the read runs delay - latency - 1 behind the write (after the input register) and must not meet it. */
export function delayLineDepth(delay: number, ram: string): number {
  return 2 ** Math.ceil(Math.log2(Math.max(2, delay - DELAY_RAM_LATENCY[ram]!)));
}

export const delayLine = defineGenerator(
  'lib/delay-line',
  '1.0.0',
  {
    width: intRange('word width in bits (the valid bit not counted)', 32, 1, 4096),
    delay: intRange('cycles from d to q', 8, 1, 4096),
    ram: oneOf<string>('logic: a shift register; lut: LUT RAM; block: inferred block RAM; ecp5: DP16KD tiles with their output register', 'lut', ['logic', 'lut', 'block', 'ecp5']),
  },
  (p, info) => {
    const latency = DELAY_RAM_LATENCY[p.ram] ?? 0;
    if (p.ram !== 'logic' && p.delay < latency + 2) {
      throw new GenError(`lib/delay-line: delay ${p.delay} is too short for a ${p.ram} RAM (read latency ${latency}, plus its input register); it needs at least ${latency + 2}, or ram "logic"`);
    }
    const m = new Module(`delay_w${p.width}_c${p.delay}_${p.ram}`, info);
    m.describe(
      `Fixed delay of ${p.delay} cycle(s) for a ${p.width}-bit word and its valid bit (${p.ram === 'logic' ? 'flip-flops' : `${p.ram} RAM`}).`,
      'q and q_valid at cycle t + delay are d and d_valid at cycle t; reset clears the valid bits in flight.',
    );
    m.clock();
    m.reset();
    const dValid = m.input('d_valid', 1);
    const d = m.input('d', p.width);

    // The valid bits, in resettable flip-flops: after reset nothing old comes out.
    const valids = eventHistory(m, 'valid_pipe_reg', p.delay, dValid, 'd_valid of');
    m.output('q_valid', 1).drive(m.slice(valids, p.delay - 1, p.delay - 1));

    if (p.ram === 'logic') {
      let q = d;
      for (let i = 0; i < p.delay; i++) {
        const r = m.reg(`stage${i}_reg`, p.width);
        r.set(q);
        q = r;
      }
      m.output('q', p.width).drive(q);
      return m;
    }

    // The word is registered before the RAM, so whatever computes it need not reach the
    // RAM's pins (block RAM sits in its own columns, often far away) in the same cycle.
    const dReg = m.reg('d_reg', p.width);
    dReg.set(d);
    const depth = delayLineDepth(p.delay, p.ram);
    const aw = Math.log2(depth);
    const lag = p.delay - latency - 1; // words between the write pointer and the read pointer
    // Free-running pointers; `tag` numbers a copy. Copies are cheap (nothing but a counter)
    // and synthesis keeps them apart (each counts from its own output).
    const pointers = (tag: string) => {
      const wr = m.reg(`wr_ptr${tag}_reg`, aw, { reset: 0 });
      const rd = m.reg(`rd_ptr${tag}_reg`, aw, { reset: (depth - lag) % depth, doc: `${lag} word(s) behind wr_ptr${tag}_reg` });
      wr.set(add(wr, constant(1, aw)));
      rd.set(add(rd, constant(1, aw)));
      return { wr, rd };
    };
    const one = constant(1, 1);
    let q;
    if (p.ram === 'ecp5') {
      // Block RAM tiles sit in rows across the device: each tile gets its own pointers
      // (one pair reaching 33 tiles took 6 ns to route), and a fabric register after it.
      const parts = tileSlices(p.width, depth).map(({ k, lo, w }) => {
        const ptr = pointers(`${k}`);
        return ecp5Ram(m, `ram${k}`, { width: w, depth, outputRegister: true }, { enable: one, addr: ptr.wr, data: m.slice(dReg, lo + w - 1, lo) }, ptr.rd);
      });
      const r = m.reg('q_reg', p.width);
      r.set(concat(...parts.reverse()));
      q = r;
    } else {
      const ptr = pointers('');
      const mem = m.memory('ram', p.width, depth, undefined, { style: p.ram === 'lut' ? 'distributed' : 'block' });
      mem.write(one, ptr.wr, dReg);
      if (p.ram === 'block') q = mem.readSync('q_reg', ptr.rd);
      else {
        const r = m.reg('q_reg', p.width);
        r.set(mem.readAsync('ram_rd_data', ptr.rd));
        q = r;
      }
    }
    m.output('q', p.width).drive(q);
    return m;
  },
);
