// The per-packet context carried in s_axis_tuser on the first beat of a packet, and the
// output sideband, defined once. The generators take field positions from here, and the
// tests and the future host driver encode contexts with the same functions.

export type NonceLayout = 'ietf' | 'original';

export interface ContextFormat {
  readonly layout: NonceLayout;
  readonly slotBits: number;
  readonly counterBits: number;
  readonly nonceBits: number;
  /** Field offsets in tuser, least significant first: slot, nonce, counter. */
  readonly slotLo: number;
  readonly nonceLo: number;
  readonly counterLo: number;
  readonly width: number;
}

/** Bits needed to number `slots` key slots (at least one). */
export function slotBitsFor(slots: number): number {
  return Math.max(1, Math.ceil(Math.log2(slots)));
}

/**
 * RFC 8439 layout: 32-bit block counter, 96-bit nonce. Original ChaCha: 64-bit counter,
 * 64-bit nonce. Either way counter and nonce fill state words 12-15.
 */
export function contextFormat(layout: NonceLayout, keySlots: number): ContextFormat {
  const slotBits = slotBitsFor(keySlots);
  const counterBits = layout === 'ietf' ? 32 : 64;
  const nonceBits = 128 - counterBits;
  return { layout, slotBits, counterBits, nonceBits, slotLo: 0, nonceLo: slotBits, counterLo: slotBits + nonceBits, width: slotBits + 128 };
}

export interface PacketContext {
  slot: number;
  nonce: Uint8Array;
  counter: bigint | number;
}

/** tuser of a packet's first beat. The nonce's byte 0 is its least significant byte. */
export function encodeContext(f: ContextFormat, c: PacketContext): bigint {
  if (c.nonce.length * 8 !== f.nonceBits) throw new Error(`nonce must be ${f.nonceBits / 8} bytes for the ${f.layout} layout`);
  if (!Number.isInteger(c.slot) || c.slot < 0 || c.slot >= 1 << f.slotBits) throw new Error(`key slot ${c.slot} does not fit in ${f.slotBits} bits`);
  const ctr = BigInt(c.counter);
  if (ctr < 0n || ctr >> BigInt(f.counterBits) !== 0n) throw new Error(`counter ${ctr} does not fit in ${f.counterBits} bits`);
  let nonce = 0n;
  for (let i = c.nonce.length - 1; i >= 0; i--) nonce = (nonce << 8n) | BigInt(c.nonce[i]!);
  return (ctr << BigInt(f.counterLo)) | (nonce << BigInt(f.nonceLo)) | BigInt(c.slot);
}

/** m_axis_tuser bit 0: the packet's block counter wrapped; its keystream repeats and it must be dropped. */
export const TUSER_COUNTER_WRAPPED = 0;
