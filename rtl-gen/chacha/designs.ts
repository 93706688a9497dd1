// ChaCha designs committed under rtl/.
import type { Module } from '../ir/module.ts';
import { blockIterative } from './block-iterative.ts';
import { chachaPipeline } from './pipeline.ts';
import { quarterRound } from './quarter-round.ts';

/**
 * Packet-cipher configurations committed and tested in CI: the iterative core, a folded
 * core, the fully unrolled 512-bit pipeline, ChaCha8 and ChaCha12 (original layout); two of
 * them with inferred block RAM (iCE40 style), the folded and the unrolled one with ECP5
 * block-RAM tiles (output FIFO in lanes, and gathered into one head: both ECP5 structures),
 * the rest with LUT RAM; the folded one with ECP5 carry chains that fold in the XORs (the unrolled
 * one has 320 such adders, whose Verilator build from CCU2C cells takes over ten minutes on
 * two busy cores, so CI simulates it with plain adders; test/chacha/round-fused.test.ts checks
 * the fused unit itself); the iterative one, like the iCE40 board's, without ring-entry registers.
 */
export const PIPELINE_CONFIGS = [
  { rounds: 20, units: 1, stages: 1, width: 64, keySlots: 4, layout: 'ietf', fifoRam: 'block', entryReg: false },
  { rounds: 20, units: 4, stages: 2, width: 128, keySlots: 4, layout: 'ietf', adders: 'ecp5', fifoRam: 'ecp5' },
  { rounds: 20, units: 20, stages: 4, width: 512, keySlots: 8, layout: 'ietf', fifoRam: 'ecp5', outGather: true },
  { rounds: 8, units: 8, stages: 2, width: 256, keySlots: 2, layout: 'ietf' },
  { rounds: 12, units: 3, stages: 1, width: 64, keySlots: 4, layout: 'original', fifoRam: 'block' },
] as const;

export function chachaDesigns(): Module[] {
  return [
    quarterRound({ stages: 0 }),
    quarterRound({ stages: 1 }),
    quarterRound({ stages: 2 }),
    quarterRound({ stages: 4 }),
    blockIterative({ rounds: 20 }),
    ...PIPELINE_CONFIGS.map((c) => chachaPipeline(c)),
  ];
}
