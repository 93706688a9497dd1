// The public surface of the mesh control plane (host/mesh): what a daemon, a CLI or a test
// needs to run a node, and nothing of how it works inside. PART B (daemon, transports, CLI,
// demo) codes against these types; additions are allowed, changes are not.
//
// A MeshNode is transport-agnostic and clock-agnostic:
//   - neighbours are small integers (0..255, the port number of the FPGA route table);
//     the node sends bytes to a neighbour through `MeshTransport.send`, and the owner of
//     the transport calls `linkUp`, `linkDown` and `receive` on the node;
//   - every timer goes through an injected `Timers` (real timers in the daemon, a virtual
//     clock in tests and simulations).

/** A neighbour as the transport names it: 0..255, the route table's output port. */
export type NeighbourId = number;

/** A node's long-term public key: compressed secp256k1, 33 bytes. */
export type PublicKey = Uint8Array;

/** Timers the node runs on. `now()` is milliseconds on any monotonic scale. */
export interface Timers {
  now(): number;
  /** Runs `fn` once after `ms` milliseconds (0 = as soon as possible, never synchronously). */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /**
   * Runs `fn` after the current event, at the same time (work batched within one event, such
   * as the packets of one datagram forwarded together). Default: a microtask.
   */
  defer?(fn: () => void): void;
}
export type TimerHandle = { readonly __timer: unique symbol } | number | object;

/** How bytes reach a neighbour. Implemented by the daemon over host/link sessions (UDP) or TCP. */
export interface MeshTransport {
  /**
   * Sends bytes to a neighbour: one or more channel-framed messages (see framing.ts). On a
   * datagram link one call is one datagram and must not exceed the link's `mtu`. Returns
   * false when the transport could not take them (link down, queue full); the node treats
   * that like a loss.
   */
  send(neighbour: NeighbourId, bytes: Uint8Array): boolean;
}

/** What the transport knows about a link when it comes up. */
export interface LinkInfo {
  /**
   * 'datagram': each `receive` call is whole messages (one UDP datagram, one link frame);
   * 'stream': `receive` gets arbitrary slices of a byte stream (TCP) that the node reassembles.
   */
  kind: 'datagram' | 'stream';
  /**
   * Largest `send` the link takes. The node never sends more than MESH_MTU_BYTES (one link
   * frame) in one call, so a link must take at least that; linkUp throws a RangeError otherwise.
   */
  mtu?: number;
  /**
   * The neighbour's public key when the link layer authenticated it (host/link does). When
   * given, a Hello claiming another key is counted and ignored.
   */
  publicKey?: PublicKey;
  /** Configured or measured link capacity, bytes/s; discovery reports the path minimum. */
  capacityBytesPerSec?: number;
  /**
   * Pace everything sent on the link at this rate, bytes/s on the wire (counting each
   * frame's link overhead), so queues form in the node, where real-time traffic can go first,
   * and not in the radio or qdisc below. Omitted: unpaced.
   */
  paceBytesPerSec?: number;
  /**
   * How new routes' hops over this link run: 'saf' (store-and-forward), 'plain', or 'auto'
   * (default): store-and-forward when the link's measured loss reaches safLossThreshold.
   */
  forwarding?: 'auto' | 'saf' | 'plain';
  /**
   * The share of the neighbour's frames that lately did not arrive here (the link layer
   * counts them), or undefined when not measured yet. The node reports it to the neighbour
   * (ProbeReply), which chooses its hops by it.
   */
  rxLoss?: () => number | undefined;
}

