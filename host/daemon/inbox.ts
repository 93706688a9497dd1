// Files arriving on the file service (file-transfer.ts), at the receiving daemon. Each file is
// written as it arrives to a partial file in the inbox, `<name>.<transfer id>.part`, opened
// with O_EXCL | O_NOFOLLOW in a folder only this user can write (private-dir.ts), hashed, and
// checked against the sender's hash; only then is it given its name, by link() (which never
// replaces an existing file: a name that is taken gets -1, -2 ... before the extension).
// A transfer whose stream is cut (a route lost, either end restarted) keeps its partial file,
// and the sender's next attempt (same transfer id) resumes where the file ends. A transfer
// that gets no data for `stallMs` fails, and so does every error: each is told to the sender
// (Refuse / Failed records) and to whoever runs `skywire recv`.
//
// `recv` claims the oldest transfer nobody has claimed yet (or waits for the next one) and
// follows it to the end. Transfers arrive whether or not anyone is waiting: the daemon is the
// mailbox.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, constants, copyFileSync, fstatSync, fsyncSync, linkSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writevSync } from 'node:fs';
import { open as openAsync } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { MeshStream } from '../mesh/api.ts';
import { closeWhenFinished, encodeReply, FailCode, OfferParser, ReplyType, safeFileName, type OfferEvent, type Reply } from './file-transfer.ts';
import { ResetReason } from '../../spec/route-wire.ts';
import { resetText } from '../mesh/stream.ts';
import { codeOf } from './private-dir.ts';

/** A stream's close reason when the sender aborted it (Reset from the opening end). */
const SENDER_ABORTED = resetText(ResetReason.Aborted, 'initiator');

export type TransferState = 'receiving' | 'done' | 'failed';

export interface IncomingTransfer {
  id: number;
  /** The sender's transfer id (hex): a resumed attempt names the same one. */
  transferId: string;
  name: string;
  /** The partial file while receiving; the file's final path once done. */
  path: string;
  size: number;
  /** Bytes held, counting what an earlier attempt left in the partial file. */
  bytes: number;
  /** Bytes that were already in the partial file when this record began (a resume). */
  resumedFrom: number;
  /** Streams that carried this transfer here (more than one: it was resumed in this process). */
  attempts: number;
  state: TransferState;
  sha256?: string;
  /** The sender's hash equals ours. */
  verified?: boolean;
  error?: string;
  startedAt: number;
  endedAt?: number;
  lastDataAt: number;
  claimed: boolean;
  /** Progress and completion subscribers (the `recv` requests following it). */
  listeners: Set<() => void>;
}

export interface InboxOptions {
  /** A transfer that gets no data this long fails (the partial file stays for a resume), ms. */
  stallMs: number;
  log?: (line: string) => void;
}

/** Received data is written in pieces of this size (one system call per piece, not per packet). */
const WRITE_BYTES = 256 * 1024;
/** Partial files older than this are removed when the daemon starts. */
export const PARTIAL_MAX_AGE_MS = 7 * 24 * 3600_000;
/** Finished transfers remembered for `recv` and status. */
const FINISHED_KEPT = 256;
/** How often stalled transfers are looked for. */
const STALL_CHECK_MS = 250;
/** A stream that carried its last record is closed this long after, if the sender has not ended it. */
const LINGER_MS = 30_000;
/** Files are created private to this user; O_NOFOLLOW: never write through a symlink. */
const CREATE_FLAGS = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;
const REOPEN_FLAGS = constants.O_WRONLY | constants.O_NOFOLLOW;
const PART = /^(.*)\.([0-9a-f]{32})\.part$/;

/** The receiving state of a transfer: its open partial file, buffered writes and running hash. */
interface Sink {
  fd: number;
  pending: Uint8Array[];
  pendingBytes: number;
  hash: Hash;
  /** Bytes the hash has seen (equals the record's bytes). */
  hashed: number;
  /** Where the next write goes in the partial file (bytes written so far). */
  fileAt: number;
  /** The stream now carrying it. */
  stream: MeshStream | undefined;
}

export interface PartialFile {
  file: string;
  bytes: number;
  modifiedAt: number;
}

export class Inbox {
  private readonly transfers: IncomingTransfer[] = [];
  private readonly sinks = new Map<IncomingTransfer, Sink>();
  private readonly waiting = new Set<() => void>();
  private readonly log: (line: string) => void;
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;

