// Randomness sources. Links take `random(n)` so tests and the generated spec examples can
// be reproduced byte for byte; production uses the OS generator.
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';

export type RandomSource = (n: number) => Uint8Array;

export const osRandom: RandomSource = (n) => new Uint8Array(randomBytes(n));

/**
 * Deterministic stream: SHA-256(seed || u32 block index) blocks. For tests and documentation
 * examples only: anyone who knows the seed knows every key drawn from it.
 */
export function deterministicRandom(seed: string): RandomSource {
  const s = new TextEncoder().encode(seed);
  let block = 0;
  let buf = new Uint8Array(0);
  return (n) => {
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      if (buf.length === 0) {
        const input = new Uint8Array(s.length + 4);
        input.set(s);
        new DataView(input.buffer).setUint32(s.length, block++);
        buf = sha256(input);
      }
      const take = Math.min(buf.length, n - o);
      out.set(buf.subarray(0, take), o);
      buf = buf.subarray(take);
      o += take;
    }
    return out;
  };
}
