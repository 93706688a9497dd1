// The link layer's wire format, defined once: message and inner types, primitive sizes, the
// transport frame's layout and size limits, the handshake sizes, the counter limit and the
// replay window. The node (host/link) and the forwarding plane's hardware both follow it;
// docs/protocol.md is generated from the codec that uses these, so a change here shows up in
// the spec.

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

// ---- receive rejects -----------------------------------------------------------------
/**
 * Why a transport frame is dropped, in the order a receiver checks (docs/protocol.md, steps
 * 1-5). Each is a counter of the link's statistics and, in the forwarding plane, of the peer.
 */
export const FRAME_REJECTS = [
  'truncated', 'oversized', 'badVersion', 'badType', 'badFlags', 'counterLimit', 'badLength', 'wrongPeer',
  'wrongGeneration', 'replay', 'tooOld', 'badTag', 'badInner',
] as const;
export type FrameReject = (typeof FRAME_REJECTS)[number];
