// The ChaCha20-Poly1305 packet engine's stream contract, defined once: the context a
// packet's first beat carries in s_axis_tuser, and what m_axis_tuser says on a packet's last
// beat. rtl-gen/aead/ takes the field positions from here; the tests, the soak benchmark and
// the host driver encode and decode with the same functions.
//
// The nonce is a 32-bit fixed field followed by the 64-bit frame counter, both
// little-endian (RFC 8439 2.8's "constant ‖ iv"); the link frame's (docs/protocol.md,
// "Transport frame") has the fixed field 0: 00 00 00 00 ‖ LE64(counter). Block 0 of ChaCha20
// under it gives the Poly1305 key, blocks 1.. encrypt the text.
//
// A packet is AAD (the first aadBytes bytes) followed by the text. Seal: in AAD ‖ plaintext,
// out AAD ‖ ciphertext ‖ tag. Open: in AAD ‖ ciphertext ‖ tag, out AAD ‖ plaintext.
//
// The consumer rule: a packet's bytes are good only if OUT_OK is 1 on its last beat (the beat
// with tlast). The engine sets OUT_OK on an opened packet only when its tag verified, and
// hands out the plaintext of a forged packet like any other, so a consumer that keeps bytes
// before seeing tlast must hold them until then and drop the packet when OUT_OK is 0.

export type AeadOp = 'seal' | 'open';

export interface AeadFormat {
  readonly slotBits: number;
  /** Field offsets in tuser, least significant first. */
  readonly slotLo: number;
  readonly opLo: number;
  readonly aadLo: number;
  readonly counterLo: number;
  readonly fixedLo: number;
  readonly width: number;
}

/** Bits of the AAD length and of the engine's byte counts: packets up to 65,535 bytes. */
export const AEAD_LENGTH_BITS = 16;
export const AEAD_MAX_PACKET_BYTES = (1 << AEAD_LENGTH_BITS) - 1;
export const AEAD_COUNTER_BITS = 64;
export const AEAD_FIXED_BITS = 32;
export const AEAD_TAG_BYTES = 16;

/** tuser of the first beat: key slot, op (1 = open), AAD length, frame counter, the nonce's fixed field. */
export function aeadFormat(keySlots: number): AeadFormat {
  const slotBits = Math.max(1, Math.ceil(Math.log2(keySlots)));
  const opLo = slotBits;
  const aadLo = opLo + 1;
  const counterLo = aadLo + AEAD_LENGTH_BITS;
  const fixedLo = counterLo + AEAD_COUNTER_BITS;
  return { slotBits, slotLo: 0, opLo, aadLo, counterLo, fixedLo, width: fixedLo + AEAD_FIXED_BITS };
}

export interface AeadContext {
  slot: number;
  op: AeadOp;
  /** Bytes of AAD at the start of the packet. */
  aadBytes: number;
  /** The frame counter; the nonce is LE32(fixed) ‖ LE64(counter). */
  counter: bigint | number;
  /** The nonce's fixed field; 0 (the default) for link frames. */
  fixed?: number;
}

export function encodeAeadContext(f: AeadFormat, c: AeadContext): bigint {
  if (!Number.isInteger(c.slot) || c.slot < 0 || c.slot >= 1 << f.slotBits) throw new RangeError(`key slot ${c.slot} does not fit in ${f.slotBits} bits`);
  if (!Number.isInteger(c.aadBytes) || c.aadBytes < 0 || c.aadBytes > AEAD_MAX_PACKET_BYTES) throw new RangeError(`AAD length ${c.aadBytes} is not 0 to ${AEAD_MAX_PACKET_BYTES}`);
  const ctr = BigInt(c.counter);
  if (ctr < 0n || ctr >> BigInt(AEAD_COUNTER_BITS) !== 0n) throw new RangeError(`counter ${ctr} does not fit in ${AEAD_COUNTER_BITS} bits`);
  const fixed = c.fixed ?? 0;
  if (!Number.isInteger(fixed) || fixed < 0 || fixed > 0xffffffff) throw new RangeError(`nonce fixed field ${fixed} does not fit in 32 bits`);
  return (BigInt(fixed) << BigInt(f.fixedLo)) | (ctr << BigInt(f.counterLo)) | (BigInt(c.aadBytes) << BigInt(f.aadLo)) | (BigInt(c.op === 'open' ? 1 : 0) << BigInt(f.opLo)) | BigInt(c.slot);
}

/** The 12-byte nonce of a frame counter (and fixed field). */
export function aeadNonce(counter: bigint | number, fixed = 0): Uint8Array {
  const n = new Uint8Array(12);
  new DataView(n.buffer).setUint32(0, fixed, true);
  let c = BigInt(counter);
  for (let i = 4; i < 12; i++, c >>= 8n) n[i] = Number(c & 0xffn);
  return n;
}

/** m_axis_tuser bit 0 on a packet's last beat: the packet is good (open: its tag verified). */
export const OUT_OK = 0;
/** m_axis_tuser bit 1 on a packet's last beat: its lengths were wrong (AAD longer than the packet, no room for a tag, over 65,535 bytes); OUT_OK is 0. */
export const OUT_MALFORMED = 1;
export const AEAD_OUT_USER_BITS = 2;

export interface AeadVerdict {
  ok: boolean;
  malformed: boolean;
}

export function decodeAeadVerdict(tuser: number): AeadVerdict {
  return { ok: ((tuser >> OUT_OK) & 1) === 1, malformed: ((tuser >> OUT_MALFORMED) & 1) === 1 };
}
