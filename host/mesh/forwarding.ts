// The forwarding table the control plane installs rules into: route ID in -> forward to a
// port with the next route ID, or deliver locally to a channel. The software forwarder
// implements it now; the FPGA route table (host/table's manager) implements it later
// through an adapter (table-adapter.ts): the action has the same fields as host/table's
// value layout (valid, local, qos, port, arg), with numbers instead of bigints because route
// IDs are u32 here.
import { HOP_CHANNEL, MAX_ROUTE_ID } from '../../spec/route-wire.ts';

/** What a hit does. `port` is the neighbour id (0..255, the table's 8-bit port field). */
export type RouteAction =
  | { readonly kind: 'forward'; readonly port: number; readonly nextRoute: number; readonly qos: boolean }
  | { readonly kind: 'local'; readonly channel: number; readonly qos: boolean };

/**
 * What a rule does at this node. A forward names how the next hop runs: 'plain' (the packet
 * goes out once, as the forwarding plane sends it) or 'saf' (store-and-forward: buffered,
 * hop-acknowledged, resent by this node). The forwarding plane only forwards plainly, so the
 * table holds a store-and-forward rule as "deliver to the host" (channel HOP_CHANNEL), and the
 * host forwards it (tableAction).
 */
export type RuleAction =
  | { readonly kind: 'forward'; readonly port: number; readonly nextRoute: number; readonly qos: boolean; readonly hop: 'plain' | 'saf' }
  | { readonly kind: 'local'; readonly channel: number; readonly qos: boolean };

/** The form of a rule the forwarding table holds. */
export function tableAction(a: RuleAction): RouteAction {
  if (a.kind === 'local') return a;
  if (a.hop === 'saf') return { kind: 'local', channel: HOP_CHANNEL, qos: a.qos };
  return { kind: 'forward', port: a.port, nextRoute: a.nextRoute, qos: a.qos };
}

export interface ForwardingTable {
  /**
   * Inserts a rule, or replaces the rule of an ID already present (one update write). `from`
   * is the neighbour the rule's packets must arrive from: the software forwarder checks it
   * itself, a forwarding plane keys its table by it (spec/forwarding/route-key.ts).
   */
  install(routeId: number, action: RouteAction, from?: number): void;
  /** Removes a rule; removing an absent ID is a no-op. */
  remove(routeId: number): void;
  lookup(routeId: number): RouteAction | undefined;
  has(routeId: number): boolean;
  readonly size: number;
  /** Rules the table can hold; install throws TableFullError beyond it. */
  readonly capacity: number;
}

export class ForwardingTableFullError extends Error {
  constructor(capacity: number) {
    super(`forwarding table full (${capacity} rules)`);
    this.name = 'ForwardingTableFullError';
  }
}

/** Largest port number: the route table's port field is 8 bits wide. */
export const MAX_PORT = 255;

export function checkRouteAction(routeId: number, a: RouteAction): void {
  // Programming errors (the control plane builds these), not wire input.
  if (!Number.isInteger(routeId) || routeId < 1 || routeId > MAX_ROUTE_ID) throw new RangeError(`route ID ${routeId} out of range`);
  if (a.kind === 'forward') {
    if (!Number.isInteger(a.port) || a.port < 0 || a.port > MAX_PORT) throw new RangeError(`port ${a.port} out of range`);
    if (!Number.isInteger(a.nextRoute) || a.nextRoute < 1 || a.nextRoute > MAX_ROUTE_ID) throw new RangeError(`next route ${a.nextRoute} out of range`);
  } else if (!Number.isInteger(a.channel) || a.channel < 0 || a.channel > 0xffff) throw new RangeError(`channel ${a.channel} out of range`);
}

/** The software forwarding table: a hash map, bounded like the hardware one. */
export class SoftwareForwardingTable implements ForwardingTable {
  private readonly rules = new Map<number, RouteAction>();

  constructor(readonly capacity = 65_536) {}

  /** `from` is checked by the node itself (the rule book), not by this table. */
  install(routeId: number, action: RouteAction, _from?: number): void {
    checkRouteAction(routeId, action);
    if (!this.rules.has(routeId) && this.rules.size >= this.capacity) throw new ForwardingTableFullError(this.capacity);
    this.rules.set(routeId, action);
  }

  remove(routeId: number): void {
    this.rules.delete(routeId);
  }

  lookup(routeId: number): RouteAction | undefined {
    return this.rules.get(routeId);
  }

  has(routeId: number): boolean {
    return this.rules.has(routeId);
  }

  get size(): number {
    return this.rules.size;
  }
}
