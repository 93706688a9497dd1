// The daemon's links: one authenticated, encrypted Link per configured neighbour, carried
// over UDP or TCP, with up/down detection for the route layer above. Everything that goes to
// a neighbour passes through Link (the link-security layer); this file adds no crypto.
//
// Up/down: a link is up once its session is established and frames from the neighbour keep
// authenticating. Key rotation makes both ends send at least once per rotation interval even
// when idle, so silence for DEAD_AFTER_INTERVALS intervals means the neighbour or the path is
// gone. A new session (the neighbour restarted) is reported as down then up, because every
// route the neighbour held died with its process.
//
// Silence is not proof while this node is overloaded: when the kernel drops datagrams on our
// UDP socket (its receive buffer overflowed: a burst of junk, or our event loop stalled), or a
// large backlog waits in it, the neighbour's frames may be among them. Then the link stays up
// for as long as the overload lasts (each overload sign renews it), up to MAX_OVERLOAD_GRACE_MS
// of silence, and every deferral is counted. Nor is time this process did not run (a stalled
// event loop, a starved CPU) silence: a gap between ticks is not counted, and a link is never
// declared down while datagrams wait unread in the socket.
import { hexToBytes } from '@noble/hashes/utils.js';
import { nodeBackend } from '../crypto/backend.ts';
import type { Identity } from '../identity/identity.ts';
import { type Datapath, SoftwareDatapath } from '../link/datapath.ts';
import type { KeySink } from '../link/key-sink.ts';
import { LossMeter } from '../link/loss-meter.ts';
import { Link, type LinkIo } from '../link/session.ts';
import { totalRejected, type RejectReason } from '../link/stats.ts';
import { TcpEndpoint } from '../link/tcp-transport.ts';
import { UdpEndpoint } from '../link/udp-transport.ts';
import type { DaemonConfig, NeighbourConfig, TransportKind } from './config.ts';

/** Silent rotation intervals after which a neighbour counts as down. */
export const DEAD_AFTER_INTERVALS = 3;
/** Never declare a neighbour dead faster than this (a busy event loop can stall for a while). */
export const MIN_DEAD_AFTER_MS = 1500;
/**
 * Every link sends at least this often, a keepalive when it has nothing else: silence then
 * means a dead neighbour even at 50 % loss (thirty frames lost in a row before it counts),
 * and the loss meter has frames to count on an idle link.
 */
export const IDLE_KEEPALIVE_MS = 50;
/** The loss meter samples the link's counts this often. */
const LOSS_SAMPLE_MS = 250;
/** A link silent this long is down even while the socket is overloaded. */
export const MAX_OVERLOAD_GRACE_MS = 10_000;
/** The kernel's socket counters are read this often. */
const KERNEL_POLL_MS = 100;
/** A gap between ticks longer than this is a stall of this process, not the neighbour's silence. */
const STALL_GAP_MS = 250;

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
  /** Datagrams from this neighbour's address refused, in total and by reason (docs/protocol.md). */
  rejected: number;
  rejects: Record<RejectReason, number>;
  /** Handshakes under load: cookie replies we sent, cookies we received, and whether we are under load now. */
  cookieRepliesSent: number;
  cookiesReceived: number;
  underLoad: boolean;
  /** Times this link was kept up through silence because the socket was overloaded. */
  downDeferred: number;
  emulatedLossPct: number;
  emulatedDrops: number;
  /** Share of the neighbour's frames that lately did not arrive (null: not measured yet). */
  rxLoss: number | null;
}

/** The UDP socket's overload signs, as the link set sees them. */
export interface SocketLoad {
  /** Datagrams the kernel dropped on our UDP socket since it opened (null: not measurable here). */
  kernelDrops: number | null;
  /** Bytes waiting in its receive buffer at the last look. */
  rxQueueBytes: number | null;
  /** The receive buffer the kernel granted. */
  recvBufferBytes: number | null;
  /** When overload was last seen (drops grew, or the backlog was over a quarter of the buffer), ms on the link clock. */
  lastOverloadAt: number | null;
  /** Times this process did not run for a while (its event loop or CPU stalled); not counted as silence. */
  stalls: number;
}

