// The cocotb-style scheduler: coroutines (async functions) wait on clock edges; simulated
// time advances only when every coroutine is waiting.
//
// Timing model, as in cocotb:
//   - `await risingEdge(clk)` resumes AT the edge: reads return the values the flip-flops
//     are about to sample (inputs and combinational outputs settled with the clock low);
//     writes made then take effect just after the edge, so they are sampled at the next one.
//   - `await fallingEdge(clk)` resumes after the clock falls: reads show the new register
//     values; writes take effect at once.
// The scheduler counts coroutines that are running (not waiting on a trigger). A trigger
// is registered when it is created, so always `await` it at once.

import type { Dut } from './dut.ts';

interface Waiter {
  remaining: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Cycles run between yields to Node's event loop, so timers (test timeouts) still fire. */
const CYCLES_PER_YIELD = 50_000;

export class Scheduler {
  /** Coroutines running now. The test body counts as one from the start. */
  private running = 1;
  private readonly rise: Waiter[] = [];
  private readonly fall: Waiter[] = [];
  /** Where the next advance() resumes within the current clock cycle. */
  private phase: 'low' | 'edge' | 'high' = 'low';
  private scheduled = false;
  private lastYield = 0;
  /** First error thrown by a started task; every later trigger rejects with it. */
  failure: unknown;
  /** True while coroutines resumed by a rising edge run: writes are deferred past the edge. */
  inEdge = false;
  /** Rising edges so far. */
  cycle = 0;

  constructor(
    private readonly dut: Dut,
    private readonly clkIndex: number,
  ) {}

  /** Registers a waiter for `cycles` rising (or falling) edges and returns its promise. */
  wait(edge: 'rise' | 'fall', cycles = 1): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      (edge === 'rise' ? this.rise : this.fall).push({ remaining: cycles, resolve, reject });
      this.block();
    });
  }

  /** A coroutine stopped running (waits on a trigger, or finished). */
  block(): void {
    this.running--;
    if (this.running === 0) this.kick();
  }

  /** A coroutine starts or resumes. */
  resume(): void {
    this.running++;
  }

  fail(e: unknown): void {
    if (this.failure === undefined) this.failure = e;
    for (const w of [...this.rise.splice(0), ...this.fall.splice(0)]) {
      this.running++;
      w.reject(e);
    }
  }

  private kick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const go = (): void => {
      this.scheduled = false;
      this.advance();
    };
    if (this.cycle - this.lastYield >= CYCLES_PER_YIELD) {
      this.lastYield = this.cycle;
      setImmediate(go);
    } else {
      queueMicrotask(go);
    }
  }

  /** Runs the clock until some waiter resumes (then returns; the next kick continues). */
  private advance(): void {
    if (this.running !== 0) return;
    const d = this.dut;
    for (;;) {
      if (this.rise.length === 0 && this.fall.length === 0) return; // nothing waits: time stands still
      if (this.phase === 'low') {
        d.native.half(d.handle, this.clkIndex, 0);
        d.dirty = false;
        this.phase = 'edge';
        if (this.release(this.fall)) return;
      }
      if (this.phase === 'edge') {
        if (d.dirty) d.settle();
        this.phase = 'high';
        this.inEdge = true;
        if (this.release(this.rise)) return;
      }
      // phase 'high': the rising edge itself, then the writes made at the edge.
      this.inEdge = false;
      d.native.half(d.handle, this.clkIndex, 1);
      this.cycle++;
      d.applyDeferred();
      this.phase = 'low';
      if (this.cycle - this.lastYield >= CYCLES_PER_YIELD) {
        this.kick();
        return;
      }
    }
  }

  /**
   * Called by the test body before a batch call: if it runs inside a rising-edge callback,
   * the edge is completed first (deferred writes land), so the batch starts from a clean
   * cycle boundary. Batch cycles are then added to the cycle count.
   */
  finishEdge(): void {
    if (this.phase !== 'high' || !this.inEdge) return;
    this.inEdge = false;
    this.dut.native.half(this.dut.handle, this.clkIndex, 1);
    this.cycle++;
    this.dut.applyDeferred();
    this.phase = 'low';
  }

  /** Accounts for cycles run by a batch call. */
  addCycles(n: number): void {
    this.cycle += n;
  }

  /** Counts one edge off every waiter in `list` and resumes those that are done. */
  private release(list: Waiter[]): boolean {
    if (list.length === 0) return false;
    let woke = 0;
    for (let i = 0; i < list.length; ) {
      const w = list[i]!;
      if (--w.remaining <= 0) {
        list[i] = list[list.length - 1]!;
        list.pop();
        this.running++;
        woke++;
        w.resolve();
      } else {
        i++;
      }
    }
    return woke > 0;
  }
}

/** A coroutine started beside others; `await task` (or task.join()) waits for it to finish. */
export class Task<T = void> implements PromiseLike<T> {
  private done = false;
  private result?: T;
  private error: unknown;
  private joiners: Array<{ resolve: (v: T) => void; reject: (e: unknown) => void }> = [];

  constructor(
    private readonly sched: Scheduler,
    body: () => Promise<T>,
  ) {
    sched.resume();
    body().then(
      (v) => this.finish(v, undefined),
      (e) => {
        sched.fail(e);
        this.finish(undefined, e ?? new Error('task failed'));
      },
    );
  }

  private finish(v: T | undefined, e: unknown): void {
    this.done = true;
    this.result = v;
    this.error = e;
    for (const j of this.joiners.splice(0)) {
      this.sched.resume();
      if (e !== undefined) j.reject(e);
      else j.resolve(v as T);
    }
    this.sched.block();
  }

  /** Waits for the task; counts as waiting on a trigger, so the clock keeps running meanwhile. */
  join(): Promise<T> {
    if (this.done) return this.error !== undefined ? Promise.reject(this.error) : Promise.resolve(this.result as T);
    return new Promise<T>((resolve, reject) => {
      this.joiners.push({ resolve, reject });
      this.sched.block();
    });
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): PromiseLike<R1 | R2> {
    return this.join().then(onFulfilled, onRejected);
  }

  get finished(): boolean {
    return this.done;
  }
}
