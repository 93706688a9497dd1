// rtl/ holds exactly what the generators print, and every committed design lints clean.
import { describe, expect, it } from 'vitest';
import { rtlDrift } from '../../rtl-gen/cli.ts';
import { committedDesigns } from '../../rtl-gen/designs.ts';
import { lintDesign } from '../../rtl-gen/lint.ts';
import { explainName } from '../../rtl-gen/names.ts';

describe('committed Verilog', () => {
  it('matches what the generators produce now (run `npm run gen` after changing a generator)', () => {
    expect(rtlDrift()).toEqual([]);
  });

  it.each(committedDesigns().map((m) => [m.name, m] as const))('%s passes verilator --lint-only -Wall and yosys', async (_n, m) => {
    for (const r of await lintDesign(m)) expect(r, `${r.tool}: ${r.output}`).toMatchObject({ ok: true });
  });

  it('has names whose every part rtl/README.md explains, and an unexplained part is an error', () => {
    for (const m of committedDesigns()) expect(explainName(m.name).family.prefix.length).toBeGreaterThan(0);
    expect(explainName('chacha_pipe_r20_u5_s2_w128_k2_ietf').parts.map((p) => p.text)).toEqual(['r20', 'u5', 's2', 'w128', 'k2', 'ietf']);
    expect(() => explainName('fifo_w8_d4_zz')).toThrow('module name fifo_w8_d4_zz: part "zz" is not in the legend of fifo (rtl-gen/names.ts)');
    expect(() => explainName('mystery_w8')).toThrow('no family in rtl-gen/names.ts');
  });
});
