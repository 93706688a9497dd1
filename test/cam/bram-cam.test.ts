// The transposed block-RAM CAM in Verilator against the golden models: 100,000-operation
// random sequences at two sizes (lookups every cycle, multi-cycle writes, one-cycle updates and
// deletes, resets with the clear pass), a full table with one-bit neighbours, delete and
// reinsert, and the priority encoder with duplicate keys.
import { beforeAll, describe, expect, it } from 'vitest';
import { valueLayout } from '../../spec/route-table/layout.ts';
import { TableFullError, TableManager } from '../../host/table/manager.ts';
import { bramCam, bramCamGeometry, bramCamTiming } from '../../rtl-gen/cam/bram-cam.ts';
import { type SimDut, runCycles, simulate } from '../../sim/index.ts';
import { Rng, Schedule, flipBit, randomValue, randomWorkload, reservedOpSequence } from '../../testbed/cam-driver.ts';

const configs = [
  { entries: 256, sliceBits: 8, keyWidth: 128, valueWidth: 64, tagWidth: 16 },
  { entries: 20, sliceBits: 5, keyWidth: 32, valueWidth: 32, tagWidth: 4 },
];

describe.each(configs)('transposed block-RAM CAM %o', (cfg) => {
  let dut: SimDut;
  const geometry = bramCamGeometry(cfg);
  const timing = bramCamTiming(cfg);
  const layout = valueLayout(cfg.valueWidth);
  const fresh = (): Schedule => {
    const s = new Schedule(geometry, timing, cfg.tagWidth);
    s.step({ reset: true });
    s.step({ reset: true });
    s.idle(timing.clearCycles);
    return s;
  };
  beforeAll(async () => {
    dut = await simulate(bramCam(cfg));
  });

  it('matches the golden model over 100,000 random operations with lookups every cycle', () => {
    const s = fresh();
    const mgr = new TableManager(geometry);
    const st = randomWorkload(s, mgr, layout, new Rng(501 + cfg.entries), {
      cycles: 95_000, lookupRate: 0.9, opRate: 0.5, targetOccupancy: 0.9, cmdGap: 0.1, resetEvery: 40_000, reservedRate: 0.02,
    });
    const r = s.run(dut);
    expect(r.checked).toBe(st.lookups);
    expect(st.lookups + st.inserts + st.updates + st.deletes).toBeGreaterThanOrEqual(100_000);
    expect(st.maxOccupancy).toBeGreaterThanOrEqual(0.9);
    expect(st.duplicateInserts).toBeGreaterThan(0);
    expect(st.resets).toBeGreaterThanOrEqual(2);
    expect(st.reserved).toBeGreaterThan(100);
  });

  it('ignores commands with a reserved op code: they neither revive, delete nor rekey an entry', () => {
    const s = fresh();
    reservedOpSequence(s, layout, new Rng(11), () => ({ dead: 0, live: cfg.entries - 1 }), () => ({ dead: 3, live: 1 }));
    expect(s.run(dut).checked).toBe(s.lookups);
  });

  it('fills to capacity with one-bit neighbours, reports the full table, deletes and reinserts', () => {
    const s = fresh();
    const mgr = new TableManager(geometry);
    const rng = new Rng(41);
    const base = rng.bits(cfg.keyWidth);
    const keys: bigint[] = [base];
    while (keys.length < cfg.entries) {
      const k = flipBit(rng, keys[rng.int(0, keys.length - 1)]!, cfg.keyWidth);
      if (!keys.includes(k)) keys.push(k);
    }
    for (const k of keys) {
      const v = randomValue(rng, layout);
      for (const cmd of mgr.insert(k, v)) {
        while (!s.cmdFree) s.step({ lookup: keys[rng.int(0, keys.length - 1)] });
        s.step({ cmd, routeEffect: (m) => m.set(k, v), lookup: k });
      }
    }
    expect(() => mgr.insert(rng.bits(cfg.keyWidth), randomValue(rng, layout))).toThrow(TableFullError);
    for (const k of keys) s.step({ lookup: k });
    for (const k of keys) s.step({ lookup: flipBit(rng, k, cfg.keyWidth) });
    for (const k of keys.filter((_, i) => i % 2 === 1)) {
      for (const cmd of mgr.delete(k)) {
        while (!s.cmdFree) s.step({ lookup: k });
        s.step({ cmd, routeEffect: (m) => m.delete(k), lookup: k });
      }
      const v = randomValue(rng, layout);
      for (const cmd of mgr.insert(k, v)) {
        while (!s.cmdFree) s.step({ lookup: k });
        s.step({ cmd, routeEffect: (m) => m.set(k, v), lookup: k });
      }
    }
    for (const k of keys) s.step({ lookup: k });
    expect(s.run(dut).checked).toBe(s.lookups);
  });

  it('picks the lowest entry when raw commands store one key twice, and holds ready low during writes', () => {
    const s = fresh();
    s.checkRoute = false;
    const rng = new Rng(43);
    const key = rng.bits(cfg.keyWidth);
    const hi = cfg.entries - 1;
    const cmds = [
      { op: 'write', slot: hi, key, value: randomValue(rng, layout) },
      { op: 'write', slot: 1, key, value: randomValue(rng, layout) },
      { op: 'update', slot: 1, key, value: randomValue(rng, layout) },
      { op: 'delete', slot: 1, key: 0n, value: 0n },
      { op: 'update', slot: hi, key, value: randomValue(rng, layout) },
      { op: 'write', slot: 0, key, value: randomValue(rng, layout) },
    ] as const;
    for (const cmd of cmds) {
      while (!s.cmdFree) s.step({ lookup: key });
      s.step({ cmd, lookup: key });
    }
    for (let i = 0; i < 10; i++) s.step({ lookup: key });
    expect(s.run(dut).checked).toBe(s.lookups);
    // s_cmd_ready drops for exactly busyAfter.write cycles after a write.
    const n = 12;
    const r = runCycles(dut, {
      cycles: n,
      inputs: { s_cmd_valid: [1, ...Array(n - 1).fill(0)], s_cmd_op: Array(n).fill(0), s_cmd_slot: Array(n).fill(2), s_cmd_key: Array(n).fill(1n), s_cmd_value: Array(n).fill(1n) },
      outputs: ['s_cmd_ready'],
    });
    expect(r.s_cmd_ready!.join('')).toBe(`1${'0'.repeat(timing.busyAfter.write)}${'1'.repeat(n - 1 - timing.busyAfter.write)}`);
  });
});

describe('transposed block-RAM CAM parameters', () => {
  it('rejects configurations it cannot build, naming the parameter', () => {
    expect(() => bramCam({ entries: 600 })).toThrow(/parameter "entries" is 600; it must be an integer from 4 to 512/);
    expect(() => bramCam({ sliceBits: 12 })).toThrow(/parameter "sliceBits"/);
  });
});
