// Channel framing, the overview's "32 bit length prefixed and 16 bit channel":
//   length u32 (payload bytes, header excluded) | channel u16 | payload
// A datagram link carries whole frames in each datagram (usually one); a stream link (TCP)
// carries them back to back and the reader below reassembles them from arbitrary slices.
import { FRAME_HEADER_BYTES, MAX_MESSAGE_BYTES } from '../../spec/route-wire.ts';
import { concatBytes } from '../../spec/bytes.ts';

export interface Frame {
  channel: number;
  payload: Uint8Array;
}

export function encodeFrame(channel: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  writeFrameHeader(out, channel, payload.length);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** Writes the header at out[0..6) for a payload of `length` bytes that follows it. */
export function writeFrameHeader(out: Uint8Array, channel: number, length: number): void {
  const v = new DataView(out.buffer, out.byteOffset, FRAME_HEADER_BYTES);
  v.setUint32(0, length);
  v.setUint16(4, channel);
}

export type FramingError = 'truncated' | 'oversized';

/**
 * The frames of one datagram. Frames before a bad one are kept; the bad one and anything
 * after it are dropped (a datagram has no way to resynchronise).
 */
export function decodeDatagramFrames(b: Uint8Array): { frames: Frame[]; error?: FramingError } {
  const frames: Frame[] = [];
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  let p = 0;
  while (p < b.length) {
    if (b.length - p < FRAME_HEADER_BYTES) return { frames, error: 'truncated' };
    const len = v.getUint32(p);
    const channel = v.getUint16(p + 4);
    if (len > MAX_MESSAGE_BYTES) return { frames, error: 'oversized' };
    if (p + FRAME_HEADER_BYTES + len > b.length) return { frames, error: 'truncated' };
    frames.push({ channel, payload: b.subarray(p + FRAME_HEADER_BYTES, p + FRAME_HEADER_BYTES + len) });
    p += FRAME_HEADER_BYTES + len;
  }
  return { frames };
}

/**
 * Reassembles frames from a byte stream. A length above MAX_MESSAGE_BYTES means the stream
 * is corrupt (or hostile): the reader reports it once and discards everything after, since
 * a length-prefixed stream cannot be resynchronised; the transport should close the connection.
 */
export class StreamFrameReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private corrupt = false;

  get isCorrupt(): boolean {
    return this.corrupt;
  }

  /** Bytes held waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(bytes: Uint8Array): { frames: Frame[]; error?: FramingError } {
    if (this.corrupt) return { frames: [] };
    this.chunks.push(bytes.slice());
    this.buffered += bytes.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.buffered < FRAME_HEADER_BYTES) break;
      const head = this.peek(FRAME_HEADER_BYTES);
      const v = new DataView(head.buffer, head.byteOffset, FRAME_HEADER_BYTES);
      const len = v.getUint32(0);
      if (len > MAX_MESSAGE_BYTES) {
        this.corrupt = true;
        this.chunks = [];
        this.buffered = 0;
        return { frames, error: 'oversized' };
      }
      if (this.buffered < FRAME_HEADER_BYTES + len) break;
      const whole = this.take(FRAME_HEADER_BYTES + len);
      frames.push({ channel: v.getUint16(4), payload: whole.subarray(FRAME_HEADER_BYTES) });
    }
    return { frames };
  }

  /** The first n buffered bytes, joined into one array when they span chunks. */
  private peek(n: number): Uint8Array {
    if (this.chunks[0].length >= n) return this.chunks[0].subarray(0, n);
    this.chunks = [concatBytes(...this.chunks)];
    return this.chunks[0].subarray(0, n);
  }

  private take(n: number): Uint8Array {
    const first = this.peek(n);
    const out = first.slice();
    const rest = this.chunks[0].subarray(n);
    this.chunks[0] = rest;
    if (rest.length === 0) this.chunks.shift();
    this.buffered -= n;
    return out;
  }
}

