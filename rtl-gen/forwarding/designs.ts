// The forwarding plane's designs committed under rtl/: the committed build (spec/forwarding/
// params.ts defaults: 2 ports, 16 peers, a 4,096 + 4-slot route table, 4,096 rule counters) on
// ECP5 block RAM, with the 10G AEAD engine configuration of the 64-bit ports.
import { FWD_DEFAULTS } from '../../spec/forwarding/params.ts';
import type { Module } from '../ir/module.ts';
import type { PlaneParams } from './plane.ts';
import { fpTop } from './top.ts';

/**
 * One AEAD engine per direction per port on the 64-bit stream: five ChaCha20 round units of
 * four stages (16 bytes of keystream per cycle, twice a 10G port's 8), one Poly1305 lane on
 * MULT18X18D, ECP5 tiles and carry chains.
 */
export const FP_AEAD_10G = { width: 64, units: 5, stages: 4, lanes: 1, multiplier: 'ecp5', reduceStages: 8, queueWords: 128, queueRam: 'ecp5', fifoRam: 'ecp5', outDepth: 256, adders: 'ecp5' } as const;

export const FP_BUILD: Partial<PlaneParams> & Pick<PlaneParams, 'aead'> = { ...FWD_DEFAULTS, aead: { ...FP_AEAD_10G }, ram: 'ecp5', ingressBeats: 1024, bufferBeats: 512 };

export function forwardingDesigns(): Module[] {
  return [fpTop(FP_BUILD)];
}