/** Limits and timers of one node. Every field has a default (see constants.ts). */
export interface MeshNodeOptions {
  /** The node's identity: 32-byte secp256k1 secret key; the public key and address derive from it. */
  secretKey: Uint8Array;
  transport: MeshTransport;
  timers: Timers;
  /** Randomness for ephemeral keys, route IDs and nonces (default: the OS generator). */
  random?: (n: number) => Uint8Array;
  /** Service names this node offers to discovery (for example 'gateway'). */
  services?: string[];
  /** Routes whose previous hop is one given neighbour, at most (per-peer limit). */
  maxRoutesPerPeer?: number;
  /** Route setups (Create messages) accepted from one neighbour per second, sustained. */
  setupRatePerPeer?: number;
  /** Burst allowance of the setup rate limiter. */
  setupBurstPerPeer?: number;
  /** Discovery queries accepted from one neighbour per second (beyond: dropped and counted). */
  queryRatePerPeer?: number;
  /** Burst allowance of the query rate limiter. */
  queryBurstPerPeer?: number;
  /** A forwarding rule unused for this long is removed (idle expiry), ms. */
  ruleIdleMs?: number;
  /** Sources send a keepalive on an idle route this often, ms (well below ruleIdleMs). */
  keepaliveMs?: number;
  /**
   * A source route that has heard nothing from its destination for this long while it is
   * waiting for an answer (data unacknowledged, a ping or a keepalive outstanding) is declared
   * failed and repaired: the bound on failure detection, ms.
   */
  routeFailMs?: number;
  /** Per-extension retransmission timeout before any RTT is known, ms. */
  setupRtoMs?: number;
  /** Retransmissions of one setup step before the setup fails. */
  setupRetries?: number;
  /** The forwarding table (default: a SoftwareForwardingTable). */
  table?: import('./forwarding.ts').ForwardingTable;
  /** Store-and-forward buffer of one route and hop, bytes (bulk lane; default 256 KiB). */
  safBufferBytes?: number;
  /** The same for the real-time lane (default 32 KiB). */
  safRealtimeBufferBytes?: number;
  /** Measured link loss from which new hops run store-and-forward (default 0.01). */
  safLossThreshold?: number;
}

/** One hop of a path as the source knows it: the node's key and, for the first hop, the neighbour it is. */
export interface PathHop {
  publicKey: PublicKey;
  /** Address derived from the key (for display). */
  address: string;
}

/** A candidate path found by discovery. `hops[0]` is a neighbour of the searching node; the last hop offers the service. */
export interface PathCandidate {
  /** Neighbour through which the path leaves this node. */
  firstNeighbour: NeighbourId;
  hops: PathHop[];
  hopCount: number;
  /** Sum of the links' measured one-way latencies (half their smoothed RTT), ms. */
  latencyMs: number;
  /** The smallest link capacity on the path, bytes/s (Infinity when no link reported one). */
  capacityBytesPerSec: number;
  /** Time from the query until this answer arrived at the source, ms (a measured round trip). */
  measuredRttMs: number;
}

/** How the source chooses among candidates. */
export type RoutePolicy =
  /** Real time: the lowest latency path. */
  | { kind: 'lowestLatency' }
  /** Bulk: the highest capacity path (ties: fewer hops, then lower latency). */
  | { kind: 'highestThroughput' }
  /** Several node-disjoint paths used together, the stream striped across them. */
  | { kind: 'disjoint'; count: number };

export interface DiscoverOptions {
  /** Largest hop count searched (BFS depth). Default DEFAULT_DISCOVERY_HOPS. */
  maxHops?: number;
  /** Answers collected before the search ends early. */
  maxResults?: number;
  /** The search ends after this long, ms. */
  timeoutMs?: number;
}

/** A service name offered by nodes, one node's public key, or one node's address. */
export type DiscoverTarget = { service: string } | { publicKey: PublicKey } | { address: string };

export type RouteState = 'building' | 'up' | 'failed' | 'closed';

/** A route this node is the source of. */
export interface RouteInfo {
  /** Local handle of the route (stable for the route's life; the CLI's `route del <id>`). */
  id: number;
  state: RouteState;
  hops: PathHop[];
  firstNeighbour: NeighbourId;
  /** Route ID on the first hop (the ID written into packets leaving this node). */
  firstRouteId: number;
  /** Real-time route (the rules' QoS bit): its packets go before bulk on plain hops too. */
  qos: boolean;
  /** How each hop forwards toward the destination, first hop first (as far as the route is built). */
  hopModes: Array<'plain' | 'saf'>;
  /** Every hop is store-and-forward: the route loses nothing while it lives. */
  hopReliable: boolean;
  /** Time the route took to come up, ms (undefined while building). */
  setupMs?: number;
  /** Smoothed round trip to the destination over the route, ms. */
  rttMs?: number;
  /** Streams currently using the route. */
  streams: number;
  bytesSent: number;
  bytesReceived: number;
  packetsSent: number;
  packetsReceived: number;
}

