// Static timing from nextpnr's SDF: a hand-made netlist with known delays, then a real
// routed design, where the worst path must agree with nextpnr's own critical path report.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quarterRound } from '../../rtl-gen/chacha/quarter-round.ts';
import { synthesize } from '../../synth/flow.ts';
import { analyse, endpointGroup, failingGroups, readSdf, sdfTimingFile, tracePath } from '../../synth/sdf-timing.ts';

// test/fixtures/sta-small.sdf: r0 -> LUT a -> r1, r0 -> q[3] directly, r1 -> LUT b -> LUT c -> q[4]
// (whose M pin is driven from a pad only, so it is no register-to-register endpoint).
const SDF = readFileSync(new URL('../fixtures/sta-small.sdf', import.meta.url), 'utf8');

describe('SDF timing on a hand-made netlist', () => {
  it('takes the slow corner, skips clock nets and pads, and traces the worst path', async () => {
    const r = analyse(await readSdf(SDF.split('\n')), 2000);
    // r1 -> b -> c -> q[4]: 500 + 1000 + 240 + 400 + 240 + 20 = 2400.
    // r0 -> a -> r1: 500 + 300 + 240 + 70 + 30 setup = 1140.  r0 -> q[3]: 510.
    expect(r.endpoints.map((e) => [e.pin, e.required])).toEqual([
      ['q[4]_TRELLIS_FF_Q_1/DI', 2400],
      ['r1_TRELLIS_FF_Q/DI', 1140],
      ['q[3]_TRELLIS_FF_Q/DI', 510],
    ]);
    expect(r.endpoints[0]!.slackPs).toBe(-400);
    expect(tracePath(r, 'q[4]_TRELLIS_FF_Q_1/DI').map((s) => [s.pin, s.at])).toEqual([
      ['r1_TRELLIS_FF_Q/Q', 500],
      ['b_LUT4_Z/B', 1500],
      ['b_LUT4_Z/F', 1740],
      ['c_LUT4_Z/C', 2140],
      ['c_LUT4_Z/F', 2380],
      ['q[4]_TRELLIS_FF_Q_1/DI', 2400],
    ]);
  });

  it('groups the bits of one register', async () => {
    expect(endpointGroup('core.out_fifo.lane32.slice.skid_valid_reg_TRELLIS_FF_Q_12/LSR')).toBe('core.out_fifo.laneN.slice.skid_valid_reg');
    expect(endpointGroup('q[3]_TRELLIS_FF_Q/DI')).toBe(endpointGroup('q[4]_TRELLIS_FF_Q_1/DI'));
    const r = analyse(await readSdf(SDF.split('\n')), 400);
    expect(failingGroups(r).map((g) => [g.group, g.count])).toEqual([['q[]', 2], ['rN', 1]]);
  });
});

describe('SDF timing of a routed design', () => {
  it('finds the same worst path as nextpnr', async () => {
    // 400 MHz cannot close, so nextpnr's fmax is its critical path.
    const r = await synthesize(quarterRound({ stages: 4 }), { device: 'ecp5-85', freqMHz: 400 });
    expect(r.pnr!.fmaxMHz).toBeLessThan(400);
    const t = await sdfTimingFile(join(r.dir, 'pnr', 'routed.sdf'), 2500);
    expect(1e6 / t.endpoints[0]!.required).toBeCloseTo(r.pnr!.fmaxMHz, 0);
    expect(r.pnr!.failing!.length).toBeGreaterThan(0);
    expect(r.pnr!.failing![0]!.slackNs).toBeCloseTo((2500 - t.endpoints[0]!.required) / 1000, 2);
  });
});
