// Timers and limits of the mesh control plane (its wire format is spec/route-wire.ts).
// docs/protocol.md takes its tables from these, so a change here shows up in the spec.
import type { RtoBounds } from '../link/rtt.ts';

// ---- timers and limits (milliseconds) ------------------------------------------------------
/**
 * Route setup retransmissions (Create, Extend). Initial 200 ms before any RTT sample: fits a
 * slow radio hop. Floor 10 ms, half the link's: a setup message is cheap to repeat and setup
 * latency is what a user waits for. Cap 2 s: setups give up after DEFAULT_SETUP_RETRIES, so a
 * longer backoff would only delay the failure.
 */
export const SETUP_RTO: RtoBounds = { initialMs: 200, minMs: 10, maxMs: 2000 };
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
