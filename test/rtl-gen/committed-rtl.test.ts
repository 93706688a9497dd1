// rtl/ holds exactly what the generators print, and every committed design lints clean.
import { describe, expect, it } from 'vitest';
import { rtlDrift } from '../../rtl-gen/cli.ts';
import { committedDesigns } from '../../rtl-gen/designs.ts';
import { lintDesign } from '../../rtl-gen/lint.ts';

describe('committed Verilog', () => {
  it('matches what the generators produce now (run `npm run gen` after changing a generator)', () => {
    expect(rtlDrift()).toEqual([]);
  });

  it.each(committedDesigns().map((m) => [m.name, m] as const))('%s passes verilator --lint-only -Wall and yosys', (_n, m) => {
    for (const r of lintDesign(m)) expect(r, `${r.tool}: ${r.output}`).toMatchObject({ ok: true });
  });
});
