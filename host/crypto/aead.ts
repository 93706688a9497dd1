// ChaCha20-Poly1305 (RFC 8439) behind one interface, with two interchangeable backends:
// @noble/ciphers (the reference, pure JS) and node:crypto (OpenSSL, the hot path).
// Tests cross-check both on the RFC vectors and on random inputs.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { KEY_BYTES, NONCE_BYTES, TAG_BYTES } from '../../spec/link-wire.ts';

export interface Aead {
  readonly name: 'noble' | 'node';
  /** Returns ciphertext || 16-byte tag. Key 32 bytes, nonce 12 bytes. */
  seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /**
   * Writes ciphertext || tag into `out` at `offset`. `plaintext` may be the very bytes at
   * out[offset..] (the frame codec encrypts a frame's body where it lies).
   */
  sealInto(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void;
  /** Returns the plaintext, or null when the tag does not verify (never throws on bad data). */
  open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null;
}

function checkSizes(key: Uint8Array, nonce: Uint8Array): void {
  // Programming errors, not bad input from the wire: the frame code always passes these sizes.
  if (key.length !== KEY_BYTES) throw new RangeError(`aead key must be ${KEY_BYTES} bytes, got ${key.length}`);
  if (nonce.length !== NONCE_BYTES) throw new RangeError(`aead nonce must be ${NONCE_BYTES} bytes, got ${nonce.length}`);
}

export const nobleAead: Aead = {
  name: 'noble',
  seal(key, nonce, aad, plaintext) {
    checkSizes(key, nonce);
    return chacha20poly1305(key, nonce, aad).encrypt(plaintext);
  },
  sealInto(key, nonce, aad, plaintext, out, offset) {
    checkSizes(key, nonce);
    out.set(chacha20poly1305(key, nonce, aad).encrypt(plaintext), offset);
  },
  open(key, nonce, aad, sealed) {
    checkSizes(key, nonce);
    if (sealed.length < TAG_BYTES) return null;
    try {
      return chacha20poly1305(key, nonce, aad).decrypt(sealed);
    } catch {
      return null;
    }
  },
};

const CIPHER = 'chacha20-poly1305';

export const nodeAead: Aead = {
  name: 'node',
  seal(key, nonce, aad, plaintext) {
    const out = new Uint8Array(plaintext.length + TAG_BYTES);
    this.sealInto(key, nonce, aad, plaintext, out, 0);
    return out;
  },
  sealInto(key, nonce, aad, plaintext, out, offset) {
    checkSizes(key, nonce);
    const n = plaintext.length;
    const c = createCipheriv(CIPHER, key, nonce, { authTagLength: TAG_BYTES });
    c.setAAD(aad, { plaintextLength: n });
    const body = c.update(plaintext); // a new buffer, so encrypting in place is safe
    out.set(body, offset);
    const rest = c.final(); // empty for a stream cipher, kept for correctness
    if (rest.length) out.set(rest, offset + body.length);
    out.set(c.getAuthTag(), offset + n);
  },
  open(key, nonce, aad, sealed) {
    checkSizes(key, nonce);
    if (sealed.length < TAG_BYTES) return null;
    const n = sealed.length - TAG_BYTES;
    const d = createDecipheriv(CIPHER, key, nonce, { authTagLength: TAG_BYTES });
    d.setAAD(aad, { plaintextLength: sealed.length - TAG_BYTES });
    d.setAuthTag(sealed.subarray(n));
    const body = d.update(sealed.subarray(0, n));
    try {
      d.final();
    } catch {
      return null;
    }
    return new Uint8Array(body.buffer, body.byteOffset, body.length);
  },
};
