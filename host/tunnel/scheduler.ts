// Which route each packet of a tunnel takes. Packets of one flow (protocol, addresses, ports)
// stay on one route, so a TCP flow that fits a route is never reordered into spurious
// retransmissions; flows are spread over the routes by capacity. A new flow goes where the
// bulk flows already there would leave it the largest share (capacity / (flows + 1)); once a
// second, a flow moves when it would get a clearly larger share elsewhere (at most one move
// a second, and a flow at most once per FLOW_MOVE_HOLD_MS, so TCP sees at most a brief
// reordering when the mix of flows changes). A route that fails or falls silent loses its
// flows to the others at once.

/** A flow that sent nothing for this long no longer counts (and is forgotten after FLOW_FORGET_MS). */
export const FLOW_ACTIVE_MS = 2000;
export const FLOW_FORGET_MS = 30_000;
/** A young flow counts as bulk until its first rate window is complete. */
export const FLOW_YOUNG_MS = 1000;
/** A flow below this fraction of its route's capacity is light (DNS, ping, a control connection) and not counted. */
export const LIGHT_FLOW_FRACTION = 0.02;
/** A flow moves only when the share it gets elsewhere beats its share here by this factor... */
export const MOVE_GAIN = 1.2;
/** ...and not again for this long. */
export const FLOW_MOVE_HOLD_MS = 10_000;
const RATE_WINDOW_MS = 1000;

interface Flow {
  key: number;
  route: number;
  firstSeen: number;
  lastSeen: number;
  windowStart: number;
  windowBytes: number;
  /** Bytes per second, smoothed over rate windows. */
  rate: number;
  movedAt: number;
}

interface Slot {
  id: number;
  /** Bytes per second. */
  capacity: number;
  usable: boolean;
  flows: Set<Flow>;
}

export interface ScheduledRoute {
  id: number;
  capacity: number;
  usable: boolean;
  flows: number;
  bulkFlows: number;
  /** Sum of its flows' rates, bytes per second. */
  demand: number;
}

export class FlowScheduler {
  private readonly slots = new Map<number, Slot>();
  private readonly flows = new Map<number, Flow>();
  moves = 0;
  failovers = 0;

  /** Adds a route or updates its capacity (bytes per second, > 0). */
  setRoute(id: number, capacity: number): void {
    const c = Number.isFinite(capacity) && capacity > 0 ? capacity : 1;
    const s = this.slots.get(id);
    if (s) s.capacity = c;
    else this.slots.set(id, { id, capacity: c, usable: true, flows: new Set() });
  }

  hasRoute(id: number): boolean {
    return this.slots.has(id);
  }

  routeIds(): number[] {
    return [...this.slots.keys()];
  }

  /** A silent route stops taking flows (they move) until it is heard again. */
  setUsable(id: number, usable: boolean, now: number): void {
    const s = this.slots.get(id);
    if (s && s.usable !== usable) {
      s.usable = usable;
      if (!usable) this.evacuate(s, now);
    }
  }

  isUsable(id: number): boolean {
    return this.slots.get(id)?.usable ?? false;
  }

  removeRoute(id: number, now: number): void {
    const s = this.slots.get(id);
    if (!s) return;
    this.slots.delete(id);
    this.evacuate(s, now);
  }

  private evacuate(s: Slot, now: number): void {
    // Moved at once, so the next packet of each flow already goes the new way.
    for (const f of [...s.flows]) {
      s.flows.delete(f);
      const to = this.choose(now, f);
      if (to === undefined) {
        this.flows.delete(f.key);
        continue;
      }
      // Not held after a failover: when a route comes back, flows may spread out again.
      f.route = to.id;
      to.flows.add(f);
      this.failovers++;
    }
  }

  private bulk(f: Flow, s: Slot, now: number): boolean {
    if (now - f.lastSeen > FLOW_ACTIVE_MS) return false;
    return now - f.firstSeen < FLOW_YOUNG_MS || f.rate >= LIGHT_FLOW_FRACTION * s.capacity;
  }

