// One mesh node: channel framing and services on its links, telescoping route setup (as
// source, relay, tail and destination), forwarding by route ID, keepalive, idle expiry,
// teardown, repair, discovery and end-to-end streams. Transport-agnostic and clock-agnostic
// (see api.ts): the same code runs in an in-process simulated mesh and in the daemon.
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
import type {
  ConnectOptions,
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
  StreamStatus,
  Timers,
} from './api.ts';
import { nodeBackend, type CryptoBackend } from '../crypto/backend.ts';
import { osRandom } from '../crypto/random.ts';
import { addressFromPublicKey as identityAddress } from '../identity/address.ts';
import { identityFromSecretKey, type Identity } from '../identity/identity.ts';
import { equalBytes, hex } from './bytes.ts';
import {
  CONTROL_CHANNEL,
  ControlMsg,
  DEFAULT_KEEPALIVE_MS,
  DEFAULT_MAX_ROUTES_PER_PEER,
  DEFAULT_ROUTE_FAIL_MS,
  DEFAULT_RULE_IDLE_MS,
  DEFAULT_SETUP_BURST_PER_PEER,
  DEFAULT_SETUP_RATE_PER_PEER,
  DEFAULT_SETUP_RETRIES,
  DEFAULT_SETUP_RTO_MS,
  FIRST_SERVICE_CHANNEL,
  MAX_ROUTE_HOPS,
  MAX_RTO_MS,
  MIN_RTO_MS,
  PROBE_INTERVAL_MS,
  RefuseReason,
  ROUTE_CHANNEL,
  RouteMsg,
  SETUP_BACKOFF,
  SETUP_ID_BYTES,
  STREAM_ID_BYTES,
} from './constants.ts';
import { decodeControl, encodeControl, type Control } from './control.ts';
import { avoiding, choosePaths, Discovery } from './discovery.ts';
import { ForwardingTableFullError, SoftwareForwardingTable } from './forwarding.ts';
import { decodeDatagramFrames, encodeFrame, StreamFrameReader, type Frame } from './framing.ts';
import { acceptCreateBlob, completeHop, makeCreateBlob } from './hop-crypto.ts';
import { ServiceRegistry } from './registry.ts';
import { decodeRouteInner, encodeRouteInner, forwardFrame, openRoutePacket, routeIdOf, sealRouteFrame, type RouteInner } from './route-packet.ts';
import { RuleBook, type Rule } from './rules.ts';
import { NeighbourState, newReplayWindows, ReplayWindow, RttEstimator, type Hop, type NextHop, type SourceRoute } from './state.ts';
import { StreamEndpoint, type Carrier } from './stream.ts';

/** Teardown is repeated this many times until acknowledged; idle expiry cleans up after that. */
const TEARDOWN_RETRIES = 3;
/** Failed routes kept for `routes()` and status before the oldest are forgotten. */
const FAILED_ROUTES_KEPT = 32;
/** A stream whose route failed tries this many replacement paths per repair round... */
const REPAIR_CANDIDATES = 3;
/** ...and this many rounds, routeFailMs apart, before it gives the destination up. */
const REPAIR_ROUNDS = 10;
/** A stream with nothing unacknowledged and no traffic for this long is closed and forgotten. */
const STREAM_IDLE_MS = 300_000;

type TeardownKey = string;

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
    setupRetransmits: 0,
    rulesExpired: 0,
    routesRepaired: 0,
    routesFailed: 0,
    segmentsRetransmitted: 0,
    sendFailures: 0,
    unknownNeighbour: 0,
    replays: 0,
    helloMismatch: 0,
  };
}

export class MeshError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MeshError';
  }
}

export class MeshNode implements MeshNodeApi {
  readonly identity: Identity;
  readonly counters: MeshCounters = newCounters();
  readonly rules: RuleBook;
  private readonly transport: MeshTransport;
  readonly timers: Timers;
  private readonly random: (n: number) => Uint8Array;
  private readonly backend: CryptoBackend = nodeBackend;
  private readonly offered: string[];
  readonly registry: ServiceRegistry;
  private readonly discovery: Discovery;
  private readonly neighbours = new Map<number, NeighbourState>();
  private readonly hops = new Set<Hop>();
  /** Create messages already answered, by `${neighbour}:${setupId}`: a repeat gets the same answer. */
  private readonly answeredCreates = new Map<string, { hop: Hop; created: Control }>();
  /** Our own Creates waiting for an answer, by setup ID. */
  private readonly pendingCreates = new Map<string, SourceRoute | Hop>();
  private readonly sourceRoutes = new Map<number, SourceRoute>();
  private readonly streams = new Map<string, StreamEndpoint>();
  private readonly streamDest = new Map<StreamEndpoint, { dest: Uint8Array; repair: 'rediscover' | 'none'; repairing: boolean }>();
  private readonly listeners = new Map<number, (s: MeshStream) => void>();
  private readonly teardowns = new Map<TeardownKey, { retries: number; timer: unknown }>();
  private nextLocalId = 1;
  private maintenanceTimer: unknown;
  private closed = false;

  private readonly maxRoutesPerPeer: number;
  private readonly setupRate: number;
  private readonly setupBurst: number;
  private readonly ruleIdleMs: number;
  private readonly keepaliveMs: number;
  private readonly routeFailMs: number;
  private readonly setupRtoMs: number;
  private readonly setupRetries: number;