/** A forwarding rule installed at this node (any role: source, relay, destination), with its accounting. */
export interface RuleInfo {
  /** Incoming route ID (the table key). */
  routeId: number;
  /** Neighbour packets with this ID arrive from; undefined for a source's own outgoing state. */
  from?: NeighbourId;
  action: import('./forwarding.ts').RuleAction;
  /** Bytes and packets that matched the rule (forwarded or delivered): the payment record. */
  bytes: number;
  packets: number;
  /** ms since the rule last matched a packet. */
  idleMs: number;
}

/** Why a rule was removed (its accounting settled). */
export type SettleReason = 'teardown' | 'expired' | 'link down' | 'failed' | 'deleted' | 'closed';

/**
 * The final accounting of a rule that was removed: what the payment protocol settles from.
 * A relay holds two rules per route (forward and back), a route end one.
 */
export interface SettledRule {
  /** Incoming route ID of the rule. */
  routeId: number;
  /** Neighbour the packets came from. */
  from: NeighbourId;
  /** Neighbour they went to, and the route ID they carried there (undefined: delivered here). */
  to?: NeighbourId;
  nextRoute?: number;
  bytes: number;
  packets: number;
  /** When the rule was installed and removed (the node's clock, ms). */
  startedAt: number;
  endedAt: number;
  reason: SettleReason;
}

export interface LinkStatus {
  neighbour: NeighbourId;
  up: boolean;
  publicKey?: string;
  address?: string;
  services: string[];
  rttMs?: number;
  capacityBytesPerSec?: number;
  /** Routes whose previous hop is this neighbour (counted against maxRoutesPerPeer). */
  routesFrom: number;
  bytesSent: number;
  bytesReceived: number;
  /** Loss of our frames toward the neighbour (its report) and of its frames toward us (our count). */
  lossOut?: number;
  lossIn?: number;
  /** How a route's hop over this link runs if set up now. */
  hop: 'plain' | 'saf';
}

/** Every counter the node keeps, by name; drops are never thrown, only counted here. */
export interface MeshCounters {
  messagesReceived: number;
  messagesSent: number;
  /** Messages on a channel no service is registered on. */
  unknownChannel: number;
  /** Messages whose codec rejected them (and framing errors). */
  malformed: number;
  /** A service handler threw; the message is dropped and the node carries on. */
  handlerErrors: number;
  /** Route packets with an ID that has no rule (or arrived from the wrong neighbour). */
  unknownRoute: number;
  /** End-to-end packets that failed authentication at a route end. */
  badAuth: number;
  /** Route packets forwarded by this node as a relay. */
  packetsForwarded: number;
  bytesForwarded: number;
  /** Create messages refused by per-peer limits. */
  refusedRouteLimit: number;
  refusedRateLimit: number;
  /**
   * Extensions refused at this relay because the upstream neighbour holds (or sets up) more
   * than its fair share of what the next hop accepts from us (fairness.ts).
   */
  refusedUpstreamShare: number;
  /** Discovery queries dropped by the per-neighbour query rate limit. */
  refusedQueryRate: number;
  /** Copies of discovery queries not passed on because the upstream's share toward a neighbour was used up. */
  queriesNotForwarded: number;
  /** Streams reset: a rejoin for a stream this node does not know, or no listener on the channel. */
  streamsReset: number;
  setupRetransmits: number;
  rulesExpired: number;
  routesRepaired: number;
  routesFailed: number;
  /** Stream segments resent (end-to-end retransmission). */
  segmentsRetransmitted: number;
  /** Transport refused a send. */
  sendFailures: number;
  /** Bytes from a neighbour that is not up (or was never attached). */
  unknownNeighbour: number;
  /** End-to-end packets whose counter was already seen (replays, duplicates). */
  replays: number;
  /** A Hello claimed a key other than the one the link layer authenticated. */
  helloMismatch: number;
  /** Route packets dropped at this node because their way out was full (a plain hop's paced queue, a lane). */
  routeDrops: number;
  /** Datagram-service messages sent and delivered here, and dropped (no listener, or no room). */
  datagramsSent: number;
  datagramsDelivered: number;
  datagramsDropped: number;
}

