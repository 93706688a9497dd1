// Files arriving on the file service: each incoming stream is written to the inbox folder
// as it arrives, hashed, and checked against the sender's hash. `skywire recv` claims the
// oldest transfer nobody has claimed yet (or waits for the next one) and follows it to the
// end. Transfers arrive whether or not anyone is waiting: the daemon is the mailbox.
import { closeSync, mkdirSync, openSync, renameSync, copyFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { MeshStream } from '../mesh/api.ts';
import { FileReceiver, safeFileName } from './file-transfer.ts';

export type TransferState = 'receiving' | 'done' | 'failed';

export interface IncomingTransfer {
  id: number;
  name: string;
  path: string;
  size: number;
  bytes: number;
  state: TransferState;
  sha256?: string;
  /** The sender's hash equals ours. */
  verified?: boolean;
  error?: string;
  startedAt: number;
  endedAt?: number;
  streamId: string;
  claimed: boolean;
  /** Progress and completion subscribers (the `recv` requests following it). */
  listeners: Set<() => void>;
}

export class Inbox {
  private readonly transfers: IncomingTransfer[] = [];
  private readonly waiting = new Set<() => void>();
  private nextId = 1;

  constructor(
    readonly dir: string,
    private readonly now: () => number,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** Takes one incoming stream (the mesh's listener on FILE_CHANNEL). */
  accept(stream: MeshStream): void {
    const rx = new FileReceiver();
    const t: IncomingTransfer = {
      id: this.nextId++,
      name: '',
      path: '',
      size: -1,
      bytes: 0,
      state: 'receiving',
      startedAt: this.now(),
      streamId: stream.id,
      claimed: false,
      listeners: new Set(),
    };
    let fd: number | undefined;
    const notify = () => {
      for (const l of [...t.listeners]) l();
    };
    const finish = (state: TransferState, error?: string) => {
      if (t.state !== 'receiving') return;
      t.state = state;
      t.error = error;
      t.endedAt = this.now();
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
      if (state === 'failed') stream.close();
      notify();
    };
    /** Feeds one piece of the stream to the parser and acts on what it completes. */
    const take = (piece: Uint8Array) => {
      const events = rx.push(piece);
      if (typeof events === 'string') return finish('failed', events);
      for (const e of events) {
        if (e.kind === 'header') {
          t.name = safeFileName(e.name);
          t.size = e.size;
          t.path = join(this.dir, `${t.id}-${t.name}`);
          fd = openSync(t.path, 'w', 0o600);
          this.transfers.push(t);
          for (const w of [...this.waiting]) w();
        } else if (e.kind === 'data') {
          writeSync(fd!, e.bytes);
          t.bytes += e.bytes.length;
        } else {
          t.sha256 = e.sha256;
          t.verified = e.ok;
          finish(e.ok ? 'done' : 'failed', e.ok ? undefined : `checksum mismatch: sender ${e.senderSha256}, received ${e.sha256}`);
        }
      }
    };
    stream.onData = (piece) => {
      try {
        take(piece);
      } catch (e) {
        // The disk is full or the inbox went away: this transfer fails, the daemon carries on.
        finish('failed', `cannot write ${t.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      notify();
    };
    stream.onEnd = () => {
      const why = rx.end();
      if (why) finish('failed', why);
    };
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

  /** Moves a finished file to `dest` (the user's chosen path). */
  static moveTo(t: IncomingTransfer, dest: string): void {
    try {
      renameSync(t.path, dest);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      copyFileSync(t.path, dest);
      unlinkSync(t.path);
    }
    t.path = dest;
  }
}
