// One mesh node: its links, channel framing and services, forwarding by route ID, and the
// parts that play the roles of a route: source.ts (building and using routes), relay.ts
// (tail, relay, destination) and stream-set.ts (streams, repair). Transport-agnostic and
// clock-agnostic (see api.ts): the same code runs in an in-process simulated mesh and in
// the daemon.
//
// Route setup, source S building S -> B -> C:
//   S --Create(setup, back=s_b, blob_B)--> B          channel 0, B allocates b_f: rule b_f -> local
//   S <--Created(setup, b_f, reply_B)----- B          S checks B proved its key; hop 1 is up
//   S ==Extend(C, blob_C)==> B                        route packet on b_f, sealed to B
//        B --Create(setup', back=b_b, blob_C)--> C    C allocates c_f: rule c_f -> local
//        B <--Created(setup', c_f, reply_C)----- C    B installs b_b -> (S, s_b)
//   S <==Extended(reply_C)== B                        S checks C proved its key
//   S ==ExtendAck==> B                                B switches b_f -> (C, c_f): a relay now
// B only ever learns "a neighbour asked me to extend to C"; C only "B asked me to be a hop".
// Neither can tell whether its previous hop is the source or the next hop the destination.
//
// The data path: every route packet leaves a node through its store-and-forward engine
// (host/saf), on the hop's lane when the hop runs store-and-forward (chosen per hop at setup
// from the link's measured loss, or the link's override) or plainly, one channel-1 frame as
// the forwarding plane sends it. Packets arrive as channel-1 frames (plain) or inside
// channel-2 hop datagrams (store-and-forward), and either way go by the rule their route ID
// names: forward, or hand to the route end here.
import type {
  ConnectOptions,
  DatagramHandler,
  DatagramOptions,
  DiscoverOptions,
  DiscoverTarget,
  LinkInfo,
  LinkStatus,
  MeshCounters,
  MeshNodeApi,
  MeshNodeOptions,
  MeshStatus,
  MeshStream,
  MeshTransport,
  NeighbourId,
  OpenStreamOptions,
  PathCandidate,
  PathHop,
  RouteInfo,
  ServiceDefinition,
  SettledRule,
  Timers,
  TimerHandle,
} from './api.ts';
import { nodeBackend, type CryptoBackend } from '../crypto/backend.ts';
import { osRandom } from '../crypto/random.ts';
import { addressFromPublicKey } from '../identity/address.ts';
import { identityFromSecretKey, type Identity } from '../identity/identity.ts';
import { equalBytes, hex } from '../../spec/bytes.ts';
import { CONTROL_COPY_LOSS, HELLO_MAX_RETRY_MS, HELLO_RETRY_MS, MAX_CONTROL_COPIES, PROBE_INTERVAL_MS } from './constants.ts';
import { CONTROL_CHANNEL, ControlMsg, FIRST_SERVICE_CHANNEL, FRAME_HEADER_BYTES, HOP_CHANNEL, MAX_ROUTE_PACKET_BYTES, MESH_MTU_BYTES, ROUTE_CHANNEL, routeIdOf, RouteMsg } from '../../spec/route-wire.ts';
import { Cls } from '../saf/constants.ts';
import { SafEngine } from '../saf/engine.ts';
import type { Holding } from '../saf/lanes.ts';
import { MeshError, resolveLimits, type MeshLimits, type NodeContext } from './context.ts';
import { decodeControl, encodeControl, type Control } from './control.ts';
import { DatagramSet } from './datagrams.ts';
import { choosePaths, Discovery } from './discovery.ts';
import { CountShares, RateShares } from './fairness.ts';
import { MAX_PORT, SoftwareForwardingTable } from './forwarding.ts';
import { decodeDatagramFrames, encodeFrame, StreamFrameReader, type Frame } from './framing.ts';
import { ServiceRegistry } from './registry.ts';
import { encodeRouteInner, frameOf, setRouteId, type RouteInner } from './route-packet.ts';
import { RelayRole, type HopView } from './relay.ts';
import { RuleBook, type Rule } from './rules.ts';
import { SourceRole } from './source.ts';
import { NeighbourState, type Hop, type SourceRoute } from './state.ts';
import { StreamSet } from './stream-set.ts';
import { Teardowns } from './teardown.ts';

