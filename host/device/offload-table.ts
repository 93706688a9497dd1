// The node's forwarding table when a forwarding plane carries some of its links: every rule
// lives in the software table (what the host answers lookups from, and forwards by for links
// the device does not carry), and a rule whose packets arrive from a device peer and leave to
// a device peer is also written to the device's route table (host/mesh's CamForwardingTable
// over host/table's manager, keyed by (ingress peer, route ID), each rule with a counter of
// its own). The device then forwards that route's packets without the host seeing them; the
// accounting reader (accounting.ts) brings its counts back to the rule.
//
// Local rules (deliveries here) stay in software: their packets reach the host anyway, already
// opened by the device. So do rules of store-and-forward hops, which deliver to the host.
// A device table that is full leaves the rule in software, where it still works.
import { SoftwareForwardingTable, type ForwardingTable, ForwardingTableFullError, type RouteAction } from '../mesh/forwarding.ts';
import { CamForwardingTable } from '../mesh/table-adapter.ts';
import { TableManager } from '../table/manager.ts';
import { HashGeometry } from '../../spec/route-table/geometry.ts';
import { routeKey, routeValueLayout, ROUTE_KEY_BITS, ROUTE_VALUE_BITS } from '../../spec/forwarding/route-key.ts';
import type { Device } from './device.ts';
import type { DeviceSequencer } from './sequencer.ts';

export interface OffloadOptions {
  /** The device peer a neighbour's link rides on, or undefined when the device does not carry it. */
  readonly peerOf: (neighbour: number) => number | undefined;
  /** Told before the route write of a rule that got a counter, and after the delete of one that had it. */
  readonly counters?: {
    assigned(routeId: number, counter: number): void;
    removed(routeId: number, counter: number): void;
  };
}

export class OffloadTable implements ForwardingTable {
  readonly software = new SoftwareForwardingTable();
  readonly cam: CamForwardingTable;
  readonly stats = { offloaded: 0, deviceFull: 0 };
  private installing: number | undefined;
  private readonly announced = new Set<number>();

  constructor(
    readonly device: Device,
    private readonly seq: DeviceSequencer,
    private readonly opts: OffloadOptions,
  ) {
    const p = device.params;
    const manager = new TableManager(new HashGeometry(p.routeEntries, p.routeWays, p.routeStash, ROUTE_KEY_BITS, ROUTE_VALUE_BITS), routeValueLayout(p));
    this.cam = new CamForwardingTable(
      manager,
      (cmds) => {
        // A new rule's counter baseline is read before its route is written (counts of the index's previous rule end there).
        const id = this.installing;
        const counter = id === undefined ? undefined : this.cam.counterOf(id);
        if (id !== undefined && counter !== undefined && !this.announced.has(id)) {
          this.announced.add(id);
          opts.counters?.assigned(id, counter);
        }
        this.seq.run(`route commands (${cmds.length})`, () => device.routeCommands(cmds));
      },
      {
        key: (id, from) => routeKey(from ?? 0, id),
        counters: p.ruleCounters,
        onRemove: (id, counter) => {
          this.announced.delete(id);
          if (opts.counters) opts.counters.removed(id, counter);
          else this.cam.releaseCounter(counter);
        },
      },
    );
  }

  install(routeId: number, action: RouteAction, from?: number): void {
    this.software.install(routeId, action, from);
    const inPeer = from === undefined ? undefined : this.opts.peerOf(from);
    const outPeer = action.kind === 'forward' ? this.opts.peerOf(action.port) : undefined;
    if (inPeer === undefined || outPeer === undefined || action.kind !== 'forward') {
      this.cam.remove(routeId);
      return;
    }
    this.installing = routeId;
    try {
      this.cam.install(routeId, { ...action, port: outPeer }, inPeer);
      this.stats.offloaded++;
    } catch (e) {
      if (!(e instanceof ForwardingTableFullError)) throw e;
      this.stats.deviceFull++;
    } finally {
      this.installing = undefined;
    }
  }

  remove(routeId: number): void {
    this.software.remove(routeId);
    this.cam.remove(routeId);
  }

  /** Writes every rule of the shadow table again: the device restarted with an empty table. */
  resync(): void {
    const cmds = [...this.cam.manager.entries()].map(([key, value, slot]) => ({ op: 'write' as const, slot, key, value }));
    if (cmds.length) this.seq.run(`rewrite ${cmds.length} routes`, () => this.device.routeCommands(cmds));
  }

  /** The rule is in the device's table (its packets do not reach the host). */
  onDevice(routeId: number): boolean {
    return this.cam.has(routeId);
  }

  lookup(routeId: number): RouteAction | undefined {
    return this.software.lookup(routeId);
  }
  has(routeId: number): boolean {
    return this.software.has(routeId);
  }
  get size(): number {
    return this.software.size;
  }
  get capacity(): number {
    return this.software.capacity;
  }
}
