// Pieces of the design-space explorer that decide what gets reported: the matched stream
// width, the sweep, the Pareto front, the seeds and their median, the results file of a run,
// and the measured rate against the 512*U/R model.
import { describe, expect, it } from 'vitest';
import { defaultSweep, matchedWidth, measureRate, median, parseSeeds, resultsName } from '../../synth/explore.ts';
import { paretoFront, scatterSvg } from '../../synth/svg-plot.ts';

describe('explorer', () => {
  it('matches the stream width to the keystream rate 512*U/R', () => {
    expect([1, 2, 4, 5, 10, 20].map((u) => matchedWidth(20, u))).toEqual([64, 64, 128, 128, 256, 512]);
    expect(defaultSweep(20, 20)).toHaveLength(18);
    expect(defaultSweep(8, 8).every((c) => 8 % c.units === 0)).toBe(true);
  });

  it('keeps exactly the points no other point beats on both area and throughput', () => {
    const pts = [
      { x: 100, y: 1 },
      { x: 200, y: 3 },
      { x: 250, y: 2 }, // beaten by (200, 3)
      { x: 400, y: 3 }, // beaten by (200, 3): same throughput, more area
      { x: 800, y: 9 },
    ];
    const front = paretoFront(pts);
    expect(pts.map((p) => front.has(p))).toEqual([true, true, false, false, true]);
    const svg = scatterSvg({ title: 't', xLabel: 'x', yLabel: 'y', points: pts.map((p) => ({ ...p, label: `${p.x}`, front: front.has(p) })), logX: true });
    expect(svg).toMatch(/^<svg[^>]*>/);
    expect(svg.match(/<circle/g)).toHaveLength(5);
    expect(svg).toMatch(/<polyline/);
  });

  it('reports the median of the placer seeds, and names one results file per configuration family', () => {
    expect(median([174.6, 150.6, 143.8])).toBeCloseTo(150.6, 6);
    expect(median([3, 1, 4, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no values/);
    expect(parseSeeds('1,2,3')).toEqual([1, 2, 3]);
    expect(() => parseSeeds('1,x')).toThrow(/--seeds 1,x: expected a comma-separated list/);
    expect(() => parseSeeds('2,2')).toThrow(/listed twice/);
    const c = { rounds: 20, units: 5, stages: 4, width: 128, keySlots: 4, layout: 'ietf' as const };
    expect(resultsName('ecp5-85', [c])).toBe('explore-ecp5-85-u5s4w128');
    expect(resultsName('ecp5-85')).toBe('explore-ecp5-85');
    const svg = scatterSvg({ title: 't', xLabel: 'x', yLabel: 'y', points: [{ x: 10, y: 2, yLow: 1, yHigh: 3, label: 'a' }] });
    expect(svg).toMatch(/<path d="M[\d.]+,[\d.]+V[\d.]+/);
  });

  it('measures bits per cycle that agree with 512*U/R for 64-byte packets', async () => {
    const r = await measureRate({ rounds: 20, units: 4, stages: 2, width: 128, keySlots: 4, layout: 'ietf' }, 64, 300);
    expect(r).toBeGreaterThan(512 * (4 / 20) * 0.99);
    expect(r).toBeLessThan(512 * (4 / 20) * 1.02);
  });
});
