// The sending end of the file service (file-transfer.ts): offers a file to a node, streams it
// from disk in pieces (never the whole file in memory), and waits for the receiver's verdict.
// When the stream is cut (routes lost for good, the receiver restarted and reset it) it offers
// the same transfer again and the receiver says where to resume; it gives up only when the
// transfer made no progress for `stallMs`, or at once when the receiver refuses or fails it,
// with the receiver's reason.
import { createHash, createHmac } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import type { MeshStream, RouteInfo } from '../mesh/api.ts';
import { closeWhenFinished, encodeOffer, FailCode, ReplyParser, ReplyType, TRANSFER_ID_BYTES, type Reply } from './file-transfer.ts';
import { describeErrno } from './inbox.ts';

/** File data is read and handed to the stream in pieces of this size. */
const FILE_READ_BYTES = 64 * 1024;
/** Waits between attempts: the first, doubling up to the last. */
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 4000;
/** Progress is checked (and reported) this often. */
const PROGRESS_EVERY_MS = 100;

export interface SendFileOptions {
  /** The node's secret key: transfer ids are an HMAC under it. */
  secretKey: Uint8Array;
  address: string;
  path: string;
  name: string;
  /** A stream to the destination over existing or new routes (the daemon decides which). */
  openStream(): Promise<{ stream: MeshStream; routes: RouteInfo[]; setupMs: number }>;
  stallMs: number;
  emit(event: unknown): void;
  log(line: string): void;
}

export interface SendFileResult {
  name: string;
  bytes: number;
  sha256: string;
  routes: RouteInfo[];
  setupMs: number;
  retransmits: number;
  repairs: number;
  /** Streams it took (1 unless the transfer was resumed). */
  attempts: number;
  /** Where the receiver's last accepted attempt started (0: from the start). */
  resumedFrom: number;
}

/** The receiver's refusal or failure: ends the transfer, with its words. */
class ReceiverError extends Error {
  constructor(
    readonly code: number,
    reason: string,
  ) {
    super(`the receiver ${code === FailCode.Checksum ? 'found a checksum mismatch' : 'could not take the file'}: ${reason}`);
  }
}

/**
 * The same file (path, size, modification time, inode) to the same node always gets the same
 * transfer id from the same sender, also after the sender restarted: that is what lets the
 * receiver resume. Nobody without our secret key can guess it.
 */
export function transferIdOf(secretKey: Uint8Array, address: string, path: string, st: { size: number; mtimeMs: number; ino: number }): Uint8Array {
  const h = createHmac('sha256', secretKey).update('skywire-file/1 transfer-id\n').update(`${address}\n${path}\n${st.size}\n${st.mtimeMs}\n${st.ino}`);
  return new Uint8Array(h.digest().subarray(0, TRANSFER_ID_BYTES));
}

/** Replies from the receiver as a queue the sender can wait on, with the stream's closing. */
class Replies {
  private readonly queue: Reply[] = [];
  private waiter: (() => void) | undefined;
  private broken: string | undefined;

