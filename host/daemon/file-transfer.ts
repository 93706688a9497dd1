// The file service (`skywire send` / `recv`): one file per mesh stream, on FILE_CHANNEL.
// The stream is already reliable, ordered and end-to-end authenticated; the file format adds
// a name, the size (so a truncated stream is noticed) and the sender's SHA-256 of the
// content, which the receiver checks against its own hash of what it wrote:
//
//   "SWF1" | name length u16 | name (UTF-8) | size u64 | content (size bytes) | SHA-256 (32 B)
//
// All integers big endian.
import { createHash, type Hash } from 'node:crypto';
import { concatBytes } from '../../spec/bytes.ts';

/** Stream channel of the file service at the destination. */
export const FILE_CHANNEL = 5;
export const FILE_MAGIC = new TextEncoder().encode('SWF1');
export const MAX_FILE_NAME_BYTES = 255;
export const DIGEST_BYTES = 32;

export function encodeFileHeader(name: string, size: number): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  if (nameBytes.length === 0 || nameBytes.length > MAX_FILE_NAME_BYTES) throw new RangeError(`file name must be 1..${MAX_FILE_NAME_BYTES} bytes of UTF-8`);
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`file size must be a non-negative safe integer, got ${size}`);
  const out = new Uint8Array(FILE_MAGIC.length + 2 + nameBytes.length + 8);
  const v = new DataView(out.buffer);
  out.set(FILE_MAGIC, 0);
  v.setUint16(4, nameBytes.length);
  out.set(nameBytes, 6);
  v.setBigUint64(6 + nameBytes.length, BigInt(size));
  return out;
}

/** Keeps only the last path component and characters that are safe in a file name. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return clean.slice(0, 100) || 'file';
}

export type ReceiverEvent =
  | { kind: 'header'; name: string; size: number }
  | { kind: 'data'; bytes: Uint8Array }
  | { kind: 'done'; sha256: string; senderSha256: string; ok: boolean };

/**
 * Parses a file stream incrementally: feed it the stream's data in whatever pieces arrive.
 * Returns the events the piece completes, or a reason string when the stream is not a file
 * (after which it accepts nothing more).
 */
export class FileReceiver {
  private head: Uint8Array = new Uint8Array(0);
  private size = -1;
  private received = 0;
  private trailer: Uint8Array = new Uint8Array(0);
  private readonly hash: Hash = createHash('sha256');
  private failed: string | null = null;
  private finished = false;

  get bytesReceived(): number {
    return this.received;
  }

  get expectedSize(): number {
    return this.size;
  }

  push(piece: Uint8Array): ReceiverEvent[] | string {
    if (this.failed) return this.failed;
    const out: ReceiverEvent[] = [];
    let rest = piece;
    if (this.size < 0) {
      this.head = concatBytes(this.head, rest);
      const h = this.head;
      if (h.length < 6) return out;
      if (!FILE_MAGIC.every((b, i) => h[i] === b)) return this.fail('not a file stream (bad magic)');
      const nameLen = (h[4] << 8) | h[5];
      if (nameLen === 0 || nameLen > MAX_FILE_NAME_BYTES) return this.fail(`bad file name length ${nameLen}`);
      if (h.length < 6 + nameLen + 8) return out;
      const name = new TextDecoder('utf-8', { fatal: false }).decode(h.subarray(6, 6 + nameLen));
      const size = new DataView(h.buffer, h.byteOffset, h.length).getBigUint64(6 + nameLen);
      if (size > BigInt(Number.MAX_SAFE_INTEGER)) return this.fail('file size too large');
      this.size = Number(size);
      out.push({ kind: 'header', name, size: this.size });
      rest = h.subarray(6 + nameLen + 8);
      this.head = new Uint8Array(0);
    }
    const want = this.size - this.received;
    if (want > 0 && rest.length) {
      const data = rest.subarray(0, Math.min(want, rest.length));
      this.hash.update(data);
      this.received += data.length;
      out.push({ kind: 'data', bytes: data });
      rest = rest.subarray(data.length);
    }
    if (rest.length) {
      if (this.finished || this.trailer.length + rest.length > DIGEST_BYTES) return this.fail('bytes after the end of the file');
      this.trailer = concatBytes(this.trailer, rest);
    }
    if (!this.finished && this.received === this.size && this.trailer.length === DIGEST_BYTES) {
      this.finished = true;
      const sha256 = this.hash.digest('hex');
      const senderSha256 = Buffer.from(this.trailer).toString('hex');
      out.push({ kind: 'done', sha256, senderSha256, ok: sha256 === senderSha256 });
    }
    return out;
  }

  /** The stream ended: null when the file was complete, else why not. */
  end(): string | null {
    if (this.failed) return this.failed;
    if (this.finished) return null;
    if (this.size < 0) return 'the stream ended before the file header';
    return `the stream ended after ${this.received} of ${this.size} bytes`;
  }

  private fail(reason: string): string {
    this.failed = reason;
    return reason;
  }
}

