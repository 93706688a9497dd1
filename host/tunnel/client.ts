// The client's end of an IP tunnel: it keeps `want` routes to one gateway (node-disjoint
// where the mesh allows), joins each by signing the gateway's challenge for that route with
// the node key, takes its inner address, DNS server and MTU from the first Welcome, and then
// carries the TUN's packets over every joined route at once, by flow (scheduler.ts). A route
// that fails or falls silent loses its flows to the others at once; a new one is built in
// its place, avoiding the relays that just failed.
import { randomBytes } from 'node:crypto';
import { signDigest, type Identity } from '../identity/identity.ts';
import { equalBytes, hex } from '../../spec/bytes.ts';
import type { Timers, TimerHandle } from '../mesh/api.ts';
import type { PacketPort, RouteCarrier } from './carrier.ts';
import { destinationOf, formatIpv4, IPV4_MIN_HEADER_BYTES, type Ipv4 } from './ipv4.ts';
import { REPORT_MS, TunnelRoutes, type TunnelRouteStatus } from './routes.ts';
import { authDigest, decodeTunnel, encodeTunnel, RefuseCode, SESSION_BYTES, TunnelMsg, type TunnelMessage } from './wire.ts';

/** A join step (Hello, Auth) is repeated this often... */
export const JOIN_RETRY_MS = 400;
/** ...this many times before the route is given up. */
export const JOIN_TRIES = 12;
/** Missing routes are looked for this often. */
export const MAINTAIN_MS = 1000;
/** After routes failed to join in a row, the next try waits up to this long. */
export const MAX_JOIN_BACKOFF_MS = 30_000;
/** Relays of a route that failed are avoided, where the mesh has other paths, for this long. */
export const FAILED_RELAY_MEMORY_MS = 60_000;

/** A route the daemon built to the gateway. */
export interface TunnelRoute {
  id: number;
  /** Path capacity discovery reported, bytes/s (Infinity or 0: unknown). */
  capacity: number;
  /** Relay public keys (hex), for disjointness. */
  relays: string[];
  /** Addresses of the path's nodes, for status. */
  path: string[];
}

/** How the client gets routes: the daemon discovers paths to the gateway and sets them up. */
export interface RouteProvider {
  /**
   * Up to `count` new routes to the gateway, disjoint from the routes in use (`inUse` relays),
   * and away from relays that failed lately (`failed`) where the mesh has other paths.
   */
  add(count: number, avoid: { inUse: ReadonlySet<string>; failed: ReadonlySet<string> }): Promise<TunnelRoute[]>;
  remove(id: number): void;
}

export interface TunnelConfig {
  address: Ipv4;
  gateway: Ipv4;
  dns: Ipv4;
  mtu: number;
}

export interface TunnelClientOptions {
  identity: Identity;
  gatewayKey: Uint8Array;
  carrier: RouteCarrier;
  timers: Timers;
  routes: RouteProvider;
  /** Routes to keep (at least 1). */
  want: number;
  random?: (n: number) => Uint8Array;
  log?: (line: string) => void;
}

interface Join {
  route: TunnelRoute;
  step: 'hello' | 'auth' | 'up';
  tries: number;
  timer: TimerHandle | undefined;
  /** The Auth to repeat. */
  auth?: Uint8Array;
}

export interface TunnelClientCounters {
  packetsOut: number;
  bytesOut: number;
  packetsIn: number;
  bytesIn: number;
  /** TUN packets that are not IPv4 (not sent). */
  notIpv4: number;
  /** Packets from the gateway not for our address. */
  wrongDestination: number;
  /** Packets dropped because no route was joined. */
  noRoute: number;
  badMessages: number;
  refused: number;
  routesAdded: number;
  routesLost: number;
}

export class TunnelClient {
  readonly session: Uint8Array;
  private readonly joins = new Map<number, Join>();
  readonly routes: TunnelRoutes;
  private readonly failedRelays = new Map<string, number>();
  private config: TunnelConfig | undefined;
  private tun: PacketPort | undefined;
  private adding = false;
  /** Routes that did not join in a row (refused or unanswered): each one doubles the wait before the next try. */
  private joinFailures = 0;
  private nextAttempt = 0;
  private closed = false;
  private reportTimer: TimerHandle | undefined;
  private maintainTimer: TimerHandle | undefined;
  private readonly onReady: Array<(c: TunnelConfig) => void> = [];
  /** Why the last route did not join: the gateway's refusal, or its silence. */
  lastProblem: string | undefined;
  readonly counters: TunnelClientCounters = {
    packetsOut: 0,
    bytesOut: 0,
    packetsIn: 0,
    bytesIn: 0,
    notIpv4: 0,
    wrongDestination: 0,
    noRoute: 0,
    badMessages: 0,
    refused: 0,
    routesAdded: 0,
    routesLost: 0,
  };

  constructor(private readonly o: TunnelClientOptions) {
    this.session = (o.random ?? ((n) => new Uint8Array(randomBytes(n))))(SESSION_BYTES);
    this.routes = new TunnelRoutes(o.carrier);
    o.carrier.onMessage((b, end) => this.onMessage(b, end));
    o.carrier.onEndClosed((end) => this.routeGone(end, 'closed'));
    this.maintain();
    this.report();
  }

