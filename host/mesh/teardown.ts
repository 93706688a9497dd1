// Hop-by-hop Teardown on channel 0, repeated until the neighbour acknowledges it. Losing all
// repeats costs little: the neighbour's rule expires when idle anyway.
import type { Timers, TimerHandle } from './api.ts';
import { ControlMsg } from '../../spec/route-wire.ts';
import type { Control } from './control.ts';
import type { NeighbourState } from './state.ts';

/** Teardown is repeated this many times until acknowledged; idle expiry cleans up after that. */
const TEARDOWN_RETRIES = 3;

export class Teardowns {
  private readonly pending = new Map<string, { retries: number; timer: TimerHandle | undefined }>();

  constructor(
    private readonly timers: Timers,
    private readonly neighbour: (id: number) => NeighbourState | undefined,
    private readonly sendControl: (id: number, m: Control) => boolean,
    private readonly fallbackRtoMs: number,
  ) {}

  send(neighbour: number, routeId: number): void {
    const key = `${neighbour}:${routeId}`;
    if (this.pending.has(key) || !this.neighbour(neighbour)?.up) return;
    const entry: { retries: number; timer: TimerHandle | undefined } = { retries: 0, timer: undefined };
    const send = () => {
      this.sendControl(neighbour, { type: ControlMsg.Teardown, routeId });
      const n = this.neighbour(neighbour);
      const rto = n?.rtt.srtt !== undefined ? n.rtt.rto : this.fallbackRtoMs;
      entry.timer = this.timers.setTimeout(() => {
        if (this.pending.get(key) !== entry) return;
        if (entry.retries >= TEARDOWN_RETRIES || !this.neighbour(neighbour)?.up) return void this.pending.delete(key);
        entry.retries++;
        send();
      }, rto);
    };
    this.pending.set(key, entry);
    send();
  }

  acknowledged(neighbour: number, routeId: number): void {
    const key = `${neighbour}:${routeId}`;
    const t = this.pending.get(key);
    if (!t) return;
    if (t.timer !== undefined) this.timers.clearTimeout(t.timer);
    this.pending.delete(key);
  }

  close(): void {
    for (const t of this.pending.values()) if (t.timer !== undefined) this.timers.clearTimeout(t.timer);
    this.pending.clear();
  }
}
