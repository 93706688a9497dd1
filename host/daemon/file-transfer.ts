// The file service's wire format (`skywire send` / `recv`): one file per mesh stream, on
// FILE_CHANNEL. The stream is already reliable, ordered and end-to-end authenticated; this
// format adds what a file needs on top: a name, the size, resumption after either end
// restarted, the sender's SHA-256 of the whole content, and an answer from the receiver, so
// that every outcome, good or bad, is known at both ends.
//
//   sender -> receiver   Offer    "SWF2" | transfer id (16 B) | name length u16 | name (UTF-8) | size u64
//   receiver -> sender   Accept   offset u64: the receiver already holds bytes 0..offset of this
//                                 transfer (a partial file from an earlier attempt), or 0
//                    or  Refuse   code u8 | reason (UTF-8): the file cannot be taken (inbox not
//                                 writable, too large, ...)
//   sender -> receiver   content  bytes offset..size, then SHA-256 of bytes 0..size (32 B)
//   receiver -> sender   Done     SHA-256 the receiver computed (equal to the sender's)
//                    or  Failed   code u8 | reason: writing failed (disk full), the hash did not
//                                 match, or the content broke the format
//
// Receiver messages are records: type u8 | length u16 | body. All integers big endian. The
// transfer id names one file of one sender (an HMAC of the sender's key, the destination and
// the file's identity, so a sender that restarted offers the same id again); the receiver
// keeps a partial file under it, so a transfer cut by a restart of either end resumes.
import { concatBytes } from '../../spec/bytes.ts';
import type { MeshStream } from '../mesh/api.ts';

/** Stream channel of the file service at the destination. */
export const FILE_CHANNEL = 5;
export const FILE_MAGIC = new TextEncoder().encode('SWF2');
export const TRANSFER_ID_BYTES = 16;
export const MAX_FILE_NAME_BYTES = 255;
export const DIGEST_BYTES = 32;
/** A receiver's reason text is cut to this many bytes. */
export const MAX_REASON_BYTES = 512;

export const ReplyType = { Accept: 1, Refuse: 2, Done: 3, Failed: 4 } as const;
export type ReplyType = (typeof ReplyType)[keyof typeof ReplyType];

/** Why a receiver refused or failed a transfer. */
export const FailCode = {
  /** The inbox could not be written (read-only, no space, permissions). */
  Storage: 1,
  /** The content's SHA-256 differs from the sender's. */
  Checksum: 2,
  /** The stream did not follow this format. */
  Protocol: 3,
  /** Another attempt of the same transfer took over. */
  Superseded: 4,
} as const;

export type Reply =
  | { type: typeof ReplyType.Accept; offset: number }
  | { type: typeof ReplyType.Refuse; code: number; reason: string }
  | { type: typeof ReplyType.Done; sha256: string }
  | { type: typeof ReplyType.Failed; code: number; reason: string };

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });

export function encodeOffer(transferId: Uint8Array, name: string, size: number): Uint8Array {
  const nameBytes = enc.encode(name);
  if (transferId.length !== TRANSFER_ID_BYTES) throw new RangeError(`transfer id must be ${TRANSFER_ID_BYTES} bytes`);
  if (nameBytes.length === 0 || nameBytes.length > MAX_FILE_NAME_BYTES) throw new RangeError(`file name must be 1..${MAX_FILE_NAME_BYTES} bytes of UTF-8`);
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`file size must be a non-negative safe integer, got ${size}`);
  const out = new Uint8Array(FILE_MAGIC.length + TRANSFER_ID_BYTES + 2 + nameBytes.length + 8);
  const v = new DataView(out.buffer);
  let at = 0;
  out.set(FILE_MAGIC, at);
  at += FILE_MAGIC.length;
  out.set(transferId, at);
  at += TRANSFER_ID_BYTES;
  v.setUint16(at, nameBytes.length);
  out.set(nameBytes, at + 2);
  at += 2 + nameBytes.length;
  v.setBigUint64(at, BigInt(size));
  return out;
}

export function encodeReply(r: Reply): Uint8Array {
  let body: Uint8Array;
  switch (r.type) {
    case ReplyType.Accept: {
      body = new Uint8Array(8);
      new DataView(body.buffer).setBigUint64(0, BigInt(r.offset));
      break;
    }
    case ReplyType.Done:
      body = Uint8Array.from(Buffer.from(r.sha256, 'hex'));
      break;
    case ReplyType.Refuse:
    case ReplyType.Failed: {
      const text = enc.encode(r.reason).subarray(0, MAX_REASON_BYTES);
      body = new Uint8Array(1 + text.length);
      body[0] = r.code;
      body.set(text, 1);
      break;
    }
  }
  const out = new Uint8Array(3 + body.length);
  out[0] = r.type;
  new DataView(out.buffer).setUint16(1, body.length);
  out.set(body, 3);
  return out;
}

/**
 * Lets a stream whose last word is sent go: closed once our end is acknowledged, or after
 * `ms` whatever happens to it (a route lost at the very end must not keep it forever).
 */
export function closeWhenFinished(stream: MeshStream, ms: number): void {
  const linger = setTimeout(() => stream.close(), ms);
  linger.unref();
  stream.finished.then(
    () => {
      clearTimeout(linger);
      stream.close();
    },
    () => clearTimeout(linger),
  );
}

/** Keeps only the last path component and characters that are safe in a file name. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return clean.slice(0, 100) || 'file';
}

export type OfferEvent =
  | { kind: 'offer'; transferId: Uint8Array; name: string; size: number }
  | { kind: 'data'; bytes: Uint8Array }
  | { kind: 'trailer'; sha256: string };

/**
 * The receiver's parser of what the sender sends: the Offer, then (after `accept(offset)`)
 * size - offset content bytes and the 32-byte digest. Feed it the stream's data in whatever
 * pieces arrive; it returns the events each piece completes, or a reason string once the
 * stream broke the format (after which it takes nothing more).
 */