interface Neighbour {
  index: number;
  cfg: NeighbourConfig;
  link: Link;
  up: boolean;
  sessions: number;
  lastRxFrames: number;
  lastRxAt: number;
  downDeferred: number;
  deferring: boolean;
  /** Shared with the transmit wrapper, which exists before the Link it serves. */
  drops: { emulated: number };
  /** Loss of the neighbour's frames toward us (reported to it, which chooses its hops by it). */
  loss: LossMeter;
  lossSampledAt: number;
}

/**
 * A forwarding plane that carries some of the links (host/daemon/device-offload.ts): it may
 * watch a link's keys, and for a link whose frames pass through its host port it gives the
 * link's datapath and transport and is told the Link, to hand it what comes up.
 */
export interface LinkOffload {
  observer(index: number): KeySink | undefined;
  carry(index: number, deliver: (payload: Uint8Array) => void): { datapath: Datapath; io: LinkIo } | undefined;
  attach(index: number, link: Link): void;
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
  private overloadAt = -Infinity;
  private kernelDrops: number | undefined;
  private rxQueueBytes: number | undefined;
  private nextKernelPoll = -Infinity;
  private lastTickAt = -Infinity;
  /** Times this process did not run for longer than STALL_GAP_MS (its event loop or CPU stalled). */
  stalls = 0;
  /** Where the kernel's socket counters come from (replaceable in tests). */
  kernelStats: () => { drops: number; rxQueueBytes: number } | undefined;

  private constructor(
    readonly udp: UdpEndpoint | undefined,
    readonly tcp: TcpEndpoint | undefined,
    private readonly clock: () => number,
    private readonly events: LinkEvents,
    rotationIntervalMs: number,
  ) {
    this.deadAfterMs = Math.max(MIN_DEAD_AFTER_MS, DEAD_AFTER_INTERVALS * rotationIntervalMs);
    this.kernelStats = () => this.udp?.kernelStats();
  }

