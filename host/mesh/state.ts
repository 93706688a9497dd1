// The per-neighbour, per-hop and per-source-route state a MeshNode keeps. Plain records;
// node.ts holds the logic that moves them.
import type { LinkInfo, PathHop, RouteState, TimerHandle } from './api.ts';
import { ReplayWindow } from '../link/replay-window.ts';
import { LINK_RTO } from '../link/constants.ts';
import { RttEstimator } from '../link/rtt.ts';
import type { HopKeys, PendingHop } from './hop-crypto.ts';
import { StreamFrameReader } from './framing.ts';
import type { StreamEndpoint } from './stream.ts';

import { TokenBucket } from '../link/token-bucket.ts';

export class NeighbourState {
  up = false;
  info: LinkInfo = { kind: 'datagram' };
  publicKey: Uint8Array | undefined;
  services: string[] = [];
  reader: StreamFrameReader | undefined;
  /** The link's round trip to this neighbour, with the link layer's bounds (it times exchanges with the neighbour). */
  readonly rtt = new RttEstimator(LINK_RTO);
  probeNonce = 0;
  probeTimer: TimerHandle | undefined;
  /** Our Hello is repeated until the neighbour acknowledges it. */
  helloAcked = false;
  helloTimer: TimerHandle | undefined;
  bytesSent = 0;
  bytesReceived = 0;
  /** Hops whose previous hop is this neighbour (the per-peer route limit counts these). */
  routesFrom = 0;
  /** Create messages accepted from this neighbour (the per-peer setup rate limit). */
  readonly setupBucket: TokenBucket;
  /** Discovery queries accepted from this neighbour. */
  readonly queryBucket: TokenBucket;

  constructor(
    readonly id: number,
    limits: { setupRatePerPeer: number; setupBurstPerPeer: number; queryRatePerPeer: number; queryBurstPerPeer: number },
    now: number,
  ) {
    this.setupBucket = new TokenBucket(limits.setupRatePerPeer, limits.setupBurstPerPeer, now);
    this.queryBucket = new TokenBucket(limits.queryRatePerPeer, limits.queryBurstPerPeer, now);
  }
}

/** A link to the next hop that a tail asked for and that answered (Created). */
export interface NextHop {
  neighbour: number;
  /** The next hop's incoming route ID: what forwarded packets carry. */
  fOut: number;
  /** Our incoming ID for packets coming back from the next hop. */
  bIn: number;
}

/** An extension in progress at a tail: Create sent to the next hop, waiting for Created. */
export interface Extending {
  /** The source's setup ID (end to end, inside Extend/Extended). */
  sourceSetupId: Uint8Array;
  /** Our own setup ID toward the next hop (a fresh one: the two cannot be linked). */
  createSetupId: Uint8Array;
  neighbour: number;
  bIn: number;
  create: Uint8Array;
  retries: number;
  rto: number;
  timer: TimerHandle | undefined;
}

/** This node's part of a route it does not originate: relay, tail or destination. */
export interface Hop {
  kind: 'hop';
  /** Incoming route ID from the previous hop (forward direction). */
  fIn: number;
  prev: number;
  /** The previous hop's ID for packets going back toward the source. */
  bOut: number;
  keys: HopKeys;
  qos: boolean;
  rx: ReplayWindow;
  txCounter: number;
  /** Carrier id when streams end here (this node is the destination). */
  carrierId: number;
  createKey: string;
  next?: NextHop;
  /** Next hop answered; the rule switches to forwarding on ExtendAck (or any packet not for us). */
  pendingNext?: NextHop;
  extending?: Extending;
  /** The last Extended answer, repeated when the source repeats its Extend. */
  lastExtended?: { setupId: Uint8Array; inner: Uint8Array };
  /** The next hop this route counts against in the per-upstream route shares (fairness.ts). */
  shareNext?: number;
  removed: boolean;
}

export interface SetupStep {
  index: number;
  setupId: Uint8Array;
  pending: PendingHop;
  /** The message repeated on timeout (a Create frame for hop 0, an Extend inner otherwise). */
  payload: Uint8Array;
  sentAt: number;
  retries: number;
  rto: number;
  retransmitted: boolean;
  timer: TimerHandle | undefined;
}

/** A ping waiting for its Pong: repeated (`attempts` so far) until answered or timed out. */
export interface PendingPing {
  resolve: (ms: number) => void;
  reject: (e: Error) => void;
  /** The timeout. */
  timer: TimerHandle;
  /** The next repeat. */
  retry: TimerHandle | undefined;
  sentAt: number;
  attempts: number;
}

/** A route this node is the source of. */
export interface SourceRoute {
  kind: 'source';
  id: number;
  state: RouteState;
  hops: PathHop[];
  firstNeighbour: number;
  /** The first hop's incoming ID: written into every packet we send on the route. */
  firstRouteId: number;
  /** Our incoming ID for packets coming back. */
  backIn: number;
  qos: boolean;
  /** Keys of the hops established so far (index = hop). */
  keys: HopKeys[];
  rx: ReplayWindow[];
  txCounters: number[];
  startedAt: number;
  setupMs?: number;
  lastStepRttMs?: number;
  step?: SetupStep;
  settle?: { resolve: () => void; reject: (e: Error) => void };
  readonly rtt: RttEstimator;
  /** When we started waiting for an answer from the destination (undefined: not waiting). */
  expectSince?: number;
  lastHeard: number;
  lastSent: number;
  streams: Set<StreamEndpoint>;
  /** Pings waiting for their Pong, by nonce. */
  pings: Map<number, PendingPing>;
  bytesSent: number;
  bytesReceived: number;
  packetsSent: number;
  packetsReceived: number;
}

export function newReplayWindows(n: number): ReplayWindow[] {
  return Array.from({ length: n }, () => new ReplayWindow());
}

export { ReplayWindow };
