// Node addresses: a hash of the public key in a checksummed base58 form, laid out like a
// Skycoin address: hash160 (20 B) || version (1 B) || checksum (4 B), base58-encoded.
//   hash160  = RIPEMD-160(SHA-256(SHA-256(compressed public key)))
//   checksum = first 4 bytes of SHA-256(hash160 || version)
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base58Decode, base58Encode } from './base58.ts';

export const ADDRESS_VERSION = 0;
export const ADDRESS_HASH_BYTES = 20;
export const ADDRESS_CHECKSUM_BYTES = 4;
export const ADDRESS_RAW_BYTES = ADDRESS_HASH_BYTES + 1 + ADDRESS_CHECKSUM_BYTES;

export interface ParsedAddress {
  version: number;
  /** RIPEMD-160(SHA-256(SHA-256(public key))). */
  hash: Uint8Array;
}

export function publicKeyHash(publicKey: Uint8Array): Uint8Array {
  return ripemd160(sha256(sha256(publicKey)));
}

function checksum(body: Uint8Array): Uint8Array {
  return sha256(body).subarray(0, ADDRESS_CHECKSUM_BYTES);
}

export function addressFromHash(hash: Uint8Array, version = ADDRESS_VERSION): string {
  if (hash.length !== ADDRESS_HASH_BYTES) throw new RangeError(`address hash must be ${ADDRESS_HASH_BYTES} bytes`);
  const raw = new Uint8Array(ADDRESS_RAW_BYTES);
  raw.set(hash, 0);
  raw[ADDRESS_HASH_BYTES] = version;
  raw.set(checksum(raw.subarray(0, ADDRESS_HASH_BYTES + 1)), ADDRESS_HASH_BYTES + 1);
  return base58Encode(raw);
}

export function addressFromPublicKey(publicKey: Uint8Array): string {
  return addressFromHash(publicKeyHash(publicKey));
}

/** Parses an address; throws an Error naming the problem (bad character, length, checksum, version). */
export function parseAddress(text: string): ParsedAddress {
  let raw: Uint8Array;
  try {
    raw = base58Decode(text.trim());
  } catch (e) {
    throw new Error(`invalid address '${text}': ${(e as Error).message}`);
  }
  if (raw.length !== ADDRESS_RAW_BYTES) {
    throw new Error(`invalid address '${text}': decodes to ${raw.length} bytes, expected ${ADDRESS_RAW_BYTES}`);
  }
  const body = raw.subarray(0, ADDRESS_HASH_BYTES + 1);
  const want = checksum(body);
  const got = raw.subarray(ADDRESS_HASH_BYTES + 1);
  if (!want.every((b, i) => b === got[i])) throw new Error(`invalid address '${text}': checksum mismatch (mistyped?)`);
  const version = raw[ADDRESS_HASH_BYTES];
  if (version !== ADDRESS_VERSION) throw new Error(`invalid address '${text}': unknown version ${version}`);
  return { version, hash: raw.slice(0, ADDRESS_HASH_BYTES) };
}

/** True when `publicKey` hashes to `address`. */
export function addressMatches(address: string, publicKey: Uint8Array): boolean {
  const parsed = parseAddress(address);
  const h = publicKeyHash(publicKey);
  return h.every((b, i) => b === parsed.hash[i]);
}
