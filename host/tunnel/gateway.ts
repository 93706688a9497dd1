// The gateway's end of IP tunnels: clients join over routes by signing a challenge with
// their node key (an allow-list of keys, or open), each key gets an inner address from the
// pool (the same one again while the gateway runs), packets from a client are checked as a
// router checks them and must come from the client's own address before they reach the
// kernel (which NATs them to the clearnet: host/netif), and replies go back over the client's
// routes, spread by flow like the client's own. Nothing here touches the system; the daemon
// wires the TUN device and the firewall (host/netif) to it.
import { randomBytes } from 'node:crypto';
import type { Identity } from '../identity/identity.ts';
import { verifyDigest } from '../identity/identity.ts';
import { hex } from '../../spec/bytes.ts';
import type { Timers, TimerHandle } from '../mesh/api.ts';
import type { PacketPort, RouteCarrier } from './carrier.ts';
import { checkIpv4, destinationOf, formatIpv4, formatPrefix, IPV4_MIN_HEADER_BYTES, sourceOf, type Ipv4, type Ipv4Problem, type Prefix } from './ipv4.ts';
import { REPORT_MS, TunnelRoutes, type TunnelRouteStatus } from './routes.ts';
import { authDigest, decodeTunnel, encodeTunnel, NONCE_BYTES, RefuseCode, TUNNEL_MTU, TunnelMsg, type TunnelMessage } from './wire.ts';

/** A session with no route left is forgotten after this long (its address stays the key's). */
export const SESSION_IDLE_MS = 60_000;

export interface GatewayOptions {
  identity: Identity;
  /** Inner addresses: the first host address is the gateway's own (and its DNS), clients get the rest. */
  pool: Prefix;
  /** Client node keys (hex) allowed to join, or 'open'. */
  allow: 'open' | ReadonlySet<string>;
  carrier: RouteCarrier;
  timers: Timers;
  random?: (n: number) => Uint8Array;
}

interface Session {
  key: Uint8Array;
  keyHex: string;
  id: string;
  address: Ipv4;
  routes: TunnelRoutes;
  emptySince: number | undefined;
}

type EndState = { kind: 'challenged'; nonce: Uint8Array } | { kind: 'joined'; session: Session };

export interface GatewayCounters {
  /** Inner packets from clients written to the TUN, and their bytes. */
  packetsIn: number;
  bytesIn: number;
  /** Inner packets from the TUN sent to clients. */
  packetsOut: number;
  bytesOut: number;
  /** Client packets whose source was not the client's address (dropped). */
  spoofed: number;
  /** Client packets that are not sound IPv4, by reason (dropped). */
  malformed: Record<Ipv4Problem, number>;
  /** Tunnel messages that did not decode, or came where they make no sense. */
  badMessages: number;
  /** Packets on a route that has not joined (no Auth yet). */
  notJoined: number;
  /** Packets from the TUN for an address no client has. */
  noClient: number;
  /** Packets for a client with no usable route. */
  noRoute: number;
  joins: number;
  refusedNotAllowed: number;
  refusedBadSignature: number;
  refusedPoolFull: number;
}

export interface GatewaySessionStatus {
  client: string;
  session: string;
  address: string;
  routes: TunnelRouteStatus[];
}

export class GatewayService {
  private readonly ends = new Map<number, EndState>();
  private readonly sessions = new Map<string, Session>();
  private readonly byAddress = new Map<Ipv4, Session>();
  /** Each key keeps its address while the gateway runs. */
  private readonly addressOf = new Map<string, Ipv4>();
  private readonly random: (n: number) => Uint8Array;
  private timer: TimerHandle | undefined;
  private tun: PacketPort | undefined;
  private closed = false;
  readonly gatewayAddress: Ipv4;
  readonly counters: GatewayCounters = {
    packetsIn: 0,
    bytesIn: 0,
    packetsOut: 0,
    bytesOut: 0,
    spoofed: 0,
    malformed: { short: 0, version: 0, headerLength: 0, totalLength: 0, checksum: 0 },
    badMessages: 0,
    notJoined: 0,
    noClient: 0,
    noRoute: 0,
    joins: 0,
    refusedNotAllowed: 0,
    refusedBadSignature: 0,
    refusedPoolFull: 0,
  };

