// The daemon's end of the control socket: accepts local connections, reads request lines,
// runs the named handler and writes its events and reply. A handler's error becomes a
// one-line reply; nothing a client sends can throw out of here.
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { LineSplitter, parseRequest, reasonOf, type ControlMessage } from './control-protocol.ts';

export type Emit = (event: unknown) => void;
/** Handles one request; resolves to the reply's result, or throws an Error with the reason. */
export type Handler = (params: Record<string, unknown>, emit: Emit, signal: AbortSignal) => Promise<unknown> | unknown;

/** The socket file is for the node's owner only: the control socket can send and receive files. */
const SOCKET_MODE = 0o600;

export class ControlServer {
  private readonly clients = new Set<Socket>();
  private constructor(
    private readonly server: Server,
    readonly path: string,
  ) {}

  /**
   * Listens on `path`, whose folder the caller made private (config.ts prepareFolders). A
   * socket file left by a daemon that died is removed; one that a live daemon answers on is an
   * error (two daemons must not share a control socket), and so is anything that is not a socket.
   */
  static async listen(path: string, handlers: Record<string, Handler>): Promise<ControlServer> {
    let existing: ReturnType<typeof lstatSync> | undefined;
    try {
      existing = lstatSync(path);
    } catch {
      // nothing there
    }
    if (existing) {
      if (!existing.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
      if (await answers(path)) throw new Error(`another daemon is listening on ${path}`);
      unlinkSync(path);
    }
    const server = createServer();
    const cs = new ControlServer(server, path);
    server.on('connection', (s) => cs.serve(s, handlers));
    // The socket is created with mode 0600 from the start (no window in which it is open).
    const umask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(umask);
    }
    chmodSync(path, SOCKET_MODE);
    return cs;
  }

  private serve(s: Socket, handlers: Record<string, Handler>): void {
    this.clients.add(s);
    s.setEncoding('utf8');
    const lines = new LineSplitter();
    // Requests still running when the client goes away are told to stop (a cancelled recv).
    const running = new Set<AbortController>();
    const write = (m: ControlMessage) => {
      if (!s.destroyed) s.write(JSON.stringify(m) + '\n');
    };
    s.on('data', (chunk: string) => {
      const got = lines.push(chunk);
      if (got === 'tooLong') {
        write({ id: null, error: 'request line too long' });
        s.destroy();
        return;
      }
      for (const line of got) {
        const req = parseRequest(line);
        if (typeof req === 'string') {
          write({ id: null, error: req });
          continue;
        }
        const h = Object.hasOwn(handlers, req.method) ? handlers[req.method] : undefined;
        if (!h) {
          write({ id: req.id, error: `unknown method '${req.method}' (known: ${Object.keys(handlers).sort().join(', ')})` });
          continue;
        }
        const ac = new AbortController();
        running.add(ac);
        Promise.resolve()
          .then(() => h(req.params, (event) => write({ id: req.id, event }), ac.signal))
          .then(
            (result) => write({ id: req.id, result: result ?? null }),
            (e) => write({ id: req.id, error: reasonOf(e) }),
          )
          .finally(() => running.delete(ac));
      }
    });
    s.on('error', () => {});
    s.on('close', () => {
      this.clients.delete(s);
      for (const ac of running) ac.abort();
    });
  }

  close(): Promise<void> {
    for (const c of this.clients) c.destroy();
    return new Promise((resolve) =>
      this.server.close(() => {
        try {
          unlinkSync(this.path);
        } catch {
          // already gone
        }
        resolve();
      }),
    );
  }
}

/** True when something accepts connections on the socket at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection(path);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}