  /** `dir` must already be a private folder (config.ts prepareFolders). */
  constructor(
    readonly dir: string,
    private readonly now: () => number,
    private readonly opts: InboxOptions,
  ) {
    this.log = opts.log ?? (() => {});
    this.timer = setInterval(() => this.checkStalls(), STALL_CHECK_MS);
    this.timer.unref();
  }

  /** Partial files left by attempts that did not finish (resumable), oldest first. */
  partials(): PartialFile[] {
    const active = new Set([...this.sinks.keys()].map((t) => basename(t.path)));
    const out: PartialFile[] = [];
    for (const f of safeReaddir(this.dir)) {
      if (!PART.test(f) || active.has(f)) continue;
      try {
        const st = statSync(join(this.dir, f));
        out.push({ file: f, bytes: st.size, modifiedAt: st.mtimeMs });
      } catch {
        // gone meanwhile
      }
    }
    return out.sort((a, b) => a.modifiedAt - b.modifiedAt);
  }

  /** At start: removes partial files older than PARTIAL_MAX_AGE_MS; returns the ones kept. */
  sweepPartials(nowWall = Date.now()): PartialFile[] {
    const kept: PartialFile[] = [];
    for (const p of this.partials()) {
      if (nowWall - p.modifiedAt > PARTIAL_MAX_AGE_MS) {
        try {
          unlinkSync(join(this.dir, p.file));
          this.log(`inbox: removed ${p.file}, a partial file older than ${PARTIAL_MAX_AGE_MS / 86_400_000} days`);
        } catch {
          // already gone
        }
      } else kept.push(p);
    }
    return kept;
  }

  /** Takes one incoming stream (the mesh's listener on FILE_CHANNEL). */
  accept(stream: MeshStream): void {
    const parser = new OfferParser();
    let t: IncomingTransfer | undefined;
    const current = () => t !== undefined && t.state === 'receiving' && this.sinks.get(t)?.stream === stream;
    const handle = (events: OfferEvent[] | string) => {
      if (typeof events === 'string') {
        if (current()) this.fail(t!, events, FailCode.Protocol);
        else if (!t) this.replyOn(stream, { type: ReplyType.Failed, code: FailCode.Protocol, reason: events });
        return;
      }
      for (const e of events) {
        if (e.kind === 'offer') {
          void this.onOffer(stream, e).then((rec) => {
            t = rec;
            if (rec) handle(parser.accept(rec.bytes));
          });
        } else if (e.kind === 'data') {
          if (t) this.onData(t, stream, e.bytes);
        } else if (t) this.onTrailer(t, stream, e.sha256);
      }
    };
    stream.onData = (piece) => handle(parser.push(piece));
    stream.onEnd = () => {
      const why = parser.end();
      if (why && current()) this.fail(t!, why, FailCode.Protocol);
    };
    stream.onClose = (reason) => {
      if (!current()) return;
      const sink = this.sinks.get(t!)!;
      sink.stream = undefined;
      this.flush(t!, sink);
      // The sender closed it: it gave up, and says why on its side. Otherwise (a route or an
      // end lost) the sender may resume within stallMs.
      if (reason === SENDER_ABORTED) this.fail(t!, `the sender stopped the transfer after ${t!.bytes} of ${t!.size} bytes`, undefined);
    };
  }

