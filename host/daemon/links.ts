// The daemon's links: one authenticated, encrypted Link per configured neighbour, carried
// over UDP or TCP, with up/down detection for the route layer above. Everything that goes to
// a neighbour passes through Link (the link-security layer); this file adds no crypto.
//
// Up/down: a link is up once its session is established and frames from the neighbour keep
// authenticating. Key rotation makes both ends send at least once per rotation interval even
// when idle, so silence for DEAD_AFTER_INTERVALS intervals means the neighbour or the path is
// gone. A new session (the neighbour restarted) is reported as down then up, because every
// route the neighbour held died with its process.
import { hexToBytes } from '@noble/hashes/utils.js';
import { nodeBackend } from '../crypto/backend.ts';
import type { Identity } from '../identity/identity.ts';
import { SoftwareDatapath } from '../link/datapath.ts';
import type { KeySink } from '../link/key-sink.ts';
import { Link, type LinkIo } from '../link/session.ts';
import { totalRejected } from '../link/stats.ts';
import { TcpEndpoint } from '../link/tcp-transport.ts';
import { UdpEndpoint } from '../link/udp-transport.ts';
import type { DaemonConfig, NeighbourConfig, TransportKind } from './config.ts';

/** Silent rotation intervals after which a neighbour counts as down. */
export const DEAD_AFTER_INTERVALS = 3;
/** Never declare a neighbour dead faster than this (a busy event loop can stall for a while). */
export const MIN_DEAD_AFTER_MS = 1500;

export interface LinkEvents {
  /** An authenticated payload from neighbour `index` (its position in the config). */
  deliver(index: number, payload: Uint8Array): void;
  up(index: number): void;
  down(index: number): void;
}

export interface LinkStatus {
  index: number;
  name: string;
  publicKey: string;
  transport: TransportKind;
  address: string;
  up: boolean;
  state: string;
  /** Current transmit key generation (-1 before the first handshake). */
  keyGeneration: number;
  rotations: number;
  sessions: number;
  srttMs: number | null;
  txFrames: number;
  txBytes: number;
  rxFrames: number;
  rxBytes: number;
  txDropped: number;
  rejected: number;
  emulatedLossPct: number;
  emulatedDrops: number;
}

interface Neighbour {
  index: number;
  cfg: NeighbourConfig;
  link: Link;
  up: boolean;
  sessions: number;
  lastRxFrames: number;
  lastRxAt: number;
  /** Shared with the transmit wrapper, which exists before the Link it serves. */
  drops: { emulated: number };
}

/** The end with the smaller key dials and leads rotations, so both ends agree without configuration. */
export function roleFor(localKeyHex: string, peerKeyHex: string): 'initiator' | 'responder' {
  return localKeyHex < peerKeyHex ? 'initiator' : 'responder';
}

export class LinkSet {
  private readonly neighbours: Neighbour[] = [];
  private readonly datapath = new SoftwareDatapath(nodeBackend.aead);
  private readonly deadAfterMs: number;
  /** After close, timers and sends do nothing (the sockets are gone). */
  private closed = false;

  private constructor(
    readonly udp: UdpEndpoint | undefined,
    readonly tcp: TcpEndpoint | undefined,
    private readonly clock: () => number,
    private readonly events: LinkEvents,
    rotationIntervalMs: number,
  ) {
    this.deadAfterMs = Math.max(MIN_DEAD_AFTER_MS, DEAD_AFTER_INTERVALS * rotationIntervalMs);
  }

