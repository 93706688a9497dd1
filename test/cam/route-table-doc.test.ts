// docs/route-table.md is generated from the code; this fails when the two drift apart.
// Rewrite it with `npm run docs` (scripts/docs/).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeAction, valueLayout } from '../../spec/route-table/layout.ts';
import { generateRouteTableDoc } from '../../scripts/docs/route-table.ts';

const DOC = fileURLToPath(new URL('../../docs/route-table.md', import.meta.url));

describe('docs/route-table.md', () => {
  const text = generateRouteTableDoc();

  it('matches the implementation', () => {
    expect(existsSync(DOC), 'docs/route-table.md missing: run `npm run docs`').toBe(true);
    expect(readFileSync(DOC, 'utf8') === text, 'docs/route-table.md is stale: run `npm run docs`').toBe(true);
  });

  it('documents a layout whose rows tile the value, and examples the codec decodes as described', () => {
    const rows = [...text.matchAll(/^\| (\d+)(?::(\d+))? \| `(\w+)` \| (\d+) \|/gm)];
    let next = 0;
    for (const r of rows) {
      const lo = Number(r[2] ?? r[1]);
      const hi = Number(r[1]);
      expect(lo).toBe(next);
      expect(hi - lo + 1).toBe(Number(r[4]));
      next = hi + 1;
    }
    expect(next).toBe(64);
    const fwd = BigInt(/next route 0x123456789abc, QoS\npriority = `(0x[0-9a-f]+)`/.exec(text)![1]!);
    expect(decodeAction(valueLayout(64), fwd)).toEqual({ kind: 'forward', port: 3, nextRoute: 0x123456789abcn, qos: true });
    const local = BigInt(/channel 42 = `(0x[0-9a-f]+)`/.exec(text)![1]!);
    expect(decodeAction(valueLayout(64), local)).toEqual({ kind: 'local', channel: 42n, qos: false });
  });

  it('lists H3 masks that place the example route IDs where it says, computed from the page alone', () => {
    // An outsider's hash: parity of (route ID AND mask), bit by bit, from the printed table.
    const masks = new Map<number, bigint[]>();
    for (const r of text.matchAll(/^\| (\d+) \| (\d+) \| `(0x[0-9a-f]+)` \|$/gm)) {
      const w = Number(r[1]);
      if (!masks.has(w)) masks.set(w, []);
      masks.get(w)![Number(r[2])] = BigInt(r[3]!);
    }
    expect(masks.size).toBe(4);
    const parity = (x: bigint): number => x.toString(2).split('').filter((c) => c === '1').length % 2;
    const examples = [...text.matchAll(/^- route ID `(0x[0-9a-f]+)`: ([\d, ]+)$/gm)];
    expect(examples).toHaveLength(3);
    for (const e of examples) {
      const key = BigInt(e[1]!);
      const want = e[2]!.split(', ').map(Number);
      const got = [...masks.values()].map((bits) => bits.reduce((idx, mask, b) => idx | (parity(key & mask) << b), 0));
      expect(got).toEqual(want);
    }
  });
});
