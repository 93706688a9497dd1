// Wire sizes, timers and limits of the mesh control plane, defined once. docs/protocol.md
// takes its tables from these, so a change here shows up in the spec.
import { MAX_PAYLOAD_BYTES, PUBLIC_KEY_BYTES, TAG_BYTES } from '../link/constants.ts';

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
export { PUBLIC_KEY_BYTES };
/** Identifies one Create attempt between two neighbours (dedupes retransmissions). */
export const SETUP_ID_BYTES = 8;
/** Stream identifiers: 128 random bits, also the capability to re-attach a stream. */
export const STREAM_ID_BYTES = 16;
/** Service names in Hello and discovery: short ASCII. */
export const MAX_SERVICE_NAME_BYTES = 32;
export const MAX_SERVICES_PER_NODE = 16;
/** Longest route the setup accepts (and discovery searches by default at most this deep). */
export const MAX_ROUTE_HOPS = 8;

// ---- timers and limits (milliseconds) ------------------------------------------------------
/** First setup retransmission timeout before any RTT sample: fits a slow radio hop. */
export const DEFAULT_SETUP_RTO_MS = 200;
/** Retransmission timeouts never go below this: scheduler jitter is not loss. */
export const MIN_RTO_MS = 10;
export const MAX_RTO_MS = 2000;
/**
 * Setup step retries before the setup fails. An extension's round trip crosses every link of
 * the partial route, so on lossy links it fails far more often than one link does (at 10%
 * loss per link, a 5-hop round trip gets through 43% of the time): retry often, back off gently.
 */
export const DEFAULT_SETUP_RETRIES = 10;
/** Each setup retransmission waits this much longer than the one before. */
export const SETUP_BACKOFF = 1.5;
/** Idle rules are removed after this: a source that vanished costs its relays 30 s of state. */
export const DEFAULT_RULE_IDLE_MS = 30_000;
/** Keepalive period of an idle source route: three per idle period keep rules alive through loss. */
export const DEFAULT_KEEPALIVE_MS = 10_000;
/**
 * A source waiting for an answer hears nothing for this long: the route is failed. Short
 * enough that a transfer stalls only briefly; long enough for a few lost packets at 2 RTO.
 */
export const DEFAULT_ROUTE_FAIL_MS = 1_500;
/**
 * A ping (and the keepalive) is sent up to this many times, spread over its timeout, until a
 * Pong answers: one lost Ping or Pong costs a repeat, not the route.
 */
export const PING_ATTEMPTS = 4;
/**
 * Settled accounting records (removed rules' final counters) a node keeps until they are
 * collected (`takeSettled`); beyond this the oldest are dropped and counted.
 */
export const SETTLED_RECORDS_KEPT = 1024;
/** Per-peer limits: routes a neighbour may hold through us, and its setup rate. */
export const DEFAULT_MAX_ROUTES_PER_PEER = 256;
export const DEFAULT_SETUP_RATE_PER_PEER = 50;
export const DEFAULT_SETUP_BURST_PER_PEER = 20;
/**
 * Hello is repeated until the neighbour acknowledges it: first after this long, each repeat
 * waiting twice as long up to HELLO_MAX_RETRY_MS, for as long as the link is up. The first
 * Hello may reach a neighbour whose transport has not registered the link yet and be dropped.
 */
export const HELLO_RETRY_MS = 250;
export const HELLO_MAX_RETRY_MS = 8_000;
/** Link probes (RTT for discovery) this often per neighbour. */
export const PROBE_INTERVAL_MS = 2_000;
/** Discovery defaults. */
export const DEFAULT_DISCOVERY_HOPS = 6;
export const DEFAULT_DISCOVERY_TIMEOUT_MS = 1_000;
export const DEFAULT_DISCOVERY_RESULTS = 16;
/**
 * A node forwards one query at most this many times (first arrivals over different
 * neighbours): enough for several disjoint candidates, bounded so a flood stays linear.
 */
export const DISCOVERY_FORWARDS_PER_NODE = 3;
/** Seen-query memory per node: how long a query ID is remembered. */
export const DISCOVERY_MEMORY_MS = 10_000;
/** At most this many query IDs are remembered (the oldest are forgotten first). */
export const DISCOVERY_SEEN_MAX = 4096;
/**
 * Discovery queries accepted from one neighbour (token bucket; beyond it they are dropped and
 * counted). A search sends one query per neighbour and repeats it once, so legitimate use is
 * a few per second; the burst lets several searches start together.
 */
export const DEFAULT_QUERY_RATE_PER_PEER = 20;
export const DEFAULT_QUERY_BURST_PER_PEER = 40;
/**
 * Stream defaults: the send buffer (bytes written and not yet acknowledged: memory, not
 * speed; two routes' full windows) and the most a route may have in flight (its congestion
 * window, congestion.ts, grows up to this).
 */
export const DEFAULT_SEND_BUFFER_BYTES = 256 * 1024;
export const DEFAULT_ROUTE_WINDOW_BYTES = 128 * 1024;
/** Receiver reassembly limit: data beyond delivered + this is dropped (the sender's window is smaller). */
export const RECV_WINDOW_BYTES = 4 << 20;
/**
 * Acks are coalesced: one per this many data packets, or after the delay below (TCP's
 * delayed ack, shorter because the stream's RTO floor is 200 ms, not TCP's 1 s).
 */
export const ACK_EVERY_PACKETS = 2;
export const ACK_DELAY_MS = 10;
/** Selective ack ranges per Ack message. */
export const MAX_SACK_RANGES = 16;
