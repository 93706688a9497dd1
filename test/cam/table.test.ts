// The host side of the route table, without hardware: the value layout and its codec, the
// hash functions, and the table manager's placement and command order, checked against the
// slot-level golden model after every single command.
import { describe, expect, it } from 'vitest';
import { AssociativeGeometry, HashGeometry, type TableGeometry } from '../../spec/route-table/geometry.ts';
import { hashIndex, keyWords } from '../../spec/route-table/hash.ts';
import { MAX_VALUE_WIDTH, MIN_VALUE_WIDTH, type RouteAction, ValueCodecError, decodeAction, encodeAction, valueLayout } from '../../spec/route-table/layout.ts';
import { DuplicateRouteError, RouteValueError, TableFullError, TableManager, UnknownRouteError } from '../../host/table/manager.ts';
import { SlotModel } from '../../host/table/model.ts';
import { Rng } from '../../sim/index.ts';
import { randomValue } from '../../testbed/cam-driver.ts';

describe('value layout', () => {
  it.each([MIN_VALUE_WIDTH, 64, 100, 144, MAX_VALUE_WIDTH])('covers every bit of a %i-bit value exactly once', (w) => {
    const l = valueLayout(w);
    const owner = new Array<string | undefined>(w).fill(undefined);
    for (const f of l.fields) {
      for (let b = f.offset; b < f.offset + f.width; b++) {
        expect(owner[b], `bit ${b} in ${owner[b]} and ${f.name}`).toBeUndefined();
        owner[b] = f.name;
      }
    }
    expect(owner.every((o) => o !== undefined)).toBe(true);
    expect(l.fields[0]).toMatchObject({ name: 'valid', offset: 0, width: 1 });
  });

  it('round-trips random actions and reads the fields where the layout puts them', () => {
    const rng = new Rng(3);
    for (const w of [32, 64, 144]) {
      const l = valueLayout(w);
      const argBits = l.fields.find((f) => f.name === 'arg')!.width;
      for (let i = 0; i < 500; i++) {
        const a: RouteAction = rng.next() < 0.5
          ? { kind: 'forward', port: rng.int(0, 255), nextRoute: rng.bits(argBits), qos: rng.next() < 0.5 }
          : { kind: 'local', channel: rng.bits(argBits), qos: rng.next() < 0.5 };
        const v = encodeAction(l, a);
        expect(decodeAction(l, v)).toEqual(a);
        // Independent reading of the bits by offset.
        expect(v & 1n).toBe(1n);
        expect((v >> 1n) & 1n).toBe(a.kind === 'local' ? 1n : 0n);
        expect((v >> 2n) & 1n).toBe(a.qos ? 1n : 0n);
        expect((v >> 3n) & 31n).toBe(0n);
        expect(v >> 16n).toBe(a.kind === 'forward' ? a.nextRoute : a.channel);
      }
    }
  });

  it('rejects fields that do not fit and reads an empty slot as no action', () => {
    const l = valueLayout(64);
    expect(() => encodeAction(l, { kind: 'forward', port: 256, nextRoute: 0n, qos: false })).toThrow(ValueCodecError);
    expect(() => encodeAction(l, { kind: 'forward', port: 1, nextRoute: 1n << 48n, qos: false })).toThrow(/arg = \d+ does not fit in 48 bits/);
    expect(decodeAction(l, 0n)).toBeUndefined();
    expect(decodeAction(l, 0xfffffffffffffffen)).toBeUndefined();
    expect(() => valueLayout(16)).toThrow(RangeError);
  });
});

describe('hash functions', () => {
  it('spread keys evenly over each way and independently between ways', () => {
    const g = new HashGeometry(4096, 4, 0, 128, 64);
    const rng = new Rng(5);
    const n = 64 * g.depth;
    const counts = Array.from({ length: g.ways }, () => new Uint32Array(g.depth));
    let same = 0;
    for (let i = 0; i < n; i++) {
      const k = keyWords(rng.bits(128), 128);
      const idx = Array.from({ length: g.ways }, (_, w) => hashIndex(g.hash, w, k));
      idx.forEach((x, w) => counts[w]![x]!++);
      if (idx[0] === idx[1]) same++;
    }
    for (const c of counts) {
      // 64 keys per bucket on average; a fair hash keeps every bucket within about 5 sigma.
      expect(Math.min(...c)).toBeGreaterThan(64 - 5 * 8);
      expect(Math.max(...c)).toBeLessThan(64 + 5 * 8);
    }
    expect(same / n).toBeLessThan(3 / g.depth);
  });

  it('sends keys that differ in one bit to different buckets', () => {
    const g = new HashGeometry(4096, 4, 0, 128, 64);
    const rng = new Rng(6);
    let collide = 0;
    for (let i = 0; i < 2000; i++) {
      const k = rng.bits(128);
      const k2 = k ^ (1n << BigInt(rng.int(0, 127)));
      if (hashIndex(g.hash, 0, keyWords(k, 128)) === hashIndex(g.hash, 0, keyWords(k2, 128))) collide++;
    }
    expect(collide).toBeLessThan(20);
  });
});

