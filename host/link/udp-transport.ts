// Thin UDP driver for links: one socket, any number of links keyed by the neighbour's
// address, and a periodic tick. All protocol logic stays in Link; this file only moves
// bytes and time.
import { createSocket, type Socket } from 'node:dgram';
import type { Link, LinkIo } from './session.ts';
import { UdpKernelStats, type KernelSocketStats } from './socket-stats.ts';

export interface UdpPeerAddress {
  host: string;
  port: number;
}

/**
 * Socket buffers large enough that a burst of full-size frames is not dropped by the kernel:
 * 4 MiB asked for (Linux doubles it for its own bookkeeping and caps it at net.core.rmem_max /
 * wmem_max), about 3,000 full frames, 0.25 s of a 100 Mb/s link while the event loop is busy.
 */
export const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export class UdpEndpoint {
  private readonly links = new Map<string, Link>();
  private timer: NodeJS.Timeout | undefined;
  /** Datagrams from addresses we have no link for. */
  unknownSource = 0;
  /** Sends the OS refused (buffer full); the frame is lost like any other loss. */
  sendErrors = 0;
  private kernel: UdpKernelStats | undefined;

  private constructor(
    readonly socket: Socket,
    readonly clock: () => number,
  ) {
    socket.on('message', (msg, rinfo) => {
      const source = `${rinfo.address}:${rinfo.port}`;
      const link = this.links.get(source);
      if (!link) {
        this.unknownSource++;
        return;
      }
      link.receive(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), this.clock(), source);
    });
  }

  static bind(opts: { port?: number; host?: string; clock?: () => number } = {}): Promise<UdpEndpoint> {
    const socket = createSocket({ type: 'udp4', recvBufferSize: SOCKET_BUFFER_BYTES, sendBufferSize: SOCKET_BUFFER_BYTES });
    const ep = new UdpEndpoint(socket, opts.clock ?? (() => performance.now()));
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        socket.off('error', reject);
        socket.on('error', () => ep.sendErrors++);
        resolve(ep);
      });
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** The receive buffer the kernel granted, bytes (below SOCKET_BUFFER_BYTES when rmem_max is small). */
  get recvBufferBytes(): number {
    return this.socket.getRecvBufferSize();
  }

  /** Kernel drops and backlog of this socket (undefined where /proc is not available). */
  kernelStats(): KernelSocketStats | undefined {
    this.kernel ??= new UdpKernelStats(this.port);
    return this.kernel.read();
  }

  /** The LinkIo for a neighbour at `remote`; pass it to the Link, then `attach` the Link. */
  io(remote: UdpPeerAddress, deliver: (payload: Uint8Array) => void): LinkIo {
    return {
      transmit: (datagram) => {
        this.socket.send(datagram, remote.port, remote.host, (err) => {
          if (err) this.sendErrors++;
        });
      },
      deliver,
    };
  }

  attach(remote: UdpPeerAddress, link: Link): void {
    this.links.set(`${remote.host}:${remote.port}`, link);
  }

  /** Ticks every link every `everyMs`. */
  startTimers(everyMs: number): void {
    this.stopTimers();
    this.timer = setInterval(() => {
      const now = this.clock();
      for (const link of this.links.values()) link.tick(now);
    }, everyMs);
  }

  stopTimers(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): Promise<void> {
    this.stopTimers();
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
