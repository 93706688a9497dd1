// A node's long-term identity: a secp256k1 key pair, its address, and ECDSA signatures over
// 32-byte digests (the handshake signs transcript hashes).
import { randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { SIGNATURE_BYTES } from '../../spec/link-wire.ts';
import { isValidPublicKey, isValidSecretKey } from '../crypto/ecdh.ts';
import { addressFromPublicKey } from './address.ts';

export interface Identity {
  readonly secretKey: Uint8Array;
  /** Compressed, 33 bytes. */
  readonly publicKey: Uint8Array;
  readonly address: string;
}

export function identityFromSecretKey(secretKey: Uint8Array): Identity {
  if (!isValidSecretKey(secretKey)) throw new RangeError('secret key is not a valid secp256k1 scalar');
  const publicKey = secp256k1.getPublicKey(secretKey, true);
  return { secretKey: Uint8Array.from(secretKey), publicKey, address: addressFromPublicKey(publicKey) };
}

export function generateIdentity(random: (n: number) => Uint8Array = (n) => new Uint8Array(randomBytes(n))): Identity {
  for (;;) {
    const sk = random(32);
    if (isValidSecretKey(sk)) return identityFromSecretKey(sk);
  }
}

/** Deterministic (RFC 6979), low-S compact signature over a 32-byte digest. */
export function signDigest(identity: Identity, digest: Uint8Array): Uint8Array {
  return secp256k1.sign(digest, identity.secretKey, { prehash: false });
}

/** Never throws: malformed keys or signatures simply do not verify. */
export function verifyDigest(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES || !isValidPublicKey(publicKey)) return false;
  try {
    return secp256k1.verify(signature, digest, publicKey, { prehash: false });
  } catch {
    return false;
  }
}
