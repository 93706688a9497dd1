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
  SETUP_RTO,
} from './constants.ts';
import type { Control } from './control.ts';
import type { CountShares, RateShares } from './fairness.ts';
import type { RuleBook } from './rules.ts';
import type { NeighbourState } from './state.ts';

export interface MeshLimits {
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
