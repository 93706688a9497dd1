// TCP driver for links, for paths where UDP is blocked or rate-limited. A link is still a
// sequence of datagrams (handshake, transport frames); TCP only carries them, so every
// datagram is framed on the stream as
//
//   length u16 (big endian, 1..MAX_STREAM_DATAGRAM_BYTES) | datagram
//
// and the connection opens with a preamble naming the dialler's static public key, so the
// listening end knows which link the connection belongs to (the ephemeral source port says
// nothing). The key is not secret: the link handshake carries it in clear too, and a forged
// preamble only gets a handshake that fails to verify.
//
//   preamble = "SWT1" | dialler's compressed public key (33 B)
//
// The link initiator dials; when the connection drops it dials again with exponential
// backoff. The Link session above survives: datagrams lost while there is no connection
// are loss like any other, and the link's own retransmissions recover.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { bytesToHex } from '@noble/hashes/utils.js';
import { LINK_MTU_BYTES, PUBLIC_KEY_BYTES } from '../../spec/link-wire.ts';
import type { Link, LinkIo } from './session.ts';

export const STREAM_MAGIC = new TextEncoder().encode('SWT1');
export const STREAM_PREAMBLE_BYTES = STREAM_MAGIC.length + PUBLIC_KEY_BYTES;
export const STREAM_LENGTH_BYTES = 2;
/** Link datagrams fit a UDP datagram on an Ethernet MTU; anything larger is a framing error. */
export const MAX_STREAM_DATAGRAM_BYTES = LINK_MTU_BYTES;
/** First redial delay; doubles per failed attempt up to the cap. */
export const RECONNECT_INITIAL_MS = 100;
/** A neighbour that is down for long is still retried every few seconds. */
export const RECONNECT_MAX_MS = 5000;
/**
 * Bytes queued in the kernel and Node's socket buffer beyond which new datagrams are dropped.
 * TCP would otherwise queue without bound when the path is slower than the sender; dropping
 * keeps the link's datagram semantics and lets the layers above pace themselves.
 */
export const MAX_QUEUED_BYTES = 1024 * 1024;

/** Frames one datagram for the stream. */
export function encodeStreamFrame(datagram: Uint8Array): Uint8Array {
  if (datagram.length < 1 || datagram.length > MAX_STREAM_DATAGRAM_BYTES) {
    throw new RangeError(`stream datagram must be 1..${MAX_STREAM_DATAGRAM_BYTES} bytes, got ${datagram.length}`);
  }
  const out = new Uint8Array(STREAM_LENGTH_BYTES + datagram.length);
  out[0] = datagram.length >>> 8;
  out[1] = datagram.length & 0xff;
  out.set(datagram, STREAM_LENGTH_BYTES);
  return out;
}

/**
 * Reassembles datagrams from stream chunks of any size (TCP may split or merge frames
 * anywhere). A bad length poisons the stream: there is no way to find the next frame boundary,
 * so the caller must drop the connection.
 */
export class StreamDeframer {
  private buf: Uint8Array = new Uint8Array(0);
  private broken = false;

  /** Returns the complete datagrams in `chunk` plus what was buffered, or 'badLength'. */
  push(chunk: Uint8Array): Uint8Array[] | 'badLength' {
    if (this.broken) return 'badLength';
    const data = this.buf.length ? concat(this.buf, chunk) : chunk;
    const out: Uint8Array[] = [];
    let at = 0;
    while (data.length - at >= STREAM_LENGTH_BYTES) {
      const len = (data[at] << 8) | data[at + 1];
      if (len < 1 || len > MAX_STREAM_DATAGRAM_BYTES) {
        this.broken = true;
        this.buf = new Uint8Array(0);
        return 'badLength';
      }
      if (data.length - at < STREAM_LENGTH_BYTES + len) break;
      out.push(data.slice(at + STREAM_LENGTH_BYTES, at + STREAM_LENGTH_BYTES + len));
      at += STREAM_LENGTH_BYTES + len;
    }
    // Keep only the unfinished tail (copied, so the caller's chunk can be reused).
    this.buf = data.slice(at);
    return out;
  }

  /** Bytes of an unfinished frame held back. */
  get pending(): number {
    return this.buf.length;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function encodePreamble(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== PUBLIC_KEY_BYTES) throw new RangeError(`preamble key must be ${PUBLIC_KEY_BYTES} bytes`);
  return concat(STREAM_MAGIC, publicKey);
}

export interface TcpCounters {
  /** Connections made by us (first one included). */
  dials: number;
  /** Connections accepted and matched to a link. */
  accepts: number;
  /** Accepted connections with a bad preamble or a key we have no link for. */
  refused: number;
  /** Streams dropped because a frame length was impossible. */
  framingErrors: number;
  /** Datagrams dropped because there was no connection at that moment. */
  txNoConnection: number;
  /** Datagrams dropped because the socket had MAX_QUEUED_BYTES queued. */
  txQueueFull: number;
}

interface Peer {
  link: Link;
  dial?: { host: string; port: number };
  socket?: Socket;
  backoffMs: number;
  redial?: NodeJS.Timeout;
}

export class TcpEndpoint {
  private readonly peers = new Map<string, Peer>();
  private readonly sockets = new Set<Socket>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly counters: TcpCounters = { dials: 0, accepts: 0, refused: 0, framingErrors: 0, txNoConnection: 0, txQueueFull: 0 };

  private constructor(
    private readonly server: Server,
    private readonly localKey: Uint8Array,
    readonly clock: () => number,
  ) {
    server.on('connection', (s) => this.accept(s));
  }

