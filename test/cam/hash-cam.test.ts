// The hashed exact-match CAM in Verilator against the golden models: 100,000-operation random
// sequences at two sizes (lookups every cycle interleaved with cuckoo inserts, updates,
// deletes, stash drains and resets), fills past 90% occupancy up to 65,536 slots, a full
// table, the clear pass after reset, and raw duplicate keys (way order, then stash).
import { beforeAll, describe, expect, it } from 'vitest';
import { valueLayout } from '../../spec/route-table/layout.ts';
import { TableFullError, TableManager } from '../../host/table/manager.ts';
import { hashCam, hashCamGeometry, hashCamTiming } from '../../rtl-gen/cam/hash-cam.ts';
import { type SimDut, runCycles, simulate } from '../../sim/index.ts';
import { Rng, Schedule, flipBit, randomValue, randomWorkload, reservedOpSequence } from '../../testbed/cam-driver.ts';

const configs = [
  { entries: 4096, ways: 4, stash: 4, keyWidth: 128, valueWidth: 64, tagWidth: 16, occupancy: 0.9 },
  { entries: 256, ways: 2, stash: 0, keyWidth: 32, valueWidth: 32, tagWidth: 4, ram: 'inferred', occupancy: 0.45 },
];

describe.each(configs)('hashed CAM %o', ({ occupancy, ...cfg }) => {
  let dut: SimDut;
  const geometry = hashCamGeometry(cfg);
  const timing = hashCamTiming(cfg);
  const layout = valueLayout(cfg.valueWidth);
  const fresh = (): Schedule => {
    const s = new Schedule(geometry, timing, cfg.tagWidth);
    s.step({ reset: true });
    s.step({ reset: true });
    return s;
  };
  beforeAll(async () => {
    dut = await simulate(hashCam(cfg));
  });

  it('matches the golden model over 100,000 random operations with lookups every cycle', () => {
    const s = fresh();
    s.idle(timing.clearCycles);
    const mgr = new TableManager(geometry);
    const st = randomWorkload(s, mgr, layout, new Rng(301 + cfg.entries), {
      cycles: 95_000, lookupRate: 0.9, opRate: 0.6, targetOccupancy: occupancy, cmdGap: 0.1, resetEvery: 40_000, reservedRate: 0.02,
    });
    const r = s.run(dut);
    expect(r.checked).toBe(st.lookups);
    expect(st.lookups + st.inserts + st.updates + st.deletes).toBeGreaterThanOrEqual(100_000);
    expect(st.maxOccupancy).toBeGreaterThanOrEqual(occupancy);
    expect(st.duplicateInserts).toBeGreaterThan(0);
    expect(st.resets).toBeGreaterThanOrEqual(2);
    expect(mgr.stats.cuckooMoves).toBeGreaterThan(0);
    expect(st.reserved).toBeGreaterThan(100);
  });

  it('ignores commands with a reserved op code, in the ways and in the stash: they neither revive, delete nor rekey a slot', () => {
    const s = fresh();
    s.idle(timing.clearCycles);
    // Way slots the keys are found in (way 0 for one, the last way for the other), then stash slots.
    reservedOpSequence(s, layout, new Rng(11), (dead, live) => ({ dead: geometry.candidates(dead)[0]!, live: geometry.candidates(live)[cfg.ways - 1]! }));
    if (cfg.stash > 0) reservedOpSequence(s, layout, new Rng(12), () => ({ dead: geometry.stashSlot(0), live: geometry.stashSlot(cfg.stash - 1) }));
    expect(s.run(dut).checked).toBe(s.lookups);
  });

  it(`fills past ${occupancy * 100}% with no failed insert, every route found, neighbours missed, until full`, () => {
    const s = fresh();
    s.idle(timing.clearCycles);
    const mgr = new TableManager(geometry);
    const rng = new Rng(17);
    const keys: bigint[] = [];
    const target = Math.ceil(occupancy * geometry.capacity);
    let full = false;
    while (!full) {
      // Half the keys differ from an earlier one in a single bit.
      const key = keys.length && rng.next() < 0.5 ? flipBit(rng, keys[rng.int(0, keys.length - 1)]!, cfg.keyWidth) : rng.bits(cfg.keyWidth);
      if (mgr.has(key)) continue;
      const value = randomValue(rng, layout);
      try {
        const cmds = mgr.insert(key, value);
        cmds.forEach((cmd, i) => s.step({ cmd, routeEffect: i === cmds.length - 1 ? (m) => m.set(key, value) : undefined, lookup: keys.length ? keys[rng.int(0, keys.length - 1)] : undefined }));
        keys.push(key);
      } catch (e) {
        expect(e).toBeInstanceOf(TableFullError);
        expect(String(e)).toMatch(/cannot place route 0x[0-9a-f]+: its \d+ buckets and every cuckoo chain .* stash/);
        expect(keys.length).toBeGreaterThanOrEqual(target);
        full = true;
      }
    }
    for (const k of keys) s.step({ lookup: k });
    for (const k of keys) s.step({ lookup: flipBit(rng, k, cfg.keyWidth) });
    // Delete and reinsert a third of the routes.
    for (const k of keys.filter((_, i) => i % 3 === 0)) {
      mgr.delete(k).forEach((cmd, i) => s.step({ cmd, routeEffect: i === 0 ? (m) => m.delete(k) : undefined, lookup: k }));
    }
    for (const k of keys.filter((_, i) => i % 3 === 0)) {
      const value = randomValue(rng, layout);
      const cmds = mgr.insert(k, value);
      cmds.forEach((cmd, i) => s.step({ cmd, routeEffect: i === cmds.length - 1 ? (m) => m.set(k, value) : undefined, lookup: k }));
    }
    for (const k of keys) s.step({ lookup: k });
    const r = s.run(dut);
    expect(r.checked).toBe(s.lookups);
  });

  it('keeps s_cmd_ready low for the clear pass after reset, and forgets every route', () => {
    const s = fresh();
    s.idle(timing.clearCycles);
    const mgr = new TableManager(geometry);
    const rng = new Rng(23);
    const keys = Array.from({ length: 20 }, () => rng.bits(cfg.keyWidth));
    for (const k of keys) {
      const v = randomValue(rng, layout);
      for (const cmd of mgr.insert(k, v)) s.step({ cmd, routeEffect: (m) => m.set(k, v) });
    }
    for (const k of keys) s.step({ lookup: k });
    s.idle(timing.latency + 1);
    s.step({ reset: true });
    mgr.reset();
    // Lookups during and after the clear pass: all miss.
    for (let i = 0; i < timing.clearCycles + 10; i++) s.step({ lookup: keys[i % keys.length] });
    expect(s.run(dut).checked).toBe(s.lookups);
    // The ready line itself: low for exactly the clear pass.
    const n = timing.clearCycles + 4;
    const r = runCycles(dut, { cycles: n, inputs: { rst: [1, ...Array(n - 1).fill(0)] }, outputs: ['s_cmd_ready'] });
    const lowFor = r.s_cmd_ready!.slice(1).findIndex((v) => v === 1);
    expect(lowFor).toBe(timing.clearCycles);
  });

  it('returns the first match in way order, then the stash, when raw commands store a key twice', () => {
    const s = fresh();
    s.idle(timing.clearCycles);
    s.checkRoute = false;
    const rng = new Rng(29);
    const key = rng.bits(cfg.keyWidth);
    const slots = geometry.candidates(key);
    const vals = slots.map(() => randomValue(rng, layout));
    // Fill candidates from the lowest priority up, then clear them from the highest down.
    for (let i = slots.length - 1; i >= 0; i--) {
      s.step({ cmd: { op: 'write', slot: slots[i]!, key, value: vals[i]! }, lookup: key });
      s.step({ lookup: key });
    }
    for (let i = 0; i < slots.length; i++) {
      s.step({ cmd: { op: 'update', slot: slots[i]!, key, value: randomValue(rng, layout) }, lookup: key });
      s.step({ cmd: { op: 'delete', slot: slots[i]!, key: 0n, value: 0n }, lookup: key });
      s.step({ lookup: key });
    }
    // A word written at one index is not found through another key that hashes there.
    s.step({ cmd: { op: 'write', slot: slots[0]!, key: key ^ 1n, value: vals[0]! }, lookup: key });
    for (let i = 0; i < 4; i++) s.step({ lookup: key });
    expect(s.run(dut).checked).toBe(s.lookups);
  });
});

