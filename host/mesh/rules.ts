// The rules this node installed, each with its accounting: the table decides what a route ID
// does; this book remembers who may use it (the neighbour it arrives from), what it cost
// (bytes and packets, the record the payment protocol settles from) and when it was last
// used (idle expiry). A removed rule's final counters are kept as a settled record (bounded,
// until collected), so teardown or expiry does not erase what a route owes. Route IDs are
// allocated here, at random, so an ID says nothing about how many routes a node carries.
import type { RuleInfo, SettledRule, SettleReason } from './api.ts';
import { SETTLED_RECORDS_KEPT } from './constants.ts';
import { MAX_ROUTE_ID } from '../../spec/route-wire.ts';
import { tableAction, type ForwardingTable, type RuleAction } from './forwarding.ts';

export interface Rule {
  readonly routeId: number;
  /** The neighbour packets with this ID must arrive from. */
  readonly from: number;
  action: RuleAction;
  bytes: number;
  packets: number;
  lastUsed: number;
  readonly installedAt: number;
  /** Whatever owns the rule (a relay hop, a route end, a source route). */
  owner: unknown;
}

export class RuleBook {
  private readonly rules = new Map<number, Rule>();
  private settledRecords: SettledRule[] = [];
  /** Settled records dropped (oldest first) because nobody collected them in time. */
  settledDropped = 0;

  constructor(
    readonly table: ForwardingTable,
    private readonly random: (n: number) => Uint8Array,
    private readonly now: () => number,
    private readonly settledKept = SETTLED_RECORDS_KEPT,
    /** Told of every rule removed (its store-and-forward lanes close). */
    private readonly onRemove: (rule: Rule) => void = () => undefined,
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
  install(routeId: number, from: number, action: RuleAction, owner: unknown, now: number): Rule {
    this.table.install(routeId, tableAction(action), from);
    const rule: Rule = { routeId, from, action, bytes: 0, packets: 0, lastUsed: now, installedAt: now, owner };
    this.rules.set(routeId, rule);
    return rule;
  }

  /** Rewrites a rule's action (tail becoming relay): one table update, counters kept. */
  update(rule: Rule, action: RuleAction): void {
    this.table.install(rule.routeId, tableAction(action), rule.from);
    rule.action = action;
  }

  /** Removes a rule and settles its accounting. */
  remove(routeId: number, reason: SettleReason): void {
    const rule = this.rules.get(routeId);
    if (!rule) return;
    this.rules.delete(routeId);
    this.table.remove(routeId);
    this.onRemove(rule);
    const a = rule.action;
    this.settledRecords.push({
      routeId,
      from: rule.from,
      ...(a.kind === 'forward' ? { to: a.port, nextRoute: a.nextRoute } : {}),
      bytes: rule.bytes,
      packets: rule.packets,
      startedAt: rule.installedAt,
      endedAt: this.now(),
      reason,
    });
    const over = this.settledRecords.length - this.settledKept;
    if (over > 0) {
      this.settledRecords.splice(0, over);
      this.settledDropped += over;
    }
  }

  /** Settled records not yet collected, oldest first. */
  settled(): SettledRule[] {
    return this.settledRecords.map((r) => ({ ...r }));
  }

  /** Hands over the settled records and forgets them (the payment protocol collected them). */
  takeSettled(): SettledRule[] {
    const out = this.settledRecords;
    this.settledRecords = [];
    return out;
  }

  /**
   * Counts traffic a forwarding plane carried for a rule (its device counters' difference
   * since the last read). A rule already removed has its settled record amended, while that
   * record waits uncollected; otherwise the counts are reported as late (false).
   */
  credit(routeId: number, bytes: number, packets: number, now: number): boolean {
    const rule = this.rules.get(routeId);
    if (rule) {
      rule.bytes += bytes;
      rule.packets += packets;
      if (packets > 0) rule.lastUsed = now;
      return true;
    }
    for (let i = this.settledRecords.length - 1; i >= 0; i--) {
      const r = this.settledRecords[i]!;
      if (r.routeId !== routeId) continue;
      this.settledRecords[i] = { ...r, bytes: r.bytes + bytes, packets: r.packets + packets };
      return true;
    }
    return false;
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
