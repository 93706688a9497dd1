// ChaCha20-Poly1305 packet engines committed under rtl/, each simulated by test/aead.
import type { Module } from '../ir/module.ts';
import { aeadEngine } from './engine.ts';

/**
 * The 10G engine (128-bit stream, five ChaCha20 units of four stages with ECP5 carry chains,
 * one Poly1305 lane on MULT18X18D, ECP5 block-RAM tiles for every memory, an output FIFO
 * deep enough for 1,444-byte frames at full rate); a small one (64 bits, two units of one
 * stage, a fabric multiplier, short queues, inferred block RAM); a wide one (256 bits, ten
 * units, two Poly1305 lanes).
 */
export const AEAD_CONFIGS = [
  { width: 128, units: 5, stages: 4, keySlots: 4, lanes: 1, reduceStages: 8, queueWords: 128, queueRam: 'ecp5', fifoRam: 'ecp5', outDepth: 1024, adders: 'ecp5' },
  { width: 64, units: 2, stages: 1, keySlots: 2, lanes: 1, multiplier: 'fabric', mulStages: 2, reduceStages: 4, queueWords: 32, queueRam: 'block', fifoRam: 'block', outDepth: 64, seqBits: 4 },
  { width: 256, units: 10, stages: 2, keySlots: 4, lanes: 2, reduceStages: 5, queueWords: 64, queueRam: 'ecp5', fifoRam: 'ecp5', outDepth: 256 },
] as const;

export function aeadDesigns(): Module[] {
  return AEAD_CONFIGS.map((c) => aeadEngine(c));
}
