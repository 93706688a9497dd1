// Wire sizes, timers and limits of store-and-forward hops, defined once. docs/protocol.md is
// generated from the codec that uses these.
import { FRAME_HEADER_BYTES, HOP_DATA_HEADER_BYTES, HOP_DATAGRAM_HEADER_BYTES, MAX_ROUTE_PACKET_BYTES, MESH_MTU_BYTES } from '../../spec/route-wire.ts';

export { MESH_MTU_BYTES };
import type { RtoBounds } from '../link/rtt.ts';
import { frameBytes } from '../link/frame.ts';
import { DEFAULT_PAD_BYTES } from '../../spec/link-wire.ts';

/** Version of the hop datagram, its byte 0. */
export const SAF_VERSION = 2;

/** Message types inside a hop datagram. */
export const SafMsg = {
  /** One route packet of a lane at a hop offset. */
  Data: 1,
  /** Hop acknowledgement: which datagrams of this neighbour arrived (the first acknowledgement). */
  HopAck: 2,
  /** Buffer acknowledgement (credit): how far a lane's buffer is free (the second acknowledgement). */
  Credit: 3,
} as const;
export type SafMsg = (typeof SafMsg)[keyof typeof SafMsg];

/**
 * Traffic classes. Every route packet on a store-and-forward hop travels in one of two lanes of
 * its route, each with its own buffer and credit, so a full bulk lane never holds up a ping.
 */
export const Cls = { bulk: 0, realtime: 1 } as const;
export type Cls = (typeof Cls)[keyof typeof Cls];
export const CLASSES: readonly Cls[] = [Cls.realtime, Cls.bulk];

// ---- datagram ------------------------------------------------------------------------
/** version u8 | flags u8 | seq u32 */
export const DATAGRAM_HEADER_BYTES = HOP_DATAGRAM_HEADER_BYTES;
/** Datagram flag: carries data that must be hop-acknowledged. */
export const FLAG_ACK_ELICITING = 0x01;
/** Largest hop datagram: a link frame's payload less its channel header (1399 B). */
export const SAF_MTU_BYTES = MESH_MTU_BYTES - FRAME_HEADER_BYTES;

// ---- messages --------------------------------------------------------------------------
/** Hop offsets are 48-bit on the wire: 256 TB per lane before wrapping. */
export const OFFSET_BYTES = 6;
export const MAX_OFFSET = 2 ** 48 - 1;
/** type u8 | flags u8 | offset u48 | length u16 | route packet */
export const DATA_HEADER_BYTES = HOP_DATA_HEADER_BYTES;
/** Data and Credit flag: the real-time lane of the route. */
export const FLAG_REALTIME = 0x01;
/** Largest route packet one Data message carries (it always fits a datagram alone). */
export const MAX_PACKET_BYTES = MAX_ROUTE_PACKET_BYTES;
/** Bitmap of the 64 sequence numbers below the largest acknowledged one. */
export const ACK_BITMAP_BITS = 64;
/** type u8 | largest u32 | bitmap 8 B (bit i = largest - 1 - i arrived) */
export const HOP_ACK_BYTES = 1 + 4 + ACK_BITMAP_BITS / 8;
/** type u8 | flags u8 | route u32 | freed u48 | window u32 */
export const CREDIT_BYTES = 1 + 1 + 4 + OFFSET_BYTES + 4;

// ---- buffers -------------------------------------------------------------------------
/**
 * Every receiver grants at least this much per lane: a sender may send this far before it
 * hears the first credit, so a new route moves data in its first round trip.
 */
export const INITIAL_WINDOW_BYTES: Record<Cls, number> = { [Cls.bulk]: 64 * 1024, [Cls.realtime]: 16 * 1024 };
/**
 * A node's buffer per route and lane, unless configured: what it accepts from upstream before
 * the upstream stops, and what a source holds unacknowledged by its first hop. Bulk: 256 KiB,
 * about 200 ms at 10 Mb/s, ten hop round trips of loss recovery; size it as rate x round trip
 * x loss-recovery rounds (docs/protocol.md, "Sizing buffers").
 */
