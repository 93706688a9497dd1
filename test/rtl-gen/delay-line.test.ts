// The fixed delay line in every memory style: what goes in at cycle t comes out at t + delay,
// every cycle, and a reset leaves no valid word in flight.
import { describe, expect, it } from 'vitest';
import { delayLine } from '../../rtl-gen/lib/delay-line.ts';
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

  it('lints clean', async () => {
    for (const r of await lintDesign(delayLine(cfg))) expect(r, r.output).toMatchObject({ ok: true });
  });
});

describe('delay line parameters', () => {
  it('refuses a delay its RAM cannot make', () => {
    expect(() => delayLine({ width: 8, delay: 4, ram: 'ecp5' })).toThrow(/delay 4 is too short for a ecp5 RAM \(read latency 3, plus its input register\)/);
    expect(() => delayLine({ width: 8, delay: 2, ram: 'lut' })).toThrow(/needs at least 3, or ram "logic"/);
  });
});