  private now(): number {
    return this.o.timers.now();
  }

  /** Resolves with the tunnel's addresses once the first route has joined. */
  ready(): Promise<TunnelConfig> {
    if (this.config) return Promise.resolve(this.config);
    return new Promise((r) => this.onReady.push(r));
  }

  attach(tun: PacketPort): void {
    this.tun = tun;
  }

  // ---- routes ------------------------------------------------------------------------------

  private maintain(): void {
    this.maintainTimer = this.o.timers.setTimeout(() => this.maintain(), MAINTAIN_MS);
    const now = this.now();
    if (this.closed || this.adding || now < this.nextAttempt) return;
    const missing = this.o.want - this.joins.size;
    if (missing <= 0) return;
    for (const [k, at] of this.failedRelays) if (now - at > FAILED_RELAY_MEMORY_MS) this.failedRelays.delete(k);
    const inUse = new Set<string>();
    for (const j of this.joins.values()) for (const r of j.route.relays) inUse.add(r);
    this.adding = true;
    this.o.routes
      .add(missing, { inUse, failed: new Set(this.failedRelays.keys()) })
      .then(
        (got) => {
          for (const r of got) {
            if (this.closed) this.o.routes.remove(r.id);
            else this.join(r);
          }
        },
        (e) => this.o.log?.(`tunnel: no new route to the gateway: ${(e as Error).message}`),
      )
      .finally(() => (this.adding = false));
  }

  private join(route: TunnelRoute): void {
    const j: Join = { route, step: 'hello', tries: 0, timer: undefined };
    this.joins.set(route.id, j);
    this.counters.routesAdded++;
    this.step(j);
  }

  /** Sends the join step due (Hello, or the Auth of the last Challenge), and again until answered. */
  private step(j: Join): void {
    if (this.closed || this.joins.get(j.route.id) !== j || j.step === 'up') return;
    if (j.tries++ >= JOIN_TRIES) {
      this.joinFailed();
      this.lastProblem = j.step === 'hello' ? 'the gateway node does not answer the tunnel (does it run the gateway service?)' : 'the gateway did not answer the join';
      this.o.log?.(`tunnel: route ${j.route.id} did not join: ${this.lastProblem}; giving it up`);
      this.drop(j.route.id);
      return;
    }
    const bytes = j.step === 'auth' && j.auth ? j.auth : encodeTunnel({ type: TunnelMsg.Hello });
    // Not an answer the mesh should wait for: on a lossy route the join takes its own tries
    // (JOIN_TRIES), longer than the mesh's failure detector would give it.
    this.o.carrier.send(j.route.id, bytes, false);
    j.timer = this.o.timers.setTimeout(() => this.step(j), JOIN_RETRY_MS);
  }

  /** A gateway that refuses or does not answer is not asked again at once (at most every MAX_JOIN_BACKOFF_MS). */
  private joinFailed(): void {
    this.joinFailures++;
    this.nextAttempt = this.now() + Math.min(MAX_JOIN_BACKOFF_MS, MAINTAIN_MS * 2 ** (this.joinFailures - 1));
  }

  private drop(id: number): void {
    const j = this.joins.get(id);
    if (!j) return;
    if (j.timer !== undefined) this.o.timers.clearTimeout(j.timer);
    this.joins.delete(id);
    this.routes.remove(id, this.now());
    this.o.routes.remove(id);
  }

  private routeGone(end: number, why: string): void {
    const j = this.joins.get(end);
    if (!j) return;
    this.counters.routesLost++;
    const now = this.now();
    for (const r of j.route.relays) this.failedRelays.set(r, now);
    this.o.log?.(`tunnel: route ${end} ${why}; its flows move to the other routes`);
    this.drop(end);
  }

  // ---- messages from the gateway ------------------------------------------------------------------

  private onMessage(bytes: Uint8Array, end: number): void {
    const j = this.joins.get(end);
    if (!j || this.closed) return;
    const m = decodeTunnel(bytes);
    if (!m) {
      this.counters.badMessages++;
      return;
    }
    const now = this.now();
    switch (m.type) {
      case TunnelMsg.Challenge: {
        if (j.step === 'up') return;
        const digest = authDigest(this.o.gatewayKey, m.nonce, this.o.identity.publicKey, this.session);
        const capacityKBps = Number.isFinite(j.route.capacity) && j.route.capacity > 0 ? Math.min(0xffffffff, Math.round(j.route.capacity / 1000)) : 0;
        j.auth = encodeTunnel({ type: TunnelMsg.Auth, clientKey: this.o.identity.publicKey, session: this.session, capacityKBps, signature: signDigest(this.o.identity, digest) });
        j.step = 'auth';
        j.tries = 0;
        if (j.timer !== undefined) this.o.timers.clearTimeout(j.timer);
        this.step(j);
        return;
      }
      case TunnelMsg.Welcome:
        return this.onWelcome(j, m);
      case TunnelMsg.Refuse: {
        this.counters.refused++;
        const why = Object.entries(RefuseCode).find(([, v]) => v === m.reason)?.[0] ?? `reason ${m.reason}`;
        this.lastProblem = `refused: ${why}`;
        this.joinFailed();
        this.o.log?.(`tunnel: the gateway refused route ${end}: ${why}`);
        this.drop(end);
        return;
      }
      case TunnelMsg.Packet:
        if (j.step !== 'up') return;
        this.routes.received(end, m.seq, m.packet.length, now);
        this.routes.heard(end, now);
        return this.toTun(m.packet);
      case TunnelMsg.Report:
        this.routes.onReport(end, m, now);
        return;
      default:
        this.counters.badMessages++;
    }
  }