  /** Opens the listening sockets and one link per neighbour (initiators start dialling). */
  /** `observer` names an extra key sink for a link (a forwarding plane's key slots). */
  static async open(cfg: DaemonConfig, identity: Identity, events: LinkEvents, clock: () => number, random?: () => number, observer?: (index: number) => KeySink | undefined): Promise<LinkSet> {
    const udpAt = cfg.listen.find((l) => l.transport === 'udp');
    const tcpAt = cfg.listen.find((l) => l.transport === 'tcp');
    const cannot = (what: string, at: { host: string; port: number }) => (e: unknown) => {
      throw new Error(`cannot listen on ${what} ${at.host}:${at.port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    };
    const udp = udpAt ? await UdpEndpoint.bind({ host: udpAt.host, port: udpAt.port, clock }).catch(cannot('udp', udpAt)) : undefined;
    let tcp: TcpEndpoint | undefined;
    try {
      tcp = tcpAt ? await TcpEndpoint.listen({ host: tcpAt.host, port: tcpAt.port, publicKey: identity.publicKey, clock }).catch(cannot('tcp', tcpAt)) : undefined;
    } catch (e) {
      await udp?.close();
      throw e;
    }
    const set = new LinkSet(udp, tcp, clock, events, cfg.rotationIntervalMs);
    const rnd = random ?? Math.random;
    const localHex = Buffer.from(identity.publicKey).toString('hex');
    cfg.neighbours.forEach((n, index) => {
      const peerKey = hexToBytes(n.publicKey);
      const role = roleFor(localHex, n.publicKey);
      const deliver = (payload: Uint8Array) => set.deliver(index, payload);
      const base: LinkIo = n.transport === 'udp' ? udp!.io(n.address, deliver) : tcp!.io(peerKey, deliver);
      const drops = { emulated: 0 };
      const io: LinkIo =
        n.emulatedLossPct > 0
          ? {
              transmit: (d) => {
                if (rnd() * 100 < n.emulatedLossPct) drops.emulated++;
                else base.transmit(d);
              },
              deliver,
            }
          : base;
      const link = new Link({ identity, peerPublicKey: peerKey, role, linkId: index, backend: nodeBackend, rotationIntervalMs: cfg.rotationIntervalMs }, set.datapath, io, observer?.(index));
      if (n.transport === 'udp') udp!.attach(n.address, link);
      else tcp!.attach(peerKey, link, role === 'initiator' ? n.address : undefined);
      set.neighbours.push({ index, cfg: n, link, up: false, sessions: 0, lastRxFrames: 0, lastRxAt: -Infinity, drops });
      link.start(clock());
    });
    return set;
  }

  get size(): number {
    return this.neighbours.length;
  }

  /** The session IDs of a link (ours, the peer's), once it has a session. */
  sessionIds(index: number): { local: number; remote: number } | undefined {
    return this.neighbours[index]?.link.sessionIds;
  }

  isUp(index: number): boolean {
    return this.neighbours[index]?.up ?? false;
  }

  /** Sends one payload to a neighbour; false when the link cannot take it now. */
  send(index: number, payload: Uint8Array): boolean {
    const n = this.neighbours[index];
    if (!n || !n.up || this.closed) return false;
    return n.link.send(payload, this.clock());
  }

  /**
   * An authenticated payload from a neighbour. The neighbour may have seen the session come up
   * first and already be talking (its Hello); if our tick has not said "up" yet, say it now,
   * before the payload, or the route layer would drop it as coming from a link it thinks down.
   */
  private deliver(index: number, payload: Uint8Array): void {
    const n = this.neighbours[index];
    if (n && !n.up) {
      const now = this.clock();
      n.up = true;
      n.sessions = n.link.stats.handshakesCompleted;
      n.lastRxFrames = n.link.stats.rxFrames;
      n.lastRxAt = now;
      this.events.up(index);
    }
    this.events.deliver(index, payload);
  }

  /** Runs link timers and up/down detection. Call every few ms. */
  tick(now: number): void {
    if (this.closed) return;
    for (const n of this.neighbours) {
      n.link.tick(now);
      const s = n.link.stats;
      if (s.rxFrames !== n.lastRxFrames) {
        n.lastRxFrames = s.rxFrames;
        n.lastRxAt = now;
      }
      const restarted = s.handshakesCompleted !== n.sessions && n.sessions > 0;
      const alive = n.link.state === 'established' && now - n.lastRxAt < this.deadAfterMs;
      if (n.up && (restarted || !alive)) {
        n.up = false;
        this.events.down(n.index);
      }
      n.sessions = s.handshakesCompleted;
      if (!n.up && alive) {
        n.up = true;
        this.events.up(n.index);
      }
    }
  }

  status(): LinkStatus[] {
    return this.neighbours.map((n) => {
      const s = n.link.stats;
      return {
        index: n.index,
        name: n.cfg.name,
        publicKey: n.cfg.publicKey,
        transport: n.cfg.transport,
        address: `${n.cfg.address.host}:${n.cfg.address.port}`,
        up: n.up,
        state: n.link.state,
        keyGeneration: n.link.generation,
        rotations: s.rotations,
        sessions: s.handshakesCompleted,
        srttMs: n.link.smoothedRttMs ?? null,
        txFrames: s.txFrames,
        txBytes: s.txBytes,
        rxFrames: s.rxFrames,
        rxBytes: s.deliveredBytes,
        txDropped: s.txDropped,
        rejected: totalRejected(s),
        emulatedLossPct: n.cfg.emulatedLossPct,
        emulatedDrops: n.drops.emulated,
      };
    });
  }

  /** Transport-level counters (unknown sources, TCP dials and framing errors). */
  transportStatus(): Record<string, unknown> {
    return {
      udp: this.udp ? { port: this.udp.port, unknownSource: this.udp.unknownSource, sendErrors: this.udp.sendErrors } : null,
      tcp: this.tcp ? { port: this.tcp.port, ...this.tcp.counters } : null,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.udp?.close(), this.tcp?.close()]);
  }
}
