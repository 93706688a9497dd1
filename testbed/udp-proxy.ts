// An on-path attacker for the reliability suite, in the manner of WireGuard's netns tests: a
// UDP relay between two daemons on loopback (each is configured with the proxy's address as
// the other's), which forwards every datagram and, on request, also injects replays of what it
// saw, copies with bits flipped, truncated copies, random garbage and bursts, as the other end.
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';

export interface ProxyCounts {
  forwarded: number;
  injected: number;
}

type Side = 'a' | 'b';

export class UdpProxy {
  /** Ports the daemons must use for each other: A talks to `portForA`, B to `portForB`. */
  private constructor(
    private readonly sockA: Socket,
    private readonly sockB: Socket,
    private readonly realA: number,
    private readonly realB: number,
  ) {}

  readonly counts: ProxyCounts = { forwarded: 0, injected: 0 };
  /** Recent datagrams per direction (the material of replays and flips). */
  private readonly seen: Record<Side, Buffer[]> = { a: [], b: [] };
  /** Drop every datagram while set (a link cut on the path). */
  blackhole = false;

  /**
   * Binds the two proxy ports. `realA`/`realB` are the daemons' own ports; configure A with
   * neighbour address `127.0.0.1:portForA` for B, and B with `127.0.0.1:portForB` for A.
   */
  static async open(realA: number, realB: number, portForA: number, portForB: number): Promise<UdpProxy> {
    const bind = (port: number) =>
      new Promise<Socket>((resolve, reject) => {
        const s = createSocket({ type: 'udp4', recvBufferSize: 8 << 20, sendBufferSize: 8 << 20 });
        s.once('error', reject);
        s.bind(port, '127.0.0.1', () => resolve(s));
      });
    const p = new UdpProxy(await bind(portForA), await bind(portForB), realA, realB);
    // A sends to sockA; forward from sockB (the address B knows A by).
    p.sockA.on('message', (m) => p.pass('a', m));
    p.sockB.on('message', (m) => p.pass('b', m));
    return p;
  }

  get portForA(): number {
    return this.sockA.address().port;
  }
  get portForB(): number {
    return this.sockB.address().port;
  }

  private pass(from: Side, m: Buffer): void {
    if (this.blackhole) return;
    const keep = this.seen[from];
    keep.push(m);
    if (keep.length > 512) keep.splice(0, keep.length - 512);
    this.counts.forwarded++;
    this.deliver(from, m);
  }

  private deliver(from: Side, m: Buffer): void {
    // From A: out of the socket B knows as A's address, to B's real port; and back.
    if (from === 'a') this.sockB.send(m, this.realB, '127.0.0.1');
    else this.sockA.send(m, this.realA, '127.0.0.1');
  }

  /** Injects `n` datagrams made by `make` (from what `from` sent lately) as if `from` sent them. */
  inject(from: Side, n: number, make: (recent: Buffer[]) => Buffer): void {
    const recent = this.seen[from];
    if (!recent.length) return;
    for (let i = 0; i < n; i++) {
      this.deliver(from, make(recent));
      this.counts.injected++;
    }
  }

  /** Replays of recent datagrams (the receiver's replay window must drop them). */
  replay(from: Side, n: number): void {
    this.inject(from, n, (r) => r[Math.floor(Math.random() * r.length)]);
  }

  /** Copies with one bit flipped (the tag, the header or the handshake checks must catch each). */
  flip(from: Side, n: number): void {
    this.inject(from, n, (r) => {
      const c = Buffer.from(r[Math.floor(Math.random() * r.length)]);
      const i = Math.floor(Math.random() * c.length);
      c[i] ^= 1 << Math.floor(Math.random() * 8);
      return c;
    });
  }

  /** Truncated copies. */
  truncate(from: Side, n: number): void {
    this.inject(from, n, (r) => {
      const c = r[Math.floor(Math.random() * r.length)];
      return c.subarray(0, Math.floor(Math.random() * c.length));
    });
  }

  /** Random datagrams of random sizes, some dressed as transport frames (version 1, type 3). */
  garbage(from: Side, n: number): void {
    this.inject(from, n, () => {
      const g = randomBytes(1 + Math.floor(Math.random() * 1472));
      if (Math.random() < 0.5 && g.length > 1) {
        g[0] = 1;
        g[1] = 1 + Math.floor(Math.random() * 4);
      }
      return g;
    });
  }

  close(): Promise<void> {
    return Promise.all([new Promise<void>((r) => this.sockA.close(() => r())), new Promise<void>((r) => this.sockB.close(() => r()))]).then(() => undefined);
  }
}
