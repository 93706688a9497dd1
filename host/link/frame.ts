// Transport frame codec: the one place where link frames are laid out.
//
//   header (20 B, authenticated as AAD, big-endian):
//     version u8 | type u8 = 3 | flags u16 = 0 | receiver u32 | generation u32 | counter u64
//   body: ChaCha20-Poly1305(key[generation], nonce = 0^32 || LE64(counter), aad = header,
//         inner type u8 | payload length u16 | payload | zero padding to 16 (or 32) bytes)
//   tag (16 B)
import type { Aead } from '../crypto/aead.ts';
import { COUNTER_LIMIT, FRAME_HEADER_BYTES, FRAME_OFFSET, INNER_HEADER_BYTES, MAX_BODY_BYTES, MAX_FRAME_BYTES, MAX_PAYLOAD_BYTES, MessageType, MIN_FRAME_BYTES, NONCE_BYTES, PROTOCOL_VERSION, TAG_BYTES, type FrameReject, type InnerType, type PadBytes } from '../../spec/link-wire.ts';

export interface FrameHeader {
  receiver: number;
  generation: number;
  counter: number;
}

/** Why a frame was not delivered. Each reason is a stats counter; none of them throws. */
export type { FrameReject };

/** Noise-style nonce: four zero bytes, then the 64-bit counter (hi:lo words) little-endian. */
export function frameNonceWords(hi: number, lo: number, out: Uint8Array = new Uint8Array(NONCE_BYTES)): Uint8Array {
  out[0] = out[1] = out[2] = out[3] = 0;
  out[4] = lo & 0xff;
  out[5] = (lo >>> 8) & 0xff;
  out[6] = (lo >>> 16) & 0xff;
  out[7] = (lo >>> 24) & 0xff;
  out[8] = hi & 0xff;
  out[9] = (hi >>> 8) & 0xff;
  out[10] = (hi >>> 16) & 0xff;
  out[11] = (hi >>> 24) & 0xff;
  return out;
}

export function frameNonce(counter: number, out?: Uint8Array): Uint8Array {
  return frameNonceWords(Math.floor(counter / 2 ** 32) >>> 0, counter >>> 0, out);
}

/**
 * The frame's AEAD step: seal a padded body under (key, nonce) with the header as AAD,
 * writing body ciphertext || tag at out[offset..]. `body` may lie at that very place.
 */
export function sealFrameBodyInto(aead: Aead, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, body: Uint8Array, out: Uint8Array, offset: number): void {
  aead.sealInto(key, nonce, aad, body, out, offset);
}

/** `sealFrameBodyInto` into a new buffer. */
export function sealFrameBody(aead: Aead, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + TAG_BYTES);
  sealFrameBodyInto(aead, key, nonce, aad, body, out, 0);
  return out;
}

/** The frame's AEAD step in reverse; null when the tag does not verify. */
export function openFrameBody(aead: Aead, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  return aead.open(key, nonce, aad, sealed);
}

export function writeFrameHeader(out: Uint8Array, h: FrameHeader): void {
  const v = new DataView(out.buffer, out.byteOffset, FRAME_HEADER_BYTES);
  v.setUint8(FRAME_OFFSET.version, PROTOCOL_VERSION);
  v.setUint8(FRAME_OFFSET.type, MessageType.Transport);
  v.setUint16(FRAME_OFFSET.flags, 0);
  v.setUint32(FRAME_OFFSET.receiver, h.receiver >>> 0);
  v.setUint32(FRAME_OFFSET.generation, h.generation >>> 0);
  v.setUint32(FRAME_OFFSET.counter, Math.floor(h.counter / 2 ** 32));
  v.setUint32(FRAME_OFFSET.counter + 4, h.counter >>> 0);
}