export { MeshError };

function newCounters(): MeshCounters {
  return {
    messagesReceived: 0,
    messagesSent: 0,
    unknownChannel: 0,
    malformed: 0,
    handlerErrors: 0,
    unknownRoute: 0,
    badAuth: 0,
    packetsForwarded: 0,
    bytesForwarded: 0,
    refusedRouteLimit: 0,
    refusedRateLimit: 0,
    refusedUpstreamShare: 0,
    refusedQueryRate: 0,
    queriesNotForwarded: 0,
    streamsReset: 0,
    setupRetransmits: 0,
    rulesExpired: 0,
    routesRepaired: 0,
    routesFailed: 0,
    segmentsRetransmitted: 0,
    sendFailures: 0,
    unknownNeighbour: 0,
    replays: 0,
    helloMismatch: 0,
    routeDrops: 0,
    datagramsSent: 0,
    datagramsDelivered: 0,
    datagramsDropped: 0,
  };
}

export class MeshNode implements MeshNodeApi {
  readonly identity: Identity;
  readonly counters: MeshCounters = newCounters();
  readonly rules: RuleBook;
  readonly timers: Timers;
  readonly limits: MeshLimits;
  readonly registry: ServiceRegistry;
  private readonly transport: MeshTransport;
  private readonly random: (n: number) => Uint8Array;
  private readonly backend: CryptoBackend = nodeBackend;
  private readonly offered: string[];
  private readonly neighbours = new Map<number, NeighbourState>();
  private readonly discovery: Discovery;
  private readonly teardowns: Teardowns;
  private readonly source: SourceRole;
  private readonly relay: RelayRole;
  private readonly streams: StreamSet;
  /** The data path: every route packet this node sends leaves through it. */
  readonly saf: SafEngine;
  private readonly datagrams: DatagramSet;
  private readonly addresses = new Map<string, string>();
  /** Discovery queries passed on per upstream and next hop (fairness.ts). */
  private readonly queryShares: RateShares;
  private localIds = 1;
  private maintenanceTimer: TimerHandle | undefined;
  private closed = false;

