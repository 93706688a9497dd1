// Counters for everything the engine does or refuses. Bad input only ever increments one of these.
import type { SafReject } from './wire.ts';

export type SafDrop =
  | SafReject
  /** A message for a route this node has no entry for. */
  | 'unknownRoute'
  /** Data or credit of an older (or newer, unsynchronised) epoch of a route. */
  | 'staleEpoch'
  /** Data for a route this node has no state for yet (it restarted): answered with an unsynced credit. */
  | 'unsynced'
  /** Data beyond the credit this node granted: a misbehaving sender. */
  | 'overCredit'
  /** A datagram from a neighbour that is not configured. */
  | 'unknownNeighbour'
  /** Plain forwarding: the per-neighbour queue was full. */
  | 'plainQueueFull';

export const SAF_DROPS: readonly SafDrop[] = [
  'truncated', 'oversized', 'badVersion', 'badFlags', 'badType', 'badLength', 'badOffset',
  'unknownRoute', 'staleEpoch', 'unsynced', 'overCredit', 'unknownNeighbour', 'plainQueueFull',
];

export interface SafStats {
  datagramsSent: number;
  datagramsReceived: number;
  bytesSent: number;
  dataBytesSent: number;
  retransmittedBytes: number;
  duplicateBytes: number;
  datagramsDeclaredLost: number;
  timeouts: number;
  hopAcksSent: number;
  creditsSent: number;
  syncsSent: number;
  resetRequestsSent: number;
  epochsStarted: number;
  deliveredBytes: number;
  /** Plain routes: bytes the destination skipped because they never arrived. */
  plainGapBytes: number;
  dropped: Record<SafDrop, number>;
}

export function newSafStats(): SafStats {
  return {
    datagramsSent: 0, datagramsReceived: 0, bytesSent: 0, dataBytesSent: 0, retransmittedBytes: 0, duplicateBytes: 0,
    datagramsDeclaredLost: 0, timeouts: 0, hopAcksSent: 0, creditsSent: 0, syncsSent: 0, resetRequestsSent: 0,
    epochsStarted: 0, deliveredBytes: 0, plainGapBytes: 0,
    dropped: Object.fromEntries(SAF_DROPS.map((r) => [r, 0])) as Record<SafDrop, number>,
  };
}