/** Applies a manager's commands one by one and checks every route after every command. */
function checkOrder(g: TableGeometry, ops: number, rng: Rng, fill: number): TableManager {
  const mgr = new TableManager(g);
  const slots = new SlotModel(g);
  const layout = valueLayout(g.valueWidth);
  const live = new Map<bigint, bigint>();
  const keys: bigint[] = [];
  for (let i = 0; i < ops; i++) {
    const r = rng.next();
    let cmds;
    let before = new Map(live);
    if ((r < 0.6 && mgr.occupancy < fill) || keys.length === 0) {
      const k = rng.bits(g.keyWidth);
      const v = randomValue(rng, layout);
      try {
        cmds = mgr.insert(k, v);
      } catch (e) {
        if (e instanceof TableFullError) continue;
        throw e;
      }
      live.set(k, v);
      keys.push(k);
    } else if (r < 0.75) {
      const k = keys[rng.int(0, keys.length - 1)]!;
      const v = randomValue(rng, layout);
      cmds = mgr.update(k, v);
      before = new Map(live);
      before.delete(k);
      live.set(k, v);
    } else {
      const j = rng.int(0, keys.length - 1);
      const k = keys[j]!;
      keys[j] = keys[keys.length - 1]!;
      keys.pop();
      cmds = mgr.delete(k);
      live.delete(k);
      before.delete(k);
    }
    // Routes untouched by the operation must be found, with their value, after every command.
    const touched = new Set(cmds.map((c) => c.key));
    for (const c of cmds) {
      slots.apply(c);
      for (const k of touched) {
        const v = before.get(k);
        if (v !== undefined) expect(slots.lookup(k), `route 0x${k.toString(16)} lost in the middle of op ${i}`).toEqual({ hit: true, value: v });
      }
    }
  }
  for (const [k, v] of live) expect(slots.lookup(k)).toEqual({ hit: true, value: v });
  for (const [k, v] of mgr.entries()) expect(live.get(k)).toBe(v);
  return mgr;
}

describe('table manager', () => {
  it('keeps every route findable at every command boundary (hashed, cuckoo moves and stash)', () => {
    const mgr = checkOrder(new HashGeometry(256, 4, 4, 64, 64), 20_000, new Rng(8), 0.97);
    expect(mgr.stats.cuckooMoves).toBeGreaterThan(100);
    expect(mgr.stats.stashPlacements).toBeGreaterThan(0);
  });

  it('keeps every route findable at every command boundary (associative)', () => {
    checkOrder(new AssociativeGeometry('register', 16, 32, 32), 5_000, new Rng(10), 1);
  });

  it('fills a 4,096-slot 4-way table past 95% before the first failed insert', () => {
    const mgr = new TableManager(new HashGeometry(4096, 4, 4, 128, 64));
    const rng = new Rng(12);
    expect(() => {
      for (;;) mgr.insert(rng.bits(128), 1n);
    }).toThrow(TableFullError);
    expect(mgr.size / 4096).toBeGreaterThan(0.95);
  });

  it('encodes and decodes route actions through the layout', () => {
    const mgr = new TableManager(new HashGeometry(64, 4, 0, 128, 64));
    const fwd = { kind: 'forward', port: 7, nextRoute: 0xabcdefn, qos: false } as const;
    const [cmd] = mgr.insertRoute(5n, fwd);
    expect(decodeAction(valueLayout(64), cmd!.value)).toEqual(fwd);
    expect(mgr.route(5n)).toEqual(fwd);
    mgr.updateRoute(5n, { kind: 'local', channel: 9n, qos: true });
    expect(mgr.route(5n)).toEqual({ kind: 'local', channel: 9n, qos: true });
    expect(() => mgr.insertRoute(6n, { kind: 'forward', port: 300, nextRoute: 0n, qos: false })).toThrow(RouteValueError);
    expect(mgr.route(6n)).toBeUndefined();
  });

  it('names every misuse', () => {
    const mgr = new TableManager(new AssociativeGeometry('register', 2, 32, 32));
    mgr.insert(1n, 1n);
    expect(() => mgr.insert(1n, 3n)).toThrow(DuplicateRouteError);
    expect(() => mgr.update(2n, 1n)).toThrow(UnknownRouteError);
    expect(() => mgr.delete(2n)).toThrow(/route 0x2 is not in the table/);
    expect(() => mgr.insert(3n, 2n)).toThrow(/valid bit clear; use delete/);
    expect(() => mgr.insert(1n << 32n, 1n)).toThrow(RouteValueError);
    expect(() => mgr.insert(4n, 1n << 32n)).toThrow(/does not fit in 32 bits/);
    mgr.insert(5n, 1n);
    expect(() => mgr.insert(6n, 1n)).toThrow(/route table full: all 2 entries/);
    mgr.delete(1n);
    expect(mgr.insert(6n, 1n)).toEqual([{ op: 'write', slot: 0, key: 6n, value: 1n }]);
  });
});