  /** An offer: a new transfer, or the next attempt of one we hold part of. Resolves to its record (undefined: refused). */
  private async onOffer(stream: MeshStream, o: Extract<OfferEvent, { kind: 'offer' }>): Promise<IncomingTransfer | undefined> {
    const transferId = Buffer.from(o.transferId).toString('hex');
    const name = safeFileName(o.name);
    const partPath = join(this.dir, `${name}.${transferId}.part`);
    const reply = (r: Reply) => (r.type === ReplyType.Accept ? void stream.write(encodeReply(r)) : this.replyOn(stream, r));
    // Done already: the sender did not hear our Done (its stream was cut at the very end).
    const done = this.transfers.find((x) => x.transferId === transferId && x.state === 'done');
    if (done) {
      reply({ type: ReplyType.Done, sha256: done.sha256! });
      return undefined;
    }
    const refuse = (code: number, reason: string): undefined => {
      const rec = this.record(transferId, name, partPath, o.size, 0);
      this.finish(rec, 'failed', reason);
      this.log(`refused ${name} (${o.size} B): ${reason}`);
      reply({ type: ReplyType.Refuse, code, reason });
      return undefined;
    };
    // The same transfer still receiving here: its previous stream was cut; this one takes over.
    const live = this.transfers.find((x) => x.transferId === transferId && x.state === 'receiving');
    if (live) {
      const sink = this.sinks.get(live)!;
      if (live.size !== o.size || live.name !== name) return refuse(FailCode.Protocol, 'another file under the same transfer id');
      const old = sink.stream;
      sink.stream = stream;
      if (old && old !== stream) old.close();
      try {
        this.flush(live, sink);
      } catch {
        // the failure is recorded; answered below
      }
      if (live.state !== 'receiving') return refuse(FailCode.Storage, live.error ?? 'write failed');
      live.attempts++;
      live.lastDataAt = this.now();
      reply({ type: ReplyType.Accept, offset: live.bytes });
      this.log(`resuming ${name} at byte ${live.bytes} of ${live.size}`);
      return live;
    }
    // A partial file from an earlier attempt (this process or one before a restart), or a new one.
    let fd: number;
    let offset = 0;
    try {
      fd = openSync(partPath, REOPEN_FLAGS);
      const st = fstatSync(fd);
      if (!st.isFile() || st.uid !== (process.geteuid?.() ?? st.uid) || st.size > o.size) {
        closeSync(fd);
        throw Object.assign(new Error('stale partial file'), { code: 'ESTALE' });
      }
      offset = st.size;
    } catch (e) {
      const code = codeOf(e);
      if (code === 'ESTALE') {
        try {
          unlinkSync(partPath);
        } catch {
          // let the create below report it
        }
      } else if (code !== 'ENOENT') return refuse(FailCode.Storage, `cannot open ${partPath}: ${describeErrno(e)}`);
      try {
        fd = openSync(partPath, CREATE_FLAGS, 0o600);
      } catch (e2) {
        return refuse(FailCode.Storage, `cannot create a file in the inbox ${this.dir}: ${describeErrno(e2)}`);
      }
    }
    const hash = createHash('sha256');
    if (offset > 0) {
      try {
        await hashPrefix(partPath, offset, hash);
      } catch (e) {
        closeSync(fd);
        return refuse(FailCode.Storage, `cannot read ${partPath}: ${describeErrno(e)}`);
      }
    }
    const rec = this.record(transferId, name, partPath, o.size, offset);
    this.sinks.set(rec, { fd, pending: [], pendingBytes: 0, hash, hashed: offset, fileAt: offset, stream });
    this.log(offset > 0 ? `resuming ${name} at byte ${offset} of ${o.size} (partial file from an earlier attempt)` : `receiving ${name} (${o.size} B)`);
    reply({ type: ReplyType.Accept, offset });
    for (const w of [...this.waiting]) w();
    return rec;
  }

  private record(transferId: string, name: string, path: string, size: number, bytes: number): IncomingTransfer {
    const now = this.now();
    const t: IncomingTransfer = {
      id: this.nextId++,
      transferId,
      name,
      path,
      size,
      bytes,
      resumedFrom: bytes,
      attempts: 1,
      state: 'receiving',
      startedAt: now,
      lastDataAt: now,
      claimed: false,
      listeners: new Set(),
    };
    this.transfers.push(t);
    this.prune();
    for (const w of [...this.waiting]) w();
    return t;
  }

  private onData(t: IncomingTransfer, stream: MeshStream, bytes: Uint8Array): void {
    const sink = this.sinks.get(t);
    if (!sink || sink.stream !== stream || t.state !== 'receiving') return;
    sink.pending.push(bytes);
    sink.pendingBytes += bytes.length;
    sink.hash.update(bytes);
    sink.hashed += bytes.length;
    t.bytes += bytes.length;
    t.lastDataAt = this.now();
    if (sink.pendingBytes >= WRITE_BYTES) this.flush(t, sink);
    this.notify(t);
  }