  constructor(options: MeshNodeOptions) {
    this.identity = identityFromSecretKey(options.secretKey);
    this.transport = options.transport;
    this.timers = options.timers;
    this.random = options.random ?? osRandom;
    this.offered = [...(options.services ?? [])];
    this.maxRoutesPerPeer = options.maxRoutesPerPeer ?? DEFAULT_MAX_ROUTES_PER_PEER;
    this.setupRate = options.setupRatePerPeer ?? DEFAULT_SETUP_RATE_PER_PEER;
    this.setupBurst = options.setupBurstPerPeer ?? DEFAULT_SETUP_BURST_PER_PEER;
    this.ruleIdleMs = options.ruleIdleMs ?? DEFAULT_RULE_IDLE_MS;
    this.keepaliveMs = options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS;
    this.routeFailMs = options.routeFailMs ?? DEFAULT_ROUTE_FAIL_MS;
    this.setupRtoMs = options.setupRtoMs ?? DEFAULT_SETUP_RTO_MS;
    this.setupRetries = options.setupRetries ?? DEFAULT_SETUP_RETRIES;
    this.rules = new RuleBook(options.table ?? new SoftwareForwardingTable(), this.random);
    this.registry = new ServiceRegistry(this.counters);
    this.registry.register<Control>(
      { name: 'daemon', channel: CONTROL_CHANNEL, codec: { encode: encodeControl, decode: decodeControl }, handle: (m, ctx) => this.onControl(ctx.from, m) },
      CONTROL_CHANNEL,
    );
    const self = this;
    this.discovery = new Discovery({
      publicKey: this.identity.publicKey,
      address: this.identity.address,
      timers: this.timers,
      random: (n) => self.random(n),
      offers: (s) => self.offered.includes(s),
      upNeighbours: () => [...self.neighbours.values()].filter((n) => n.up).map((n) => n.id),
      keyOf: (id) => self.neighbours.get(id)?.publicKey,
      neighbourByKey: (k) => self.neighbourByKey(k),
      linkLatencyUs: (id) => ((self.neighbours.get(id)?.rtt.srtt ?? 0) * 1000) / 2,
      linkCapacity: (id) => self.neighbours.get(id)?.info.capacityBytesPerSec ?? 0,
      sendControl: (id, m) => void self.sendControl(id, m),
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
    let n = this.neighbours.get(neighbour);
    if (!n) {
      n = new NeighbourState(neighbour, this.setupRate, this.setupBurst, this.timers.now());
      this.neighbours.set(neighbour, n);
    }
    n.up = true;
    n.info = info;
    n.reader = info.kind === 'stream' ? new StreamFrameReader() : undefined;
    if (info.publicKey) n.publicKey = Uint8Array.from(info.publicKey);
    this.sendControl(neighbour, { type: ControlMsg.Hello, publicKey: this.identity.publicKey, services: this.offered });
    this.probe(n);
  }

  linkDown(neighbour: NeighbourId): void {
    const n = this.neighbours.get(neighbour);
    if (!n || !n.up) return;
    n.up = false;
    if (n.probeTimer !== undefined) this.timers.clearTimeout(n.probeTimer);
    n.probeTimer = undefined;
    // Every route through the lost link is broken: tell the other side, drop our part.
    for (const hop of [...this.hops]) {
      if (hop.prev === neighbour) this.removeHop(hop, 'downstream');
      else if (hop.next?.neighbour === neighbour || hop.pendingNext?.neighbour === neighbour) this.removeHop(hop, 'upstream');
      else if (hop.extending?.neighbour === neighbour) this.failExtension(hop, RefuseReason.NoSuchNeighbour);
    }
    for (const r of [...this.sourceRoutes.values()]) if (r.firstNeighbour === neighbour && (r.state === 'up' || r.state === 'building')) this.failRoute(r, 'first link down', false);
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
    for (const f of frames) this.onFrame(n, f);
  }

  private onFrame(n: NeighbourState, f: Frame): void {
    this.counters.messagesReceived++;
    if (f.channel === ROUTE_CHANNEL) return this.onRoutePacket(n, f.payload);
    this.registry.dispatch(f.channel, f.payload, { from: n.id, reply: (to, b) => void this.sendService(to, f.channel, b) });
  }

  private sendFrame(neighbour: number, frame: Uint8Array): boolean {
    const n = this.neighbours.get(neighbour);
    if (!n || !n.up || this.closed) {
      this.counters.sendFailures++;
      return false;
    }
    const ok = this.transport.send(neighbour, frame);
    if (!ok) this.counters.sendFailures++;
    else {
      n.bytesSent += frame.length;
      this.counters.messagesSent++;
    }
    return ok;
  }

  private sendControl(neighbour: number, m: Control): boolean {
    return this.sendFrame(neighbour, encodeFrame(CONTROL_CHANNEL, encodeControl(m)));
  }

  private neighbourByKey(key: Uint8Array): number | undefined {
    for (const n of this.neighbours.values()) if (n.up && n.publicKey && equalBytes(n.publicKey, key)) return n.id;
    return undefined;
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
    this.listeners.set(channel, onStream);
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
        return;
      case ControlMsg.Probe:
        this.sendControl(from, { type: ControlMsg.ProbeReply, nonce: m.nonce, sentAt: m.sentAt });
        return;
      case ControlMsg.ProbeReply:
        if (m.nonce === n.probeNonce) n.rtt.sample(this.timers.now() - m.sentAt);
        return;
      case ControlMsg.Create:
        return this.onCreate(n, m);
      case ControlMsg.Created:
      case ControlMsg.CreateRefused:
        return this.onCreateAnswer(from, m);
      case ControlMsg.Teardown:
        return this.onTeardown(from, m.routeId);
      case ControlMsg.TeardownAck: {
        const t = this.teardowns.get(`${from}:${m.routeId}`);
        if (t) {
          this.timers.clearTimeout(t.timer as never);
          this.teardowns.delete(`${from}:${m.routeId}`);
        }
        return;
      }
      case ControlMsg.DiscoverQuery:
        return this.discovery.onQuery(from, m);
      case ControlMsg.DiscoverReply:
        return this.discovery.onReply(from, m);
    }
  }

  // ---- hop side: Create --------------------------------------------------------------------

  private onCreate(n: NeighbourState, m: Extract<Control, { type: typeof ControlMsg.Create }>): void {
    const key = `${n.id}:${hex(m.setupId)}`;
    const answered = this.answeredCreates.get(key);
    if (answered) {
      // Our Created was lost: the same answer again, at no cost to the rate limit.
      this.sendControl(n.id, answered.created);
      return;
    }
    const refuse = (reason: number) => this.sendControl(n.id, { type: ControlMsg.CreateRefused, setupId: m.setupId, reason });
    const now = this.timers.now();
    if (n.routesFrom >= this.maxRoutesPerPeer) {
      this.counters.refusedRouteLimit++;
      return void refuse(RefuseReason.RouteLimit);
    }
    if (!n.setupBucket.take(now)) {
      this.counters.refusedRateLimit++;
      return void refuse(RefuseReason.RateLimit);
    }
    const accepted = acceptCreateBlob(this.backend, this.random, this.identity.secretKey, this.identity.publicKey, m.blob);
    if (!accepted) {
      this.counters.badAuth++;
      return void refuse(RefuseReason.BadRequest);
    }
    const fIn = this.rules.allocateId();
    const hop: Hop = {
      kind: 'hop',
      fIn,
      prev: n.id,
      bOut: m.backRoute,
      keys: accepted.keys,
      qos: accepted.request.qos,
      rx: new ReplayWindow(),
      txCounter: 0,
      carrierId: this.nextLocalId++,
      createKey: key,
      removed: false,
    };
    try {
      this.rules.install(fIn, n.id, { kind: 'local', channel: ROUTE_CHANNEL, qos: hop.qos }, hop, now);
    } catch (e) {
      if (e instanceof ForwardingTableFullError) return void refuse(RefuseReason.TableFull);
      throw e;
    }
    this.hops.add(hop);
    n.routesFrom++;
    const created: Control = { type: ControlMsg.Created, setupId: m.setupId, forwardRoute: fIn, reply: accepted.reply };
    this.answeredCreates.set(key, { hop, created });
    this.sendControl(n.id, created);
  }

  private onCreateAnswer(from: number, m: Extract<Control, { type: typeof ControlMsg.Created | typeof ControlMsg.CreateRefused }>): void {
    const id = hex(m.setupId);
    const owner = this.pendingCreates.get(id);
    if (!owner) return; // late duplicate
    if (owner.kind === 'source') {
      const step = owner.step;
      if (from !== owner.firstNeighbour || !step || step.index !== 0) return;
      this.pendingCreates.delete(id);
      if (m.type === ControlMsg.CreateRefused) return this.failRoute(owner, `first hop refused (reason ${m.reason})`, false);
      const keys = completeHop(this.backend, step.pending, m.reply);
      if (!keys) return this.failRoute(owner, 'first hop did not prove its key', false);
      owner.firstRouteId = m.forwardRoute;
      this.stepDone(owner, keys);
      return;
    }
    const x = owner.extending;
    if (!x || x.neighbour !== from) return;
    this.pendingCreates.delete(id);
    if (x.timer !== undefined) this.timers.clearTimeout(x.timer);
    if (m.type === ControlMsg.CreateRefused) return this.failExtension(owner, m.reason);
    // The next hop is there: packets coming back from it go to our previous hop.
    try {
      this.rules.install(x.bIn, from, { kind: 'forward', port: owner.prev, nextRoute: owner.bOut, qos: owner.qos }, owner, this.timers.now());
    } catch (e) {
      if (e instanceof ForwardingTableFullError) return this.failExtension(owner, RefuseReason.TableFull);
      throw e;
    }
    owner.extending = undefined;
    owner.pendingNext = { neighbour: from, fOut: m.forwardRoute, bIn: x.bIn };
    const inner = encodeRouteInner({ type: RouteMsg.Extended, setupId: x.sourceSetupId, reply: m.reply });
    owner.lastExtended = { setupId: x.sourceSetupId, inner };
    this.sendToSource(owner, inner);
  }

  private failExtension(hop: Hop, reason: number): void {
    const x = hop.extending;
    if (!x) return;
    if (x.timer !== undefined) this.timers.clearTimeout(x.timer);
    this.pendingCreates.delete(hex(x.createSetupId));
    hop.extending = undefined;
    this.sendToSource(hop, encodeRouteInner({ type: RouteMsg.ExtendFailed, setupId: x.sourceSetupId, reason }));
  }

  /** Tail: the source asked us to extend the route to our neighbour with key `nextKey`. */
  private onExtend(hop: Hop, m: Extract<RouteInner, { type: typeof RouteMsg.Extend }>): void {
    if (hop.lastExtended && equalBytes(hop.lastExtended.setupId, m.setupId)) {
      this.sendToSource(hop, hop.lastExtended.inner); // our Extended was lost
      return;
    }
    if (hop.extending) return; // this one (or another) is in progress; the source waits
    if (hop.pendingNext || hop.next) return;
    const neighbour = this.neighbourByKey(m.nextKey);
    if (neighbour === undefined || neighbour === hop.prev) {
      this.sendToSource(hop, encodeRouteInner({ type: RouteMsg.ExtendFailed, setupId: m.setupId, reason: RefuseReason.NoSuchNeighbour }));
      return;
    }
    const createSetupId = this.random(SETUP_ID_BYTES);
    const bIn = this.rules.allocateId();
    const create = encodeFrame(CONTROL_CHANNEL, encodeControl({ type: ControlMsg.Create, setupId: createSetupId, backRoute: bIn, blob: m.blob }));
    const n = this.neighbours.get(neighbour)!;
    const rto = n.rtt.srtt !== undefined ? n.rtt.rto : this.setupRtoMs;
    hop.extending = { sourceSetupId: m.setupId, createSetupId, neighbour, bIn, create, retries: 0, rto, timer: undefined };
    this.pendingCreates.set(hex(createSetupId), hop);
    this.sendFrame(neighbour, create);
    this.armExtendTimer(hop);
  }

  private armExtendTimer(hop: Hop): void {
    const x = hop.extending!;
    x.timer = this.timers.setTimeout(() => {
      if (hop.extending !== x || hop.removed) return;
      if (x.retries >= this.setupRetries) return this.failExtension(hop, RefuseReason.NoSuchNeighbour);
      x.retries++;
      x.rto = Math.min(MAX_RTO_MS, x.rto * SETUP_BACKOFF);
      this.counters.setupRetransmits++;
      this.sendFrame(x.neighbour, x.create);
      this.armExtendTimer(hop);
    }, x.rto);
  }

  /** Old tail: the source has the extension; from now on we only forward. */
  private switchToRelay(hop: Hop): void {
    const next = hop.pendingNext;
    if (!next) return;
    hop.pendingNext = undefined;
    hop.next = next;
    const rule = this.rules.get(hop.fIn);
    if (rule) this.rules.update(rule, { kind: 'forward', port: next.neighbour, nextRoute: next.fOut, qos: hop.qos });
    for (const s of this.streams.values()) s.detach(hop.carrierId);
  }

  private sendToSource(hop: Hop, inner: Uint8Array): boolean {
    if (hop.removed) return false;
    return this.sendFrame(hop.prev, sealRouteFrame(this.backend.aead, hop.keys.bwd, ++hop.txCounter, hop.bOut, inner));
  }

  // ---- route packets -------------------------------------------------------------------------

  private onRoutePacket(n: NeighbourState, packet: Uint8Array): void {
    const id = routeIdOf(packet);
    if (id === undefined) {
      this.counters.malformed++;
      return;
    }
    const rule = this.rules.get(id);
    if (!rule || rule.from !== n.id) {
      this.counters.unknownRoute++;
      return;
    }
    const now = this.timers.now();
    this.rules.account(rule, packet.length, now);
    this.applyRule(rule, packet);
  }

  /** What the forwarding table says, done: forward by route ID alone, or hand to the route end here. */
  private applyRule(rule: Rule, packet: Uint8Array): void {
    const action = this.rules.table.lookup(rule.routeId);
    if (!action) {
      this.counters.unknownRoute++;
      return;
    }
    if (action.kind === 'forward') {
      this.counters.packetsForwarded++;
      this.counters.bytesForwarded += packet.length;
      this.sendFrame(action.port, forwardFrame(packet, action.nextRoute));
      return;
    }
    const owner = rule.owner as Hop | SourceRoute;
    if (owner.kind === 'hop') this.onTailPacket(owner, rule, packet);
    else this.onSourcePacket(owner, packet);
  }

  private onTailPacket(hop: Hop, rule: Rule, packet: Uint8Array): void {
    const opened = openRoutePacket(this.backend.aead, hop.keys.fwd, packet);
    if (!opened) {
      if (hop.pendingNext) {
        // Not for us: the source is already talking to the hop we added, so it has our
        // Extended (this is the acknowledgement when ExtendAck was lost). Forward it.
        this.switchToRelay(hop);
        this.applyRule(rule, packet);
        return;
      }
      this.counters.badAuth++;
      return;
    }
    if (hop.rx.check(opened.counter) !== 'fresh') {
      this.counters.replays++;
      return;
    }
    hop.rx.commit(opened.counter);
    const m = decodeRouteInner(opened.inner);
    if (!m) {
      this.counters.malformed++;
      return;
    }
    switch (m.type) {
      case RouteMsg.Extend:
        return this.onExtend(hop, m);
      case RouteMsg.ExtendAck:
        if (hop.lastExtended && equalBytes(hop.lastExtended.setupId, m.setupId)) this.switchToRelay(hop);
        return;
      case RouteMsg.Ping:
        this.sendToSource(hop, encodeRouteInner({ type: RouteMsg.Pong, nonce: m.nonce, sentAt: m.sentAt }));
        return;
      case RouteMsg.Open:
        return this.onOpen(hop, m);
      case RouteMsg.Data:
      case RouteMsg.Ack: {
        const s = this.streams.get(hex(m.streamId));
        if (s) s.onMessage(hop.carrierId, m);
        return;
      }
      default:
        this.counters.malformed++;
    }
  }

  private onSourcePacket(r: SourceRoute, packet: Uint8Array): void {
    // Any established hop may speak (the tail during setup, the destination after): try the
    // destination's key first, it is by far the most common sender.
    for (let j = r.keys.length - 1; j >= 0; j--) {
      const opened = openRoutePacket(this.backend.aead, r.keys[j].bwd, packet);
      if (!opened) continue;
      if (r.rx[j].check(opened.counter) !== 'fresh') {
        this.counters.replays++;
        return;
      }
      r.rx[j].commit(opened.counter);
      const m = decodeRouteInner(opened.inner);
      if (!m) {
        this.counters.malformed++;
        return;
      }
      const now = this.timers.now();
      r.packetsReceived++;
      r.bytesReceived += packet.length;
      if (j === r.hops.length - 1) {
        r.lastHeard = now;
        r.expectSince = undefined;
      }
      return this.onSourceMessage(r, j, m);
    }
    this.counters.badAuth++;
  }

  private onSourceMessage(r: SourceRoute, j: number, m: RouteInner): void {
    const step = r.step;
    switch (m.type) {
      case RouteMsg.Extended: {
        if (!step || step.index !== j + 1 || !equalBytes(step.setupId, m.setupId)) return;
        const keys = completeHop(this.backend, step.pending, m.reply);
        if (!keys) return this.failRoute(r, `hop ${j + 1} did not prove its key`, false);
        this.sendToHop(r, j, encodeRouteInner({ type: RouteMsg.ExtendAck, setupId: m.setupId }), false);
        this.stepDone(r, keys);
        return;
      }
      case RouteMsg.ExtendFailed:
        if (step && step.index === j + 1 && equalBytes(step.setupId, m.setupId)) this.failRoute(r, `hop ${j + 1} unreachable from hop ${j} (reason ${m.reason})`, false);
        return;
      case RouteMsg.Pong: {
        const p = r.pings.get(m.nonce);
        if (!p) return;
        r.pings.delete(m.nonce);
        this.timers.clearTimeout(p.timer);
        const rtt = this.timers.now() - p.sentAt;
        r.rtt.sample(rtt);
        p.resolve(rtt);
        return;
      }
      case RouteMsg.OpenOk:
      case RouteMsg.Data:
      case RouteMsg.Ack: {
        if (j !== r.hops.length - 1) return;
        const s = this.streams.get(hex(m.streamId));
        if (s && r.streams.has(s)) s.onMessage(r.id, m);
        return;
      }
    }
  }

  // ---- source side: building a route -----------------------------------------------------------

  addRoute(path: PathCandidate | { firstNeighbour: NeighbourId; hops: PathHop[] }, options: { qos?: boolean } = {}): Promise<RouteInfo> {
    if (path.hops.length < 1 || path.hops.length > MAX_ROUTE_HOPS) return Promise.reject(new MeshError(`a route has 1 to ${MAX_ROUTE_HOPS} hops, got ${path.hops.length}`));
    const n = this.neighbours.get(path.firstNeighbour);
    if (!n?.up) return Promise.reject(new MeshError(`neighbour ${path.firstNeighbour} is not up`));
    if (n.publicKey && !equalBytes(n.publicKey, path.hops[0].publicKey)) return Promise.reject(new MeshError(`neighbour ${path.firstNeighbour} is not the path's first hop`));
    const now = this.timers.now();
    const r: SourceRoute = {
      kind: 'source',
      id: this.nextLocalId++,
      state: 'building',
      hops: path.hops.map((h) => ({ publicKey: Uint8Array.from(h.publicKey), address: h.address })),
      firstNeighbour: path.firstNeighbour,
      firstRouteId: 0,
      backIn: this.rules.allocateId(),
      qos: options.qos ?? false,
      keys: [],
      rx: newReplayWindows(path.hops.length),
      txCounters: new Array<number>(path.hops.length).fill(0),
      startedAt: now,
      rtt: new RttEstimator(),
      lastHeard: now,
      lastSent: now,
      streams: new Set(),
      pings: new Map(),
      bytesSent: 0,
      bytesReceived: 0,
      packetsSent: 0,
      packetsReceived: 0,
    };
    this.sourceRoutes.set(r.id, r);
    this.pruneFailedRoutes();
    return new Promise<RouteInfo>((resolve, reject) => {
      r.settle = { resolve: () => resolve(this.routeInfo(r)), reject };
      try {
        this.rules.install(r.backIn, r.firstNeighbour, { kind: 'local', channel: ROUTE_CHANNEL, qos: r.qos }, r, now);
      } catch (e) {
        return this.failRoute(r, (e as Error).message, false);
      }
      this.startStep(r, 0);
    });
  }

  private startStep(r: SourceRoute, index: number): void {
    const made = makeCreateBlob(this.backend, this.random, r.hops[index].publicKey, { qos: r.qos });
    if (!made) return this.failRoute(r, `hop ${index} has an invalid public key`, false);
    const setupId = this.random(SETUP_ID_BYTES);
    let payload: Uint8Array;
    let rto: number;
    if (index === 0) {
      payload = encodeFrame(CONTROL_CHANNEL, encodeControl({ type: ControlMsg.Create, setupId, backRoute: r.backIn, blob: made.blob }));
      const n = this.neighbours.get(r.firstNeighbour)!;
      rto = n.rtt.srtt !== undefined ? Math.max(MIN_RTO_MS, 2 * n.rtt.srtt) : this.setupRtoMs;
      this.pendingCreates.set(hex(setupId), r);
    } else {
      payload = encodeRouteInner({ type: RouteMsg.Extend, setupId, nextKey: r.hops[index].publicKey, blob: made.blob });
      // One more hop than the last step: extrapolate its round trip, and allow twice that.
      rto = r.lastStepRttMs !== undefined ? Math.max(MIN_RTO_MS, (2 * r.lastStepRttMs * (index + 1)) / index) : this.setupRtoMs;
    }
    r.step = { index, setupId, pending: made.pending, payload, sentAt: this.timers.now(), retries: 0, rto: Math.min(rto, MAX_RTO_MS), retransmitted: false, timer: undefined };
    this.sendStep(r);
  }

  private sendStep(r: SourceRoute): void {
    const s = r.step!;
    if (s.index === 0) this.sendFrame(r.firstNeighbour, s.payload);
    else this.sendToHop(r, s.index - 1, s.payload, false);
    s.timer = this.timers.setTimeout(() => {
      if (r.step !== s || r.state !== 'building') return;
      if (s.retries >= this.setupRetries) return this.failRoute(r, `hop ${s.index} did not answer after ${s.retries} retransmissions`, false);
      s.retries++;
      s.retransmitted = true;
      s.rto = Math.min(MAX_RTO_MS, s.rto * SETUP_BACKOFF);
      this.counters.setupRetransmits++;
      this.sendStep(r);
    }, s.rto);
  }

  private stepDone(r: SourceRoute, keys: { fwd: Uint8Array; bwd: Uint8Array }): void {
    const s = r.step!;
    if (s.timer !== undefined) this.timers.clearTimeout(s.timer);
    const now = this.timers.now();
    if (!s.retransmitted) r.lastStepRttMs = now - s.sentAt;
    r.keys.push(keys);
    r.step = undefined;
    r.lastHeard = now;
    if (r.keys.length < r.hops.length) return this.startStep(r, r.keys.length);
    r.state = 'up';
    r.setupMs = now - r.startedAt;
    r.settle?.resolve();
    r.settle = undefined;
  }

  /** Sends an end-to-end message from the source to hop `j` of route `r`. */
  private sendToHop(r: SourceRoute, j: number, inner: Uint8Array, expectsReply: boolean): boolean {
    const frame = sealRouteFrame(this.backend.aead, r.keys[j].fwd, ++r.txCounters[j], r.firstRouteId, inner);
    const now = this.timers.now();
    r.lastSent = now;
    r.packetsSent++;
    r.bytesSent += frame.length;
    const backRule = this.rules.get(r.backIn);
    if (backRule) backRule.lastUsed = now;
    if (expectsReply && r.expectSince === undefined) r.expectSince = now;
    return this.sendFrame(r.firstNeighbour, frame);
  }

  private failRoute(r: SourceRoute, why: string, repair: boolean): void {
    if (r.state === 'failed' || r.state === 'closed') return;
    const wasUp = r.state === 'up';
    r.state = 'failed';
    this.counters.routesFailed++;
    if (r.step?.timer !== undefined) this.timers.clearTimeout(r.step.timer);
    if (r.step) this.pendingCreates.delete(hex(r.step.setupId));
    r.step = undefined;
    r.settle?.reject(new MeshError(`route ${r.id}: ${why}`));
    r.settle = undefined;
    for (const p of r.pings.values()) {
      this.timers.clearTimeout(p.timer);
      p.reject(new MeshError(`route ${r.id} failed: ${why}`));
    }
    r.pings.clear();
    this.rules.remove(r.backIn);
    // Relays still alive are told now; the ones beyond a dead one expire when idle.
    if (r.firstRouteId !== 0) this.sendTeardown(r.firstNeighbour, r.firstRouteId);
    const streams = [...r.streams];
    r.streams.clear();
    for (const s of streams) {
      s.detach(r.id);
      if (wasUp || repair) this.repairStream(s, r);
    }
  }

  private pruneFailedRoutes(): void {
    const failed = [...this.sourceRoutes.values()].filter((r) => r.state === 'failed');
    for (const r of failed.slice(0, Math.max(0, failed.length - FAILED_ROUTES_KEPT))) this.sourceRoutes.delete(r.id);
  }

  deleteRoute(id: number): void {
    const r = this.sourceRoutes.get(id);
    if (!r) throw new MeshError(`no route ${id}`);
    this.sourceRoutes.delete(id);
    if (r.state === 'failed' || r.state === 'closed') return;
    r.state = 'closed';
    if (r.step?.timer !== undefined) this.timers.clearTimeout(r.step.timer);
    r.settle?.reject(new MeshError(`route ${id} deleted while building`));
    for (const p of r.pings.values()) {
      this.timers.clearTimeout(p.timer);
      p.reject(new MeshError(`route ${id} deleted`));
    }
    this.rules.remove(r.backIn);
    if (r.firstRouteId !== 0) this.sendTeardown(r.firstNeighbour, r.firstRouteId);
    for (const s of r.streams) s.detach(r.id);
  }

  routes(): RouteInfo[] {
    return [...this.sourceRoutes.values()].map((r) => this.routeInfo(r));
  }

  private routeInfo(r: SourceRoute): RouteInfo {
    return {
      id: r.id,
      state: r.state,
      hops: r.hops,
      firstNeighbour: r.firstNeighbour,
      firstRouteId: r.firstRouteId,
      setupMs: r.setupMs,
      rttMs: r.rtt.srtt,
      streams: r.streams.size,
      bytesSent: r.bytesSent,
      bytesReceived: r.bytesReceived,
      packetsSent: r.packetsSent,
      packetsReceived: r.packetsReceived,
    };
  }

  ping(routeId: number, timeoutMs = this.routeFailMs): Promise<number> {
    const r = this.sourceRoutes.get(routeId);
    if (!r || r.state !== 'up') return Promise.reject(new MeshError(`route ${routeId} is not up`));
    return new Promise((resolve, reject) => this.sendPing(r, timeoutMs, resolve, reject));
  }

  private sendPing(r: SourceRoute, timeoutMs: number, resolve: (ms: number) => void, reject: (e: Error) => void): void {
    const nonce = this.u32();
    const sentAt = this.timers.now();
    const timer = this.timers.setTimeout(() => {
      if (r.pings.delete(nonce)) reject(new MeshError(`ping on route ${r.id} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    r.pings.set(nonce, { resolve, reject, timer, sentAt });
    this.sendToHop(r, r.hops.length - 1, encodeRouteInner({ type: RouteMsg.Ping, nonce, sentAt }), true);
  }

  private u32(): number {
    const b = this.random(4);
    return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  }

  // ---- teardown and expiry -----------------------------------------------------------------------

  private sendTeardown(neighbour: number, routeId: number): void {
    const key = `${neighbour}:${routeId}`;
    if (this.teardowns.has(key) || !this.neighbours.get(neighbour)?.up) return;
    const entry = { retries: 0, timer: undefined as unknown };
    const send = () => {
      this.sendControl(neighbour, { type: ControlMsg.Teardown, routeId });
      const n = this.neighbours.get(neighbour);
      const rto = n?.rtt.srtt !== undefined ? n.rtt.rto : this.setupRtoMs;
      entry.timer = this.timers.setTimeout(() => {
        if (this.teardowns.get(key) !== entry) return;
        if (entry.retries >= TEARDOWN_RETRIES || !this.neighbours.get(neighbour)?.up) return void this.teardowns.delete(key);
        entry.retries++;
        send();
      }, rto);
    };
    this.teardowns.set(key, entry);
    send();
  }

  private onTeardown(from: number, routeId: number): void {
    this.sendControl(from, { type: ControlMsg.TeardownAck, routeId });
    const rule = this.rules.get(routeId);
    if (!rule || rule.from !== from) return;
    const owner = rule.owner as Hop | SourceRoute;
    if (owner.kind === 'source') return this.failRoute(owner, 'torn down by the first hop', true);
    if (owner.fIn === routeId) this.removeHop(owner, 'downstream');
    else this.removeHop(owner, 'upstream');
  }

  /** Drops this node's part of a route and tells the neighbour in `direction` (if any) to do the same. */
  private removeHop(hop: Hop, direction: 'downstream' | 'upstream' | 'silent'): void {
    if (hop.removed) return;
    hop.removed = true;
    this.hops.delete(hop);
    const next = hop.next ?? hop.pendingNext;
    if (direction === 'downstream' && next) this.sendTeardown(next.neighbour, next.fOut);
    if (direction === 'upstream') this.sendTeardown(hop.prev, hop.bOut);
    if (hop.extending) {
      if (hop.extending.timer !== undefined) this.timers.clearTimeout(hop.extending.timer);
      this.pendingCreates.delete(hex(hop.extending.createSetupId));
    }
    this.rules.remove(hop.fIn);
    if (next) this.rules.remove(next.bIn);
    this.answeredCreates.delete(hop.createKey);
    const n = this.neighbours.get(hop.prev);
    if (n) n.routesFrom--;
    for (const s of this.streams.values()) s.detach(hop.carrierId);
  }

  private scheduleMaintenance(): void {
    const every = Math.max(10, Math.min(this.routeFailMs / 4, this.keepaliveMs / 2, this.ruleIdleMs / 4));
    this.maintenanceTimer = this.timers.setTimeout(() => {
      if (this.closed) return;
      this.maintain();
      this.scheduleMaintenance();
    }, every);
  }

  /** Failure detection, keepalives and idle expiry. */
  private maintain(): void {
    const now = this.timers.now();
    for (const r of [...this.sourceRoutes.values()]) {
      if (r.state !== 'up') continue;
      if (r.expectSince !== undefined && now - r.expectSince > this.routeFailMs) {
        this.failRoute(r, `no answer from the destination for ${Math.round(now - r.expectSince)} ms`, true);
        continue;
      }
      if (now - r.lastSent >= this.keepaliveMs) this.sendPing(r, this.routeFailMs, () => undefined, () => undefined);
    }
    for (const s of [...this.streams.values()]) if (s.sendBuffered === 0 && now - s.lastActivity > STREAM_IDLE_MS) s.close();
    for (const hop of [...this.hops]) {
      const f = this.rules.get(hop.fIn);
      const next = hop.next ?? hop.pendingNext;
      const b = next ? this.rules.get(next.bIn) : undefined;
      const last = Math.max(f?.lastUsed ?? -Infinity, b?.lastUsed ?? -Infinity);
      if (now - last > this.ruleIdleMs) {
        this.counters.rulesExpired += b ? 2 : 1;
        this.removeHop(hop, 'silent');
      }
    }
  }

  // ---- streams -------------------------------------------------------------------------------------

  private newStream(streamId: Uint8Array, role: 'initiator' | 'acceptor', channel: number, sendBufferBytes?: number): StreamEndpoint {
    const s = new StreamEndpoint(
      streamId,
      role,
      channel,
      {
        timers: this.timers,
        onRetransmit: () => void this.counters.segmentsRetransmitted++,
        onClosed: (x) => {
          this.streams.delete(x.id);
          this.streamDest.delete(x);
          for (const r of this.sourceRoutes.values()) r.streams.delete(x);
        },
      },
      sendBufferBytes,
    );
    this.streams.set(s.id, s);
    return s;
  }

  private routeCarrier(r: SourceRoute): Carrier {
    return { id: r.id, send: (inner, expects) => r.state === 'up' && this.sendToHop(r, r.hops.length - 1, inner, expects) };
  }

  private hopCarrier(hop: Hop): Carrier {
    return { id: hop.carrierId, send: (inner) => this.sendToSource(hop, inner) };
  }

  private onOpen(hop: Hop, m: Extract<RouteInner, { type: typeof RouteMsg.Open }>): void {
    const id = hex(m.streamId);
    let s = this.streams.get(id);
    if (s && (s.role !== 'acceptor' || s.channel !== m.channel)) return;
    if (!s) {
      const listener = this.listeners.get(m.channel);
      if (!listener) {
        this.counters.unknownChannel++;
        return;
      }
      s = this.newStream(m.streamId, 'acceptor', m.channel);
      s.attach(this.hopCarrier(hop));
      listener(s);
    } else s.attach(this.hopCarrier(hop));
    this.sendToSource(hop, encodeRouteInner({ type: RouteMsg.OpenOk, streamId: m.streamId }));
  }

  openStream(options: OpenStreamOptions): Promise<MeshStream> {
    const routes = options.routes.map((id) => this.sourceRoutes.get(id));
    if (routes.length === 0 || routes.some((r) => !r || r.state !== 'up')) return Promise.reject(new MeshError('openStream needs at least one route, all up'));
    const dest = routes[0]!.hops[routes[0]!.hops.length - 1].publicKey;
    if (routes.some((r) => !equalBytes(r!.hops[r!.hops.length - 1].publicKey, dest))) return Promise.reject(new MeshError('all routes of a stream must end at the same node'));
    const s = this.newStream(this.random(STREAM_ID_BYTES), 'initiator', options.channel, options.sendBufferBytes);
    this.streamDest.set(s, { dest, repair: options.repair ?? 'rediscover', repairing: false });
    for (const r of routes) {
      r!.streams.add(s);
      s.attach(this.routeCarrier(r!));
    }
    return new Promise((resolve, reject) => {
      const deadline = this.timers.now() + Math.max(this.routeFailMs, 4 * this.setupRtoMs);
      const poll = () => {
        if (s.hasOpenCarrier()) return resolve(s);
        if (s.isClosed || this.timers.now() >= deadline) {
          s.close();
          return reject(new MeshError('the destination did not accept the stream'));
        }
        this.timers.setTimeout(poll, 5);
      };
      poll();
    });
  }

  /** Moves a stream whose route failed onto a new route to the same destination. */
  private repairStream(s: StreamEndpoint, failed: SourceRoute): void {
    const meta = this.streamDest.get(s);
    if (!meta || meta.repair === 'none' || meta.repairing || s.isClosed) return;
    meta.repairing = true;
    const avoid = new Set(failed.hops.slice(0, -1).map((h) => hex(h.publicKey)));
    const inUse = new Set<string>();
    for (const id of s.carrierIds()) for (const h of this.sourceRoutes.get(id)?.hops.slice(0, -1) ?? []) inUse.add(hex(h.publicKey));
    const attempt = async (): Promise<boolean> => {
      // Short and small: the stream is waiting (the other routes, if any, carry it meanwhile).
      const found = await this.discover({ publicKey: meta.dest }, { timeoutMs: Math.max(200, this.routeFailMs), maxResults: 8 });
      const fresh = avoiding(found, new Set([...avoid, ...inUse]));
      const fallback = avoiding(found, avoid);
      const sameAsFailed = (c: PathCandidate) => c.hops.length === failed.hops.length && c.hops.every((h, i) => equalBytes(h.publicKey, failed.hops[i].publicKey));
      const order = [...fresh, ...fallback.filter((c) => !fresh.includes(c)), ...found.filter((c) => !sameAsFailed(c) && !fallback.includes(c))];
      for (const c of order.slice(0, REPAIR_CANDIDATES)) {
        if (s.isClosed) return true;
        try {
          const info = await this.addRoute(c);
          const r = this.sourceRoutes.get(info.id);
          if (!r || r.state !== 'up') continue;
          r.streams.add(s);
          s.attach(this.routeCarrier(r));
          s.repairs++;
          this.counters.routesRepaired++;
          return true;
        } catch {
          // try the next candidate
        }
      }
      return false;
    };
    let rounds = 0;
    const retry = () => {
      if (++rounds >= REPAIR_ROUNDS) {
        meta.repairing = false;
        // Nothing reaches the destination any more: a stream with no route left is over.
        if (s.carrierIds().length === 0) s.close();
        return;
      }
      this.timers.setTimeout(run, this.routeFailMs);
    };
    const run = () => {
      if (this.closed || s.isClosed) return;
      attempt().then(
        (ok) => {
          if (ok || this.closed) meta.repairing = false;
          else retry();
        },
        retry,
      );
    };
    run();
  }

  // ---- discovery and connect ---------------------------------------------------------------------

  discover(target: DiscoverTarget, options?: DiscoverOptions): Promise<PathCandidate[]> {
    return this.discovery.search(target, options);
  }

  async connect(target: DiscoverTarget, options: ConnectOptions): Promise<{ stream: MeshStream; routes: RouteInfo[]; candidates: PathCandidate[] }> {
    const candidates = await this.discover(target, options.discover);
    const chosen = choosePaths(candidates, options.policy);
    if (chosen.length === 0) throw new MeshError(`discovery found no path to ${JSON.stringify(target, (_k, v) => (v instanceof Uint8Array ? hex(v) : v))}`);
    const settled = await Promise.allSettled(chosen.map((c) => this.addRoute(c)));
    const routes = settled.flatMap((x) => (x.status === 'fulfilled' ? [x.value] : []));
    if (routes.length === 0) throw new MeshError(`no route came up: ${settled.map((x) => (x.status === 'rejected' ? String(x.reason) : '')).join('; ')}`);
    const stream = await this.openStream({ channel: options.channel, routes: routes.map((r) => r.id), repair: options.repair, sendBufferBytes: options.sendBufferBytes });
    return { stream, routes: routes.map((r) => this.routeInfo(this.sourceRoutes.get(r.id)!)), candidates };
  }

  // ---- status ----------------------------------------------------------------------------------------

  status(): MeshStatus {
    const now = this.timers.now();
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
    }));
    const streams: StreamStatus[] = [...this.streams.values()].map((s) => s.status());
    return {
      publicKey: hex(this.identity.publicKey),
      address: this.identity.address,
      services: this.offered,
      links,
      routes: this.routes(),
      rules: this.rules.info(now),
      streams,
      bufferedBytes: streams.reduce((t, s) => t + s.sendBuffered + s.recvBuffered, 0),
      counters: { ...this.counters },
    };
  }

  private readonly addresses = new Map<string, string>();
  private addressOf(key: Uint8Array): string {
    const k = hex(key);
    let a = this.addresses.get(k);
    if (!a) {
      try {
        a = identityAddress(key);
      } catch {
        a = '?';
      }
      this.addresses.set(k, a);
    }
    return a;
  }

  /** Hops this node holds for routes of others (relay, tail or destination), for tests and status. */
  hopViews(): Array<{ fIn: number; prev: number; bOut: number; next?: NextHop; role: 'relay' | 'end' }> {
    return [...this.hops].map((h) => ({ fIn: h.fIn, prev: h.prev, bOut: h.bOut, next: h.next, role: h.next ? 'relay' : 'end' }));
  }

  close(): void {
    if (this.closed) return;
    for (const s of [...this.streams.values()]) s.close();
    for (const r of this.sourceRoutes.values()) {
      if (r.step?.timer !== undefined) this.timers.clearTimeout(r.step.timer);
      for (const p of r.pings.values()) this.timers.clearTimeout(p.timer);
    }
    for (const n of this.neighbours.values()) if (n.probeTimer !== undefined) this.timers.clearTimeout(n.probeTimer);
    for (const t of this.teardowns.values()) this.timers.clearTimeout(t.timer as never);
    for (const h of this.hops) if (h.extending?.timer !== undefined) this.timers.clearTimeout(h.extending.timer);
    if (this.maintenanceTimer !== undefined) this.timers.clearTimeout(this.maintenanceTimer as never);
    this.closed = true;
  }
}