  constructor(options: MeshNodeOptions) {
    this.identity = identityFromSecretKey(options.secretKey);
    this.transport = options.transport;
    this.timers = options.timers;
    this.random = options.random ?? osRandom;
    this.offered = [...(options.services ?? [])];
    this.limits = resolveLimits(options);
    this.rules = new RuleBook(options.table ?? new SoftwareForwardingTable(), this.random, () => this.timers.now(), undefined, (rule) => this.onRuleRemoved(rule));
    this.saf = new SafEngine(
      this.timers,
      {
        transmit: (nb, payload) => this.transmit(nb, payload),
        deliver: (nb, packet, cls, held) => {
          const n = this.neighbours.get(nb);
          if (n?.up) this.onRoutePacket(n, packet, cls, held, undefined);
          else held.release();
        },
        window: (nb, route, cls) => {
          const rule = this.rules.get(route);
          if (!rule || rule.from !== nb) return 0;
          return cls === Cls.realtime ? this.limits.safRealtimeBufferBytes : this.limits.safBufferBytes;
        },
        writable: () => this.streams.kick(),
      },
      { bufferBytes: { [Cls.bulk]: this.limits.safBufferBytes, [Cls.realtime]: this.limits.safRealtimeBufferBytes } },
    );
    this.registry = new ServiceRegistry(this.counters);
    this.registry.register<Control>(
      { name: 'daemon', channel: CONTROL_CHANNEL, codec: { encode: encodeControl, decode: decodeControl }, handle: (m, ctx) => this.onControl(ctx.from, m) },
      CONTROL_CHANNEL,
    );
    // Every up neighbour other than the next hop, and this node, shares what the next hop accepts.
    const shareholders = (next: number) => 1 + [...this.neighbours.values()].filter((n) => n.up && n.id !== next).length;
    this.queryShares = new RateShares(this.limits.queryRatePerPeer, this.limits.queryBurstPerPeer, shareholders);
    this.teardowns = new Teardowns(this.timers, (id) => this.neighbours.get(id), (id, m) => this.sendControl(id, m), this.limits.setupRtoMs);
    const ctx: NodeContext = {
      identity: this.identity,
      backend: this.backend,
      timers: this.timers,
      limits: this.limits,
      counters: this.counters,
      rules: this.rules,
      random: (n) => this.random(n),
      nextLocalId: () => this.localIds++,
      neighbour: (id) => this.neighbours.get(id),
      neighbourByKey: (k) => this.neighbourByKey(k),
      sendFrame: (id, f) => this.sendFrame(id, f),
      sendControl: (id, m) => this.sendControl(id, m),
      sendTeardown: (id, routeId) => this.teardowns.send(id, routeId),
      sendRoute: (id, frame, cls, saf) => this.sendRoute(id, frame, cls, saf),
      routeRoom: (id, route, cls, saf) => (saf ? this.saf.room(id, route, cls) : this.saf.plainRoom(id)),
      hopSaf: (id) => this.hopSaf(id),
      dropLanes: (id, route, direction) => this.saf.dropLanes(id, route, direction),
      routeShares: new CountShares(this.limits.maxRoutesPerPeer, shareholders),
      setupShares: new RateShares(this.limits.setupRatePerPeer, this.limits.setupBurstPerPeer, shareholders),
      ownRoutesVia: (id) => this.source.all().filter((r) => r.firstNeighbour === id && (r.state === 'up' || r.state === 'building')).length,
    };
    this.streams = new StreamSet(ctx, {
      discover: (t, o) => this.discover(t, o),
      addRoute: (c) => this.addRoute(c),
      route: (id) => this.source.get(id),
      sendToDestination: (r, inner, expects, cls) => this.source.sendToHop(r, r.hops.length - 1, inner, expects, cls),
      sendToSource: (hop, inner, cls) => this.relay.sendToSource(hop, inner, cls),
      roomToDestination: (r, cls) => this.source.room(r, cls),
      roomToSource: (hop, cls) => this.relay.roomToSource(hop, cls),
      hopReliable: (r) => this.source.hopReliable(r),
    });
    this.datagrams = new DatagramSet(ctx, {
      route: (id) => this.source.get(id),
      sendToDestination: (r, inner, expects, cls) => this.source.sendToHop(r, r.hops.length - 1, inner, expects, cls),
      sendToSource: (hop, inner, cls) => this.relay.sendToSource(hop, inner, cls),
    });
    this.source = new SourceRole(ctx, {
      onStreamMessage: (r, m, held) => this.streams.onRouteMessage(r, m, held),
      onDatagram: (r, channel, bytes) => this.datagrams.fromDestination(r, channel, bytes),
      onRouteFailed: (r, repair) => {
        this.streams.routeFailed(r, repair);
        this.datagrams.closed(r.id);
      },
      onRouteDeleted: (r) => {
        this.streams.routeDeleted(r);
        this.datagrams.closed(r.id);
      },
      busy: (r) => this.streams.busy(r),
    });
    this.relay = new RelayRole(ctx, {
      onOpen: (hop, m) => this.streams.onOpen(hop, m),
      onStreamMessage: (id, m, held) => this.streams.onHopMessage(id, m, held),
      onDatagram: (hop, channel, bytes) => this.datagrams.fromSource(hop, channel, bytes),
      detachCarrier: (id) => {
        this.streams.detachCarrier(id);
        this.datagrams.closed(id);
      },
      applyRule: (rule, packet, cls, held) => this.applyRule(rule, packet, cls, held, undefined),
    });
    this.discovery = new Discovery({
      publicKey: this.identity.publicKey,
      address: this.identity.address,
      timers: this.timers,
      random: (n) => this.random(n),
      offers: (s) => this.offered.includes(s),
      upNeighbours: () => [...this.neighbours.values()].filter((n) => n.up).map((n) => n.id),
      keyOf: (id) => this.neighbours.get(id)?.publicKey,
      neighbourByKey: (k) => this.neighbourByKey(k),
      linkLatencyUs: (id) => ((this.neighbours.get(id)?.rtt.srtt ?? 0) * 1000) / 2,
      linkCapacity: (id) => this.neighbours.get(id)?.info.capacityBytesPerSec ?? 0,
      sendControl: (id, m) => void this.sendControl(id, m),
      mayForward: (from, next, now) => this.queryShares.take(from, next, now),
    });
    this.scheduleMaintenance();
  }

