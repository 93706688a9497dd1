// The hash functions of the hashed route table: one H3 function per way (Carter and Wegman's
// class of XOR matrices). Output bit b of way w is the parity of (key AND mask[w][b]); the
// masks are fixed random bits from a seeded generator, so every way's function is independent
// of the others. In hardware each output bit is an XOR tree over about half the key bits and
// needs no carry chain or multiplier; the generator prints the same masks the host uses here.

/** Seed of the mask generator; changing it changes the hardware (and the placement). */
export const HASH_SEED = 0x5eed_c0de;

/** SplitMix32-style generator: deterministic mask bits for (seed, way, bit). */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

export interface HashFamily {
  readonly keyWidth: number;
  readonly ways: number;
  readonly indexBits: number;
  /** masks[way][bit] as 32-bit words, word 0 = key bits 31:0. */
  readonly masks: ReadonlyArray<ReadonlyArray<Uint32Array>>;
}

export function hashFamily(keyWidth: number, ways: number, indexBits: number, seed = HASH_SEED): HashFamily {
  const words = Math.ceil(keyWidth / 32);
  const masks: Uint32Array[][] = [];
  let state = seed >>> 0;
  for (let w = 0; w < ways; w++) {
    const way: Uint32Array[] = [];
    for (let b = 0; b < indexBits; b++) {
      const m = new Uint32Array(words);
      for (let i = 0; i < words; i++) {
        state = mix32(state ^ Math.imul(w + 1, 0x27d4eb2f) ^ Math.imul(b + 1, 0x165667b1) ^ i);
        const bits = Math.min(32, keyWidth - 32 * i);
        m[i] = bits === 32 ? state : state & ((1 << bits) - 1);
      }
      way.push(m);
    }
    masks.push(way);
  }
  return { keyWidth, ways, indexBits, masks };
}

/** A key as 32-bit words, lowest first (the form hashing uses). */
export function keyWords(key: bigint, keyWidth: number): Uint32Array {
  const out = new Uint32Array(Math.ceil(keyWidth / 32));
  for (let i = 0; i < out.length; i++, key >>= 32n) out[i] = Number(key & 0xffffffffn);
  return out;
}

function parity32(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

/** Index of `key` (as words) in way `way`. */
export function hashIndex(h: HashFamily, way: number, key: Uint32Array): number {
  const masks = h.masks[way]!;
  let idx = 0;
  for (let b = 0; b < masks.length; b++) {
    const m = masks[b]!;
    let acc = 0;
    for (let i = 0; i < m.length; i++) acc ^= key[i]! & m[i]!;
    idx |= parity32(acc) << b;
  }
  return idx >>> 0;
}

/** A mask as a BigInt (for printing into hardware). */
export function maskBig(m: Uint32Array): bigint {
  let v = 0n;
  for (let i = m.length - 1; i >= 0; i--) v = (v << 32n) | BigInt(m[i]!);
  return v;
}