export interface MeshStatus {
  publicKey: string;
  address: string;
  services: string[];
  links: LinkStatus[];
  /** Routes this node is the source of. */
  routes: RouteInfo[];
  /** Every forwarding rule installed here (transit and local). */
  rules: RuleInfo[];
  /**
   * Final accounting of removed rules, oldest first: the last SETTLED_RECORDS_KEPT, or fewer
   * once `takeSettled()` collected them.
   */
  settled: SettledRule[];
  /** Settled records dropped because nobody collected them before the bound was reached. */
  settledDropped: number;
  streams: StreamStatus[];
  /** Bytes held in stream send and reassembly buffers. */
  bufferedBytes: number;
  counters: MeshCounters;
  /** The store-and-forward engine: its counters, every lane, and the pacing per neighbour. */
  saf: { stats: import('../saf/stats.ts').SafStats; lanes: import('../saf/engine.ts').LaneView[]; neighbours: import('../saf/engine.ts').NeighbourView[] };
}

export interface StreamStatus {
  id: string;
  role: 'initiator' | 'acceptor';
  channel: number;
  routes: number[];
  bytesWritten: number;
  bytesAcked: number;
  bytesReceived: number;
  sendBuffered: number;
  recvBuffered: number;
  retransmits: number;
  repairs: number;
}

export interface OpenStreamOptions {
  /** Local channel of the service at the destination (the rule's delivery channel). */
  channel: number;
  /** Routes to carry the stream (at least one, all to the same destination). */
  routes: number[];
  /**
   * How to replace a route that fails: 'rediscover' (default) searches for new paths to the
   * destination's key avoiding the failed route's relays; 'none' only moves the traffic to
   * the stream's remaining routes.
   */
  repair?: 'rediscover' | 'none';
  /** Send buffer, bytes: `write` accepts up to this much unacknowledged data. */
  sendBufferBytes?: number;
  /** The stream's data travels in the real-time class (its acknowledgements always do). */
  qos?: boolean;
}

/** An end-to-end reliable, in-order byte stream over one or more routes. */
export interface MeshStream {
  readonly id: string;
  /** Accepts as much as the send buffer has room for; returns the number of bytes taken. */
  write(bytes: Uint8Array): number;
  /** Writes all of `bytes`, waiting for room; resolves when every byte is in the send buffer. */
  writeAll(bytes: Uint8Array): Promise<void>;
  /** No more data; the peer sees end-of-stream after the last byte. */
  end(): void;
  /** Resolves once `end` was called and every byte and the end were acknowledged end to end; rejects if the stream is closed first. */
  readonly finished: Promise<void>;
  /** In-order received bytes. */
  onData: ((bytes: Uint8Array) => void) | undefined;
  /** The peer ended the stream and every byte before the end was delivered. */
  onEnd: (() => void) | undefined;
  /** Aborts the stream (no more retransmission); the other end is told (Reset) unless the stream had finished. */
  close(): void;
  /**
   * Stops delivering (`onData` is not called) until `resume`. What arrives over a
   * store-and-forward last hop stays in that hop's buffer meanwhile, so the route fills back
   * to the source and the writer waits; nothing is lost.
   */
  pause(): void;
  resume(): void;
  /** Why the stream closed: aborted here, reset by the other end, no route left (undefined while open). */
  readonly closeReason: string | undefined;
  /** Called once when the stream closes for any reason, with `closeReason`. */
  onClose: ((reason: string) => void) | undefined;
  status(): StreamStatus;
}

export interface ConnectOptions {
  channel: number;
  policy: RoutePolicy;
  discover?: DiscoverOptions;
  repair?: OpenStreamOptions['repair'];
  sendBufferBytes?: number;
  /** Real-time routes and stream. */
  qos?: boolean;
}

/** A message type of a service: one codec, one handler. */
export interface MessageCodec<T> {
  encode(message: T): Uint8Array;
  /** Returns undefined for malformed bytes; must never throw (a throw is caught and counted). */
  decode(bytes: Uint8Array): T | undefined;
}

export interface ServiceContext {
  /** Neighbour the message came from. */
  from: NeighbourId;
  /** Send a message of this service back to a neighbour (same channel). */
  reply(to: NeighbourId, bytes: Uint8Array): void;
}

/** A service bound to one channel: the messages it exchanges with neighbours, and their handler. */
export interface ServiceDefinition<T> {
  name: string;
  channel: number;
  codec: MessageCodec<T>;
  handle(message: T, ctx: ServiceContext): void;
}