  get publicKey(): Uint8Array {
    return this.identity.publicKey;
  }
  get address(): string {
    return this.identity.address;
  }

  // ---- links ---------------------------------------------------------------------------

  linkUp(neighbour: NeighbourId, info: LinkInfo): void {
    if (this.closed) return;
    // Programming errors of the transport's owner, not wire input.
    if (!Number.isInteger(neighbour) || neighbour < 0 || neighbour > MAX_PORT) throw new RangeError(`neighbour id ${neighbour} must be 0..${MAX_PORT} (the route table's port)`);
    if (info.mtu !== undefined && info.mtu < MESH_MTU_BYTES) throw new RangeError(`link mtu ${info.mtu} is below MESH_MTU_BYTES (${MESH_MTU_BYTES})`);
    let n = this.neighbours.get(neighbour);
    if (!n) {
      n = new NeighbourState(neighbour, this.limits, this.timers.now());
      this.neighbours.set(neighbour, n);
    }
    n.up = true;
    n.info = info;
    n.lossOut = undefined;
    n.reader = info.kind === 'stream' ? new StreamFrameReader() : undefined;
    this.saf.neighbourUp(neighbour, { rateBytesPerSec: info.paceBytesPerSec });
    if (info.publicKey) n.publicKey = Uint8Array.from(info.publicKey);
    n.helloAcked = false;
    if (n.helloTimer !== undefined) this.timers.clearTimeout(n.helloTimer);
    this.sendHello(n, HELLO_RETRY_MS);
    if (n.probeTimer !== undefined) this.timers.clearTimeout(n.probeTimer);
    this.probe(n);
  }

  linkDown(neighbour: NeighbourId): void {
    const n = this.neighbours.get(neighbour);
    if (!n || !n.up) return;
    n.up = false;
    if (n.probeTimer !== undefined) this.timers.clearTimeout(n.probeTimer);
    n.probeTimer = undefined;
    if (n.helloTimer !== undefined) this.timers.clearTimeout(n.helloTimer);
    n.helloTimer = undefined;
    this.relay.linkDown(neighbour);
    this.source.linkDown(neighbour);
    this.saf.neighbourDown(neighbour);
  }

  receive(neighbour: NeighbourId, bytes: Uint8Array): void {
    const n = this.neighbours.get(neighbour);
    if (!n || !n.up || this.closed) {
      this.counters.unknownNeighbour++;
      return;
    }
    n.bytesReceived += bytes.length;
    const { frames, error } = n.reader ? n.reader.push(bytes) : decodeDatagramFrames(bytes);
    if (error) this.counters.malformed++;
    // A datagram that is exactly one channel-1 frame can be forwarded as it is (plain relaying
    // rewrites its route ID in place and sends the same bytes on).
    const whole = frames.length === 1 && !n.reader && frames[0].payload.length + FRAME_HEADER_BYTES === bytes.length ? bytes : undefined;
    for (const f of frames) this.onFrame(n, f, whole);
  }

  private onFrame(n: NeighbourState, f: Frame, whole: Uint8Array | undefined): void {
    this.counters.messagesReceived++;
    if (f.channel === ROUTE_CHANNEL) return this.onRoutePacket(n, f.payload, undefined, undefined, whole);
    if (f.channel === HOP_CHANNEL) return this.saf.receive(n.id, f.payload);
    this.registry.dispatch(f.channel, f.payload, { from: n.id, reply: (to, b) => void this.sendService(to, f.channel, b) });
  }

