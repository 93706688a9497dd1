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

// ---- handshakes under load (per link) -----------------------------------------------
/**
 * Handshake messages whose signature a link checks per second, and at once. A signature check
 * costs about 1.5 ms (more on a loaded machine); a neighbour needs a handshake per session
 * and a few retransmissions, so 10 per second is far above legitimate use and bounds what a
 * flood of forged handshakes costs to about 1.5 % of a core per link.
 */
export const HANDSHAKE_RATE_PER_SEC = 10;
export const HANDSHAKE_BURST = 10;
/**
 * Once that budget runs dry the link is under load until no Init without a cookie has come for
 * this long: meanwhile every Init must carry a valid mac2 (a cookie the initiator received at
 * its address) before its signature is checked; others get a cookie reply instead.
 */
export const UNDER_LOAD_MS = 1000;
/** Inits with a valid cookie checked per second while under load (the real neighbour's way in). */
export const COOKIE_HANDSHAKE_RATE_PER_SEC = 5;
export const COOKIE_HANDSHAKE_BURST = 5;
/**
 * Cookie replies sent per second per link. A reply is smaller than the Init that caused it (no
 * amplification) and costs about as much as the MAC check, so a flood is answered in full up to
 * this rate (the real neighbour's Init must get its cookie among the forgeries'); the bound
 * only caps the reflection of an extreme flood.
 */
export const COOKIE_REPLY_RATE_PER_SEC = 1000;
export const COOKIE_REPLY_BURST = 100;
/** The responder's cookie secret changes this often; a cookie is valid under it and the one before. */
export const COOKIE_SECRET_MS = 120_000;
