// The synthesis flow end to end on a small core: yosys area figures are read from
// `stat -json`, nextpnr's fmax from its JSON report agrees with the last "Max frequency"
// line of its log (the one that counts), utilisation covers the core, and a rerun of an
// unchanged design can take the saved result, and placer seeds of one design share a yosys run.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quarterRound } from '../../rtl-gen/chacha/quarter-round.ts';
import { SYNTH_DIR, savedSynthResult, synthesize } from '../../synth/flow.ts';

function lastMaxFrequency(log: string): number {
  const all = [...log.matchAll(/Max frequency for clock '[^']*clk[^']*': ([\d.]+) MHz/g)];
  if (all.length === 0) throw new Error('no Max frequency line in the nextpnr log');
  return Number(all[all.length - 1]![1]);
}

describe.each([
  ['ice40-hx8k', 'ICESTORM_LC'],
  ['ecp5-85', 'TRELLIS_COMB'],
])('synthesis flow on %s', (dev, lcName) => {
  it('reports area from yosys and fmax from nextpnr for a 4-stage quarter round', async () => {
    const r = await synthesize(quarterRound({ stages: 4 }), { device: dev, freqMHz: 100 });
    // 4 stages x 4 words x 32 bits of pipeline registers.
    expect(r.area.ffs).toBe(512);
    expect(r.area.luts).toBeGreaterThan(100);
    expect(r.pnr).toBeDefined();
    const log = readFileSync(join(r.dir, 'pnr', 'nextpnr.log'), 'utf8');
    expect(r.pnr!.fmaxMHz).toBeCloseTo(lastMaxFrequency(log), 1);
    expect(r.pnr!.utilization[lcName]!.used).toBeGreaterThanOrEqual(r.area.luts * (dev === 'ecp5-85' ? 0.5 : 1));
  });
});

describe('saved results', () => {
  it('are reused only while the design, clock and seed are unchanged', async () => {
    const qr = quarterRound({ stages: 2 });
    const first = await synthesize(qr, { device: 'ice40-hx8k', noPnr: true });
    const log = join(first.dir, 'area', 'yosys.log');
    const stamp = statSync(log).mtimeMs;
    const again = await synthesize(qr, { device: 'ice40-hx8k', noPnr: true, reuse: true });
    expect(again).toEqual(first);
    expect(statSync(log).mtimeMs).toBe(stamp);
    // No saved place and route at this clock: nothing to reuse.
    expect(savedSynthResult(qr, { device: 'ice40-hx8k', freqMHz: 77 })).toBeUndefined();
  });
});

describe('a run stopped after synthesis', () => {
  it('goes on from where it stopped: yosys does not run again on the same inputs', async () => {
    const qr = quarterRound({ stages: 0 });
    const first = await synthesize(qr, { device: 'ice40-hx8k', noPnr: true });
    const log = join(first.dir, 'area', 'yosys.log');
    const stamp = statSync(log).mtimeMs;
    rmSync(join(first.dir, 'result.json')); // as if stopped while waiting for place and route
    const resumed = await synthesize(qr, { device: 'ice40-hx8k', noPnr: true });
    expect(resumed.area).toEqual(first.area);
    expect(statSync(log).mtimeMs).toBe(stamp);
    // A finished run is run again (no --reuse): yosys runs.
    await synthesize(qr, { device: 'ice40-hx8k', noPnr: true });
    expect(statSync(log).mtimeMs).toBeGreaterThan(stamp);
  });
});

describe('placer seeds', () => {
  it('run yosys once per design: another seed takes the netlist and area of the first', async () => {
    const qr = quarterRound({ stages: 1 });
    rmSync(join(SYNTH_DIR, `${qr.name}-ice40-hx8k-seed7`), { recursive: true, force: true });
    const a = await synthesize(qr, { device: 'ice40-hx8k', noPnr: true });
    const b = await synthesize(qr, { device: 'ice40-hx8k', noPnr: true, seed: 7 });
    expect(b.dir).not.toBe(a.dir);
    expect(b.area).toEqual(a.area);
    expect(existsSync(join(b.dir, 'area', 'yosys.log'))).toBe(false); // yosys did not run there
  });
});

describe('synthesis errors', () => {
  it('names the unknown device', async () => {
    await expect(synthesize(quarterRound({ stages: 1 }), { device: 'ice41' })).rejects.toThrow(/unknown device "ice41"; known: ice40-hx8k/);
  });
});