  constructor(private readonly stream: MeshStream) {
    const parser = new ReplyParser();
    stream.onData = (piece) => {
      const got = parser.push(piece);
      if (typeof got === 'string') this.broken = got;
      else this.queue.push(...got);
      this.wake();
    };
    stream.onClose = () => this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** The next reply; null when the stream closed first (resumable), throws on a broken format. */
  async next(): Promise<Reply | null> {
    for (;;) {
      if (this.broken) throw new ReceiverError(FailCode.Protocol, this.broken);
      const r = this.queue.shift();
      if (r) return r;
      if (this.stream.closeReason !== undefined) return null;
      await new Promise<void>((res) => (this.waiter = res));
    }
  }

  /** A verdict that came early (the receiver failed while we were still sending). */
  verdict(): Reply | undefined {
    return this.queue.find((r) => r.type === ReplyType.Failed || r.type === ReplyType.Refuse);
  }
}

export async function sendFile(o: SendFileOptions): Promise<SendFileResult> {
  let st: { size: number; mtimeMs: number; ino: number; isFile(): boolean };
  try {
    st = await stat(o.path);
  } catch (e) {
    throw new Error(`cannot read ${o.path}: ${describeErrno(e)}`);
  }
  if (!st.isFile()) throw new Error(`${o.path} is not a regular file`);
  const size = st.size;
  const transferId = transferIdOf(o.secretKey, o.address, o.path, st);
  const fh = await open(o.path, 'r').catch((e) => {
    throw new Error(`cannot read ${o.path}: ${describeErrno(e)}`);
  });
  let progressAt = performance.now();
  let bestBytes = -1;
  let attempts = 0;
  let lastError = '';
  let retryMs = RETRY_FIRST_MS;
  let restartedAfterMismatch = false;
  /** Set when the progress check gave up on the current stream. */
  let stalled: string | undefined;
  try {
    for (;;) {
      attempts++;
      let stream: MeshStream | undefined;
      let ticker: NodeJS.Timeout | undefined;
      try {
        const opened = await o.openStream();
        stream = opened.stream;
        const s = stream;
        o.emit({ phase: 'routes', routes: opened.routes.map((r) => ({ id: r.id, hops: r.hops.map((h) => h.address) })), setupMs: opened.setupMs, attempt: attempts });
        const replies = new Replies(s);
        const offer = encodeOffer(transferId, o.name, size);
        // The receiver answers the offer at once; silence until the stall bound ends the attempt.
        const waited = setTimeout(() => {
          stalled = `no answer to the offer for ${Math.round(o.stallMs / 1000)} s`;
          s.close();
        }, Math.max(0, o.stallMs - (performance.now() - progressAt)));
        let answer: Reply | null;
        try {
          await s.writeAll(offer);
          answer = await replies.next();
        } finally {
          clearTimeout(waited);
        }
        if (!answer) throw new Error(s.closeReason ?? 'stream closed');
        if (answer.type === ReplyType.Refuse) throw new ReceiverError(answer.code, answer.reason);
        if (answer.type === ReplyType.Done) return finish(answer.sha256, opened, 0);
        if (answer.type !== ReplyType.Accept) throw new ReceiverError(FailCode.Protocol, `unexpected record ${answer.type} before Accept`);
        const offset = answer.offset;
        if (offset > size) throw new ReceiverError(FailCode.Protocol, `accepted at ${offset} of ${size} bytes`);
        progressAt = performance.now();
        if (offset > 0) {
          o.log(`resuming ${o.name} at byte ${offset} of ${size}`);
          o.emit({ phase: 'resumed', offset, total: size });
        }
        // Progress: the receiver holds `offset` + what it acknowledged since.
        const contentAcked = () => Math.max(0, Math.min(size - offset, s.status().bytesAcked - offer.length));
        const progress = () => {
          const bytes = offset + contentAcked();
          if (bytes > bestBytes) {
            bestBytes = bytes;
            progressAt = performance.now();
          }
          o.emit({ phase: 'data', bytes, total: size, routes: s.status().routes.length });
          if (performance.now() - progressAt > o.stallMs) {
            stalled = `the receiver acknowledged nothing for ${Math.round(o.stallMs / 1000)} s`;
            s.close(); // tells the receiver (Reset); writeAll and next() below give up
          }
        };
        ticker = setInterval(progress, PROGRESS_EVERY_MS);
        const hash = createHash('sha256');
        const buf = new Uint8Array(FILE_READ_BYTES);
        for (let at = 0; at < size; ) {
          const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - at), at);
          if (bytesRead === 0) throw new Error(`${o.path} shrank while it was being sent`);
          const piece = buf.subarray(0, bytesRead);
          hash.update(piece);
          // Bytes below the receiver's offset only feed the hash.
          if (at + bytesRead > offset) await s.writeAll(piece.subarray(Math.max(0, offset - at)));
          at += bytesRead;
          const early = replies.verdict();
          if (early && early.type !== ReplyType.Accept) break;
        }
        const sha256 = hash.digest();
        if (!replies.verdict()) {
          await s.writeAll(sha256);
          s.end();
        }
        const verdict = await replies.next();
        if (!verdict) throw new Error(s.closeReason ?? 'stream closed');
        if (verdict.type === ReplyType.Done) {
          if (verdict.sha256 !== Buffer.from(sha256).toString('hex')) throw new ReceiverError(FailCode.Checksum, `receiver has ${verdict.sha256}`);
          progress();
          return finish(verdict.sha256, opened, offset);
        }
        if (verdict.type === ReplyType.Failed || verdict.type === ReplyType.Refuse) {
          // A resumed file whose hash fails: the partial file it resumed was damaged, and the
          // receiver dropped it; once more from the start, once.
          if (verdict.code === FailCode.Checksum && offset > 0 && !restartedAfterMismatch) {
            restartedAfterMismatch = true;
            lastError = verdict.reason;
            continue;
          }
          throw new ReceiverError(verdict.code, verdict.reason);
        }
        throw new ReceiverError(FailCode.Protocol, `unexpected record ${verdict.type}`);
      } catch (e) {
        stream?.close();
        if (e instanceof ReceiverError) throw e;
        lastError = stalled ?? (e as Error).message;
        stalled = undefined;
      } finally {
        if (ticker) clearInterval(ticker);
      }
      // The stream was cut: try again (the receiver resumes) until nothing moved for stallMs.
      const idle = performance.now() - progressAt;
      if (idle + retryMs > o.stallMs) throw new Error(`transfer of ${o.name} made no progress for ${Math.round(idle / 1000)} s after ${attempts} attempt(s): ${lastError}`);
      o.log(`transfer of ${o.name} interrupted (${lastError}); trying again in ${retryMs} ms`);
      await new Promise((r) => setTimeout(r, retryMs));
      retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
    }
  } finally {
    await fh.close();
  }

  function finish(sha256: string, opened: { stream: MeshStream; routes: RouteInfo[]; setupMs: number }, resumedFrom: number): SendFileResult {
    const stream = opened.stream;
    const s = stream.status();
    closeWhenFinished(stream, 10_000);
    return { name: o.name, bytes: size, sha256, routes: opened.routes, setupMs: opened.setupMs, retransmits: s.retransmits, repairs: s.repairs, attempts, resumedFrom };
  }
}