  constructor(private readonly o: GatewayOptions) {
    if (o.pool.length > 30) throw new RangeError(`gateway pool ${formatPrefix(o.pool)} is too small: it needs room for the gateway and a client (at most /30)`);
    this.random = o.random ?? ((n) => new Uint8Array(randomBytes(n)));
    this.gatewayAddress = (o.pool.address + 1) >>> 0;
    o.carrier.onMessage((b, end) => this.onMessage(b, end));
    o.carrier.onEndClosed((end) => this.endClosed(end));
    this.schedule();
  }

  /** The TUN device: packets for the clearnet go there. */
  attach(tun: PacketPort): void {
    this.tun = tun;
  }

  private now(): number {
    return this.o.timers.now();
  }

  private send(end: number, m: TunnelMessage): void {
    this.o.carrier.send(end, encodeTunnel(m), false);
  }

  // ---- from clients ------------------------------------------------------------------------

  private onMessage(bytes: Uint8Array, end: number): void {
    if (this.closed) return;
    const m = decodeTunnel(bytes);
    if (!m) {
      this.counters.badMessages++;
      return;
    }
    const state = this.ends.get(end);
    switch (m.type) {
      case TunnelMsg.Hello: {
        // A repeated Hello gets the same nonce again: the client may already be signing it.
        let nonce = state?.kind === 'challenged' ? state.nonce : this.pendingRejoin.get(end);
        if (!nonce) {
          nonce = this.random(NONCE_BYTES);
          // A route already joined may re-join (its Welcome was lost); it keeps working meanwhile.
          if (state?.kind === 'joined') this.pendingRejoin.set(end, nonce);
          else this.ends.set(end, { kind: 'challenged', nonce });
        }
        if (state?.kind === 'joined') state.session.routes.heard(end, this.now());
        this.send(end, { type: TunnelMsg.Challenge, nonce });
        return;
      }
      case TunnelMsg.Auth:
        return this.onAuth(end, m);
      case TunnelMsg.Packet:
        if (state?.kind !== 'joined') {
          this.counters.notJoined++;
          return;
        }
        return this.fromClient(state.session, end, m.seq, m.packet);
      case TunnelMsg.Report:
        if (state?.kind === 'joined') state.session.routes.onReport(end, m, this.now());
        else this.counters.notJoined++;
        return;
      case TunnelMsg.Bye:
        if (state?.kind === 'joined' && hex(m.session) === state.session.id) this.endSession(state.session);
        return;
      default:
        this.counters.badMessages++;
    }
  }

  /** Nonces of routes that asked to re-join while joined. */
  private readonly pendingRejoin = new Map<number, Uint8Array>();

  private onAuth(end: number, m: Extract<TunnelMessage, { type: typeof TunnelMsg.Auth }>): void {
    const state = this.ends.get(end);
    if (state?.kind === 'joined' && hex(m.session) === state.session.id && hex(m.clientKey) === state.session.keyHex && !this.pendingRejoin.has(end)) {
      // A repeat (our Welcome was lost): only the route's owner can send on it, so answer again.
      this.welcome(end, state.session, m.session);
      return;
    }
    // Each nonce buys one signature check, so a route cannot make us verify without end.
    const nonce = state?.kind === 'challenged' ? state.nonce : this.pendingRejoin.get(end);
    if (state?.kind === 'challenged') this.ends.delete(end);
    this.pendingRejoin.delete(end);
    if (!nonce) {
      this.send(end, { type: TunnelMsg.Refuse, reason: RefuseCode.NoChallenge });
      return;
    }
    if (!verifyDigest(m.clientKey, authDigest(this.o.identity.publicKey, nonce, m.clientKey, m.session), m.signature)) {
      this.counters.refusedBadSignature++;
      this.send(end, { type: TunnelMsg.Refuse, reason: RefuseCode.BadSignature });
      return;
    }
    const keyHex = hex(m.clientKey);
    if (this.o.allow !== 'open' && !this.o.allow.has(keyHex)) {
      this.counters.refusedNotAllowed++;
      this.send(end, { type: TunnelMsg.Refuse, reason: RefuseCode.NotAllowed });
      return;
    }
    const sessionId = hex(m.session);
    let s = this.sessions.get(keyHex);
    if (s && s.id !== sessionId) {
      // The client started a new session (it restarted): the old one's routes are stale.
      this.endSession(s);
      s = undefined;
    }
    if (!s) {
      const address = this.allocate(keyHex);
      if (address === undefined) {
        this.counters.refusedPoolFull++;
        this.send(end, { type: TunnelMsg.Refuse, reason: RefuseCode.PoolFull });
        return;
      }
      s = { key: m.clientKey, keyHex, id: sessionId, address, routes: new TunnelRoutes(this.o.carrier), emptySince: undefined };
      this.sessions.set(keyHex, s);
      this.byAddress.set(address, s);
    }
    if (state?.kind === 'joined' && state.session !== s) this.leave(state.session, end);
    this.ends.set(end, { kind: 'joined', session: s });
    s.routes.add(end, m.capacityKBps * 1000, this.now());
    s.routes.heard(end, this.now());
    s.emptySince = undefined;
    this.counters.joins++;
    this.welcome(end, s, m.session);
  }