  /** Opens the listening sockets and one link per neighbour (initiators start dialling). */
  /** `offload`: a forwarding plane that watches or carries links. */
  static async open(cfg: DaemonConfig, identity: Identity, events: LinkEvents, clock: () => number, random?: () => number, offload?: LinkOffload): Promise<LinkSet> {
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
      const carried = offload?.carry(index, deliver);
      const base: LinkIo = carried?.io ?? (n.transport === 'udp' ? udp!.io(n.address, deliver) : tcp!.io(peerKey, deliver));
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
      const link = new Link({ identity, peerPublicKey: peerKey, role, linkId: index, backend: nodeBackend, rotationIntervalMs: cfg.rotationIntervalMs, idleKeepaliveMs: IDLE_KEEPALIVE_MS }, carried?.datapath ?? set.datapath, io, offload?.observer(index));
      if (carried) offload!.attach(index, link);
      else if (n.transport === 'udp') udp!.attach(n.address, link);
      else tcp!.attach(peerKey, link, role === 'initiator' ? n.address : undefined);
      set.neighbours.push({ index, cfg: n, link, up: false, sessions: 0, lastRxFrames: 0, lastRxAt: -Infinity, downDeferred: 0, deferring: false, drops, loss: new LossMeter(), lossSampledAt: -Infinity });
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

  /** The share of neighbour `index`'s frames that lately did not reach us (undefined: too few counted). */
  rxLoss(index: number): number | undefined {
    return this.neighbours[index]?.loss.loss();
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

  /** Reads the kernel's counters for our UDP socket (at most every KERNEL_POLL_MS unless `force`) and notes overload. */
  private pollKernel(now: number, force = false): void {
    if (now < this.nextKernelPoll && !force) return;
    this.nextKernelPoll = now + KERNEL_POLL_MS;
    const k = this.kernelStats();
    if (!k) return;
    const buffer = this.udp?.recvBufferBytes ?? Infinity;
    if ((this.kernelDrops !== undefined && k.drops > this.kernelDrops) || k.rxQueueBytes >= buffer / 4) {
      this.overloadAt = now;
      for (const n of this.neighbours) if (n.cfg.transport === 'udp') n.link.noteOverload(now);
    }
    this.kernelDrops = k.drops;
    this.rxQueueBytes = k.rxQueueBytes;
  }

  /** Runs link timers and up/down detection. Call every few ms. */
  tick(now: number): void {
    if (this.closed) return;
    const gap = now - this.lastTickAt;
    if (gap > STALL_GAP_MS && this.lastTickAt > -Infinity) {
      // We were not running: nothing could be received meanwhile, so it is not the neighbours' silence.
      this.stalls++;
      for (const n of this.neighbours) n.lastRxAt += gap;
    }
    this.lastTickAt = now;
    this.pollKernel(now);
    for (const n of this.neighbours) {
      n.link.tick(now);
      if (now - n.lossSampledAt >= LOSS_SAMPLE_MS) {
        n.lossSampledAt = now;
        n.loss.sample(now, this.datapath.rxCounts(n.index));
      }
      const s = n.link.stats;
      if (s.rxFrames !== n.lastRxFrames) {
        n.lastRxFrames = s.rxFrames;
        n.lastRxAt = now;
      }
      const restarted = s.handshakesCompleted !== n.sessions && n.sessions > 0;
      const silentMs = now - n.lastRxAt;
      // While our socket drops datagrams for overload, the neighbour's frames may be among them.
      let overloaded = n.cfg.transport === 'udp' && now - this.overloadAt < this.deadAfterMs && silentMs < MAX_OVERLOAD_GRACE_MS;
      if (n.up && !overloaded && silentMs >= this.deadAfterMs && n.cfg.transport === 'udp' && silentMs < MAX_OVERLOAD_GRACE_MS) {
        // About to call it down: first make sure nothing waits unread in the socket.
        this.pollKernel(now, true);
        if (this.rxQueueBytes) this.overloadAt = now;
        overloaded = now - this.overloadAt < this.deadAfterMs;
      }
      const alive = n.link.state === 'established' && (silentMs < this.deadAfterMs || overloaded);
      // Count each silence that overload kept from taking the link down, once.
      const deferring = n.up && alive && silentMs >= this.deadAfterMs;
      if (deferring && !n.deferring) n.downDeferred++;
      n.deferring = deferring;
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
        rejects: { ...s.rejected },
        cookieRepliesSent: s.cookieRepliesSent,
        cookiesReceived: s.cookiesReceived,
        underLoad: n.link.underLoad(this.clock()),
        downDeferred: n.downDeferred,
        emulatedLossPct: n.cfg.emulatedLossPct,
        emulatedDrops: n.drops.emulated,
        rxLoss: n.loss.loss() ?? null,
      };
    });
  }

  /** The UDP socket's overload signs. */
  socketLoad(): SocketLoad {
    return {
      kernelDrops: this.kernelDrops ?? null,
      rxQueueBytes: this.rxQueueBytes ?? null,
      recvBufferBytes: this.udp ? this.udp.recvBufferBytes : null,
      lastOverloadAt: Number.isFinite(this.overloadAt) ? this.overloadAt : null,
      stalls: this.stalls,
    };
  }

  /** Transport-level counters (unknown sources, kernel drops, TCP dials and framing errors). */
  transportStatus(): Record<string, unknown> {
    const load = this.socketLoad();
    return {
      udp: this.udp
        ? { port: this.udp.port, unknownSource: this.udp.unknownSource, sendErrors: this.udp.sendErrors, recvBufferBytes: load.recvBufferBytes, kernelDrops: load.kernelDrops, rxQueueBytes: load.rxQueueBytes, stalls: load.stalls }
        : null,
      tcp: this.tcp ? { port: this.tcp.port, ...this.tcp.counters } : null,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.udp?.close(), this.tcp?.close()]);
  }
}