export const DEFAULT_BUFFER_BYTES: Record<Cls, number> = { [Cls.bulk]: 256 * 1024, [Cls.realtime]: 32 * 1024 };
/** Smallest and largest configurable lane buffer: the initial window, and the overview's 1 GiB. */
export const MIN_BUFFER_BYTES: Record<Cls, number> = INITIAL_WINDOW_BYTES;
export const MAX_BUFFER_BYTES = 2 ** 30;
/**
 * Plain forwarding on a paced link: packets wait in the node, where the real-time class can
 * overtake, at most this long at the link rate (and at least MIN_PLAIN_QUEUE_BYTES); beyond
 * it they are dropped, as a router queue would, and the end-to-end stream recovers them.
 */
export const PLAIN_QUEUE_MS = 50;
export const MIN_PLAIN_QUEUE_BYTES = 32 * 1024;

// ---- timers (milliseconds) -------------------------------------------------------------
/** Acknowledge at once after this many ack-eliciting datagrams (halves the ack traffic)... */
export const ACK_EVERY_DATAGRAMS = 2;
/** ...or after this delay, so a lone datagram is acknowledged well inside one RTT. */
export const MAX_ACK_DELAY_MS = 2;
/**
 * A datagram is lost when one sent this many later is acknowledged and it is not (the gap
 * rule, as in QUIC): tolerates mild reordering without waiting for a timeout.
 */
export const REORDER_THRESHOLD = 3;
/**
 * Hop datagrams. Initial 200 ms before any sample: a slow radio hop still fits. Floor 10 ms:
 * one hop, resent by the hop that lost it, so a timeout is cheap and waiting is what costs
 * goodput on a lossy hop. Cap 1 s, with at most SAF_MAX_BACKOFF doublings: a merely lossy
 * link must not back off to seconds.
 */
export const HOP_RTO: RtoBounds = { initialMs: 200, minMs: 10, maxMs: 1000 };
/**
 * Consecutive timeouts double the RTO at most this many times. A lossy radio link loses
 * probes as well: TCP-style backoff to seconds would stall a route that is merely lossy
 * (at 50% loss, four timeouts in a row happen every sixteenth stall).
 */
export const SAF_MAX_BACKOFF = 2;
/** A busy lane's credit is repeated at least this often, so a lost one costs little. */
export const CREDIT_REFRESH_MS = 20;
/** A lane with nothing held and no traffic for this long is idle: its credit is no longer refreshed. */
export const LANE_IDLE_MS = 2000;
/**
 * The pacer lets this much time's worth of datagrams go back to back (at least one): timers of
 * a node fire every millisecond or two, and a fast link would otherwise idle between them.
 * Each extra datagram of burst can add one datagram time of queueing per hop for real time.
 */
export const PACER_SLACK_MS = 2;
/**
 * A timer that fires late (a loaded host: more runnable processes than cores) costs link time
 * the pacer may make up, up to this much: with none, daemons on a busy 2-core machine carried
 * 39 % of a 4 Mb/s chain that TCP filled (bench:saf). Only lateness counts, so a sender whose
 * timers are on time (and the simulator) keeps PACER_SLACK_MS.
 */
export const PACER_CATCH_UP_MS = 20;
/** Cap on datagrams in flight per neighbour (bounds bookkeeping; far above any BDP we pace). */
export const MAX_INFLIGHT_DATAGRAMS = 4096;
/** Cap on datagrams one flush sends to one neighbour, so an unpaced link cannot starve the caller. */
export const MAX_DATAGRAMS_PER_FLUSH = 64;
/** IPv4 and UDP headers around every link frame. */
export const IP_UDP_HEADER_BYTES = 28;

/**
 * Bytes one link payload of `payloadBytes` occupies on the wire: the encrypted link frame
 * (header, inner header, padding to 16, tag) in its UDP packet. The pacer charges this.
 */
export function linkWireBytes(payloadBytes: number): number {
  return frameBytes(payloadBytes, DEFAULT_PAD_BYTES) + IP_UDP_HEADER_BYTES;
}
