// An 8N1 UART transmitter: a byte on a valid/ready port goes out as a start bit, eight data
// bits (least significant first) and a stop bit, each `clocksPerBit` cycles long.

import { add, and, concat, constant, eq, mux, not, or, shiftRight } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { intRange } from '../ir/params.ts';

export const uartTx = defineGenerator(
  'lib/uart-tx',
  '1.0.0',
  { clocksPerBit: intRange('clock cycles per bit (clock / baud rate)', 104, 2, 1 << 20) },
  (p, info) => {
    const m = new Module(`uart_tx_c${p.clocksPerBit}`, info);
    m.describe(`8N1 UART transmitter, ${p.clocksPerBit} clock cycles per bit; line idles high.`);
    m.clock();
    m.reset();
    const inValid = m.input('s_valid', 1);
    const inData = m.input('s_data', 8);
    const dw = Math.max(1, Math.ceil(Math.log2(p.clocksPerBit)));

    const busy = m.reg('busy_reg', 1, { reset: 0 });
    const shift = m.reg('shift_reg', 10, { reset: 0x3ff, doc: 'stop, data, start: sent from bit 0' });
    const bits = m.reg('bits_left_reg', 4, { reset: 0 });
    const div = m.reg('div_reg', dw, { reset: 0 });

    const ready = m.wire('ready', not(busy));
    const start = m.wire('start', and(inValid, ready));
    const tickEnd = m.wire('bit_end', and(busy, eq(div, constant(p.clocksPerBit - 1, dw))));
    const lastBit = m.wire('last_bit', and(tickEnd, eq(bits, constant(1, 4))));

    shift.set(mux(start, concat(constant(1, 1), inData, constant(0, 1)), mux(tickEnd, or(shiftRight(shift, 1), constant(0x200, 10)), shift)));
    bits.set(mux(start, constant(10, 4), mux(tickEnd, add(bits, constant(0xf, 4)), bits)));
    div.set(mux(or(start, tickEnd), constant(0, dw), add(div, constant(1, dw))));
    busy.set(or(start, and(busy, not(lastBit))));

    m.output('s_ready', 1).drive(ready);
    m.output('tx', 1).drive(m.slice(shift, 0, 0));
    return m;
  },
);
