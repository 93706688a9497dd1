// The cocotb timing model on a counter: reads at a rising edge show what the flops sample,
// writes made there land after the edge, falling edges show new register values, tasks
// run side by side and a failing task fails the test.
import { beforeEach, describe, expect, it } from 'vitest';
import { type SimDut, clockCycles, cycleOf, fallingEdge, risingEdge, simulate, start } from '../../sim/index.ts';
import { counter } from '../fixtures/designs.ts';

describe('scheduler', () => {
  let dut: SimDut;
  beforeEach(async () => {
    dut = await simulate(counter(16));
    dut.rst.value = 1;
    dut.en.value = 0;
    await risingEdge(dut.clk);
    dut.rst.value = 0;
    await risingEdge(dut.clk);
  });

  it('shows pre-edge values at a rising edge and applies writes after it', async () => {
    expect(dut.count.value).toBe(0);
    dut.en.value = 1; // made at an edge: sampled at the next edge, not this one
    await risingEdge(dut.clk);
    expect(dut.count.value).toBe(0); // the flops now sample en = 1 for the first time
    await risingEdge(dut.clk);
    expect(dut.count.value).toBe(1);
    await fallingEdge(dut.clk);
    expect(dut.count.value).toBe(2); // after the edge: the register's new value
    expect(dut.count_next.value).toBe(3); // combinational, settled
  });

  it('waits whole cycles with clockCycles and counts them', async () => {
    const c0 = cycleOf(dut.clk);
    dut.en.value = 1;
    await clockCycles(dut.clk, 100);
    expect(cycleOf(dut.clk) - c0).toBe(100);
    expect(dut.count.value).toBe(99);
  });

  it('runs started tasks side by side and joins them', async () => {
    const seen: number[] = [];
    const watcher = start(dut.clk, async () => {
      for (let i = 0; i < 5; i++) {
        await risingEdge(dut.clk);
        seen.push(dut.count.value as number);
      }
      return 'watched';
    });
    const driver = start(dut.clk, async () => {
      dut.en.value = 1;
      await clockCycles(dut.clk, 3);
      dut.en.value = 0;
    });
    await driver;
    expect(await watcher).toBe('watched');
    // en = 1 is written at edge 0 and sampled at edges 1, 2 and 3; en = 0 written at edge 3
    // is first sampled at edge 4. The watcher reads pre-edge values at edges 1..5.
    expect(seen).toEqual([0, 1, 2, 3, 3]);
  });

  it('fails the test when a started task throws', async () => {
    start(dut.clk, async () => {
      await clockCycles(dut.clk, 3);
      throw new Error('monitor saw a bad value');
    });
    await expect(clockCycles(dut.clk, 10)).rejects.toThrow('monitor saw a bad value');
  });

  it('lets timers fire during long runs (the event loop is not starved)', async () => {
    let fired = false;
    setTimeout(() => (fired = true), 0);
    dut.en.value = 1;
    for (let i = 0; i < 200_000 && !fired; i++) await risingEdge(dut.clk);
    expect(fired).toBe(true);
  });

  it('rejects a bad cycle count and an edge on a non-clock port', async () => {
    expect(() => clockCycles(dut.clk, 0)).toThrow(/positive whole number/);
    expect(() => risingEdge(dut.en)).toThrow(/edges are available on the clock port only \(clk\)/);
  });
});
