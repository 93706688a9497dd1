// A small seeded generator so a failing random test can be replayed exactly (SEED=<n>).

export class Rng {
  private s: number;
  constructor(readonly seed: number = Number(process.env.SEED ?? 1)) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }

  /** The generator's state: setting a saved one continues the sequence from where it was saved. */
  get state(): number {
    return this.s;
  }
  set state(v: number) {
    this.s = v >>> 0 || 0x9e3779b9;
  }

  /** 32 random bits (xorshift32). */
  u32(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.u32() / 0x1_0000_0000;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  /** A random value of `width` bits as a BigInt. */
  bits(width: number): bigint {
    let v = 0n;
    for (let i = 0; i < width; i += 32) v |= BigInt(this.u32()) << BigInt(i);
    return v & ((1n << BigInt(width)) - 1n);
  }

  /** A pattern of 0/1 bytes with the given probability of 1 (for gaps and stalls). */
  pattern(length: number, probability: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.next() < probability ? 1 : 0;
    return out;
  }
}
