// The rules this node installed, each with its accounting: the table decides what a route ID
// does; this book remembers who may use it (the neighbour it arrives from), what it cost
// (bytes and packets, the record the payment protocol settles from) and when it was last
// used (idle expiry). Route IDs are allocated here, at random, so an ID says nothing about
// how many routes a node carries.
import type { RuleInfo } from './api.ts';
import { MAX_ROUTE_ID } from './constants.ts';
import type { ForwardingTable, RouteAction } from './forwarding.ts';

export interface Rule {
  readonly routeId: number;
  /** The neighbour packets with this ID must arrive from. */
  readonly from: number;
  action: RouteAction;
  bytes: number;
  packets: number;
  lastUsed: number;
  /** Whatever owns the rule (a relay hop, a route end, a source route). */
  owner: unknown;
}

export class RuleBook {
  private readonly rules = new Map<number, Rule>();

  constructor(
    readonly table: ForwardingTable,
    private readonly random: (n: number) => Uint8Array,
  ) {}

  /** A fresh non-zero route ID not in use here. */
  allocateId(): number {
    for (;;) {
      const b = this.random(4);
      const id = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
      if (id !== 0 && id <= MAX_ROUTE_ID && !this.rules.has(id) && !this.table.has(id)) return id;
    }
  }

  /** Installs a rule (throws ForwardingTableFullError when the table is full). */
  install(routeId: number, from: number, action: RouteAction, owner: unknown, now: number): Rule {
    this.table.install(routeId, action);
    const rule: Rule = { routeId, from, action, bytes: 0, packets: 0, lastUsed: now, owner };
    this.rules.set(routeId, rule);
    return rule;
  }

  /** Rewrites a rule's action (tail becoming relay): one table update, counters kept. */
  update(rule: Rule, action: RouteAction): void {
    this.table.install(rule.routeId, action);
    rule.action = action;
  }

  remove(routeId: number): void {
    if (!this.rules.delete(routeId)) return;
    this.table.remove(routeId);
  }

  get(routeId: number): Rule | undefined {
    return this.rules.get(routeId);
  }

  /** Counts one packet against a rule. */
  account(rule: Rule, bytes: number, now: number): void {
    rule.bytes += bytes;
    rule.packets++;
    rule.lastUsed = now;
  }

  all(): IterableIterator<Rule> {
    return this.rules.values();
  }

  get size(): number {
    return this.rules.size;
  }

  info(now: number): RuleInfo[] {
    return [...this.rules.values()].map((r) => ({ routeId: r.routeId, from: r.from, action: r.action, bytes: r.bytes, packets: r.packets, idleMs: now - r.lastUsed }));
  }
}
