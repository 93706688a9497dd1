// The node's Timers on the process's real clock. Simulations use testbed/virtual-clock.ts,
// whose time moves only when its owner runs it.
import type { Timers } from './api.ts';

/** Real timers on performance.now(); unref'd so a node never keeps a process alive by itself. */
export const realTimers: Timers = {
  now: () => performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
  defer: (fn) => queueMicrotask(fn),
};
