// Timers and limits of the link layer's behaviour (the wire format is spec/link-wire.ts).
import type { RtoBounds } from './rtt.ts';

// ---- timers (milliseconds) ---------------------------------------------------------
/** The overview's rotation period. */
export const DEFAULT_ROTATION_INTERVAL_MS = 1000;
/** Below 100 ms the ECDH cost per link starts to matter (about 1 ms of CPU per rotation). */
export const MIN_ROTATION_INTERVAL_MS = 100;
/** Ten minutes: longer than this and a key protects too much traffic. */
export const MAX_ROTATION_INTERVAL_MS = 600_000;
/**
 * Test-only lower bound, accepted only with `testOnlyFastRotation: true`: lets the
 * two-process test run 1,000 rotations within CI time. Never used by the daemon.
 */
export const TEST_ONLY_MIN_ROTATION_INTERVAL_MS = 2;
/**
 * Handshake and rekey retransmissions. Initial 200 ms: a handshake over a slow radio hop still
 * fits. Floor 20 ms: these exchanges cost a signature or an ECDH each, so a timeout on a
 * scheduler hiccup is waste. Cap 5 s (doubling per retry): a dead neighbour costs one packet
 * per 5 s.
 */
export const LINK_RTO: RtoBounds = { initialMs: 200, minMs: 20, maxMs: 5000 };
/**
 * Rotation messages are resent at least this often (or every two RTTs on a slower path),
 * however many were lost: on a link losing
 * half its frames each way a rotation's round trip succeeds one time in four, and a backoff to
 * LINK_RTO.maxMs would leave the key unrotated for tens of seconds (and, after
 * REJECT_AFTER_INTERVALS, the session torn down).
 */
export const REKEY_MAX_RTO_MS = 250;
/**
 * A rotation unanswered after this many retries (about 30 RTTs with backoff) means the follower
 * lost the session: re-handshake. At 10% loss each way a healthy link trips this once an hour.
 */
export const MAX_REKEY_RETRIES = 4;
/** Generations are u32 on the wire; the last one is followed by a new handshake. */
export const MAX_GENERATION = 2 ** 32 - 1;
/** Give up a handshake attempt after this many retries, then start over with fresh keys. */
export const MAX_HANDSHAKE_RETRIES = 10;
/** The previous receive key is kept this many smoothed RTTs after the peer switched... */
export const DRAIN_RTT_MULTIPLE = 4;
/** ...but at least this long, so frames delayed by queues (not the path) still decrypt. */
export const MIN_DRAIN_MS = 50;
/** A session whose key has not rotated for this many intervals is torn down and re-handshaken. */
export const REJECT_AFTER_INTERVALS = 30;
