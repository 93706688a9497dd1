// The route layer's wire format, defined once: channel framing, route packets, the control
// and end-to-end message types, and the sizes of setup fields. The node (host/mesh) and the
// forwarding plane's hardware (which forwards channel-1 route packets by route ID) follow it;
// docs/protocol.md takes its tables from these, so a change here shows up in the spec.
import { MAX_PAYLOAD_BYTES, TAG_BYTES } from './link-wire.ts';

// ---- channel framing -------------------------------------------------------------------
/** length u32 | channel u16: the overview's framing of every message on a connection. */
export const FRAME_HEADER_BYTES = 6;
/** Channel 0: daemon to daemon (hello, services offered, route control, discovery). */
export const CONTROL_CHANNEL = 0;
/** Channel 1: route packets, forwarded by route ID (the forwarding plane's channel). */
export const ROUTE_CHANNEL = 1;
/** First channel a service may register on. */
export const FIRST_SERVICE_CHANNEL = 2;
export const MAX_CHANNEL = 0xffff;
/**
 * Largest send on a link: one link frame's payload (1405 B), so every mesh datagram is one
 * encrypted frame and one UDP packet on a 1500-byte path. TCP links use the same size so a
 * route may cross both kinds.
 */
export const MESH_MTU_BYTES = MAX_PAYLOAD_BYTES;
/** Largest message payload accepted from a stream connection (a corrupt length cannot make us buffer gigabytes). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

// ---- route packets ---------------------------------------------------------------------
/** Route IDs are u32 (the CAM key); 0 means "no route". */
export const ROUTE_ID_BYTES = 4;
export const MAX_ROUTE_ID = 2 ** 32 - 1;
/** route u32 | counter u64 | sealed body (ciphertext ‖ tag). */
export const ROUTE_PACKET_HEADER_BYTES = ROUTE_ID_BYTES + 8;
/** Smallest route packet: header, one inner type byte, tag. */
export const MIN_ROUTE_PACKET_BYTES = ROUTE_PACKET_HEADER_BYTES + 1 + TAG_BYTES;
/** Largest end-to-end plaintext in one route packet. */
export const MAX_ROUTE_PLAINTEXT_BYTES = MESH_MTU_BYTES - FRAME_HEADER_BYTES - ROUTE_PACKET_HEADER_BYTES - TAG_BYTES;
/** Datagram: type u8 | channel u16 | payload. */
export const DATAGRAM_HEADER_BYTES = 3;
/** Largest datagram payload: what fills one route packet, so one link frame and one UDP packet. */
export const MAX_DATAGRAM_BYTES = MAX_ROUTE_PLAINTEXT_BYTES - DATAGRAM_HEADER_BYTES;

/** Inner (end-to-end encrypted) message types of a route packet: the first plaintext byte. */
export const RouteMsg = {
  /** Source -> tail: extend the route to the neighbour with this key. */
  Extend: 1,
  /** Tail -> source: the extension is up (carries the new hop's sealed answer). */
  Extended: 2,
  /** Source -> old tail: Extended arrived; switch the rule to forwarding. */
  ExtendAck: 3,
  /** Tail -> source: the extension failed (no such neighbour, refused, timed out). */
  ExtendFailed: 4,
  /** Stream bytes at an offset. */
  Data: 5,
  /** Cumulative and selective acknowledgement of a stream. */
  Ack: 6,
  /** Round-trip probe and its answer (also the keepalive). */
  Ping: 7,
  Pong: 8,
  /** Opens (or re-attaches after repair) a stream on a channel. */
  Open: 9,
  /** The destination accepted the stream on this route. */
  OpenOk: 10,
  /**
   * Either end: this stream is over, for the reason given. The destination answers a rejoining
   * Open for a stream it does not know (it restarted) with it; an end that aborts a stream
   * tells the other, which would otherwise wait for data that never comes.
   */
  Reset: 11,
  /**
   * A datagram for a service channel at the other end of the route: unreliable, unordered,
   * one message per route packet (the IP tunnel's packets travel so, never inside a stream).
   */
  Datagram: 12,
} as const;
export type RouteMsg = (typeof RouteMsg)[keyof typeof RouteMsg];

/** Why a stream was reset (carried in Reset). */
export const ResetReason = {
  /** A rejoining Open named a stream the destination does not know (it restarted, or forgot it). */
  UnknownStream: 1,
  /** The application at the other end closed the stream before it finished. */
  Aborted: 2,
  /** The destination has no listener on the stream's channel. */
  NoListener: 3,
} as const;
export type ResetReason = (typeof ResetReason)[keyof typeof ResetReason];

/** Control (channel 0) message types. */
export const ControlMsg = {
  Hello: 1,
  Create: 2,
  Created: 3,
  CreateRefused: 4,
  Teardown: 5,
  TeardownAck: 6,
  DiscoverQuery: 7,
  DiscoverReply: 8,
  Probe: 9,
  ProbeReply: 10,
  /** A Hello arrived (Hello is repeated until this answer comes). */
  HelloAck: 11,
} as const;
export type ControlMsg = (typeof ControlMsg)[keyof typeof ControlMsg];

/** Why a Create was refused (carried in CreateRefused). */
export const RefuseReason = {
  RouteLimit: 1,
  RateLimit: 2,
  BadRequest: 3,
  NoSuchNeighbour: 4,
  TableFull: 5,
} as const;
export type RefuseReason = (typeof RefuseReason)[keyof typeof RefuseReason];

// ---- route setup -----------------------------------------------------------------------
/** Identifies one Create attempt between two neighbours (dedupes retransmissions). */
export const SETUP_ID_BYTES = 8;
/** Stream identifiers: 128 random bits, also the capability to re-attach a stream. */
export const STREAM_ID_BYTES = 16;
/** Service names in Hello and discovery: short ASCII. */
export const MAX_SERVICE_NAME_BYTES = 32;
export const MAX_SERVICES_PER_NODE = 16;
/** Longest route the setup accepts (and discovery searches by default at most this deep). */
export const MAX_ROUTE_HOPS = 8;