  private bulkCount(s: Slot, now: number, except?: Flow): number {
    let n = 0;
    for (const f of s.flows) if (f !== except && this.bulk(f, s, now)) n++;
    return n;
  }

  /** The route leaving a new flow the largest share; usable routes first. */
  private choose(now: number, f?: Flow): Slot | undefined {
    const all = [...this.slots.values()];
    const usable = all.filter((s) => s.usable);
    let best: Slot | undefined;
    let bestShare = -1;
    for (const s of usable.length ? usable : all) {
      const share = s.capacity / (this.bulkCount(s, now, f) + 1);
      if (share > bestShare || (share === bestShare && best && s.capacity > best.capacity)) {
        best = s;
        bestShare = share;
      }
    }
    return best;
  }

  /** The route for a packet of flow `key` with `bytes`; undefined when there is no route. */
  pick(key: number, bytes: number, now: number): number | undefined {
    let f = this.flows.get(key);
    let s = f ? this.slots.get(f.route) : undefined;
    if (!f || !s || !s.usable) {
      const to = this.choose(now, f);
      if (!to) return undefined;
      if (!f) {
        f = { key, route: to.id, firstSeen: now, lastSeen: now, windowStart: now, windowBytes: 0, rate: 0, movedAt: -Infinity };
        this.flows.set(key, f);
      } else if (to !== s) {
        s?.flows.delete(f);
        f.route = to.id;
        // A flow whose route went away is a failover; one that only sat on a silent route moves too.
        this.failovers++;
      }
      s = to;
      s.flows.add(f);
    }
    if (now - f.windowStart >= RATE_WINDOW_MS) {
      const r = (f.windowBytes * 1000) / (now - f.windowStart);
      // A window after a pause starts the rate afresh.
      f.rate = now - f.lastSeen > RATE_WINDOW_MS ? r : 0.5 * f.rate + 0.5 * r;
      f.windowStart = now;
      f.windowBytes = 0;
    }
    f.windowBytes += bytes;
    f.lastSeen = now;
    return s.id;
  }

  /**
   * Moves at most one bulk flow to a route where its share would be MOVE_GAIN times larger;
   * forgets flows idle for FLOW_FORGET_MS. Call about once a second. Returns whether a flow moved.
   */
  rebalance(now: number): boolean {
    for (const f of [...this.flows.values()]) {
      if (now - f.lastSeen > FLOW_FORGET_MS) {
        this.flows.delete(f.key);
        this.slots.get(f.route)?.flows.delete(f);
      }
    }
    const usable = [...this.slots.values()].filter((s) => s.usable);
    let move: { f: Flow; from: Slot; to: Slot; gain: number } | undefined;
    for (const from of usable) {
      const n = this.bulkCount(from, now);
      if (n < 2) continue;
      const here = from.capacity / n;
      for (const to of usable) {
        if (to === from) continue;
        const there = to.capacity / (this.bulkCount(to, now) + 1);
        const gain = there / here;
        if (gain < MOVE_GAIN || (move && gain <= move.gain)) continue;
        const candidates = [...from.flows].filter((f) => this.bulk(f, from, now) && now - f.movedAt >= FLOW_MOVE_HOLD_MS);
        if (!candidates.length) continue;
        // The flow whose move changes least (the lightest bulk flow).
        const f = candidates.reduce((a, b) => (b.rate < a.rate ? b : a));
        move = { f, from, to, gain };
      }
    }
    if (!move) return false;
    move.from.flows.delete(move.f);
    move.to.flows.add(move.f);
    move.f.route = move.to.id;
    move.f.movedAt = now;
    this.moves++;
    return true;
  }

  status(now: number): ScheduledRoute[] {
    return [...this.slots.values()].map((s) => ({
      id: s.id,
      capacity: s.capacity,
      usable: s.usable,
      flows: [...s.flows].filter((f) => now - f.lastSeen <= FLOW_ACTIVE_MS).length,
      bulkFlows: this.bulkCount(s, now),
      demand: [...s.flows].reduce((t, f) => t + (now - f.lastSeen <= FLOW_ACTIVE_MS ? f.rate : 0), 0),
    }));
  }
}
