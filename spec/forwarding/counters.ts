// The forwarding plane's traffic counters, defined once for the hardware, the register map,
// the C headers, the driver and the docs. Every counter is a pair (frames, bytes) kept in
// block RAM and updated by read-modify-write; the host reads one through the `counter`
// registers, optionally clearing it in the same step, so no packet's count is lost between
// the read and the clear.
import { FRAME_REJECTS } from '../link-wire.ts';

export const COUNTER_FRAME_BITS = 32;
export const COUNTER_BYTE_BITS = 48;

/** Counter banks: the `bank` field of the counter command. */
export const COUNTER_BANKS = { rule: 0, peer: 1, port: 2 } as const;
export type CounterBank = keyof typeof COUNTER_BANKS;

/**
 * Per-rule counters (bank `rule`, index = the route value's counter field): route packets
 * forwarded by the rule and their bytes (the route packet, as host/mesh's RuleBook.account
 * counts them; the accounting the payment protocol settles from).
 */

/**
 * Per-peer counters (bank `peer`, index = peer x PEER_COUNTER_STRIDE + kind). The reject
 * kinds carry the software's reject counter names (host/link/stats.ts) and count exactly the
 * frames the software would count under them; bytes are the link frame's.
 */
export const PEER_COUNTERS = [
  /** Transport frames from the peer that authenticated (host/link stats.rxFrames). */
  'rxFrames',
  /** Frames sealed for the peer, forwarded and host-originated (stats.txFrames, txBytes). */
  'txFrames',
  /** Frames of the peer handed to the host (raw or opened). */
  'toHost',
  /** Route packets from the peer forwarded by a rule (bytes: route packets). */
  'forwarded',
  /** Route packets a rule sent toward this peer that could not be sealed: the peer is not up, has no current transmit key, or its counter is exhausted (host/mesh sendFailures). */
  'txDropped',
  ...FRAME_REJECTS,
  /** A transport frame for a peer the host has no session with. */
  'noSession',
] as const;
export type PeerCounter = (typeof PEER_COUNTERS)[number];
export const PEER_COUNTER_STRIDE = 32;

/** Per-network-port counters (bank `port`, index = port x PORT_COUNTER_STRIDE + kind). */
export const PORT_COUNTERS = [
  /** Every Ethernet frame received (bytes without FCS). */
  'rxFrames',
  /** Every frame sent (bytes without FCS). */
  'txFrames',
  /** Frames handed to the host from this port. */
  'toHost',
  /** Raw frames the host sent out of this port. */
  'fromHost',
  /** Unicast to another MAC address: dropped, as a NIC drops it. */
  'otherMac',
  /** Shorter than its Ethernet, IPv4 or UDP headers say, or an IPv4 header that is not version 4: dropped. */
  'badHeader',
  /** IPv4 header checksum wrong: dropped. */
  'ipChecksum',
  /** UDP checksum present and wrong: dropped. */
  'udpChecksum',
  /** UDP to the node's port from an address that is no peer's: handed to the host. */
  'unknownSource',
  /** Ingress buffer full: dropped before parsing. */
  'rxOverflow',
  /** Host port full: a frame for the host dropped. */
  'hostOverflow',
] as const;
export type PortCounter = (typeof PORT_COUNTERS)[number];
export const PORT_COUNTER_STRIDE = 16;

if (PEER_COUNTERS.length > PEER_COUNTER_STRIDE || PORT_COUNTERS.length > PORT_COUNTER_STRIDE) throw new Error('counters: a kind list outgrew its stride');

export function peerCounterIndex(peer: number, kind: PeerCounter): number {
  return peer * PEER_COUNTER_STRIDE + PEER_COUNTERS.indexOf(kind);
}

export function portCounterIndex(port: number, kind: PortCounter): number {
  return port * PORT_COUNTER_STRIDE + PORT_COUNTERS.indexOf(kind);
}
