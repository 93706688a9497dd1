// Static store-and-forward configuration of the test-bed node (host/node): neighbours and the
// route table (route ID in, next hop, route ID out), read from its config file. The daemon's
// routes are set up dynamically (host/mesh), and running this engine under them needs more
// than a new source for this table: per-hop buffers and credits must follow routes as they
// are created, repaired and torn down. Out-of-range values fail here with an error naming
// the field; nothing is checked again on the datapath.
import { MAX_BUFFER_BYTES, MAX_ROUTE_ID, MIN_BUFFER_BYTES } from './constants.ts';

export type Qos = 'realtime' | 'bulk';
export type ForwardMode = 'saf' | 'plain';

/** One side of a route at this node: a neighbour and the route ID on that hop, or the local application. */
export type RouteEnd = { neighbour: number; route: number } | { local: number };

export interface RouteConfig {
  in: RouteEnd;
  out: RouteEnd;
  /** This node's buffer for the route, bytes: what it accepts before it stops its upstream. */
  bufferBytes: number;
  /** 'realtime' goes first; 'bulk' (default) only when no real-time data waits. */
  qos?: Qos;
  /** 'saf' (default): store and forward; 'plain': forward once, no hop reliability or credit. */
  mode?: ForwardMode;
}

export interface NeighbourConfig {
  /** Small integer naming the neighbour (the link). */
  id: number;
  /** Pacing rate on the wire, bytes/s, counting link overhead; omitted = not paced. */
  rateBytesPerSec?: number;
  /** Bytes the link adds per datagram on the wire (default DEFAULT_LINK_OVERHEAD_BYTES). */
  overheadBytes?: number;
  /**
   * Full datagrams the pacer may send back to back (default PACER_BURST_DATAGRAMS). A node
   * whose timers fire every few ms needs more than one to keep a fast link busy; each extra
   * one can add a datagram time of queueing per hop for real-time traffic.
   */
  pacerBurstDatagrams?: number;
}

export interface SafConfig {
  neighbours: NeighbourConfig[];
  routes: RouteConfig[];
}

export class SafConfigError extends RangeError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`saf config: ${field} ${message}`);
  }
}

function checkInt(field: string, v: unknown, lo: number, hi: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new SafConfigError(field, `must be an integer in [${lo}, ${hi}], got ${String(v)}`);
}

export const isLocal = (e: RouteEnd): e is { local: number } => 'local' in e;

function endKey(e: RouteEnd): string {
  return isLocal(e) ? `local:${e.local}` : `${e.neighbour}:${e.route}`;
}

/** Checks a configuration; throws SafConfigError naming the first bad field. */
export function validateSafConfig(c: SafConfig): SafConfig {
  if (!c || !Array.isArray(c.neighbours)) throw new SafConfigError('neighbours', 'must be an array');
  if (!Array.isArray(c.routes)) throw new SafConfigError('routes', 'must be an array');
  const ids = new Set<number>();
  c.neighbours.forEach((n, i) => {
    checkInt(`neighbours[${i}].id`, n.id, 0, 0xffff);
    if (ids.has(n.id)) throw new SafConfigError(`neighbours[${i}].id`, `duplicates ${n.id}`);
    ids.add(n.id);
    if (n.rateBytesPerSec !== undefined && !(n.rateBytesPerSec > 0 && n.rateBytesPerSec <= 1e11)) {
      throw new SafConfigError(`neighbours[${i}].rateBytesPerSec`, `must be in (0, 1e11], got ${n.rateBytesPerSec}`);
    }
    if (n.overheadBytes !== undefined) checkInt(`neighbours[${i}].overheadBytes`, n.overheadBytes, 0, 1024);
    if (n.pacerBurstDatagrams !== undefined) checkInt(`neighbours[${i}].pacerBurstDatagrams`, n.pacerBurstDatagrams, 1, 64);
  });
  const ins = new Set<string>();
  const outs = new Set<string>();
  c.routes.forEach((r, i) => {
    const f = `routes[${i}]`;
    for (const side of ['in', 'out'] as const) {
      const e = r[side];
      if (!e || typeof e !== 'object') throw new SafConfigError(`${f}.${side}`, 'is required');
      if (isLocal(e)) checkInt(`${f}.${side}.local`, e.local, 0, MAX_ROUTE_ID);
      else {
        checkInt(`${f}.${side}.neighbour`, e.neighbour, 0, 0xffff);
        if (!ids.has(e.neighbour)) throw new SafConfigError(`${f}.${side}.neighbour`, `names no configured neighbour (${e.neighbour})`);
        checkInt(`${f}.${side}.route`, e.route, 1, MAX_ROUTE_ID);
      }
    }
    if (isLocal(r.in) && isLocal(r.out)) throw new SafConfigError(f, 'must leave or enter the node (in and out are both local)');
    const ik = endKey(r.in);
    const ok = endKey(r.out);
    if (ins.has(ik)) throw new SafConfigError(`${f}.in`, `duplicates another route's in (${ik})`);
    if (outs.has(ok)) throw new SafConfigError(`${f}.out`, `duplicates another route's out (${ok})`);
    ins.add(ik);
    outs.add(ok);
    checkInt(`${f}.bufferBytes`, r.bufferBytes, MIN_BUFFER_BYTES, MAX_BUFFER_BYTES);
    if (r.qos !== undefined && r.qos !== 'realtime' && r.qos !== 'bulk') throw new SafConfigError(`${f}.qos`, `must be 'realtime' or 'bulk', got '${r.qos}'`);
    if (r.mode !== undefined && r.mode !== 'saf' && r.mode !== 'plain') throw new SafConfigError(`${f}.mode`, `must be 'saf' or 'plain', got '${r.mode}'`);
  });
  return c;
}
