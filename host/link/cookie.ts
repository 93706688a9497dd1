// Cookies: how a responder under load tells a real initiator from a flood of forged Inits sent
// from a spoofed address, after WireGuard (section 5.4.7 of its paper). The responder does not
// check the Init's signature; it answers with a cookie reply instead:
//
//   CookieReply = version u8 | type u8 = 4 | reserved u16 | receiver u32 (the Init's sender)
//               | nonce (24 B, random) | XChaCha20-Poly1305(key_c, nonce, aad = the Init's mac1, cookie)
//   cookie      = HMAC-SHA256(secret, source)[0..16]      secret: random, replaced every 2 minutes
//   key_c       = SHA-256("skywire-link/1 cookie" ‖ S_r)
//
// `source` is the address the Init came from. Only a sender that receives at that address
// learns the cookie; it puts mac2 = MAC(cookie, Init) on its next Init, and a responder under
// load checks the signature of such Inits only (rate-limited too). The aad binds the reply to
// the Init it answers, so a third party cannot plant cookies; a wrong cookie costs the
// initiator nothing but a round trip.
import { randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { LABEL, sha256Of } from '../crypto/kdf.ts';
import { COOKIE_BYTES, COOKIE_NONCE_BYTES, COOKIE_REPLY_BYTES, COOKIE_SECRET_MS, MessageType, PROTOCOL_VERSION } from './constants.ts';
import { initMac2Valid, mac16, type HandshakeInit } from './handshake.ts';

export const COOKIE_REPLY_OFFSET = { version: 0, type: 1, reserved: 2, receiver: 4, nonce: 8, sealed: 8 + COOKIE_NONCE_BYTES } as const;

/** The key cookie replies are sealed under: derived from the responder's public key. */
export function cookieKey(responderStatic: Uint8Array): Uint8Array {
  return sha256Of(LABEL.cookie, responderStatic);
}

/** Responder side: the rotating secret, cookies for sources, mac2 checks and replies. */
export class CookieJar {
  private secret: Uint8Array;
  private previous: Uint8Array | undefined;
  private rotatedAt: number;
  private readonly key: Uint8Array;

  constructor(
    responderStatic: Uint8Array,
    now: number,
    private readonly random: (n: number) => Uint8Array = (n) => new Uint8Array(randomBytes(n)),
  ) {
    this.key = cookieKey(responderStatic);
    this.secret = this.random(32);
    this.rotatedAt = now;
  }

  private rotate(now: number): void {
    if (now - this.rotatedAt < COOKIE_SECRET_MS) return;
    // Two periods or more: the previous secret is stale too.
    this.previous = now - this.rotatedAt < 2 * COOKIE_SECRET_MS ? this.secret : undefined;
    this.secret = this.random(32);
    this.rotatedAt = now;
  }

  private cookieUnder(secret: Uint8Array, source: string): Uint8Array {
    return mac16(secret, new TextEncoder().encode(source));
  }

  /** Does the Init carry a mac2 made with a cookie we gave `source` (this period or the last)? */
  mac2Valid(init: HandshakeInit, source: string, now: number): boolean {
    this.rotate(now);
    if (init.mac2.every((b) => b === 0)) return false;
    if (initMac2Valid(init, this.cookieUnder(this.secret, source))) return true;
    return this.previous !== undefined && initMac2Valid(init, this.cookieUnder(this.previous, source));
  }

  /** The cookie reply to an Init from `source`. */
  reply(init: HandshakeInit, source: string, now: number): Uint8Array {
    this.rotate(now);
    const out = new Uint8Array(COOKIE_REPLY_BYTES);
    const v = new DataView(out.buffer);
    v.setUint8(0, PROTOCOL_VERSION);
    v.setUint8(1, MessageType.CookieReply);
    v.setUint32(COOKIE_REPLY_OFFSET.receiver, init.sender);
    const nonce = this.random(COOKIE_NONCE_BYTES);
    out.set(nonce, COOKIE_REPLY_OFFSET.nonce);
    out.set(xchacha20poly1305(this.key, nonce, init.mac1).encrypt(this.cookieUnder(this.secret, source)), COOKIE_REPLY_OFFSET.sealed);
    return out;
  }
}

/** Initiator side: the reply's receiver, or 'hsMalformed'. */
export function cookieReplyReceiver(bytes: Uint8Array): number | 'hsMalformed' {
  if (bytes.length !== COOKIE_REPLY_BYTES || bytes[0] !== PROTOCOL_VERSION || bytes[1] !== MessageType.CookieReply || bytes[2] !== 0 || bytes[3] !== 0) return 'hsMalformed';
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(COOKIE_REPLY_OFFSET.receiver);
}

/** Initiator side: the cookie in a reply to an Init whose mac1 was `mac1`, or null when it does not open. */
export function openCookieReply(bytes: Uint8Array, responderStatic: Uint8Array, mac1: Uint8Array): Uint8Array | null {
  const nonce = bytes.subarray(COOKIE_REPLY_OFFSET.nonce, COOKIE_REPLY_OFFSET.sealed);
  try {
    const cookie = xchacha20poly1305(cookieKey(responderStatic), nonce, mac1).decrypt(bytes.subarray(COOKIE_REPLY_OFFSET.sealed));
    return cookie.length === COOKIE_BYTES ? cookie : null;
  } catch {
    return null;
  }
}
