// The FPGA route table behind the ForwardingTable interface: rules go through host/table's
// manager, which keeps the shadow copy and turns each change into CAM management commands
// (in an order that keeps every lookup consistent) for the device driver to write. Lookups
// answer from the shadow copy, which is what the hardware holds once the commands are written.
//
// A table's key is the route ID alone by default; the forwarding plane keys by (ingress peer,
// route ID) so a packet from the wrong neighbour misses as it does in software (`key`). With
// `counters` every rule gets a traffic-counter index of its own, carried in the value, which
// the accounting reader reads (host/device/accounting.ts); an index is reused only after its
// rule is gone.
import type { CamCommand } from '../../spec/route-table/geometry.ts';
import type { RouteAction as CamAction } from '../../spec/route-table/layout.ts';
import { TableFullError, type TableManager } from '../table/manager.ts';
import { checkRouteAction, ForwardingTableFullError, type ForwardingTable, type RouteAction } from './forwarding.ts';

export interface CamTableOptions {
  /** The table key of a rule (default: the route ID). `from` is the neighbour its packets arrive from. */
  readonly key?: (routeId: number, from: number | undefined) => bigint;
  /** Rule counters in the plane: each rule is given one (default: none). */
  readonly counters?: number;
  /**
   * Told when a rule with a counter is removed (its delete commands written). It gives the
   * index back with releaseCounter once the last count is read; without it the index is free at once.
   */
  readonly onRemove?: (routeId: number, counter: number) => void;
}

function toCam(a: RouteAction, counter: number | undefined): CamAction {
  const c = counter === undefined ? {} : { counter };
  return a.kind === 'forward'
    ? { kind: 'forward', port: a.port, nextRoute: BigInt(a.nextRoute), qos: a.qos, ...c }
    : { kind: 'local', channel: BigInt(a.channel), qos: a.qos, ...c };
}

function fromCam(a: CamAction): RouteAction {
  return a.kind === 'forward' ? { kind: 'forward', port: a.port, nextRoute: Number(a.nextRoute), qos: a.qos } : { kind: 'local', channel: Number(a.channel), qos: a.qos };
}

export class CamForwardingTable implements ForwardingTable {
  /** Table key and counter index of every rule, by route ID. */
  private readonly rules = new Map<number, { key: bigint; counter?: number }>();
  private readonly freeCounters: number[];

  constructor(
    readonly manager: TableManager,
    /** Writes commands to the device (or a model of it), in order. */
    private readonly write: (commands: CamCommand[]) => void,
    private readonly opts: CamTableOptions = {},
  ) {
    this.freeCounters = Array.from({ length: opts.counters ?? 0 }, (_, i) => (opts.counters ?? 0) - 1 - i);
  }

  install(routeId: number, action: RouteAction, from?: number): void {
    checkRouteAction(routeId, action);
    const old = this.rules.get(routeId);
    const key = this.opts.key ? this.opts.key(routeId, from) : BigInt(routeId);
    if (old && old.key !== key) this.remove(routeId); // the rule moved to another ingress
    const had = this.rules.get(routeId);
    const counting = this.opts.counters !== undefined;
    if (!had && counting && this.freeCounters.length === 0) throw new ForwardingTableFullError(this.capacity);
    const counter = had ? had.counter : counting ? this.freeCounters.pop() : undefined;
    let cmds: CamCommand[];
    try {
      cmds = had ? this.manager.updateRoute(key, toCam(action, counter)) : this.manager.insertRoute(key, toCam(action, counter));
    } catch (e) {
      if (!had && counter !== undefined) this.freeCounters.push(counter);
      if (e instanceof TableFullError) throw new ForwardingTableFullError(this.capacity);
      throw e;
    }
    this.rules.set(routeId, { key, ...(counter === undefined ? {} : { counter }) });
    this.write(cmds);
  }

  remove(routeId: number): void {
    const r = this.rules.get(routeId);
    if (!r) return;
    this.rules.delete(routeId);
    this.write(this.manager.delete(r.key));
    if (r.counter === undefined) return;
    if (this.opts.onRemove) this.opts.onRemove(routeId, r.counter);
    else this.freeCounters.push(r.counter);
  }

  /** Gives a removed rule's counter index back, once its last count has been read. */
  releaseCounter(counter: number): void {
    this.freeCounters.push(counter);
  }

  /** The counter index of a rule (undefined without counters or rule). */
  counterOf(routeId: number): number | undefined {
    return this.rules.get(routeId)?.counter;
  }

  lookup(routeId: number): RouteAction | undefined {
    const r = this.rules.get(routeId);
    const a = r && this.manager.route(r.key);
    return a && fromCam(a);
  }

  has(routeId: number): boolean {
    return this.rules.has(routeId);
  }

  get size(): number {
    return this.manager.size;
  }

  get capacity(): number {
    return Math.min(this.manager.geometry.capacity, this.opts.counters ?? Infinity);
  }
}
