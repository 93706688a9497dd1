// Board tops committed under rtl/: the self-test of each board in constraints/boards.ts,
// with the ChaCha20 core that board carries.
import { BOARDS, type Board } from '../../constraints/boards.ts';
import type { Module } from '../ir/module.ts';
import { selfTestTop } from './selftest.ts';

export const UART_BAUD = 115_200;

/** The core each board's self-test carries: the fastest that fits (iCE40) or the 20 Gb/s class (ECP5). */
export const BOARD_CORES: Readonly<Record<string, { units: number; stages: number; width: number }>> = {
  'ice40-hx8k-breakout': { units: 2, stages: 1, width: 64 },
  'ecp5-evn': { units: 5, stages: 2, width: 128 },
};

export function boardTop(b: Board, core = BOARD_CORES[b.name]!): Module {
  return selfTestTop({
    ...core,
    clocksPerBit: Math.round((b.clockMHz * 1e6) / UART_BAUD),
    windowLog2: 24,
    ledActiveLow: b.ledActiveLow,
    // iCE40 has no LUT RAM: LUT-RAM FIFOs would become flip-flops there.
    fifoRam: b.family === 'ice40' ? 'block' : 'lut',
    // Ring-entry registers are 640 flip-flops each (two for a one-unit ring, to keep its
    // length odd): the HX8K has no room for them, and its clock is limited elsewhere.
    entryReg: b.family !== 'ice40',
  });
}

export function boardDesigns(): Module[] {
  return Object.values(BOARDS).map((b) => boardTop(b));
}