  /** Listens on host:port (port 0: any free port). `publicKey` is this node's static key. */
  static listen(opts: { publicKey: Uint8Array; port?: number; host?: string; clock?: () => number }): Promise<TcpEndpoint> {
    const server = createServer({ noDelay: true });
    const ep = new TcpEndpoint(server, Uint8Array.from(opts.publicKey), opts.clock ?? (() => performance.now()));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve(ep);
      });
    });
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  /** The LinkIo for the neighbour with static key `peerKey`; pass it to the Link, then `attach`. */
  io(peerKey: Uint8Array, deliver: (payload: Uint8Array) => void): LinkIo {
    const id = bytesToHex(peerKey);
    return {
      transmit: (datagram) => {
        const s = this.peers.get(id)?.socket;
        if (!s || s.destroyed) {
          this.counters.txNoConnection++;
          return;
        }
        if (s.writableLength > MAX_QUEUED_BYTES) {
          this.counters.txQueueFull++;
          return;
        }
        s.write(encodeStreamFrame(datagram));
      },
      deliver,
    };
  }

  /** Registers a link; with `dial`, this end connects to the neighbour (and reconnects). */
  attach(peerKey: Uint8Array, link: Link, dial?: { host: string; port: number }): void {
    const peer: Peer = { link, dial, backoffMs: RECONNECT_INITIAL_MS };
    this.peers.set(bytesToHex(peerKey), peer);
    if (dial) this.connect(peer);
  }

  /** True while the neighbour has a live connection. */
  connected(peerKey: Uint8Array): boolean {
    const s = this.peers.get(bytesToHex(peerKey))?.socket;
    return !!s && !s.destroyed;
  }

  /** Drops the neighbour's connection (tests; a dialling end reconnects by itself). */
  disconnect(peerKey: Uint8Array): void {
    this.peers.get(bytesToHex(peerKey))?.socket?.destroy();
  }

  private connect(peer: Peer): void {
    if (this.closed || !peer.dial) return;
    this.counters.dials++;
    const s = createConnection({ host: peer.dial.host, port: peer.dial.port, noDelay: true });
    this.track(s);
    s.once('connect', () => {
      peer.backoffMs = RECONNECT_INITIAL_MS;
      s.write(encodePreamble(this.localKey));
      this.adopt(peer, s, new Uint8Array(0), true);
    });
    s.once('close', () => {
      if (peer.socket === s) peer.socket = undefined;
      this.scheduleRedial(peer);
    });
  }

  private scheduleRedial(peer: Peer): void {
    if (this.closed || peer.redial) return;
    const delay = peer.backoffMs;
    peer.backoffMs = Math.min(peer.backoffMs * 2, RECONNECT_MAX_MS);
    peer.redial = setTimeout(() => {
      peer.redial = undefined;
      if (!peer.socket) this.connect(peer);
    }, delay);
  }

  private accept(s: Socket): void {
    this.track(s);
    let head: Uint8Array = new Uint8Array(0);
    const onData = (chunk: Buffer) => {
      head = concat(head, chunk);
      if (head.length < STREAM_PREAMBLE_BYTES) return;
      s.off('data', onData);
      const magicOk = STREAM_MAGIC.every((b, i) => head[i] === b);
      const peer = magicOk ? this.peers.get(bytesToHex(head.subarray(STREAM_MAGIC.length, STREAM_PREAMBLE_BYTES))) : undefined;
      if (!peer) {
        this.counters.refused++;
        s.destroy();
        return;
      }
      this.counters.accepts++;
      this.adopt(peer, s, head.subarray(STREAM_PREAMBLE_BYTES), false);
    };
    s.on('data', onData);
  }

  /**
   * Takes `s` as a connection of the neighbour. A connection we dialled is the neighbour's at
   * once. An accepted one replaces a live connection only after a frame arriving on it
   * authenticates: the preamble is not proof, and anyone who can connect must not be able to
   * cut a working link by claiming a neighbour's key. (When the old connection is gone, as
   * after the neighbour restarts, the new one is used right away.)
   */
  private adopt(peer: Peer, s: Socket, rest: Uint8Array, proven: boolean): void {
    const promote = () => {
      if (peer.socket === s) return;
      peer.socket?.destroy();
      peer.socket = s;
    };
    if (proven || !peer.socket || peer.socket.destroyed) promote();
    const deframer = new StreamDeframer();
    const source = `tcp ${s.remoteAddress}`;
    const feed = (chunk: Uint8Array) => {
      const frames = deframer.push(chunk);
      if (frames === 'badLength') {
        this.counters.framingErrors++;
        s.destroy();
        return;
      }
      const now = this.clock();
      const before = peer.link.stats.rxFrames;
      for (const f of frames) peer.link.receive(f, now, source);
      if (peer.link.stats.rxFrames !== before) promote();
    };
    s.on('data', (chunk: Buffer) => feed(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    s.on('close', () => {
      if (peer.socket === s) peer.socket = undefined;
    });
    if (rest.length) feed(rest);
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('error', () => {}); // resets and refusals end in 'close', which handles them
    s.on('close', () => this.sockets.delete(s));
  }

  /** Ticks every link every `everyMs`. */
  startTimers(everyMs: number): void {
    this.stopTimers();
    this.timer = setInterval(() => {
      const now = this.clock();
      for (const p of this.peers.values()) p.link.tick(now);
    }, everyMs);
  }

  stopTimers(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): Promise<void> {
    this.closed = true;
    this.stopTimers();
    for (const p of this.peers.values()) if (p.redial) clearTimeout(p.redial);
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
