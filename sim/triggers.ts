// Triggers and task starting, the cocotb vocabulary: await risingEdge(dut.clk),
// await clockCycles(dut.clk, 10), start(async () => { ... }).

import type { Signal } from './dut.ts';
import { Task } from './scheduler.ts';

/** Resumes at the next rising edge of the clock (reads show what the flops sample). */
export function risingEdge(clk: Signal): Promise<void> {
  return clk.dut.scheduler(clk).wait('rise');
}

/** Resumes after the next falling edge (reads show the registers' new values). */
export function fallingEdge(clk: Signal): Promise<void> {
  return clk.dut.scheduler(clk).wait('fall');
}

/** Resumes at the n-th rising edge from now, without waking in between. */
export function clockCycles(clk: Signal, n: number): Promise<void> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`clockCycles: ${n} is not a positive whole number of cycles`);
  return clk.dut.scheduler(clk).wait('rise', n);
}

/** Starts a coroutine beside the caller; `await` the returned task to wait for it. */
export function start<T>(clk: Signal, body: () => Promise<T>): Task<T> {
  return new Task(clk.dut.scheduler(clk), body);
}

/** The number of rising edges simulated so far. */
export function cycleOf(clk: Signal): number {
  return clk.dut.scheduler(clk).cycle;
}