  /** Bytes to a neighbour's link, counted. */
  private transmit(neighbour: number, payload: Uint8Array): boolean {
    const n = this.neighbours.get(neighbour);
    if (!n || !n.up || this.closed) {
      this.counters.sendFailures++;
      return false;
    }
    const ok = this.transport.send(neighbour, payload);
    if (!ok) this.counters.sendFailures++;
    else {
      n.bytesSent += payload.length;
      this.counters.messagesSent++;
    }
    return ok;
  }

  /** A control or service frame, straight to the link (the pacer counts it). */
  private sendFrame(neighbour: number, frame: Uint8Array): boolean {
    const ok = this.transmit(neighbour, frame);
    if (ok) this.saf.charge(neighbour, frame.length);
    return ok;
  }

  private sendRoute(neighbour: number, frame: Uint8Array, cls: Cls, saf: boolean): boolean {
    const n = this.neighbours.get(neighbour);
    if (!n || !n.up || this.closed) {
      this.counters.sendFailures++;
      return false;
    }
    return saf ? this.saf.sendSaf(neighbour, cls, frame.subarray(FRAME_HEADER_BYTES)) : this.saf.sendPlain(neighbour, cls, frame);
  }

  /** Whether a new route's hop over the link to `neighbour` runs store-and-forward. */
  private hopSaf(neighbour: number): boolean {
    const n = this.neighbours.get(neighbour);
    if (!n) return false;
    const f = n.info.forwarding ?? 'auto';
    if (f !== 'auto') return f === 'saf';
    // The loss our frames see on the way to it (its report); until it reports, the loss of its
    // frames on the way to us (links lose alike both ways more often than not).
    const loss = n.lossOut ?? n.info.rxLoss?.();
    return loss !== undefined && loss >= this.limits.safLossThreshold;
  }

  private sendControl(neighbour: number, m: Control): boolean {
    const frame = encodeFrame(CONTROL_CHANNEL, encodeControl(m));
    // Setup and discovery cross one link per message and are not retransmitted hop by hop
    // (discovery not at all): on a lossy link they go in several copies, enough that all are
    // lost only one time in a hundred; the receiver ignores the repeats (setup and query IDs).
    const copies = m.type === ControlMsg.DiscoverQuery || m.type === ControlMsg.DiscoverReply || m.type === ControlMsg.Create || m.type === ControlMsg.Created ? this.copiesFor(neighbour) : 1;
    let ok = false;
    for (let i = 0; i < copies; i++) ok = this.sendFrame(neighbour, frame) || ok;
    return ok;
  }

  /** Copies of a one-hop message so that all are lost at most CONTROL_COPY_LOSS of the time on this link. */
  private copiesFor(neighbour: number): number {
    const n = this.neighbours.get(neighbour);
    const loss = n ? Math.max(n.lossOut ?? 0, n.info.rxLoss?.() ?? 0) : 0;
    if (!(loss > 0)) return 1;
    return Math.min(MAX_CONTROL_COPIES, Math.max(1, Math.ceil(Math.log(CONTROL_COPY_LOSS) / Math.log(Math.min(loss, 0.9)))));
  }

  private neighbourByKey(key: Uint8Array): number | undefined {
    for (const n of this.neighbours.values()) if (n.up && n.publicKey && equalBytes(n.publicKey, key)) return n.id;
    return undefined;
  }

  /** Sends our Hello, and again after `retryMs` (doubling) until the neighbour acknowledges it. */
  private sendHello(n: NeighbourState, retryMs: number): void {
    n.helloTimer = undefined;
    if (!n.up || n.helloAcked || this.closed) return;
    this.sendControl(n.id, { type: ControlMsg.Hello, publicKey: this.identity.publicKey, services: this.offered });
    n.helloTimer = this.timers.setTimeout(() => this.sendHello(n, Math.min(HELLO_MAX_RETRY_MS, retryMs * 2)), retryMs);
  }

  private probe(n: NeighbourState): void {
    if (!n.up || this.closed) return;
    n.probeNonce = (n.probeNonce + 1) >>> 0;
    this.sendControl(n.id, { type: ControlMsg.Probe, nonce: n.probeNonce, sentAt: this.timers.now() });
    n.probeTimer = this.timers.setTimeout(() => this.probe(n), PROBE_INTERVAL_MS);
  }

