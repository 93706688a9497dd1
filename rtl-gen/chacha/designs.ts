// ChaCha designs committed under rtl/.
import type { Module } from '../ir/module.ts';
import { blockIterative } from './block-iterative.ts';
import { quarterRound } from './quarter-round.ts';

export function chachaDesigns(): Module[] {
  return [
    quarterRound({ stages: 0 }),
    quarterRound({ stages: 1 }),
    quarterRound({ stages: 2 }),
    quarterRound({ stages: 4 }),
    blockIterative({ rounds: 20 }),
  ];
}
