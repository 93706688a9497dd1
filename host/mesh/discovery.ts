// Discovery: a bounded breadth-first search over the mesh, as the overview proposes for
// community ISPs. The query floods outwards with a hop budget; every node that passes it on
// appends itself (its key, and the latency and capacity of the link the query came in on),
// so an answer carries a whole path the source can build a route along. Answers retrace
// the path hop by hop. The searching node never puts itself in the query: its neighbours
// cannot tell it from a node that merely passed the query on.
//
// A node passes one query on at most DISCOVERY_FORWARDS_PER_NODE times (over different
// neighbours, never to a node already on the path), which bounds the flood and still
// yields the several disjoint candidates striping needs. What a neighbour may make us do is
// bounded too: the node rate-limits queries per neighbour before they get here, and this file
// passes queries on to each neighbour within a fair share per upstream (fairness.ts), so a
// neighbour flooding junk queries cannot use up what the next node accepts from us. Remembered
// query IDs expire oldest first in constant time per query, and their number is capped.
import type { DiscoverOptions, DiscoverTarget, PathCandidate, RoutePolicy, Timers, TimerHandle } from './api.ts';
import { addressFromPublicKey } from '../identity/address.ts';
import { equalBytes, hex } from '../../spec/bytes.ts';
import { DEFAULT_DISCOVERY_HOPS, DEFAULT_DISCOVERY_RESULTS, DEFAULT_DISCOVERY_TIMEOUT_MS, DISCOVERY_FORWARDS_PER_NODE, DISCOVERY_MEMORY_MS, DISCOVERY_SEEN_MAX } from './constants.ts';
import { ControlMsg, MAX_ROUTE_HOPS } from '../../spec/route-wire.ts';
import { QUERY_ID_BYTES, type Control, type DiscoverTargetWire, type PathEntry } from './control.ts';
import type { Upstream } from './fairness.ts';

export interface DiscoveryHost {
  readonly publicKey: Uint8Array;
  readonly address: string;
  readonly timers: Timers;
  random(n: number): Uint8Array;
  offers(service: string): boolean;
  upNeighbours(): number[];
  keyOf(neighbour: number): Uint8Array | undefined;
  neighbourByKey(key: Uint8Array): number | undefined;
  /** Half the link's smoothed RTT, µs (0 when not measured yet). */
  linkLatencyUs(neighbour: number): number;
  /** Link capacity, bytes/s (0 = unknown). */
  linkCapacity(neighbour: number): number;
  sendControl(neighbour: number, m: Control): void;
  /** May a query from `from` (or our own) be passed to `next` now? (the fair share, fairness.ts) */
  mayForward(from: Upstream, next: number, now: number): boolean;
}

interface Seen {
  /** Neighbour the query came from with an empty path: where answers with us first go. */
  origin?: number;
  forwards: number;
  expires: number;
}

interface Search {
  startedAt: number;
  maxResults: number;
  results: PathCandidate[];
  /** Paths already reported (a repeated query may find the same path again). */
  paths: Set<string>;
  resolve: (r: PathCandidate[]) => void;
  timer: TimerHandle;
  /** Query IDs of this search (the first, and the repeat if the first found nothing). */
  ids: string[];
}

function wireTarget(t: DiscoverTarget): DiscoverTargetWire {
  if ('service' in t) return { kind: 'service', name: t.service };
  if ('publicKey' in t) return { kind: 'key', publicKey: t.publicKey };
  return { kind: 'address', address: t.address };
}

export class Discovery {
  /** Query IDs seen, oldest first (a Map keeps insertion order, and every entry lives equally long). */
  private readonly seen = new Map<string, Seen>();
  private readonly searches = new Map<string, Search>();
  /** Queries dropped by the per-node forward bound or as loops (for tests and status). */
  suppressed = 0;
  /** Copies of queries not passed to a neighbour because the upstream's fair share toward it was used up. */
  notForwarded = 0;

  constructor(private readonly host: DiscoveryHost) {}