  // ---- services ------------------------------------------------------------------------

  registerService<T>(service: ServiceDefinition<T>): void {
    this.registry.register(service, FIRST_SERVICE_CHANNEL);
  }

  sendService(neighbour: NeighbourId, channel: number, bytes: Uint8Array): boolean {
    return this.sendFrame(neighbour, encodeFrame(channel, bytes));
  }

  listen(channel: number, onStream: (stream: MeshStream) => void): void {
    this.streams.listen(channel, onStream);
  }

  // ---- channel 0 -----------------------------------------------------------------------

  private onControl(from: number, m: Control): void {
    const n = this.neighbours.get(from)!;
    switch (m.type) {
      case ControlMsg.Hello:
        if (n.info.publicKey && !equalBytes(n.info.publicKey, m.publicKey)) {
          this.counters.helloMismatch++;
          return;
        }
        n.publicKey = m.publicKey;
        n.services = m.services;
        this.sendControl(from, { type: ControlMsg.HelloAck });
        return;
      case ControlMsg.HelloAck:
        n.helloAcked = true;
        if (n.helloTimer !== undefined) this.timers.clearTimeout(n.helloTimer);
        n.helloTimer = undefined;
        return;
      case ControlMsg.Probe:
        this.sendControl(from, { type: ControlMsg.ProbeReply, nonce: m.nonce, sentAt: m.sentAt, loss: n.info.rxLoss?.() });
        return;
      case ControlMsg.ProbeReply:
        if (m.nonce === n.probeNonce) {
          n.rtt.sample(this.timers.now() - m.sentAt);
          this.saf.noteRtt(from, this.timers.now() - m.sentAt);
        }
        if (m.loss !== undefined) n.lossOut = m.loss;
        return;
      case ControlMsg.Create:
        return this.relay.onCreate(n, m);
      case ControlMsg.Created:
      case ControlMsg.CreateRefused:
        if (!this.source.onCreateAnswer(from, m)) this.relay.onCreateAnswer(from, m);
        return;
      case ControlMsg.Teardown:
        return this.onTeardown(from, m.routeId);
      case ControlMsg.TeardownAck:
        return this.teardowns.acknowledged(from, m.routeId);
      case ControlMsg.DiscoverQuery:
        // Each query costs a lookup and up to one copy per neighbour: rate-limited per neighbour.
        if (!n.queryBucket.take(this.timers.now())) {
          this.counters.refusedQueryRate++;
          return;
        }
        return this.discovery.onQuery(from, m);
      case ControlMsg.DiscoverReply:
        return this.discovery.onReply(from, m);
    }
  }

  private onTeardown(from: number, routeId: number): void {
    this.sendControl(from, { type: ControlMsg.TeardownAck, routeId });
    const rule = this.rules.get(routeId);
    if (!rule || rule.from !== from) return; // only the neighbour a rule expects may remove it
    const owner = rule.owner as Hop | SourceRoute;
    if (owner.kind === 'source') this.source.fail(owner, 'torn down by the first hop', true);
    else this.relay.onTeardown(owner, routeId);
  }

  // ---- route packets ---------------------------------------------------------------------------

  /**
   * A route packet from neighbour `n`: plain (a channel-1 frame; `whole` when the link datagram
   * was that frame alone) or off a store-and-forward lane (`cls`, and `held` until this node is
   * done with it).
   */
  private onRoutePacket(n: NeighbourState, packet: Uint8Array, cls: Cls | undefined, held: Holding | undefined, whole: Uint8Array | undefined): void {
    const id = routeIdOf(packet);
    if (id === undefined || packet.length > MAX_ROUTE_PACKET_BYTES) {
      this.counters.malformed++;
      held?.release();
      return;
    }
    const rule = this.rules.get(id);
    if (!rule || rule.from !== n.id) {
      this.counters.unknownRoute++;
      held?.release();
      return;
    }
    this.rules.account(rule, packet.length, this.timers.now());
    this.applyRule(rule, packet, cls, held, whole);
  }