  private welcome(end: number, s: Session, session: Uint8Array): void {
    this.send(end, { type: TunnelMsg.Welcome, session, address: s.address, prefixLength: 32, gateway: this.gatewayAddress, dns: this.gatewayAddress, mtu: TUNNEL_MTU });
  }

  /**
   * The key's address, or a free one; undefined when the pool is used up. Addresses other
   * keys held are handed out again only when no address was never given out.
   */
  private allocate(keyHex: string): Ipv4 | undefined {
    const had = this.addressOf.get(keyHex);
    if (had !== undefined && !this.byAddress.has(had)) return had;
    const size = 2 ** (32 - this.o.pool.length);
    const reserved = new Map([...this.addressOf].map(([k, a]) => [a, k]));
    for (const reuse of [false, true]) {
      // Host numbers 2 .. size-2: not the network, the gateway (1) or the broadcast address.
      for (let n = 2; n <= size - 2; n++) {
        const a = (this.o.pool.address + n) >>> 0;
        if (this.byAddress.has(a) || (reserved.has(a) && !reuse)) continue;
        const owner = reserved.get(a);
        if (owner !== undefined) this.addressOf.delete(owner);
        this.addressOf.set(keyHex, a);
        return a;
      }
    }
    return undefined;
  }

  private fromClient(s: Session, end: number, seq: number, packet: Uint8Array): void {
    const now = this.now();
    s.routes.received(end, seq, packet.length, now);
    s.routes.heard(end, now);
    const problem = checkIpv4(packet);
    if (problem) {
      this.counters.malformed[problem]++;
      return;
    }
    if (sourceOf(packet) !== s.address) {
      this.counters.spoofed++;
      return;
    }
    this.counters.packetsIn++;
    this.counters.bytesIn += packet.length;
    this.tun?.write(packet);
  }

  // ---- to clients ----------------------------------------------------------------------------

  /** A packet the kernel routed to the TUN: for the client with its destination address. */
  fromTun(packet: Uint8Array): void {
    if (this.closed || packet.length < IPV4_MIN_HEADER_BYTES || packet[0] >> 4 !== 4) return;
    const s = this.byAddress.get(destinationOf(packet));
    if (!s) {
      this.counters.noClient++;
      return;
    }
    if (!s.routes.send(packet, this.now())) {
      this.counters.noRoute++;
      return;
    }
    this.counters.packetsOut++;
    this.counters.bytesOut += packet.length;
  }

  // ---- upkeep ----------------------------------------------------------------------------------

  private endClosed(end: number): void {
    const state = this.ends.get(end);
    this.ends.delete(end);
    this.pendingRejoin.delete(end);
    if (state?.kind === 'joined') this.leave(state.session, end);
  }

  private leave(s: Session, end: number): void {
    s.routes.remove(end, this.now());
    if (s.routes.size === 0) s.emptySince = this.now();
  }

  private endSession(s: Session): void {
    for (const end of s.routes.ends()) this.ends.delete(end);
    this.sessions.delete(s.keyHex);
    this.byAddress.delete(s.address);
  }

  private schedule(): void {
    this.timer = this.o.timers.setTimeout(() => {
      if (this.closed) return;
      const now = this.now();
      for (const s of [...this.sessions.values()]) {
        if (s.emptySince !== undefined && now - s.emptySince > SESSION_IDLE_MS) this.endSession(s);
        else s.routes.tick(now, false);
      }
      this.schedule();
    }, REPORT_MS);
  }

  status(): { address: string; pool: string; sessions: GatewaySessionStatus[]; counters: GatewayCounters } {
    const now = this.now();
    return {
      address: formatIpv4(this.gatewayAddress),
      pool: formatPrefix(this.o.pool),
      sessions: [...this.sessions.values()].map((s) => ({ client: s.keyHex, session: s.id, address: formatIpv4(s.address), routes: s.routes.status(now) })),
      counters: { ...this.counters, malformed: { ...this.counters.malformed } },
    };
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.o.timers.clearTimeout(this.timer);
  }
}
