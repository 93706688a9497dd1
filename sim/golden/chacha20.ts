// ChaCha20 golden model (RFC 8439 section 2), written from the RFC's description so the
// hardware is checked against something other than itself. Plain and slow on purpose:
// every step mirrors a sentence of the RFC.

import { CHACHA_CONSTANTS, COLUMN_ROUND, DIAGONAL_ROUND } from '../../spec/chacha20.ts';

export type CounterLayout = 'ietf' | 'original';

const rotl32 = (x: number, n: number): number => ((x << n) | (x >>> (32 - n))) >>> 0;

/** The quarter round on four 32-bit words (RFC 8439 2.1). */
export function quarterRound(a: number, b: number, c: number, d: number): [number, number, number, number] {
  a = (a + b) >>> 0; d = rotl32(d ^ a, 16);
  c = (c + d) >>> 0; b = rotl32(b ^ c, 12);
  a = (a + b) >>> 0; d = rotl32(d ^ a, 8);
  c = (c + d) >>> 0; b = rotl32(b ^ c, 7);
  return [a, b, c, d];
}


export function readWordsLE(bytes: Uint8Array): number[] {
  if (bytes.length % 4 !== 0) throw new Error(`readWordsLE: ${bytes.length} bytes is not whole words`);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    out.push((bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0);
  }
  return out;
}

export function writeWordsLE(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  words.forEach((w, i) => {
    out[4 * i] = w & 0xff;
    out[4 * i + 1] = (w >>> 8) & 0xff;
    out[4 * i + 2] = (w >>> 16) & 0xff;
    out[4 * i + 3] = (w >>> 24) & 0xff;
  });
  return out;
}

/**
 * The 16-word initial state. IETF layout (RFC 8439): word 12 is a 32-bit counter and words
 * 13-15 a 96-bit nonce. Original layout: words 12-13 a 64-bit counter, 14-15 a 64-bit nonce.
 */
export function initialState(key: Uint8Array, nonce: Uint8Array, counter: bigint | number, layout: CounterLayout = 'ietf'): number[] {
  if (key.length !== 32) throw new Error(`ChaCha20 key must be 32 bytes, got ${key.length}`);
  const ctr = BigInt(counter);
  if (layout === 'ietf') {
    if (nonce.length !== 12) throw new Error(`IETF ChaCha20 nonce must be 12 bytes, got ${nonce.length}`);
    if (ctr < 0n || ctr > 0xffffffffn) throw new Error(`IETF ChaCha20 counter ${ctr} does not fit in 32 bits`);
    return [...CHACHA_CONSTANTS, ...readWordsLE(key), Number(ctr), ...readWordsLE(nonce)];
  }
  if (nonce.length !== 8) throw new Error(`original ChaCha20 nonce must be 8 bytes, got ${nonce.length}`);
  if (ctr < 0n || ctr > 0xffffffffffffffffn) throw new Error(`original ChaCha20 counter ${ctr} does not fit in 64 bits`);
  return [...CHACHA_CONSTANTS, ...readWordsLE(key), Number(ctr & 0xffffffffn), Number(ctr >> 32n), ...readWordsLE(nonce)];
}

/** Runs `rounds` rounds (an even number: column and diagonal alternate) without the final addition. */
export function permute(state: readonly number[], rounds = 20): number[] {
  if (rounds % 2 !== 0 || rounds < 2) throw new Error(`ChaCha rounds must be a positive even number, got ${rounds}`);
  const x = [...state];
  for (let r = 0; r < rounds; r++) {
    for (const [a, b, c, d] of r % 2 === 0 ? COLUMN_ROUND : DIAGONAL_ROUND) {
      [x[a], x[b], x[c], x[d]] = quarterRound(x[a]!, x[b]!, x[c]!, x[d]!);
    }
  }
  return x;
}

/** The block function (RFC 8439 2.3): permutation plus the initial state, as 16 words. */
export function blockWords(state: readonly number[], rounds = 20): number[] {
  return permute(state, rounds).map((w, i) => (w + state[i]!) >>> 0);
}

export function block(key: Uint8Array, nonce: Uint8Array, counter: bigint | number, rounds = 20, layout: CounterLayout = 'ietf'): Uint8Array {
  return writeWordsLE(blockWords(initialState(key, nonce, counter, layout), rounds));
}

/** XOR of `data` with the keystream starting at block `counter` (RFC 8439 2.4). */
export function encrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  counter: bigint | number,
  data: Uint8Array,
  rounds = 20,
  layout: CounterLayout = 'ietf',
): Uint8Array {
  const out = new Uint8Array(data.length);
  let ctr = BigInt(counter);
  for (let off = 0; off < data.length; off += 64, ctr++) {
    const ks = block(key, nonce, ctr, rounds, layout);
    for (let i = 0; i < 64 && off + i < data.length; i++) out[off + i] = data[off + i]! ^ ks[i]!;
  }
  return out;
}