  private onTrailer(t: IncomingTransfer, stream: MeshStream, senderSha256: string): void {
    const sink = this.sinks.get(t);
    if (!sink || sink.stream !== stream || t.state !== 'receiving') return;
    this.flush(t, sink);
    if (t.state !== 'receiving') return;
    const sha256 = sink.hash.digest('hex');
    t.sha256 = sha256;
    t.verified = sha256 === senderSha256;
    if (!t.verified) {
      this.fail(t, `checksum mismatch: sender ${senderSha256}, received ${sha256}`, FailCode.Checksum);
      try {
        unlinkSync(t.path); // a resume would only repeat the damage
      } catch {
        // already gone
      }
      return;
    }
    try {
      fsyncSync(sink.fd);
      closeSync(sink.fd);
      sink.fd = -1;
      t.path = this.publish(t.path, t.name);
    } catch (e) {
      this.fail(t, `cannot store ${t.name} in the inbox: ${describeErrno(e)}`, FailCode.Storage);
      return;
    }
    this.sinks.delete(t);
    this.finish(t, 'done');
    this.log(`received ${t.name} (${t.size} B) -> ${t.path}`);
    const s = sink.stream;
    if (s) this.replyOn(s, { type: ReplyType.Done, sha256 });
  }

  /** Gives a complete partial file its name: the first free one of name, name-1, name-2, ... */
  private publish(part: string, name: string): string {
    const ext = extname(name);
    const stem = name.slice(0, name.length - ext.length) || name;
    for (let k = 0; k < 100_000; k++) {
      const dest = join(this.dir, k === 0 ? name : `${stem}-${k}${ext}`);
      try {
        linkSync(part, dest); // fails with EEXIST rather than replace anything
      } catch (e) {
        const code = codeOf(e);
        if (code === 'EEXIST') continue;
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
        // A file system without hard links: an exclusive copy, the same promise.
        try {
          copyFileSync(part, dest, constants.COPYFILE_EXCL);
        } catch (e2) {
          if (codeOf(e2) === 'EEXIST') continue;
          throw e2;
        }
      }
      unlinkSync(part);
      return dest;
    }
    throw new Error(`no free name for ${name} in ${this.dir}`);
  }

  /** Writes what is buffered (one writev, no copy); a write error fails the transfer (and tells the sender). */
  private flush(t: IncomingTransfer, sink: Sink): void {
    if (sink.pendingBytes === 0 || sink.fd < 0) return;
    let chunks = sink.pending;
    const total = sink.pendingBytes;
    sink.pending = [];
    sink.pendingBytes = 0;
    let at = 0;
    try {
      while (at < total) {
        const n = writevSync(sink.fd, chunks, sink.fileAt);
        at += n;
        sink.fileAt += n;
        if (at < total) chunks = remainder(chunks, n);
      }
    } catch (e) {
      // The disk is full or the inbox went away: what was written stays as the partial file.
      t.bytes -= total - at;
      this.fail(t, `cannot write ${t.path}: ${describeErrno(e)} (after ${t.bytes} of ${t.size} bytes)`, FailCode.Storage);
    }
  }

  /** Fails a receiving transfer: tells the sender (when `code` is given) and the recv following it. */
  private fail(t: IncomingTransfer, reason: string, code: number | undefined): void {
    if (t.state !== 'receiving') return;
    const sink = this.sinks.get(t);
    this.sinks.delete(t);
    if (sink) {
      sink.pending = [];
      if (sink.fd >= 0) closeSync(sink.fd);
      sink.fd = -1;
      if (sink.stream) {
        if (code !== undefined) this.replyOn(sink.stream, { type: ReplyType.Failed, code, reason });
        else sink.stream.close();
      }
    }
    this.finish(t, 'failed', reason);
    this.log(`transfer of ${t.name} failed: ${reason}`);
  }

  private replyOn(stream: MeshStream, r: Reply): void {
    if (stream.closeReason !== undefined) return;
    stream.write(encodeReply(r));
    stream.end();
    closeWhenFinished(stream, LINGER_MS);
  }

  private finish(t: IncomingTransfer, state: TransferState, error?: string): void {
    t.state = state;
    t.error = error;
    t.endedAt = this.now();
    this.notify(t);
  }

  private notify(t: IncomingTransfer): void {
    for (const l of [...t.listeners]) l();
  }

  private checkStalls(): void {
    const now = this.now();
    for (const t of this.transfers) {
      if (t.state !== 'receiving' || now - t.lastDataAt <= this.opts.stallMs) continue;
      const sink = this.sinks.get(t);
      if (sink) this.flush(t, sink);
      this.fail(t, `no data from the sender for ${Math.round((now - t.lastDataAt) / 1000)} s; ${t.bytes} of ${t.size} bytes kept in ${basename(t.path)} for a resume`, FailCode.Protocol);
    }
  }

