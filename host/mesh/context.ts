// What the parts of a node (relay role, source role, streams) share: identity, crypto,
// timers, limits, counters, the rule book, and the means to reach neighbours. MeshNode
// (node.ts) builds one and hands it to each part, so each part is a small file of its own.
import type { MeshCounters, MeshNodeOptions, Timers } from './api.ts';
import type { CryptoBackend } from '../crypto/backend.ts';
import type { Identity } from '../identity/identity.ts';
import {
  DEFAULT_KEEPALIVE_MS,
  DEFAULT_MAX_ROUTES_PER_PEER,
  DEFAULT_QUERY_BURST_PER_PEER,
  DEFAULT_QUERY_RATE_PER_PEER,
  DEFAULT_ROUTE_FAIL_MS,
  DEFAULT_RULE_IDLE_MS,
  DEFAULT_SETUP_BURST_PER_PEER,
  DEFAULT_SETUP_RATE_PER_PEER,
  DEFAULT_SETUP_RETRIES,
  DEFAULT_SAF_LOSS_THRESHOLD,
  SETUP_RTO,
} from './constants.ts';
import { Cls, DEFAULT_BUFFER_BYTES } from '../saf/constants.ts';
import type { Control } from './control.ts';
import type { CountShares, RateShares } from './fairness.ts';
import type { RuleBook } from './rules.ts';
import type { NeighbourState } from './state.ts';

export interface MeshLimits {
  /** Store-and-forward buffer per route and lane, bytes: bulk and real time. */
  safBufferBytes: number;
  safRealtimeBufferBytes: number;
  /** A link that loses at least this fraction of frames runs new routes' hops store-and-forward. */
  safLossThreshold: number;
  maxRoutesPerPeer: number;
  setupRatePerPeer: number;
  setupBurstPerPeer: number;
  ruleIdleMs: number;
  keepaliveMs: number;
  routeFailMs: number;
  setupRtoMs: number;
  setupRetries: number;
  queryRatePerPeer: number;
  queryBurstPerPeer: number;
}

export function resolveLimits(o: Partial<MeshNodeOptions>): MeshLimits {
  return {
    safBufferBytes: o.safBufferBytes ?? DEFAULT_BUFFER_BYTES[Cls.bulk],
    safRealtimeBufferBytes: o.safRealtimeBufferBytes ?? DEFAULT_BUFFER_BYTES[Cls.realtime],
    safLossThreshold: o.safLossThreshold ?? DEFAULT_SAF_LOSS_THRESHOLD,
    maxRoutesPerPeer: o.maxRoutesPerPeer ?? DEFAULT_MAX_ROUTES_PER_PEER,
    setupRatePerPeer: o.setupRatePerPeer ?? DEFAULT_SETUP_RATE_PER_PEER,
    setupBurstPerPeer: o.setupBurstPerPeer ?? DEFAULT_SETUP_BURST_PER_PEER,
    ruleIdleMs: o.ruleIdleMs ?? DEFAULT_RULE_IDLE_MS,
    keepaliveMs: o.keepaliveMs ?? DEFAULT_KEEPALIVE_MS,
    routeFailMs: o.routeFailMs ?? DEFAULT_ROUTE_FAIL_MS,
    setupRtoMs: o.setupRtoMs ?? SETUP_RTO.initialMs,
    setupRetries: o.setupRetries ?? DEFAULT_SETUP_RETRIES,
    queryRatePerPeer: o.queryRatePerPeer ?? DEFAULT_QUERY_RATE_PER_PEER,
    queryBurstPerPeer: o.queryBurstPerPeer ?? DEFAULT_QUERY_BURST_PER_PEER,
  };
}

export interface NodeContext {
  readonly identity: Identity;
  readonly backend: CryptoBackend;
  readonly timers: Timers;
  readonly limits: MeshLimits;
  readonly counters: MeshCounters;
  readonly rules: RuleBook;
  random(n: number): Uint8Array;
  /** Local ids for routes and route ends (stream carriers), unique within the node. */
  nextLocalId(): number;
  neighbour(id: number): NeighbourState | undefined;
  /** The up neighbour whose (authenticated or announced) key is `key`. */
  neighbourByKey(key: Uint8Array): number | undefined;
  sendFrame(neighbour: number, frame: Uint8Array): boolean;
  /**
   * Sends a route packet (`frame`: a whole channel-1 frame as sealRouteFrame makes it) to a
   * neighbour, on a store-and-forward lane (`saf`) or a plain hop, in class `cls`. False when
   * the way out is full (a source waits for `writable`) or the link is down.
   */
  sendRoute(neighbour: number, frame: Uint8Array, cls: Cls, saf: boolean): boolean;
  /** Bytes a source may hand `sendRoute` for this hop now (its backpressure). */
  routeRoom(neighbour: number, route: number, cls: Cls, saf: boolean): number;
  /** Whether a new route's hop to `neighbour` runs store-and-forward: the link's override, else its measured loss. */
  hopSaf(neighbour: number): boolean;
  /** The store-and-forward lanes of a route on one hop close (the route is gone there). */
  dropLanes(neighbour: number, route: number, direction: 'in' | 'out'): void;
  sendControl(neighbour: number, m: Control): boolean;
  /** Reliable hop-by-hop Teardown of `routeId` (the neighbour's incoming ID). */
  sendTeardown(neighbour: number, routeId: number): void;
  /** Routes toward each next hop held per upstream (fairness.ts): a relay's extensions count here. */
  readonly routeShares: CountShares;
  /** Route setups passed to each next hop per upstream and second (fairness.ts). */
  readonly setupShares: RateShares;
  /** Routes this node is the source of whose first hop is `neighbour` (building or up). */
  ownRoutesVia(neighbour: number): number;
}

export class MeshError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MeshError';
  }
}
