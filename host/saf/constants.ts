// Wire sizes, timers and limits of store-and-forward, defined once. docs/protocol.md is
// generated from the codec that uses these.
import { MAX_PAYLOAD_BYTES } from '../../spec/link-wire.ts';
import type { RtoBounds } from '../link/rtt.ts';

/** Version of the store-and-forward datagram, byte 0 of every link payload it sends. */
export const SAF_VERSION = 1;

/** Message types inside a store-and-forward datagram. */
export const SafMsg = {
  /** Route bytes at an end-to-end offset. */
  Data: 1,
  /** Hop acknowledgement: which datagrams of this neighbour arrived. */
  HopAck: 2,
  /** Buffer acknowledgement (credit): how much of a route's buffer is free, plus the end-to-end point. */
  Credit: 3,
  /** A route restarts at an offset under a new epoch (start-up and recovery). */
  Sync: 4,
  /** Asks the upstream node to restart a route (a node downstream lost its buffer). */
  ResetRequest: 5,
} as const;
export type SafMsg = (typeof SafMsg)[keyof typeof SafMsg];

// ---- datagram ------------------------------------------------------------------------
/** version u8 | flags u8 | seq u32 */
export const DATAGRAM_HEADER_BYTES = 6;
/** Datagram flag: carries data or control that must be hop-acknowledged. */
export const FLAG_ACK_ELICITING = 0x01;
/**
 * Largest datagram: the largest payload one link frame carries (1405 B), so a datagram is
 * exactly one encrypted frame and one UDP packet on a 1500-byte MTU path.
 */
export const SAF_MTU_BYTES = MAX_PAYLOAD_BYTES;

// ---- messages --------------------------------------------------------------------------
/** End-to-end stream offsets are 48-bit on the wire: 256 TB per route before wrapping. */
export const OFFSET_BYTES = 6;
export const MAX_OFFSET = 2 ** 48 - 1;
/** type u8 | flags u8 | route u32 | epoch u16 | offset u48 | length u16 | bytes */
export const DATA_HEADER_BYTES = 1 + 1 + 4 + 2 + OFFSET_BYTES + 2;
/** Data flag: the route is in plain forwarding (no hop reliability, no credit). */
export const DATA_FLAG_PLAIN = 0x01;
/** Bitmap of the 64 sequence numbers below the largest acknowledged one. */
export const ACK_BITMAP_BITS = 64;
/** type u8 | largest u32 | bitmap 8 B (bit i = largest - 1 - i arrived) */
export const HOP_ACK_BYTES = 1 + 4 + ACK_BITMAP_BITS / 8;
/** type u8 | flags u8 | route u32 | epoch u16 | freed u48 | window u32 | e2e u48 */
export const CREDIT_BYTES = 1 + 1 + 4 + 2 + OFFSET_BYTES + 4 + OFFSET_BYTES;
/** Credit flag: the receiver has no state for this route (it restarted); the route must resync. */
export const CREDIT_FLAG_UNSYNCED = 0x01;
/** type u8 | flags u8 | route u32 | epoch u16 | base u48 */
export const SYNC_BYTES = 1 + 1 + 4 + 2 + OFFSET_BYTES;
/**
 * Sync flag: only verify. Sent after a link session restarts: a next hop that holds this
 * epoch answers with its credit; one that lost its state (it restarted) answers unsynced,
 * and only then does the route restart from the source.
 */
export const SYNC_FLAG_VERIFY = 0x01;
/** type u8 | route u32 | epoch u16 */
export const RESET_REQUEST_BYTES = 1 + 4 + 2;
/** Largest route payload in one Data message (when it travels alone in a datagram). */
export const MAX_DATA_BYTES = SAF_MTU_BYTES - DATAGRAM_HEADER_BYTES - DATA_HEADER_BYTES;
/** Do not start a Data message with less room than this: a sliver costs a header for little. */
export const MIN_DATA_CHUNK_BYTES = 64;

/** Epochs are u16 and compared in serial-number arithmetic (RFC 1982). */
export const EPOCH_MODULUS = 2 ** 16;

// ---- buffers -------------------------------------------------------------------------
/** Smallest route buffer: one full datagram of data, so a route can always make progress. */
export const MIN_BUFFER_BYTES = MAX_DATA_BYTES;
/**
 * Largest route buffer: 1 GiB, the overview's figure (8 s of round trip at 1 Gb/s). Size a
 * buffer as rate x round trip (see docs/protocol.md, "Sizing buffers").
 */
export const MAX_BUFFER_BYTES = 2 ** 30;
/** Route IDs are u32; 0 is reserved as "no route". */
export const MAX_ROUTE_ID = 2 ** 32 - 1;

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
 * Store-and-forward hop datagrams. Initial 200 ms before any sample: a slow radio hop still
 * fits. Floor 10 ms: one hop, resent by the hop that lost it, so a timeout is cheap and
 * waiting is what costs goodput on a lossy hop. Cap 1 s, with at most SAF_MAX_BACKOFF
 * doublings: a merely lossy link must not back off to seconds.
 */
export const HOP_RTO: RtoBounds = { initialMs: 200, minMs: 10, maxMs: 1000 };
/**
 * Consecutive timeouts double the RTO at most this many times. A lossy radio link loses
 * probes as well: TCP-style backoff to seconds would stall a route that is merely lossy
 * (at 50% loss, four timeouts in a row happen every sixteenth stall). A dead neighbour
 * still costs only one probe per 4 RTO.
 */
export const SAF_MAX_BACKOFF = 2;
/** Credit of a route that is busy is repeated at least this often, so a lost one costs little. */
export const CREDIT_REFRESH_MS = 20;
/** A route with no traffic for this long is idle: its credit is no longer refreshed. */
export const ROUTE_IDLE_MS = 2000;
/** Sync and reset requests are repeated this often until answered. */
export const CONTROL_RETRY_MS = 50;
/**
 * Pacer burst: a datagram goes out only when a whole full-size datagram's worth of tokens
 * is there, and tokens never exceed one such datagram. Pacing at the link rate then leaves
 * at most the datagram in service queued below us, which is what bounds real-time latency
 * (a real-time message waits for at most one datagram per hop).
 */
export const PACER_BURST_DATAGRAMS = 1;
/** Cap on datagrams in flight per neighbour (bounds bookkeeping; far above any BDP we pace). */
export const MAX_INFLIGHT_DATAGRAMS = 4096;
/**
 * Bytes a link adds around each datagram on the wire: 20 B frame header, 3 B inner header,
 * up to 15 B padding, 16 B tag, 28 B IPv4 + UDP. The pacer counts these.
 */
export const DEFAULT_LINK_OVERHEAD_BYTES = 20 + 3 + 15 + 16 + 28;