/** Reads and checks a transport header. Returns a reject reason for anything malformed. */
export function readFrameHeader(frame: Uint8Array): FrameHeader | FrameReject {
  if (frame.length < MIN_FRAME_BYTES) return 'truncated';
  if (frame.length > MAX_FRAME_BYTES) return 'oversized';
  if (frame[FRAME_OFFSET.version] !== PROTOCOL_VERSION) return 'badVersion';
  if (frame[FRAME_OFFSET.type] !== MessageType.Transport) return 'badType';
  const v = new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_BYTES);
  if (v.getUint16(FRAME_OFFSET.flags) !== 0) return 'badFlags';
  // The body must be whole 16-byte granules; the 32-byte option is a sender choice, so the
  // receiver accepts either.
  if ((frame.length - FRAME_HEADER_BYTES - TAG_BYTES) % 16 !== 0) return 'badLength';
  const hi = v.getUint32(FRAME_OFFSET.counter);
  const counter = hi * 2 ** 32 + v.getUint32(FRAME_OFFSET.counter + 4);
  if (counter >= COUNTER_LIMIT) return 'counterLimit';
  return { receiver: v.getUint32(FRAME_OFFSET.receiver), generation: v.getUint32(FRAME_OFFSET.generation), counter };
}

/** Padded body size for a payload of `payloadBytes`. */
export function bodyBytes(payloadBytes: number, pad: PadBytes): number {
  return Math.ceil((INNER_HEADER_BYTES + payloadBytes) / pad) * pad;
}

/** Total frame size on the wire for a payload. */
export function frameBytes(payloadBytes: number, pad: PadBytes): number {
  return FRAME_HEADER_BYTES + bodyBytes(payloadBytes, pad) + TAG_BYTES;
}

/** Writes the inner message and its zero padding into `out` (which must be zero-filled). */
function writeInner(out: Uint8Array, innerType: InnerType, payload: Uint8Array): void {
  out[0] = innerType;
  out[1] = payload.length >>> 8;
  out[2] = payload.length & 0xff;
  out.set(payload, INNER_HEADER_BYTES);
}

export function encodeInner(innerType: InnerType, payload: Uint8Array, pad: PadBytes): Uint8Array {
  if (payload.length > MAX_PAYLOAD_BYTES) throw new RangeError(`payload of ${payload.length} B exceeds ${MAX_PAYLOAD_BYTES} B`);
  const body = new Uint8Array(bodyBytes(payload.length, pad)); // zero-filled: the padding
  writeInner(body, innerType, payload);
  return body;
}

export interface Inner {
  innerType: number;
  payload: Uint8Array;
}

/** Parses a decrypted body; null when the length field or the padding is inconsistent. */
export function decodeInner(body: Uint8Array): Inner | null {
  if (body.length < INNER_HEADER_BYTES || body.length > MAX_BODY_BYTES) return null;
  const len = (body[1] << 8) | body[2];
  const end = INNER_HEADER_BYTES + len;
  if (end > body.length) return null;
  // Padding must be zero and shorter than one 32-byte granule: no covert channel, one encoding.
  if (body.length - end >= 32) return null;
  for (let i = end; i < body.length; i++) if (body[i] !== 0) return null;
  return { innerType: body[0], payload: body.subarray(INNER_HEADER_BYTES, end) };
}

/** Seals one frame. The caller guarantees `counter` was never used under `key`. */
export function sealFrame(
  aead: Aead,
  key: Uint8Array,
  header: FrameHeader,
  innerType: InnerType,
  payload: Uint8Array,
  pad: PadBytes,
): Uint8Array {
  if (payload.length > MAX_PAYLOAD_BYTES) throw new RangeError(`payload of ${payload.length} B exceeds ${MAX_PAYLOAD_BYTES} B`);
  const n = bodyBytes(payload.length, pad);
  // One allocation per frame: header, then the plaintext body (zero-filled, so padded),
  // encrypted where it lies, then the tag.
  const frame = new Uint8Array(FRAME_HEADER_BYTES + n + TAG_BYTES);
  writeFrameHeader(frame, header);
  const body = frame.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + n);
  writeInner(body, innerType, payload);
  sealFrameBodyInto(aead, key, frameNonce(header.counter), frame.subarray(0, FRAME_HEADER_BYTES), body, frame, FRAME_HEADER_BYTES);
  return frame;
}

/** Opens the body of a frame whose header was read with `readFrameHeader`. */
export function openFrame(aead: Aead, key: Uint8Array, frame: Uint8Array, header: FrameHeader): Inner | 'badTag' | 'badInner' {
  const aad = frame.subarray(0, FRAME_HEADER_BYTES);
  const body = openFrameBody(aead, key, frameNonce(header.counter), aad, frame.subarray(FRAME_HEADER_BYTES));
  if (body === null) return 'badTag';
  return decodeInner(body) ?? 'badInner';
}
