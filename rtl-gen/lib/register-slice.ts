// A valid/ready register slice ("skid buffer"): every output, s_ready included, comes
// straight from a register, so it cuts both the forward path and the ready path between
// two pipeline parts at the cost of one cycle of latency. Two words of storage keep one
// word per cycle flowing: when the consumer stalls, the word the producer was already
// sending (it saw s_ready high) lands in the skid register.

import { and, constant, mux, not, or } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { intRange } from '../ir/params.ts';

export const registerSlice = defineGenerator(
  'lib/register-slice',
  '1.0.0',
  { width: intRange('word width in bits', 32, 1, 4096) },
  (p, info) => {
    const m = new Module(`reg_slice_w${p.width}`, info);
    m.describe(
      `Valid/ready register slice, ${p.width} bits: latency 1 cycle, one word per cycle,`,
      'every output driven by a register.',
    );
    m.clock();
    m.reset();
    const inValid = m.input('s_valid', 1);
    const inData = m.input('s_data', p.width);
    const outReady = m.input('m_ready', 1);

    const mainValid = m.reg('main_valid_reg', 1, { reset: 0 });
    const mainData = m.reg('main_data_reg', p.width);
    const skidValid = m.reg('skid_valid_reg', 1, { reset: 0, doc: 'a word arrived while the output stalled' });
    const skidData = m.reg('skid_data_reg', p.width);

    const inFire = m.wire('in_fire', and(inValid, not(skidValid)));
    const mainFree = m.wire('main_free', or(not(mainValid), outReady));
    mainValid.set(mux(mainFree, or(skidValid, inFire), mainValid));
    mainData.set(mux(skidValid, skidData, inData), mainFree);
    skidValid.set(mux(mainFree, constant(0, 1), or(skidValid, inFire)));
    skidData.set(inData, not(skidValid));

    m.output('s_ready', 1).drive(not(skidValid));
    m.output('m_valid', 1).drive(mainValid);
    m.output('m_data', p.width).drive(mainData);
    return m;
  },
);