  /**
   * What the rule says, done: forward by route ID alone (plainly, or onto the next hop's
   * store-and-forward lane), or hand to the route end here. A plain packet keeps the class
   * of its route (the rule's QoS bit, as the forwarding plane has it); one that came off a lane
   * keeps the class it travelled in.
   */
  private applyRule(rule: Rule, packet: Uint8Array, cls: Cls | undefined, held: Holding | undefined, whole: Uint8Array | undefined): void {
    const a = rule.action;
    if (a.kind === 'forward') {
      this.counters.packetsForwarded++;
      this.counters.bytesForwarded += packet.length;
      setRouteId(packet, a.nextRoute);
      const c = cls ?? (a.qos ? Cls.realtime : Cls.bulk);
      if (a.hop === 'saf') {
        if (!this.saf.sendSaf(a.port, c, packet, held)) {
          this.counters.routeDrops++;
          held?.release();
        }
      } else if (!this.saf.sendPlain(a.port, c, whole ?? frameOf(packet), held)) this.counters.routeDrops++;
      return;
    }
    const owner = rule.owner as Hop | SourceRoute;
    if (owner.kind === 'hop') this.relay.onTailPacket(owner, rule, packet, cls, held);
    else this.source.onPacket(owner, packet, held);
  }

  /** A rule is gone: the store-and-forward lanes it fed close (what they held is released). */
  private onRuleRemoved(rule: Rule): void {
    this.saf.dropLanes(rule.from, rule.routeId, 'in');
    const a = rule.action;
    if (a.kind === 'forward' && a.hop === 'saf') this.saf.dropLanes(a.port, a.nextRoute, 'out');
  }

  // ---- routes --------------------------------------------------------------------------------------

  addRoute(path: PathCandidate | { firstNeighbour: NeighbourId; hops: PathHop[] }, options: { qos?: boolean } = {}): Promise<RouteInfo> {
    return this.source.add(path, options);
  }

  deleteRoute(id: number): void {
    this.source.delete(id);
  }

  routes(): RouteInfo[] {
    return this.source.all().map((r) => this.source.info(r));
  }

  ping(routeId: number, timeoutMs = this.limits.routeFailMs): Promise<number> {
    return this.source.ping(routeId, timeoutMs);
  }

  /**
   * The settled accounting records (removed rules' final counters, oldest first), handed
   * over and forgotten: what the payment protocol collects. `status().settled` shows them
   * without collecting.
   */
  /**
   * Traffic a forwarding plane forwarded under a rule without the host seeing it (host/device's
   * accounting reader): counted as the software relay counts its own packets, and it keeps the
   * rule from expiring idle. False when the rule and its settled record are both gone.
   */
  creditRule(routeId: number, bytes: number, packets: number): boolean {
    return this.rules.credit(routeId, bytes, packets, this.timers.now());
  }

  takeSettled(): SettledRule[] {
    return this.rules.takeSettled();
  }

  /** Hops this node holds for routes of others (relay, tail or destination), for tests and status. */
  hopViews(): HopView[] {
    return this.relay.views();
  }

  openStream(options: OpenStreamOptions): Promise<MeshStream> {
    return this.streams.open(options);
  }

  // ---- datagrams on routes -----------------------------------------------------------------------

  onDatagram(channel: number, handler: DatagramHandler): void {
    if (!Number.isInteger(channel) || channel < FIRST_SERVICE_CHANNEL || channel > 0xffff) throw new RangeError(`datagram channel ${channel} must be ${FIRST_SERVICE_CHANNEL}..65535`);
    this.datagrams.register(channel, handler);
  }

  sendDatagram(route: number, channel: number, bytes: Uint8Array, options: DatagramOptions = {}): boolean {
    if (this.closed) return false;
    return this.datagrams.send(route, channel, bytes, options);
  }

  onRouteEndClosed(listener: (route: number) => void): void {
    this.datagrams.onEndClosed(listener);
  }

  // ---- discovery and connect ---------------------------------------------------------------------