  /** Forgets the oldest finished transfers beyond FINISHED_KEPT. */
  private prune(): void {
    let finished = this.transfers.filter((t) => t.state !== 'receiving').length;
    for (let i = 0; i < this.transfers.length && finished > FINISHED_KEPT; ) {
      if (this.transfers[i].state !== 'receiving') {
        this.transfers.splice(i, 1);
        finished--;
      } else i++;
    }
  }

  list(): IncomingTransfer[] {
    return [...this.transfers];
  }

  /**
   * The oldest unclaimed transfer, waiting up to `timeoutMs` for one to start. Rejects on
   * timeout or when `signal` aborts (the client went away).
   */
  claim(timeoutMs: number, signal: AbortSignal): Promise<IncomingTransfer> {
    return new Promise((resolve, reject) => {
      const tryClaim = () => {
        const t = this.transfers.find((x) => !x.claimed);
        if (!t) return false;
        t.claimed = true;
        cleanup();
        resolve(t);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no file arrived within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const onAbort = () => {
        cleanup();
        reject(new Error('cancelled'));
      };
      const waiter = () => void tryClaim();
      const cleanup = () => {
        clearTimeout(timer);
        this.waiting.delete(waiter);
        signal.removeEventListener('abort', onAbort);
      };
      if (tryClaim()) return;
      this.waiting.add(waiter);
      signal.addEventListener('abort', onAbort);
    });
  }

  /** Calls `progress` as the transfer advances; resolves when it is done or failed. */
  follow(t: IncomingTransfer, progress: (t: IncomingTransfer) => void, signal: AbortSignal): Promise<IncomingTransfer> {
    return new Promise((resolve, reject) => {
      let last = -1;
      const check = () => {
        // One event per 1/200 of the file at most: the bar needs no more.
        if (t.bytes === t.size || t.bytes - last >= Math.max(1, t.size / 200)) {
          last = t.bytes;
          progress(t);
        }
        if (t.state === 'receiving') return;
        t.listeners.delete(check);
        resolve(t);
      };
      signal.addEventListener('abort', () => {
        t.listeners.delete(check);
        reject(new Error('cancelled'));
      });
      t.listeners.add(check);
      check();
    });
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const [t, sink] of this.sinks) {
      try {
        this.flush(t, sink);
      } catch {
        // recorded
      }
      if (sink.fd >= 0) closeSync(sink.fd);
      sink.fd = -1;
    }
    this.sinks.clear();
  }

  /**
   * Moves a finished file to `dest` (the user's chosen path; an existing file there is
   * replaced, as the user asked). Errors say what is wrong and where the file still is.
   */
  static moveTo(t: IncomingTransfer, dest: string): void {
    try {
      const st = statSync(dirname(dest));
      if (!st.isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    } catch (e) {
      throw new Error(`cannot save to ${dest}: ${codeOf(e) === 'ENOENT' ? `the folder ${dirname(dest)} does not exist` : describeErrno(e)}; the file is at ${t.path}`);
    }
    try {
      try {
        renameSync(t.path, dest);
      } catch (e) {
        if (codeOf(e) !== 'EXDEV') throw e;
        copyFileSync(t.path, dest);
        unlinkSync(t.path);
      }
    } catch (e) {
      throw new Error(`cannot save to ${dest}: ${describeErrno(e)}; the file is at ${t.path}`);
    }
    t.path = dest;
  }
}

/** Hashes bytes 0..length of a file into `hash` (the partial file a resume continues). */
async function hashPrefix(path: string, length: number, hash: Hash): Promise<void> {
  const fh = await openAsync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let at = 0; at < length; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, length - at), at);
      if (bytesRead === 0) throw Object.assign(new Error('partial file shrank'), { code: 'EIO' });
      hash.update(buf.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

/** The chunks after the first `n` bytes (a short writev). */
function remainder(chunks: Uint8Array[], n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const c of chunks) {
    if (n >= c.length) n -= c.length;
    else {
      out.push(n > 0 ? c.subarray(n) : c);
      n = 0;
    }
  }
  return out;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'not a folder',
  EEXIST: 'a file of that name exists',
  ELOOP: 'a symlink is in the way',
  EIO: 'input/output error',
};

/** An errno as words and code: "no space left on the device (ENOSPC)". */
export function describeErrno(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (!code) return (e as Error).message;
  return ERRNO_TEXT[code] ? `${ERRNO_TEXT[code]} (${code})` : code;
}
