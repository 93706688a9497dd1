// The fixed delay line in every memory style: what goes in at cycle t comes out at t + delay,
// every cycle, and a reset leaves no valid word in flight. And the ECP5 read-ahead FIFO
// (block RAM with its output register) against a queue.
import { describe, expect, it } from 'vitest';
import { delayLine } from '../../rtl-gen/lib/delay-line.ts';
import { fifo } from '../../rtl-gen/lib/fifo.ts';
import { lintDesign } from '../../rtl-gen/lint.ts';
import { Rng, runCycles, simulate } from '../../sim/index.ts';

describe.each([
  { width: 9, delay: 1, ram: 'logic' },
  { width: 20, delay: 5, ram: 'logic' },
  { width: 36, delay: 3, ram: 'lut' },
  { width: 37, delay: 23, ram: 'lut' },
  { width: 16, delay: 17, ram: 'block' },
  { width: 40, delay: 5, ram: 'ecp5' },
  { width: 40, delay: 82, ram: 'ecp5' },
])('delay line %o', (cfg) => {
  it('delivers every word exactly `delay` cycles later, and nothing from before a reset', async () => {
    const dut = await simulate(delayLine(cfg));
    dut.rst.value = 1;
    dut.tick(2);
    dut.rst.value = 0;
    const rng = new Rng(cfg.delay * 100 + cfg.width);
    const n = 3000;
    const resetAt = 1500;
    const dValid = Array.from({ length: n }, () => (rng.next() < 0.7 ? 1 : 0));
    const d = Array.from({ length: n }, () => rng.bits(cfg.width));
    const rst = Array.from({ length: n }, (_, i) => (i === resetAt ? 1 : 0));
    const out = runCycles(dut, { inputs: { rst, d_valid: dValid, d }, outputs: ['q_valid', 'q'], cycles: n });
    for (let c = cfg.delay; c < n; c++) {
      const src = c - cfg.delay;
      // Words entered before the reset edge (at cycle resetAt) never come out.
      const want = src <= resetAt && c > resetAt ? 0 : dValid[src]!;
      expect(out.q_valid![c], `cycle ${c}`).toBe(want);
      if (want) expect(BigInt(out.q![c]!), `cycle ${c}`).toBe(d[src]!);
    }
  });

  it('lints clean', () => {
    for (const r of lintDesign(delayLine(cfg))) expect(r, r.output).toMatchObject({ ok: true });
  });
});

describe('delay line parameters', () => {
  it('refuses a delay its RAM cannot make', () => {
    expect(() => delayLine({ width: 8, delay: 4, ram: 'ecp5' })).toThrow(/delay 4 is too short for a ecp5 RAM \(read latency 3, plus its input register\)/);
    expect(() => delayLine({ width: 8, delay: 2, ram: 'lut' })).toThrow(/needs at least 3, or ram "logic"/);
  });
});

describe.each([
  { width: 40, depth: 16, credited: false },
  { width: 23, depth: 8, credited: true },
])('ECP5 read-ahead FIFO %o', (cfg) => {
  it('behaves as a queue under random pushes and pops (20,000 cycles), one word per cycle when both sides are ready', async () => {
    const dut = await simulate(fifo({ ...cfg, ram: 'ecp5' }));
    dut.rst.value = 1;
    dut.tick(2);
    dut.rst.value = 0;
    const rng = new Rng(cfg.width);
    const queue: bigint[] = [];
    let sawFull = false;
    let run = 0;
    let best = 0;
    // A credited writer keeps at most depth words in the FIFO (its head holds a few more).
    let outstanding = 0;
    for (let c = 0; c < 20_000; c++) {
      const phase = Math.floor(c / 2000) % 4;
      const want = rng.next() < [0.9, 0.2, 0.6, 1][phase]!;
      const ready = rng.next() < [0.2, 0.9, 0.6, 1][phase]! ? 1 : 0;
      const push = want && (!cfg.credited || outstanding < cfg.depth);
      const data = rng.bits(cfg.width);
      dut.s_valid.value = push ? 1 : 0;
      dut.s_data.value = data;
      dut.m_ready.value = ready;
      const accepted = push && dut.s_ready.value === 1;
      if (!cfg.credited && dut.s_ready.value === 0) sawFull = true;
      if (cfg.credited && push) expect(dut.s_ready.value, `cycle ${c}: a credited write into a full FIFO`).toBe(1);
      const popped = dut.m_valid.value === 1 && ready === 1;
      if (popped) {
        expect(dut.m_data.big, `cycle ${c}`).toBe(queue.shift());
        outstanding--;
      }
      run = phase === 3 && popped ? run + 1 : 0;
      best = Math.max(best, run);
      if (accepted) {
        queue.push(data);
        outstanding++;
      }
      dut.tick();
    }
    if (!cfg.credited) expect(sawFull).toBe(true);
    expect(best).toBeGreaterThan(1500); // the always-ready stretches move a word every cycle
  });

  it('lints clean', () => {
    for (const r of lintDesign(fifo({ ...cfg, ram: 'ecp5' }))) expect(r, r.output).toMatchObject({ ok: true });
  });
});
