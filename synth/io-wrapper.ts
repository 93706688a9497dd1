// A place-and-route wrapper: a core with hundreds of I/O bits cannot be placed on any
// package, so its inputs are fed from a serial shift register and its outputs captured
// into another. Every core input and output then sits between flip-flops, and nextpnr's
// fmax is the core's own register-to-register (or input-to-output) delay. The wrapper's
// flip-flops are not counted in the core's area, which comes from synthesizing the core alone.
//
// Each port bit has a register of its own between the shift chain and the core: a chain
// links every input (or output) bit to the next, so without it the placer must stretch the
// chain from one end of the core to the other (on the unrolled ChaCha core, m_axis_tready,
// used at the output, sits in the chain beside key_wr_valid, used at the entry: 4.6 ns of
// route between two neighbouring chain bits). The extra register takes up that distance.

import type { Expr } from '../rtl-gen/ir/expr.ts';
import { concat, mux, shiftRight } from '../rtl-gen/ir/expr.ts';
import { GenError } from '../rtl-gen/ir/errors.ts';
import { Module } from '../rtl-gen/ir/module.ts';

export const IO_WRAPPER_VERSION = '2.0.0';

export function ioWrapper(core: Module): Module {
  const m = new Module(`pnr_wrap_${core.name}`, { name: 'synth/io-wrapper', version: IO_WRAPPER_VERSION, params: { core: core.name } });
  m.describe(`Serial I/O around ${core.name} so place and route can time it with registered boundaries.`);
  const inputs = core.ports.filter((q) => q.dir === 'input' && q.name !== 'clk' && q.name !== 'rst');
  const outputs = core.ports.filter((q) => q.dir === 'output');
  const inBits = inputs.reduce((n, q) => n + q.width, 0);
  const outBits = outputs.reduce((n, q) => n + q.width, 0);
  if (inBits === 0 || outBits === 0) throw new GenError(`${core.name}: the I/O wrapper needs a core with data inputs and outputs`);

  m.clock();
  const sin = m.input('sin', 1, 'serial data into the input shift register');
  const load = m.input('load', 1, 'capture the core outputs into the output shift register');
  const conns: Record<string, Expr> = {};
  if (core.hasClock) conns.clk = m.clock();
  if (core.ports.some((q) => q.name === 'rst')) conns.rst = m.reset();

  // One spare bit at the top leaves the chain on a pin, so no shift-register bit is unused.
  const shift = m.reg('in_shift_reg', inBits + 1);
  shift.set(concat(m.slice(shift, inBits - 1, 0), sin));
  let off = 0;
  for (const q of inputs) {
    // Loaded with `load`: a copy of the chain taken every cycle would be the chain's next bit,
    // and synthesis would merge the two.
    const hold = m.reg(`in_${q.name}_reg`, q.width);
    hold.set(m.slice(shift, off + q.width - 1, off), load);
    conns[q.name] = hold;
    off += q.width;
  }
  const results = m.instance(core, 'core', conns);
  const captured = outputs.map((q) => {
    const r = m.reg(`out_${q.name}_reg`, q.width);
    r.set(results[q.name]!);
    return r;
  });
  const out = m.reg('out_shift_reg', outBits);
  out.set(mux(load, concat(...captured.reverse()), shiftRight(out, 1)));
  m.output('sout', 1).drive(m.slice(out, 0, 0));
  m.output('chain_out', 1).drive(m.slice(shift, inBits, inBits));
  return m;
}
