// docs/registers.md is generated from the register map; this fails when the two drift apart.
// Rewrite it with `npm run docs` (scripts/docs/).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateRegistersDoc } from '../../scripts/docs/registers.ts';
import { fpRegisterMap } from '../../spec/forwarding/registers.ts';
import { registerInstances } from '../../spec/forwarding/regmap.ts';

const DOC = fileURLToPath(new URL('../../docs/registers.md', import.meta.url));

describe('docs/registers.md', () => {
  const text = generateRegistersDoc();
  it('matches the register map', () => {
    expect(existsSync(DOC), 'docs/registers.md missing: run `npm run docs`').toBe(true);
    expect(readFileSync(DOC, 'utf8') === text, 'docs/registers.md is stale: run `npm run docs`').toBe(true);
  });
  it('lists every register of every group once, at its offset', () => {
    const map = fpRegisterMap();
    for (const g of map.groups) {
      const section = text.split(`### \`${g.name}\` at `)[1]!.split('\n### ')[0]!;
      for (const r of g.regs) expect(section).toContain(`| 0x${r.offset.toString(16).padStart(2, '0')} | \`${r.name}\` |`);
    }
    expect(registerInstances(map).length).toBe(map.groups.reduce((n, g) => n + g.count * g.regs.length, 0));
  });
});
