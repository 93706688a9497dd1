// Counters for everything the engine does or refuses. Bad input only ever increments one of these.
import { SAF_REJECTS, type SafReject } from './wire.ts';

export type SafDrop =
  | SafReject
  /** A packet for a route this node has no lane for (unknown or removed route). */
  | 'unknownRoute'
  /** A packet beyond the credit this node granted: a misbehaving sender. */
  | 'overCredit'
  /** A packet for a plain hop found the neighbour's paced queue full (a router queue overflowing). */
  | 'plainQueueFull'
  /** A packet that came in over a plain hop found its store-and-forward lane full. */
  | 'laneFull'
  /** A datagram from a neighbour that is not up. */
  | 'unknownNeighbour';

export const SAF_DROPS: readonly SafDrop[] = [...SAF_REJECTS, 'unknownRoute', 'overCredit', 'plainQueueFull', 'laneFull', 'unknownNeighbour'];

export interface SafStats {
  datagramsSent: number;
  datagramsReceived: number;
  /** Route packets sent on store-and-forward lanes (first sends and resends). */
  packetsSent: number;
  /** Of those, resends by this hop. */
  packetsRetransmitted: number;
  /** Packet bytes sent on lanes, and of those resent. */
  bytesSent: number;
  bytesRetransmitted: number;
  /** Packets received on lanes and handed to the node, and duplicates dropped. */
  packetsReceived: number;
  duplicates: number;
  datagramsDeclaredLost: number;
  timeouts: number;
  hopAcksSent: number;
  creditsSent: number;
  /** Frames sent on plain hops through the engine's pacer queue, or straight through. */
  plainSent: number;
  dropped: Record<SafDrop, number>;
}

export function newSafStats(): SafStats {
  return {
    datagramsSent: 0, datagramsReceived: 0, packetsSent: 0, packetsRetransmitted: 0, bytesSent: 0, bytesRetransmitted: 0,
    packetsReceived: 0, duplicates: 0, datagramsDeclaredLost: 0, timeouts: 0, hopAcksSent: 0, creditsSent: 0, plainSent: 0,
    dropped: Object.fromEntries(SAF_DROPS.map((r) => [r, 0])) as Record<SafDrop, number>,
  };
}
