// How the Poly1305 datapath holds numbers modulo p = 2^130 - 5: eight limbs of radix 2^17
// (136 bits), each kept in an 18-bit field, so a limb is exactly one operand of an 18 x 18
// multiplier (ECP5 MULT18X18D) and the spare bit lets carries wait ("lazy" limbs).
//
// The invariants every generator and test relies on, in one place:
// - an accumulator h leaving the ring has limbs 0-6 at most 2^17 and limb 7 at most
//   H_TOP_MAX, so h + m (m a message block with its pad bit, below 2^129: limbs below 2^17,
//   limb 7 below 2^10) has every limb below 2^18;
// - a power of r (r itself canonical, r^2.. as they leave the ring) has every limb below
//   2^18;
// - 2^136 = 2^6 * 2^130 = 320 (mod p): what leaves the top limb comes back into limb 0
//   multiplied by 320.
// rtl-gen/poly1305/multiply.ts checks at generation time, by interval arithmetic over the
// whole pipeline, that its output satisfies the first invariant for any inputs that satisfy
// the operand bounds; test/poly1305 checks the values.

export const P1305 = (1n << 130n) - 5n;
export const LIMB_BITS = 17;
export const LIMBS = 8;
/** Bits of the field each limb travels in (one multiplier operand). */
export const FIELD_BITS = 18;
export const LIMB_MASK = (1n << BigInt(LIMB_BITS)) - 1n;
/** 2^(17 * 8) mod p: the weight with which a carry out of the top limb returns to limb 0. */
export const WRAP = 320n;
/** Largest operand limb the multipliers take. */
export const OPERAND_MAX = (1n << BigInt(FIELD_BITS)) - 1n;
/** Largest limb 0-6 of an accumulator leaving the ring. */
export const H_LIMB_MAX = 1n << BigInt(LIMB_BITS);
/** Largest limb 7 of a message block (m < 2^129). */
export const M_TOP_MAX = (1n << 10n) - 1n;
/** Largest limb 7 of an accumulator leaving the ring: h_7 + m_7 must stay an operand. */
export const H_TOP_MAX = OPERAND_MAX - M_TOP_MAX;
/** The clamp RFC 8439 2.5 applies to r. */
export const R_CLAMP = 0x0ffffffc0ffffffc0ffffffc0fffffffn;

/** The eight 17-bit limbs of a value below 2^136, limb 0 first. */
export function toLimbs(v: bigint): bigint[] {
  if (v < 0n || v >> 136n !== 0n) throw new RangeError(`toLimbs: ${v} is not below 2^136`);
  return Array.from({ length: LIMBS }, (_, i) => (v >> BigInt(LIMB_BITS * i)) & LIMB_MASK);
}

/** The value of (possibly lazy) limbs. */
export function fromLimbs(limbs: readonly bigint[]): bigint {
  return limbs.reduce((acc, l, i) => acc + (l << BigInt(LIMB_BITS * i)), 0n);
}

/** Limbs packed into 18-bit fields, limb 0 in bits 17:0 (how the RTL carries them). */
export function packLimbs(limbs: readonly bigint[]): bigint {
  return limbs.reduce((acc, l, i) => {
    if (l < 0n || l > OPERAND_MAX) throw new RangeError(`limb ${i} = ${l} does not fit in ${FIELD_BITS} bits`);
    return acc | (l << BigInt(FIELD_BITS * i));
  }, 0n);
}

export function unpackLimbs(v: bigint): bigint[] {
  return Array.from({ length: LIMBS }, (_, i) => (v >> BigInt(FIELD_BITS * i)) & OPERAND_MAX);
}

/** Little-endian bytes to a number. */
export function leToBig(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

export function bigToLe(v: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/**
 * Poly1305 by its definition (RFC 8439 2.5.1), with the blocks absorbed `lanes` at a time
 * by multi-lane Horner as the hardware does (h = (h + m1) r^k + m2 r^(k-1) + ... + mk r).
 * A second model beside @noble/ciphers, for the tests of the limb datapath.
 */
export function poly1305Reference(key: Uint8Array, msg: Uint8Array, lanes = 1): Uint8Array {
  const r = leToBig(key.subarray(0, 16)) & R_CLAMP;
  const s = leToBig(key.subarray(16, 32));
  const blocks: bigint[] = [];
  for (let off = 0; off < msg.length; off += 16) {
    const chunk = msg.subarray(off, Math.min(off + 16, msg.length));
    blocks.push(leToBig(chunk) + (1n << BigInt(8 * chunk.length)));
  }
  const pow = (e: number): bigint => {
    let x = 1n;
    for (let i = 0; i < e; i++) x = (x * r) % P1305;
    return x;
  };
  let h = 0n;
  for (let i = 0; i < blocks.length; i += lanes) {
    const group = blocks.slice(i, i + lanes);
    const k = group.length;
    let acc = ((h + group[0]!) * pow(k)) % P1305;
    for (let j = 1; j < k; j++) acc = (acc + group[j]! * pow(k - j)) % P1305;
    h = acc;
  }
  return bigToLe((h + s) & ((1n << 128n) - 1n), 16);
}
