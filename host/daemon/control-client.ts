// The CLI's end of the control socket: connect, send requests, collect events and replies.
import { createConnection, type Socket } from 'node:net';
import { LineSplitter, parseMessage } from './control-protocol.ts';

/** An error the daemon (or the connection) reports; its message is one line for the user. */
export class ControlError extends Error {
  override name = 'ControlError';
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onEvent?: (e: unknown) => void;
}

export class ControlClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedReason: string | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    const lines = new LineSplitter();
    socket.on('data', (chunk: string) => {
      const got = lines.push(chunk);
      if (got === 'tooLong') return this.fail('the daemon sent an overlong line');
      for (const line of got) {
        const m = parseMessage(line);
        if (!m || m.id === null) {
          if (m && 'error' in m) this.fail(`daemon: ${m.error}`);
          continue;
        }
        const p = this.pending.get(m.id);
        if (!p) continue;
        if ('event' in m) p.onEvent?.(m.event);
        else {
          this.pending.delete(m.id);
          if ('error' in m) p.reject(new ControlError(m.error));
          else p.resolve(m.result);
        }
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => this.fail('the daemon closed the control connection'));
  }

  /** Connects to the daemon's control socket; the error says what to do when none answers. */
  static connect(path: string, timeoutMs = 3000): Promise<ControlClient> {
    return new Promise((resolve, reject) => {
      const s = createConnection(path);
      const t = setTimeout(() => {
        s.destroy();
        reject(new ControlError(`no answer on control socket ${path} within ${timeoutMs} ms`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(new ControlClient(s));
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(t);
        const why =
          e.code === 'ENOENT' || e.code === 'ECONNREFUSED'
            ? `no node is running with control socket ${path} (start one with: skywire node start --config <file>)`
            : e.code === 'EACCES'
              ? `permission denied on control socket ${path}`
              : `cannot connect to control socket ${path}: ${e.code ?? e.message}`;
        reject(new ControlError(why));
      });
    });
  }

  /** Sends one request; resolves with its result, rejects with the daemon's reason. */
  request<T = unknown>(method: string, params: Record<string, unknown> = {}, onEvent?: (e: unknown) => void): Promise<T> {
    if (this.closedReason) return Promise.reject(new ControlError(this.closedReason));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onEvent });
      this.socket.write(JSON.stringify({ id, method, params }) + '\n');
    });
  }

  private fail(reason: string): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    for (const p of this.pending.values()) p.reject(new ControlError(reason));
    this.pending.clear();
    this.socket.destroy();
  }

  close(): void {
    this.closedReason ??= 'closed';
    this.socket.end();
  }
}
