// Poly1305 cores committed under rtl/: the configurations test/poly1305 simulates.
import type { Module } from '../ir/module.ts';
import { poly1305 } from './core.ts';

/** One lane on DSPs (the 10G engine's), two lanes in fabric, four lanes on ECP5 tiles with a short queue. */
export const POLY1305_CONFIGS = [
  { lanes: 1, reduceStages: 8, queueWords: 32, queueRam: 'block' },
  { lanes: 2, reduceStages: 4, queueWords: 32, queueRam: 'lut', seqBits: 4 },
  { lanes: 4, reduceStages: 6, queueRam: 'ecp5', queueWords: 8 },
] as const;

export function poly1305Designs(): Module[] {
  return POLY1305_CONFIGS.map((c) => poly1305(c));
}