  search(target: DiscoverTarget, options: DiscoverOptions = {}): Promise<PathCandidate[]> {
    const h = this.host;
    const ttl = Math.min(options.maxHops ?? DEFAULT_DISCOVERY_HOPS, 255);
    const timeoutMs = options.timeoutMs ?? DEFAULT_DISCOVERY_TIMEOUT_MS;
    return new Promise((resolve) => {
      const s: Search = {
        startedAt: h.timers.now(),
        maxResults: options.maxResults ?? DEFAULT_DISCOVERY_RESULTS,
        results: [],
        paths: new Set(),
        resolve,
        timer: h.timers.setTimeout(() => this.finish(s), timeoutMs),
        ids: [],
      };
      const send = () => {
        const queryId = h.random(QUERY_ID_BYTES);
        s.ids.push(hex(queryId));
        this.searches.set(hex(queryId), s);
        const m: Control = { type: ControlMsg.DiscoverQuery, queryId, ttl, target: wireTarget(target), path: [] };
        const now = h.timers.now();
        for (const n of h.upNeighbours()) {
          if (h.mayForward('self', n, now)) h.sendControl(n, m);
          else this.notForwarded++;
        }
      };
      send();
      // A query lost on a lossy link loses a whole branch of the search: when nothing has
      // come back by half the timeout, ask once more (under a new ID, so nodes pass it on).
      h.timers.setTimeout(() => {
        if (s.results.length === 0 && this.searches.get(s.ids[0]) === s) send();
      }, timeoutMs / 2);
    });
  }

  private finish(s: Search): void {
    if (!s.ids.some((id) => this.searches.get(id) === s)) return;
    for (const id of s.ids) this.searches.delete(id);
    this.host.timers.clearTimeout(s.timer);
    s.resolve(s.results.sort((a, b) => a.latencyMs - b.latencyMs || a.hopCount - b.hopCount));
  }

  private matches(t: DiscoverTargetWire): boolean {
    const h = this.host;
    if (t.kind === 'service') return h.offers(t.name);
    if (t.kind === 'key') return equalBytes(t.publicKey, h.publicKey);
    return t.address === h.address;
  }

  onQuery(from: number, m: Extract<Control, { type: typeof ControlMsg.DiscoverQuery }>): void {
    const h = this.host;
    const id = hex(m.queryId);
    const now = h.timers.now();
    this.expire(now);
    if (this.searches.has(id) || m.path.some((e) => equalBytes(e.publicKey, h.publicKey)) || m.ttl === 0 || m.path.length >= MAX_ROUTE_HOPS * 2) {
      this.suppressed++;
      return;
    }
    let seen = this.seen.get(id);
    if (!seen) {
      seen = { forwards: 0, expires: now + DISCOVERY_MEMORY_MS };
      this.seen.set(id, seen);
    }
    if (m.path.length === 0 && seen.origin === undefined) seen.origin = from;
    if (seen.forwards >= DISCOVERY_FORWARDS_PER_NODE) {
      this.suppressed++;
      return;
    }
    seen.forwards++;
    const path: PathEntry[] = [...m.path, { publicKey: h.publicKey, latencyUs: h.linkLatencyUs(from), capacity: h.linkCapacity(from) }];
    if (this.matches(m.target)) {
      h.sendControl(from, { type: ControlMsg.DiscoverReply, queryId: m.queryId, path });
      return;
    }
    if (m.ttl <= 1) return;
    for (const n of h.upNeighbours()) {
      if (n === from) continue;
      const k = h.keyOf(n);
      if (k && path.some((e) => equalBytes(e.publicKey, k))) continue;
      if (!h.mayForward(from, n, now)) {
        this.notForwarded++;
        continue;
      }
      h.sendControl(n, { type: ControlMsg.DiscoverQuery, queryId: m.queryId, ttl: m.ttl - 1, target: m.target, path });
    }
  }