describe('hashed CAM at 65,536 slots', () => {
  it('holds 90% occupancy with no failed insert and finds every route', async () => {
    const cfg = { entries: 65536, ways: 4, stash: 4, keyWidth: 128, valueWidth: 64, tagWidth: 16 };
    const geometry = hashCamGeometry(cfg);
    const timing = hashCamTiming(cfg);
    const layout = valueLayout(cfg.valueWidth);
    const dut = await simulate(hashCam(cfg));
    const s = new Schedule(geometry, timing, cfg.tagWidth);
    s.step({ reset: true });
    s.idle(timing.clearCycles);
    const mgr = new TableManager(geometry);
    const rng = new Rng(31);
    const keys: bigint[] = [];
    while (mgr.size < 0.9 * geometry.capacity) {
      const key = rng.bits(cfg.keyWidth);
      if (mgr.has(key)) continue;
      const value = randomValue(rng, layout);
      const cmds = mgr.insert(key, value);
      cmds.forEach((cmd, i) => s.step({ cmd, routeEffect: i === cmds.length - 1 ? (m) => m.set(key, value) : undefined, lookup: keys.length ? keys[rng.int(0, keys.length - 1)] : undefined }));
      keys.push(key);
    }
    for (const k of keys) s.step({ lookup: rng.next() < 0.5 ? k : flipBit(rng, k, cfg.keyWidth) });
    expect(s.run(dut).checked).toBe(s.lookups);
    expect(mgr.occupancy).toBeGreaterThanOrEqual(0.9);
  });
});

describe('hashed CAM parameters', () => {
  it('rejects configurations it cannot build, naming the parameter', () => {
    expect(() => hashCam({ entries: 3000 })).toThrow(/parameter "entries" is 3000; it must be a power of two from 64 to 65536/);
    expect(() => hashCam({ ways: 3 })).toThrow(/parameter "ways" is 3; it must be one of 2, 4, 8/);
    expect(() => hashCam({ stash: 17 })).toThrow(/parameter "stash"/);
  });
});
