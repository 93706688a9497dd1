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
import { hchacha } from '@noble/ciphers/chacha.js';
import { nodeAead } from '../crypto/aead.ts';
import { LABEL, sha256Of } from '../crypto/kdf.ts';
import { COOKIE_BYTES, COOKIE_NONCE_BYTES, COOKIE_REPLY_BYTES, MessageType, PROTOCOL_VERSION } from '../../spec/link-wire.ts';
import { COOKIE_SECRET_MS } from './constants.ts';
import { initMac2Valid, mac16, type HandshakeInit } from './handshake.ts';

export const COOKIE_REPLY_OFFSET = { version: 0, type: 1, reserved: 2, receiver: 4, nonce: 8, sealed: 8 + COOKIE_NONCE_BYTES } as const;

/** The key cookie replies are sealed under: derived from the responder's public key. */
export function cookieKey(responderStatic: Uint8Array): Uint8Array {
  return sha256Of(LABEL.cookie, responderStatic);
}

/** "expand 32-byte k" as four little-endian words: ChaCha's constant. */
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

function words(b: Uint8Array): Uint32Array {
  const out = new Uint32Array(b.length / 4);
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < out.length; i++) out[i] = v.getUint32(4 * i, true);
  return out;
}

/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha): HChaCha20 of the key and the nonce's first 16
 * bytes (@noble/ciphers) gives a subkey for ChaCha20-Poly1305 (node:crypto) with nonce
 * 0^4 ‖ the nonce's last 8 bytes. A cookie reply costs a few microseconds this way, a tenth of
 * the pure-JS construction (the test checks both agree).
 */
function xchachaKeyNonce(key: Uint8Array, nonce24: Uint8Array): { subkey: Uint8Array; nonce: Uint8Array } {
  const out = new Uint32Array(8);
  hchacha(SIGMA, words(key), words(nonce24.subarray(0, 16)), out);
  const subkey = new Uint8Array(32);
  const v = new DataView(subkey.buffer);
  for (let i = 0; i < 8; i++) v.setUint32(4 * i, out[i], true);
  const nonce = new Uint8Array(12);
  nonce.set(nonce24.subarray(16, 24), 4);
  return { subkey, nonce };
}

export function xchachaSeal(key: Uint8Array, nonce24: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const { subkey, nonce } = xchachaKeyNonce(key, nonce24);
  return nodeAead.seal(subkey, nonce, aad, plaintext);
}

export function xchachaOpen(key: Uint8Array, nonce24: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  const { subkey, nonce } = xchachaKeyNonce(key, nonce24);
  return nodeAead.open(subkey, nonce, aad, sealed);
}

/** Responder side: the rotating secret, cookies for sources, mac2 checks and replies. */
export class CookieJar {
  private secret: Uint8Array;
  private previous: Uint8Array | undefined;
  private rotatedAt: number;
  private readonly key: Uint8Array;
  /** Cookies by source under the current and the previous secret (a flood comes from few sources). */
  private cookies = new Map<string, Uint8Array>();
  private previousCookies = new Map<string, Uint8Array>();

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
    this.previousCookies = this.previous ? this.cookies : new Map();
    this.cookies = new Map();
    this.secret = this.random(32);
    this.rotatedAt = now;
  }

  private cookieUnder(secret: Uint8Array, cache: Map<string, Uint8Array>, source: string): Uint8Array {
    let c = cache.get(source);
    if (!c) {
      c = mac16(secret, new TextEncoder().encode(source));
      if (cache.size >= 1024) cache.clear(); // a bound, not a cache policy: sources are few
      cache.set(source, c);
    }
    return c;
  }

  /** Does the Init carry a mac2 made with a cookie we gave `source` (this period or the last)? */
  mac2Valid(init: HandshakeInit, source: string, now: number): boolean {
    this.rotate(now);
    if (init.mac2.every((b) => b === 0)) return false;
    if (initMac2Valid(init, this.cookieUnder(this.secret, this.cookies, source))) return true;
    return this.previous !== undefined && initMac2Valid(init, this.cookieUnder(this.previous, this.previousCookies, source));
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
    out.set(xchachaSeal(this.key, nonce, init.mac1, this.cookieUnder(this.secret, this.cookies, source)), COOKIE_REPLY_OFFSET.sealed);
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
  const cookie = xchachaOpen(cookieKey(responderStatic), nonce, mac1, bytes.subarray(COOKIE_REPLY_OFFSET.sealed));
  return cookie && cookie.length === COOKIE_BYTES ? cookie : null;
}