  onReply(from: number, m: Extract<Control, { type: typeof ControlMsg.DiscoverReply }>): void {
    const h = this.host;
    const id = hex(m.queryId);
    const search = this.searches.get(id);
    if (search) {
      if (m.path.length === 0) return;
      // Only a reply whose path starts at the neighbour that sent it is ours to use.
      const first = h.keyOf(from);
      if (!first || !equalBytes(first, m.path[0].publicKey)) return;
      const key = m.path.map((e) => hex(e.publicKey)).join('/');
      if (search.paths.has(key)) return;
      search.paths.add(key);
      search.results.push(candidateOf(from, m.path, h.timers.now() - search.startedAt));
      if (search.results.length >= search.maxResults) this.finish(search);
      return;
    }
    const i = m.path.findIndex((e) => equalBytes(e.publicKey, h.publicKey));
    if (i < 0) return;
    const back = i === 0 ? this.seen.get(id)?.origin : h.neighbourByKey(m.path[i - 1].publicKey);
    if (back === undefined) return;
    h.sendControl(back, m);
  }

  /**
   * Forgets expired query IDs: entries are in insertion order and all live DISCOVERY_MEMORY_MS,
   * so the expired ones are at the front and each query costs O(1) amortized. Beyond
   * DISCOVERY_SEEN_MAX the oldest go early (a flood of fresh IDs only shortens the memory).
   */
  private expire(now: number): void {
    for (const [k, s] of this.seen) {
      if (s.expires > now && this.seen.size < DISCOVERY_SEEN_MAX) break;
      this.seen.delete(k);
    }
  }

  /** Remembered query IDs (tests and status). */
  get remembered(): number {
    return this.seen.size;
  }
}

export function candidateOf(firstNeighbour: number, path: PathEntry[], measuredRttMs: number): PathCandidate {
  const caps = path.map((e) => e.capacity).filter((c) => c > 0);
  return {
    firstNeighbour,
    hops: path.map((e) => ({ publicKey: e.publicKey, address: addressFromPublicKey(e.publicKey) })),
    hopCount: path.length,
    latencyMs: path.reduce((s, e) => s + e.latencyUs, 0) / 1000,
    capacityBytesPerSec: caps.length ? Math.min(...caps) : Infinity,
    measuredRttMs,
  };
}

/** The nodes a route passes through before its destination, and its first neighbour, as set keys. */
function relaysOf(c: PathCandidate): string[] {
  return [`n:${c.firstNeighbour}`, ...c.hops.slice(0, -1).map((h) => hex(h.publicKey))];
}

/**
 * Route choice by policy. 'disjoint' picks, lowest latency first, paths to the same
 * destination that share no relay and no first neighbour with any path already picked.
 */
export function choosePaths(candidates: PathCandidate[], policy: RoutePolicy): PathCandidate[] {
  if (candidates.length === 0) return [];
  const byLatency = [...candidates].sort((a, b) => a.latencyMs - b.latencyMs || a.hopCount - b.hopCount);
  switch (policy.kind) {
    case 'lowestLatency':
      return [byLatency[0]];
    case 'highestThroughput':
      return [[...candidates].sort((a, b) => b.capacityBytesPerSec - a.capacityBytesPerSec || a.hopCount - b.hopCount || a.latencyMs - b.latencyMs)[0]];
    case 'disjoint': {
      const dest = byLatency[0].hops[byLatency[0].hops.length - 1].publicKey;
      const used = new Set<string>();
      const out: PathCandidate[] = [];
      for (const c of byLatency) {
        if (out.length >= policy.count) break;
        if (!equalBytes(c.hops[c.hops.length - 1].publicKey, dest)) continue;
        const r = relaysOf(c);
        if (r.some((k) => used.has(k))) continue;
        for (const k of r) used.add(k);
        out.push(c);
      }
      return out;
    }
  }
}

/** Candidates that avoid every relay in `avoid` (keys as hex), lowest latency first. */
export function avoiding(candidates: PathCandidate[], avoid: Set<string>): PathCandidate[] {
  return candidates.filter((c) => !c.hops.slice(0, -1).some((h) => avoid.has(hex(h.publicKey))));
}
