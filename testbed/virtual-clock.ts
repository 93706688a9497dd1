// A virtual clock: the Timers of host/mesh whose time only moves when its owner runs it, so
// a simulation is deterministic and runs as fast as the CPU. Every in-process simulator
// (meshes, store-and-forward chains) schedules its events on it.
import type { TimerHandle, Timers } from '../host/mesh/api.ts';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A virtual clock shared by every node of an in-process mesh. Events at the same time run
 * in the order they were scheduled, so a run is reproducible from its seed.
 */
export class VirtualClock implements Timers {
  private time = 0;
  private seq = 0;
  /** Binary min-heap on (at, seq). */
  private readonly heap: Pending[] = [];
  /** Events run so far (a measure of simulation work). */
  events = 0;

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const p: Pending = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.push(p);
    return p;
  }

  /** After the current event at the same virtual time (so a simulation driven by runUntil alone needs no promise turns). */
  defer(fn: () => void): void {
    this.setTimeout(fn, 0);
  }

  clearTimeout(handle: TimerHandle): void {
    (handle as Pending).cancelled = true;
  }

  /** Runs every event due up to `until` (inclusive); time ends at `until`. */
  runUntil(until: number): void {
    for (;;) {
      const top = this.heap[0];
      if (!top || top.at > until) break;
      this.pop();
      if (top.cancelled) continue;
      this.time = Math.max(this.time, top.at);
      this.events++;
      top.fn();
    }
    this.time = Math.max(this.time, until);
  }

  /** Runs one event; false when none is pending. */
  step(): boolean {
    for (;;) {
      const top = this.heap[0];
      if (!top) return false;
      this.pop();
      if (top.cancelled) continue;
      this.time = Math.max(this.time, top.at);
      this.events++;
      top.fn();
      return true;
    }
  }

  /** Time of the next pending event (Infinity when none). */
  nextAt(): number {
    while (this.heap[0]?.cancelled) this.pop();
    return this.heap[0]?.at ?? Infinity;
  }

  private less(a: Pending, b: Pending): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(p: Pending): void {
    const h = this.heap;
    h.push(p);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l], h[m])) m = l;
      if (r < h.length && this.less(h[r], h[m])) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}