  private onWelcome(j: Join, m: Extract<TunnelMessage, { type: typeof TunnelMsg.Welcome }>): void {
    if (!equalBytes(m.session, this.session)) return;
    if (j.timer !== undefined) this.o.timers.clearTimeout(j.timer);
    j.timer = undefined;
    if (j.step === 'up') return;
    if (this.config && m.address !== this.config.address) {
      // The gateway restarted and handed out another address: this tunnel's address is set, so
      // the route cannot carry it.
      this.o.log?.(`tunnel: route ${j.route.id} was given ${formatIpv4(m.address)}, not ${formatIpv4(this.config.address)}; dropping it`);
      this.drop(j.route.id);
      return;
    }
    j.step = 'up';
    this.joinFailures = 0;
    const now = this.now();
    this.routes.add(j.route.id, j.route.capacity, now);
    this.routes.heard(j.route.id, now);
    if (!this.config) {
      this.config = { address: m.address, gateway: m.gateway, dns: m.dns, mtu: m.mtu };
      for (const r of this.onReady.splice(0)) r(this.config);
    }
  }

  private toTun(packet: Uint8Array): void {
    if (!this.config || packet.length < IPV4_MIN_HEADER_BYTES || packet[0] >> 4 !== 4 || destinationOf(packet) !== this.config.address) {
      this.counters.wrongDestination++;
      return;
    }
    this.counters.packetsIn++;
    this.counters.bytesIn += packet.length;
    this.tun?.write(packet);
  }

  // ---- packets from the TUN -----------------------------------------------------------------------

  fromTun(packet: Uint8Array): void {
    if (this.closed) return;
    if (!this.config) {
      this.counters.noRoute++;
      return;
    }
    // IPv4 only; whether the source is ours is the gateway's check (it drops and counts spoofing).
    if (packet.length < IPV4_MIN_HEADER_BYTES || packet[0] >> 4 !== 4) {
      this.counters.notIpv4++;
      return;
    }
    if (!this.routes.send(packet, this.now())) {
      this.counters.noRoute++;
      return;
    }
    this.counters.packetsOut++;
    this.counters.bytesOut += packet.length;
  }

  private report(): void {
    this.reportTimer = this.o.timers.setTimeout(() => this.report(), REPORT_MS);
    if (!this.closed) this.routes.tick(this.now(), true);
  }

  // ---- status and close ---------------------------------------------------------------------------

  status(): { gateway: string; session: string; state: 'joining' | 'up'; address: string | null; dns: string | null; mtu: number | null; routes: Array<TunnelRouteStatus & { path: string[]; step: string }>; counters: TunnelClientCounters; lastProblem: string | null } {
    const now = this.now();
    const measured = new Map(this.routes.status(now).map((r) => [r.id, r]));
    return {
      gateway: hex(this.o.gatewayKey),
      session: hex(this.session),
      state: this.config ? 'up' : 'joining',
      address: this.config ? formatIpv4(this.config.address) : null,
      dns: this.config ? formatIpv4(this.config.dns) : null,
      mtu: this.config?.mtu ?? null,
      routes: [...this.joins.values()].map((j) => ({ ...(measured.get(j.route.id) ?? emptyStatus(j.route.id)), path: j.route.path, step: j.step })),
      counters: { ...this.counters },
      lastProblem: this.lastProblem ?? null,
    };
  }

  /** Says goodbye on every route, deletes them and stops. */
  close(): void {
    if (this.closed) return;
    for (const j of this.joins.values()) if (j.step === 'up') this.o.carrier.send(j.route.id, encodeTunnel({ type: TunnelMsg.Bye, session: this.session }), false);
    this.closed = true;
    for (const id of [...this.joins.keys()]) this.drop(id);
    if (this.reportTimer !== undefined) this.o.timers.clearTimeout(this.reportTimer);
    if (this.maintainTimer !== undefined) this.o.timers.clearTimeout(this.maintainTimer);
  }
}

function emptyStatus(id: number): TunnelRouteStatus {
  return { id, usable: false, capacity: 0, flows: 0, bulkFlows: 0, txRate: 0, rxRate: 0, lossOut: 0, lossIn: 0, deliveredRate: 0, peakDelivered: 0, rttMs: undefined, packetsSent: 0, packetsReceived: 0, bytesSent: 0, bytesReceived: 0, silentMs: 0 };
}
