// One end's view of a tunnel's routes, the same at the client and at the gateway: a meter
// per route, Reports to the far end, a route that falls silent taken out of the schedule
// (and back when heard), capacities fed to the flow scheduler, and the send path: flow,
// route, sequence number, datagram.
import type { RouteCarrier } from './carrier.ts';
import { RouteMeter, type RouteMeasure } from './meter.ts';
import { FlowScheduler } from './scheduler.ts';
import { flowKey } from './ipv4.ts';
import { encodePacket, encodeTunnel, type TunnelMessage, type TunnelMsg } from './wire.ts';

/** Each end reports on each route this often (and so keeps it alive and measured). */
export const REPORT_MS = 250;
/** A route heard from not at all for this long takes no new packets until it is heard again. */
export const STALE_MS = 1500;
/** Flows are rebalanced this often. */
export const REBALANCE_MS = 1000;
/** Capacity of a route nothing is known about yet, bytes/s (1 Mb/s). */
export const DEFAULT_CAPACITY = 125_000;

interface Entry {
  meter: RouteMeter;
  /** Capacity discovery reported for the path, bytes/s (0: unknown). */
  hint: number;
}

export interface TunnelRouteStatus extends RouteMeasure {
  id: number;
  usable: boolean;
  capacity: number;
  flows: number;
  bulkFlows: number;
}

export class TunnelRoutes {
  readonly sched = new FlowScheduler();
  private readonly entries = new Map<number, Entry>();
  private lastRebalance = 0;
  /** Packets that found no route (none up). */
  noRoute = 0;
  /** Sends the route layer refused. */
  sendFailures = 0;

  constructor(private readonly carrier: RouteCarrier) {}

  add(end: number, hint: number, now: number): void {
    if (this.entries.has(end)) return;
    this.entries.set(end, { meter: new RouteMeter(now), hint: Number.isFinite(hint) && hint > 0 ? hint : 0 });
    this.sched.setRoute(end, this.capacity(end));
  }

  remove(end: number, now: number): boolean {
    if (!this.entries.delete(end)) return false;
    this.sched.removeRoute(end, now);
    return true;
  }

  has(end: number): boolean {
    return this.entries.has(end);
  }

  get size(): number {
    return this.entries.size;
  }

  ends(): number[] {
    return [...this.entries.keys()];
  }

  meter(end: number): RouteMeter | undefined {
    return this.entries.get(end)?.meter;
  }

  private capacity(end: number): number {
    const e = this.entries.get(end)!;
    const known = Math.max(e.hint, e.meter.measure(e.meter.lastHeard).peakDelivered);
    if (known > 0) return known;
    // Nothing known: as good as the best route we know of, so it gets its share and is measured.
    let best = 0;
    for (const [id, o] of this.entries) if (id !== end) best = Math.max(best, o.hint);
    return best || DEFAULT_CAPACITY;
  }

  /** Sends one inner packet on its flow's route; false when no route took it. */
  send(packet: Uint8Array, now: number): boolean {
    const end = this.sched.pick(flowKey(packet), packet.length, now);
    if (end === undefined) {
      this.noRoute++;
      return false;
    }
    const m = this.entries.get(end)!.meter;
    const msg = encodePacket(m.nextSeq(), packet);
    if (!this.carrier.send(end, msg, false)) {
      this.sendFailures++;
      return false;
    }
    m.sent(msg.length);
    return true;
  }

  /** A Packet arrived on `end` (the caller checks and delivers its inner packet). */
  received(end: number, seq: number, bytes: number, now: number): void {
    this.entries.get(end)?.meter.received(seq, bytes, now);
  }

  heard(end: number, now: number): void {
    this.entries.get(end)?.meter.heard(now);
    if (this.entries.has(end) && !this.sched.isUsable(end)) this.sched.setUsable(end, true, now);
  }

  onReport(end: number, m: Extract<TunnelMessage, { type: typeof TunnelMsg.Report }>, now: number): void {
    const e = this.entries.get(end);
    if (!e) return;
    e.meter.onReport(m, now);
    this.heard(end, now);
  }

  /** Reports on every route, capacities to the scheduler, silent routes out, rebalancing. */
  tick(now: number, expectsReply: boolean): void {
    for (const [end, e] of this.entries) {
      this.carrier.send(end, encodeTunnel(e.meter.report(now)), expectsReply);
      this.sched.setRoute(end, this.capacity(end));
      if (now - e.meter.lastHeard > STALE_MS) this.sched.setUsable(end, false, now);
    }
    if (now - this.lastRebalance >= REBALANCE_MS) {
      this.lastRebalance = now;
      this.sched.rebalance(now);
    }
  }

  status(now: number): TunnelRouteStatus[] {
    const sched = new Map(this.sched.status(now).map((s) => [s.id, s]));
    return [...this.entries].map(([id, e]) => {
      const s = sched.get(id);
      return { id, usable: s?.usable ?? false, capacity: s?.capacity ?? 0, flows: s?.flows ?? 0, bulkFlows: s?.bulkFlows ?? 0, ...e.meter.measure(now) };
    });
  }
}