export class OfferParser {
  private head: Uint8Array = new Uint8Array(0);
  private size = -1;
  private remaining = -1;
  private trailer: Uint8Array = new Uint8Array(0);
  /** Content that arrived before accept() (the sender waits for Accept, so only a broken one sends it). */
  private early: Uint8Array = new Uint8Array(0);
  private failed: string | null = null;
  private finished = false;

  push(piece: Uint8Array): OfferEvent[] | string {
    if (this.failed) return this.failed;
    const out: OfferEvent[] = [];
    let rest = piece;
    if (this.size < 0) {
      this.head = concatBytes(this.head, rest);
      const h = this.head;
      const fixed = FILE_MAGIC.length + TRANSFER_ID_BYTES + 2;
      if (h.length < FILE_MAGIC.length) return out;
      if (!FILE_MAGIC.every((b, i) => h[i] === b)) return this.fail('not a file stream (bad magic)');
      if (h.length < fixed) return out;
      const nameLen = (h[fixed - 2] << 8) | h[fixed - 1];
      if (nameLen === 0 || nameLen > MAX_FILE_NAME_BYTES) return this.fail(`bad file name length ${nameLen}`);
      if (h.length < fixed + nameLen + 8) return out;
      const size = new DataView(h.buffer, h.byteOffset, h.length).getBigUint64(fixed + nameLen);
      if (size > BigInt(Number.MAX_SAFE_INTEGER)) return this.fail('file size too large');
      this.size = Number(size);
      const transferId = h.slice(FILE_MAGIC.length, FILE_MAGIC.length + TRANSFER_ID_BYTES);
      out.push({ kind: 'offer', transferId, name: dec.decode(h.subarray(fixed, fixed + nameLen)), size: this.size });
      rest = h.subarray(fixed + nameLen + 8);
      this.head = new Uint8Array(0);
    }
    if (this.remaining < 0) {
      this.early = concatBytes(this.early, rest);
      if (this.early.length > DIGEST_BYTES + 65536) return this.fail('content before the receiver accepted');
      return out;
    }
    return this.content(rest, out);
  }

  /** The receiver holds bytes 0..offset already: what follows is offset..size, then the digest. */
  accept(offset: number): OfferEvent[] | string {
    if (this.size < 0 || this.remaining >= 0) throw new Error('accept() once, after the offer');
    if (offset > this.size) throw new RangeError(`offset ${offset} beyond the size ${this.size}`);
    this.remaining = this.size - offset;
    const early = this.early;
    this.early = new Uint8Array(0);
    return this.content(early, []);
  }

  private content(rest: Uint8Array, out: OfferEvent[]): OfferEvent[] | string {
    if (this.remaining > 0 && rest.length) {
      const data = rest.subarray(0, Math.min(this.remaining, rest.length));
      this.remaining -= data.length;
      out.push({ kind: 'data', bytes: data });
      rest = rest.subarray(data.length);
    }
    if (rest.length) {
      if (this.finished || this.trailer.length + rest.length > DIGEST_BYTES) return this.fail('bytes after the end of the file');
      this.trailer = concatBytes(this.trailer, rest);
    }
    if (!this.finished && this.remaining === 0 && this.trailer.length === DIGEST_BYTES) {
      this.finished = true;
      out.push({ kind: 'trailer', sha256: Buffer.from(this.trailer).toString('hex') });
    }
    return out;
  }

  /** The stream ended: null when the offer and content were complete, else why not. */
  end(): string | null {
    if (this.failed) return this.failed;
    if (this.finished) return null;
    if (this.size < 0) return 'the stream ended before the file header';
    return `the stream ended with ${this.remaining < 0 ? 'no content' : `${this.remaining} bytes missing`}`;
  }

  private fail(reason: string): string {
    this.failed = reason;
    return reason;
  }
}

/** The sender's parser of the receiver's records; a reason string once they break the format. */
export class ReplyParser {
  private buf: Uint8Array = new Uint8Array(0);
  private failed: string | null = null;

  push(piece: Uint8Array): Reply[] | string {
    if (this.failed) return this.failed;
    this.buf = concatBytes(this.buf, piece);
    const out: Reply[] = [];
    while (this.buf.length >= 3) {
      const len = (this.buf[1] << 8) | this.buf[2];
      if (len > MAX_REASON_BYTES + 1) return (this.failed = `receiver record too long (${len} bytes)`);
      if (this.buf.length < 3 + len) break;
      const type = this.buf[0];
      const body = this.buf.subarray(3, 3 + len);
      this.buf = this.buf.slice(3 + len);
      switch (type) {
        case ReplyType.Accept:
          if (len !== 8) return (this.failed = 'bad Accept record');
          out.push({ type, offset: Number(new DataView(body.buffer, body.byteOffset, 8).getBigUint64(0)) });
          break;
        case ReplyType.Done:
          if (len !== DIGEST_BYTES) return (this.failed = 'bad Done record');
          out.push({ type, sha256: Buffer.from(body).toString('hex') });
          break;
        case ReplyType.Refuse:
        case ReplyType.Failed:
          if (len < 1) return (this.failed = 'bad receiver record');
          out.push({ type, code: body[0], reason: dec.decode(body.subarray(1)) });
          break;
        default:
          return (this.failed = `unknown receiver record ${type}`);
      }
    }
    return out;
  }
}
