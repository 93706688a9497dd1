// Wire sizes, timers and limits of the link layer, defined once. docs/protocol.md is
// generated from the codec that uses these, so a change here shows up in the spec.

/** Protocol version carried in byte 0 of every message; anything else is rejected. */
export const PROTOCOL_VERSION = 1;

/** Message types (byte 1). Transport frames hide their inner type inside the ciphertext. */
export const MessageType = {
  HandshakeInit: 1,
  HandshakeResp: 2,
  Transport: 3,
  /** Responder under load -> initiator: prove you receive at your address, then try again. */
  CookieReply: 4,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Inner message types, the first byte of a transport frame's plaintext. */
export const InnerType = {
  /** Carries nothing; confirms a new key and keeps NAT/RTT state fresh. */
  Keepalive: 0,
  /** Application payload (the route layer's packets, later). */
  Data: 1,
  /** Rotation step 1: the initiator's new ephemeral public key. */
  RekeyInit: 2,
  /** Rotation step 2: the responder's new ephemeral public key. */
  RekeyResp: 3,
  /** Asks the rotation leader to rotate now (the follower's counters are running out). */
  RekeyRequest: 4,
} as const;
export type InnerType = (typeof InnerType)[keyof typeof InnerType];

// ---- primitive sizes -------------------------------------------------------------
/** Compressed secp256k1 point: 0x02/0x03 prefix + 32-byte x. */
export const PUBLIC_KEY_BYTES = 33;
export const SECRET_KEY_BYTES = 32;
/** Compact ECDSA signature r || s, low-S. */
export const SIGNATURE_BYTES = 64;
/** ChaCha20 key. */
export const KEY_BYTES = 32;
/** RFC 8439 96-bit nonce. */
export const NONCE_BYTES = 12;
/** Poly1305 tag. */
export const TAG_BYTES = 16;

// ---- transport frame ---------------------------------------------------------------
/** version u8 | type u8 | flags u16 | receiver u32 | generation u32 | counter u64 */
export const FRAME_HEADER_BYTES = 20;
export const FRAME_OFFSET = {
  version: 0,
  type: 1,
  flags: 2,
  receiver: 4,
  generation: 8,
  counter: 12,
} as const;
/** Inner header: inner type u8 | payload length u16. */
export const INNER_HEADER_BYTES = 3;
/** Default padding granule (the overview asks for multiples of 16 or 32). */
export const DEFAULT_PAD_BYTES = 16;
export const ALLOWED_PAD_BYTES = [16, 32] as const;
export type PadBytes = (typeof ALLOWED_PAD_BYTES)[number];
/** 1500-byte Ethernet MTU minus 20 B IPv4 and 8 B UDP headers: frames must fit one datagram. */
export const LINK_MTU_BYTES = 1472;
/** Largest padded plaintext that fits the MTU under either padding granule (1408). */
export const MAX_BODY_BYTES = Math.floor((LINK_MTU_BYTES - FRAME_HEADER_BYTES - TAG_BYTES) / 32) * 32;
/** Largest application payload per frame (1405). */
export const MAX_PAYLOAD_BYTES = MAX_BODY_BYTES - INNER_HEADER_BYTES;
/** Largest frame we send (1444); anything longer is rejected as oversized before decryption. */
export const MAX_FRAME_BYTES = FRAME_HEADER_BYTES + MAX_BODY_BYTES + TAG_BYTES;
/** Smallest valid frame: header, one padding granule of 16, tag. */
export const MIN_FRAME_BYTES = FRAME_HEADER_BYTES + 16 + TAG_BYTES;
/** Rekey inner payloads: generation u32 | ephemeral public key. */
export const REKEY_PAYLOAD_BYTES = 4 + PUBLIC_KEY_BYTES;

// ---- handshake ---------------------------------------------------------------------
/** The Init's two MACs (WireGuard's mac1 and mac2): truncated HMAC-SHA256. */
export const MAC_BYTES = 16;
/** version | type | reserved u16 | sender u32 | timestamp u64 | static | ephemeral | signature | mac1 | mac2 */
export const HANDSHAKE_INIT_BYTES = 4 + 4 + 8 + PUBLIC_KEY_BYTES * 2 + SIGNATURE_BYTES + 2 * MAC_BYTES;
/** A cookie: what the initiator keys mac2 with, bound to its address by the responder. */
export const COOKIE_BYTES = 16;
/** XChaCha20-Poly1305 nonce of the cookie reply (random: the cookie key is long-lived). */
export const COOKIE_NONCE_BYTES = 24;
/** version | type | reserved u16 | receiver u32 | nonce | XChaCha20-Poly1305(cookie) */
export const COOKIE_REPLY_BYTES = 4 + 4 + COOKIE_NONCE_BYTES + COOKIE_BYTES + TAG_BYTES;
/** version | type | reserved u16 | sender u32 | receiver u32 | static | ephemeral | signature */
export const HANDSHAKE_RESP_BYTES = 4 + 4 + 4 + PUBLIC_KEY_BYTES * 2 + SIGNATURE_BYTES;

// ---- counters ----------------------------------------------------------------------
/**
 * Counters are 64-bit on the wire but kept as JS numbers, exact below 2^53. No key ever
 * sends counter >= COUNTER_LIMIT, and receivers reject such counters; at 10^7 frames/s a
 * single key would need 14 years to get there, and keys rotate every second.
 */
export const COUNTER_LIMIT = 2 ** 52;
/** Rotate when a tx counter passes this, leaving 2^32 frames of headroom for the rotation. */
export const REKEY_AFTER_FRAMES = COUNTER_LIMIT - 2 ** 32;

// ---- replay window (RFC 6479) ------------------------------------------------------
/** Bits per bitmap word; JS bit operations are 32-bit. */
export const REPLAY_WORD_BITS = 32;
/** Ring size in bits; one word is the sliding slack, so 4096 - 32 = 4064 counters are tracked (>= 2048). */
export const REPLAY_RING_BITS = 4096;
export const REPLAY_WINDOW_FRAMES = REPLAY_RING_BITS - REPLAY_WORD_BITS;

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
/** First retransmission timeout before any RTT sample: a handshake over a slow radio hop still fits. */
export const INITIAL_RTO_MS = 200;
/** Retransmission timeouts never go below this, so scheduler jitter is not mistaken for loss. */
export const MIN_RTO_MS = 20;
/** Backoff doubles per retry up to this cap: a dead neighbour costs one packet per 5 s. */
export const MAX_RTO_MS = 5000;
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
