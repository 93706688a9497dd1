// The register CAM in Verilator against the golden models: 100,000-operation random
// sequences at two sizes (lookups every cycle interleaved with inserts, updates, deletes and
// resets through the table manager), a full table, delete and reinsert, one-bit neighbours,
// and the priority encoder with duplicate keys written straight to the command port.
import { beforeAll, describe, expect, it } from 'vitest';
import { valueLayout } from '../../spec/route-table/layout.ts';
import { TableFullError, TableManager } from '../../host/table/manager.ts';
import { REGISTER_CAM_TIMING, registerCam, registerCamGeometry } from '../../rtl-gen/cam/register-cam.ts';
import { GenError } from '../../rtl-gen/ir/errors.ts';
import { type SimDut, simulate } from '../../sim/index.ts';
import { Rng, Schedule, flipBit, randomValue, randomWorkload, reservedOpSequence } from '../../testbed/cam-driver.ts';

const configs = [
  { entries: 64, keyWidth: 128, valueWidth: 64, tagWidth: 16 },
  { entries: 8, keyWidth: 32, valueWidth: 32, tagWidth: 4 },
];

describe.each(configs)('register CAM %o', (cfg) => {
  let dut: SimDut;
  const geometry = registerCamGeometry(cfg);
  const layout = valueLayout(cfg.valueWidth);
  const fresh = (): Schedule => {
    const s = new Schedule(geometry, REGISTER_CAM_TIMING, cfg.tagWidth);
    s.step({ reset: true });
    s.step({ reset: true });
    return s;
  };
  beforeAll(async () => {
    dut = await simulate(registerCam(cfg));
  });

  it('matches the golden model over 100,000 random operations with lookups every cycle', () => {
    const s = fresh();
    const mgr = new TableManager(geometry);
    const st = randomWorkload(s, mgr, layout, new Rng(101 + cfg.entries), {
      cycles: 90_000, lookupRate: 0.9, opRate: 0.5, targetOccupancy: 0.85, cmdGap: 0.2, resetEvery: 30_000, reservedRate: 0.02,
    });
    const r = s.run(dut);
    expect(r.checked).toBe(st.lookups);
    expect(st.lookups + st.inserts + st.updates + st.deletes).toBeGreaterThanOrEqual(100_000);
    expect(st.fullInserts).toBeGreaterThan(0);
    expect(st.duplicateInserts).toBeGreaterThan(0);
    expect(st.resets).toBeGreaterThanOrEqual(2);
    expect(st.reserved).toBeGreaterThan(100);
  });

  it('ignores commands with a reserved op code: they neither revive, delete nor rekey an entry', () => {
    const s = fresh();
    reservedOpSequence(s, layout, new Rng(11), () => ({ dead: 0, live: cfg.entries - 1 }), () => ({ dead: 3, live: 1 }));
    expect(s.run(dut).checked).toBe(s.lookups);
  });

  it('fills to capacity, reports the full table, then deletes and reinserts', () => {
    const s = fresh();
    const mgr = new TableManager(geometry);
    const rng = new Rng(7);
    const keys: bigint[] = [];
    const values = new Map<bigint, bigint>();
    for (let i = 0; i < cfg.entries; i++) {
      // Every key but the first differs from the first in one bit.
      const key = i === 0 ? rng.bits(cfg.keyWidth) : flipBit(rng, keys[0]!, cfg.keyWidth);
      if (values.has(key)) { i--; continue; }
      const value = randomValue(rng, layout);
      for (const cmd of mgr.insert(key, value)) s.step({ cmd, routeEffect: (m) => m.set(key, value), lookup: keys[0] });
      keys.push(key);
      values.set(key, value);
    }
    expect(() => mgr.insert(rng.bits(cfg.keyWidth), randomValue(rng, layout))).toThrow(TableFullError);
    expect(() => mgr.insert(rng.bits(cfg.keyWidth), randomValue(rng, layout))).toThrow(/route table full: all \d+ entries/);
    for (const k of keys) s.step({ lookup: k });
    for (const k of keys) s.step({ lookup: flipBit(rng, k, cfg.keyWidth) });
    // Delete half, look them up (miss), reinsert with new values.
    for (const k of keys.filter((_, i) => i % 2 === 0)) {
      for (const cmd of mgr.delete(k)) s.step({ cmd, routeEffect: (m) => m.delete(k), lookup: k });
      s.step({ lookup: k });
    }
    for (const k of keys.filter((_, i) => i % 2 === 0)) {
      const value = randomValue(rng, layout);
      for (const cmd of mgr.insert(k, value)) s.step({ cmd, routeEffect: (m) => m.set(k, value), lookup: k });
      s.step({ lookup: k });
    }
    for (const k of keys) s.step({ lookup: k });
    const r = s.run(dut);
    expect(r.checked).toBe(s.lookups);
  });

  it('picks the lowest entry when raw commands store one key twice (priority encoder)', () => {
    const s = fresh();
    s.checkRoute = false; // raw slot writes: only the slot model describes them
    const rng = new Rng(9);
    const key = rng.bits(cfg.keyWidth);
    const hi = cfg.entries - 1;
    const v1 = randomValue(rng, layout);
    const v2 = randomValue(rng, layout);
    s.step({ cmd: { op: 'write', slot: hi, key, value: v1 } });
    for (let i = 0; i < 3; i++) s.step({ lookup: key });
    s.step({ cmd: { op: 'write', slot: 1, key, value: v2 }, lookup: key });
    for (let i = 0; i < 5; i++) s.step({ lookup: key });
    s.step({ cmd: { op: 'delete', slot: 1, key: 0n, value: 0n }, lookup: key });
    for (let i = 0; i < 5; i++) s.step({ lookup: key });
    s.step({ cmd: { op: 'update', slot: hi, key, value: v2 }, lookup: key });
    for (let i = 0; i < 5; i++) s.step({ lookup: key });
    // Two matches in one group of eight, then in two groups.
    s.step({ cmd: { op: 'write', slot: 5, key, value: randomValue(rng, layout) }, lookup: key });
    s.step({ cmd: { op: 'write', slot: 2, key, value: randomValue(rng, layout) }, lookup: key });
    for (let i = 0; i < 5; i++) s.step({ lookup: key });
    s.step({ cmd: { op: 'delete', slot: 2, key: 0n, value: 0n }, lookup: key });
    s.step({ cmd: { op: 'delete', slot: 5, key: 0n, value: 0n }, lookup: key });
    for (let i = 0; i < 5; i++) s.step({ lookup: key });
    const r = s.run(dut);
    expect(r.checked).toBe(s.lookups);
  });
});

describe('register CAM parameters', () => {
  it('rejects sizes it cannot build, naming the parameter', () => {
    expect(() => registerCam({ entries: 65 })).toThrow(GenError);
    expect(() => registerCam({ entries: 65 })).toThrow(/parameter "entries" is 65; it must be an integer from 2 to 64/);
    expect(() => registerCam({ keyWidth: 16 })).toThrow(/parameter "keyWidth"/);
    expect(() => registerCam({ valueWidth: 300 })).toThrow(/parameter "valueWidth"/);
  });
});
