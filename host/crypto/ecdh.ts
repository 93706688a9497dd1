// secp256k1 ECDH behind one interface: @noble/curves (reference) and node:crypto (OpenSSL).
// The shared secret is the 32-byte x coordinate of the product point, as both libraries
// agree on (noble returns the compressed point; we drop its prefix byte).
import { createECDH, type ECDH } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { PUBLIC_KEY_BYTES, SECRET_KEY_BYTES } from '../../spec/link-wire.ts';

export interface KeyPair {
  secretKey: Uint8Array;
  /** Compressed (33-byte) public key. */
  publicKey: Uint8Array;
}

export interface Ecdh {
  readonly name: 'noble' | 'node';
  /** Public key of a secret key, compressed. Throws on an invalid secret (a local bug). */
  publicKey(secretKey: Uint8Array): Uint8Array;
  /** x(secret * peer). Returns null when the peer's key is not a valid curve point. */
  sharedSecret(secretKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array | null;
}

export function isValidSecretKey(secretKey: Uint8Array): boolean {
  return secretKey.length === SECRET_KEY_BYTES && secp256k1.utils.isValidSecretKey(secretKey);
}

export function isValidPublicKey(publicKey: Uint8Array): boolean {
  return publicKey.length === PUBLIC_KEY_BYTES && secp256k1.utils.isValidPublicKey(publicKey, true);
}

/** Draws secrets from `random` until one is a valid scalar (fails with probability ~2^-128). */
export function generateKeyPair(ecdh: Ecdh, random: (n: number) => Uint8Array): KeyPair {
  for (;;) {
    const secretKey = random(SECRET_KEY_BYTES);
    if (isValidSecretKey(secretKey)) return { secretKey, publicKey: ecdh.publicKey(secretKey) };
  }
}

export const nobleEcdh: Ecdh = {
  name: 'noble',
  publicKey: (secretKey) => secp256k1.getPublicKey(secretKey, true),
  sharedSecret(secretKey, peerPublicKey) {
    if (!isValidPublicKey(peerPublicKey)) return null;
    try {
      return secp256k1.getSharedSecret(secretKey, peerPublicKey, true).subarray(1);
    } catch {
      return null;
    }
  },
};

function toU8(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/**
 * OpenSSL derives the public key whenever a private key is loaded, so a fresh ECDH object per
 * call would pay for the base-point multiplication twice per rotation. The object made when the
 * public key was computed is kept (weakly, keyed by the secret key's array) and reused for the
 * shared secret: one base-point and one variable-point multiplication per ephemeral key.
 */
const nodeHandles = new WeakMap<Uint8Array, ECDH>();

function nodeHandle(secretKey: Uint8Array): ECDH {
  let e = nodeHandles.get(secretKey);
  if (!e) {
    e = createECDH('secp256k1');
    e.setPrivateKey(secretKey);
    nodeHandles.set(secretKey, e);
  }
  return e;
}

export const nodeEcdh: Ecdh = {
  name: 'node',
  publicKey(secretKey) {
    return toU8(nodeHandle(secretKey).getPublicKey(null, 'compressed'));
  },
  sharedSecret(secretKey, peerPublicKey) {
    if (peerPublicKey.length !== PUBLIC_KEY_BYTES) return null;
    try {
      return toU8(nodeHandle(secretKey).computeSecret(peerPublicKey));
    } catch {
      return null; // OpenSSL rejects points not on the curve
    }
  },
};