/** The other end of a datagram: answer on the route it came by. */
export interface DatagramPeer {
  /** The route (at a source: its id) or route end (at a destination) the message came on. */
  readonly route: number;
  /** Sends a message back on that route; false when it could not be sent. */
  send(bytes: Uint8Array, options?: DatagramOptions): boolean;
}

export interface DatagramOptions {
  /** Arms the source's failure detector: an answer from the destination is due within routeFailMs. */
  expectsReply?: boolean;
  /** The real-time class (ahead of bulk at every hop and in every bundle); default: the route's class. */
  qos?: boolean;
}

/** A service's handler of datagrams on routes. */
export type DatagramHandler = (bytes: Uint8Array, from: DatagramPeer) => void;

/** What the CLI and daemon call. Implemented by MeshNode (node.ts). */
export interface MeshNodeApi {
  readonly publicKey: PublicKey;
  readonly address: string;

  // ---- transport events (called by the owner of the transport) ----
  linkUp(neighbour: NeighbourId, info: LinkInfo): void;
  linkDown(neighbour: NeighbourId): void;
  /** Bytes from a neighbour. Never throws: bad input is counted and dropped. */
  receive(neighbour: NeighbourId, bytes: Uint8Array): void;

  // ---- services ----
  /** Binds a service to a channel (2..65535; 0 and 1 are the daemon's). Throws if taken. */
  registerService<T>(service: ServiceDefinition<T>): void;
  /** Sends one service message to a neighbour on the service's channel. */
  sendService(neighbour: NeighbourId, channel: number, bytes: Uint8Array): boolean;
  /** Accepts streams that sources open to `channel` on this node. */
  listen(channel: number, onStream: (stream: MeshStream) => void): void;

  // ---- discovery and routes ----
  discover(target: DiscoverTarget, options?: DiscoverOptions): Promise<PathCandidate[]>;
  /**
   * Builds a route hop by hop along `path`; resolves when the last hop answered. `qos: true`
   * marks the route real time (the rules' QoS bit). A route stays up (keepalives) until
   * `deleteRoute`, also after the streams on it finished.
   */
  addRoute(path: PathCandidate | { firstNeighbour: NeighbourId; hops: PathHop[] }, options?: { qos?: boolean }): Promise<RouteInfo>;
  /** Tears a source route down at every hop. */
  deleteRoute(id: number): void;
  routes(): RouteInfo[];
  /** Round trip over a route, ms (end to end: the destination answers). */
  ping(routeId: number, timeoutMs?: number): Promise<number>;
  openStream(options: OpenStreamOptions): Promise<MeshStream>;

  // ---- datagrams on routes (datagrams.ts) ----
  /** Receives datagrams sent to `channel` (FIRST_SERVICE_CHANNEL..65535) over routes from either end. Throws if taken. */
  onDatagram(channel: number, handler: DatagramHandler): void;
  /**
   * Sends one datagram (at most MAX_DATAGRAM_BYTES) to `channel` at the other end of `route`
   * (a source route's id, or at a destination the route end's, as DatagramPeer.route names
   * it): unordered, sealed end to end, never resent end to end (but resent hop by hop on
   * store-and-forward hops). False when the route is not up or its first hop has no room now.
   */
  sendDatagram(route: number, channel: number, bytes: Uint8Array, options?: DatagramOptions): boolean;
  /** Called with a route's (or route end's) id when it goes: failed, deleted, torn down, expired. */
  onRouteEndClosed(listener: (route: number) => void): void;
  /**
   * Discovery, route choice by policy, route setup and a stream, in one call (what
   * `skywire send` and the demo do). With the 'disjoint' policy the stream is striped over
   * every route that came up (at least one).
   */
  connect(target: DiscoverTarget, options: ConnectOptions): Promise<{ stream: MeshStream; routes: RouteInfo[]; candidates: PathCandidate[] }>;

  status(): MeshStatus;
  /** Hands over the settled accounting records (removed rules' final counters) and forgets them. */
  takeSettled(): SettledRule[];
  /** Traffic a forwarding plane carried under a rule unseen by the host (host/device's accounting reader). */
  creditRule(routeId: number, bytes: number, packets: number): boolean;
  /** Stops every timer and forgets every route (the node is shutting down). */
  close(): void;
}
