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
/** Link probes (RTT for discovery, loss for the choice of hop) this often per neighbour. */
export const PROBE_INTERVAL_MS = 2_000;
/**
 * A link that loses at least this share of frames (0.5 %) runs new routes' hops
 * store-and-forward; below it (a clean wired link, which loses next to nothing) they are
 * forwarded plainly, the forwarding plane's only mode. TCP's goodput falls by a third at 1 %
 * loss on a 3-hop chain (bench/results/saf.json), while a hop's own resends cost it only the
 * lost share; half of that keeps a 1 % link store-and-forward however the count falls.
 */
export const DEFAULT_SAF_LOSS_THRESHOLD = 0.005;
/**
 * On a route whose every hop is store-and-forward nothing is lost while the route lives, so a
 * stream resends by timer only as a safety net: after this long (or the route's RTO, if longer)
 * without an acknowledgement, and never while the first hop holds it back for credit.
 */
export const HOP_RELIABLE_RTO_MS = 3_000;
/**
 * Discovery and setup messages (DiscoverQuery, DiscoverReply, Create, Created) go in several
 * copies on a lossy link, enough that all of them are lost at most this share of the time (by
 * the link's measured loss), and never more than MAX_CONTROL_COPIES. Discovery has no
 * retransmission and crosses every link of a path twice: at 50 % loss a 3-hop search would
 * succeed 1.6 % of the time, at 30 % an 8-hop one 0.3 %.
 */
export const CONTROL_COPY_LOSS = 0.01;
export const MAX_CONTROL_COPIES = 8;
/** A route with stream data unacknowledged and nothing heard for this share of routeFailMs is pinged. */
export const BUSY_PROBE_FRACTION = 1 / 3;
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
 * Stream defaults: the send buffer (bytes written and not yet acknowledged end to end) and the
 * most a route with a plain hop may have in flight (its congestion window, congestion.ts,
 * grows up to this). On a store-and-forward route the source holds everything the relays hold
 * (their buffers fill before its first hop stops it) plus what is on the way back as
 * acknowledgements, so the send buffer must cover the route's buffers: 4 MiB is eight hops of
 * the default 256 KiB lanes, twice (docs/protocol.md, "Sizing buffers").
 */
export const DEFAULT_SEND_BUFFER_BYTES = 4 * 1024 * 1024;
export const DEFAULT_ROUTE_WINDOW_BYTES = 128 * 1024;
/** Receiver reassembly limit: data beyond delivered + this is dropped (the sender's window is smaller). */
export const RECV_WINDOW_BYTES = 4 << 20;
/**
 * Acks are coalesced: one per this many data packets, or after the delay below (TCP's
 * delayed ack, shorter because the stream's RTO floor is 200 ms, not TCP's 1 s). Every ack
 * costs each relay on the way back as much work as a data packet, so a busy stream acks
 * every eighth packet (and at once for a gap filled or the end).
 */
export const ACK_EVERY_PACKETS = 2;
export const ACK_DELAY_MS = 10;
/** Selective ack ranges per Ack message. */
export const MAX_SACK_RANGES = 16;