  discover(target: DiscoverTarget, options?: DiscoverOptions): Promise<PathCandidate[]> {
    return this.discovery.search(target, options);
  }

  async connect(target: DiscoverTarget, options: ConnectOptions): Promise<{ stream: MeshStream; routes: RouteInfo[]; candidates: PathCandidate[] }> {
    const candidates = await this.discover(target, options.discover);
    const chosen = choosePaths(candidates, options.policy);
    if (chosen.length === 0) throw new MeshError(`discovery found no path to ${JSON.stringify(target, (_k, v) => (v instanceof Uint8Array ? hex(v) : v))}`);
    const settled = await Promise.allSettled(chosen.map((c) => this.addRoute(c, { qos: options.qos })));
    const routes = settled.flatMap((x) => (x.status === 'fulfilled' ? [x.value] : []));
    if (routes.length === 0) throw new MeshError(`no route came up: ${settled.map((x) => (x.status === 'rejected' ? String(x.reason) : '')).join('; ')}`);
    const stream = await this.openStream({ channel: options.channel, routes: routes.map((r) => r.id), repair: options.repair, sendBufferBytes: options.sendBufferBytes, qos: options.qos });
    return { stream, routes: routes.map((r) => this.source.info(this.source.get(r.id)!)), candidates };
  }

  // ---- upkeep and status -------------------------------------------------------------------------------

  private scheduleMaintenance(): void {
    const { routeFailMs, keepaliveMs, ruleIdleMs } = this.limits;
    const every = Math.max(10, Math.min(routeFailMs / 4, keepaliveMs / 2, ruleIdleMs / 4));
    this.maintenanceTimer = this.timers.setTimeout(() => {
      if (this.closed) return;
      const now = this.timers.now();
      this.source.maintain(now);
      this.streams.sweep(now);
      this.relay.expire(now);
      this.scheduleMaintenance();
    }, every);
  }

  status(): MeshStatus {
    const links: LinkStatus[] = [...this.neighbours.values()].map((n) => ({
      neighbour: n.id,
      up: n.up,
      publicKey: n.publicKey ? hex(n.publicKey) : undefined,
      address: n.publicKey ? this.addressOf(n.publicKey) : undefined,
      services: n.services,
      rttMs: n.rtt.srtt,
      capacityBytesPerSec: n.info.capacityBytesPerSec,
      routesFrom: n.routesFrom,
      bytesSent: n.bytesSent,
      bytesReceived: n.bytesReceived,
      lossOut: n.lossOut,
      lossIn: n.info.rxLoss?.(),
      hop: this.hopSaf(n.id) ? 'saf' : 'plain',
    }));
    const streams = this.streams.statuses();
    return {
      publicKey: hex(this.identity.publicKey),
      address: this.identity.address,
      services: this.offered,
      links,
      routes: this.routes(),
      rules: this.rules.info(this.timers.now()),
      settled: this.rules.settled(),
      settledDropped: this.rules.settledDropped,
      streams,
      bufferedBytes: streams.reduce((t, s) => t + s.sendBuffered + s.recvBuffered, 0),
      counters: { ...this.counters, queriesNotForwarded: this.discovery.notForwarded },
      saf: { stats: structuredClone(this.saf.stats), lanes: this.saf.lanes(), neighbours: this.saf.neighbourViews() },
    };
  }

  private addressOf(key: Uint8Array): string {
    const k = hex(key);
    let a = this.addresses.get(k);
    if (!a) {
      a = addressFromPublicKey(key);
      this.addresses.set(k, a);
    }
    return a;
  }

  close(): void {
    if (this.closed) return;
    this.streams.close();
    this.source.close();
    this.relay.close();
    this.teardowns.close();
    for (const n of this.neighbours.values()) {
      if (n.probeTimer !== undefined) this.timers.clearTimeout(n.probeTimer);
      if (n.helloTimer !== undefined) this.timers.clearTimeout(n.helloTimer);
    }
    if (this.maintenanceTimer !== undefined) this.timers.clearTimeout(this.maintenanceTimer);
    this.saf.close();
    this.closed = true;
  }
}
