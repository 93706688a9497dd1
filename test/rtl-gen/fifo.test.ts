// The block-RAM FIFO against a queue: random pushes and pops at every cycle, full and
// empty edges, level, and one word per cycle when both sides are always ready.
import { describe, expect, it } from 'vitest';
import { fifo } from '../../rtl-gen/lib/fifo.ts';
import { TILE_FIFO_LATENCY, tileFifo } from '../../rtl-gen/lib/tile-fifo.ts';
import { lintDesign } from '../../rtl-gen/lint.ts';
import { Rng, runCycles, simulate } from '../../sim/index.ts';

describe.each([
  { width: 8, depth: 4, withLevel: true },
  { width: 77, depth: 16, withLevel: true },
  { width: 40, depth: 8, withLevel: true, ram: 'lut' },
  { width: 130, depth: 8, withLevel: true, ram: 'lut', lanes: 3 },
  { width: 33, depth: 4, withLevel: true, ram: 'lut', writeReg: true },
  { width: 20, depth: 8, withLevel: true, writeReg: true },
])('FIFO %o', (cfg) => {
  it('behaves as a queue under random pushes and pops (20,000 cycles)', async () => {
    const dut = await simulate(build(cfg));
    dut.rst.value = 1;
    dut.tick(2);
    dut.rst.value = 0;
    const rng = new Rng(cfg.width);
    const n = 20_000;
    const sValid: number[] = [];
    const sData: bigint[] = [];
    const mReady: number[] = [];
    for (let i = 0; i < n; i++) {
      const phase = Math.floor(i / 2000) % 3; // fill-heavy, drain-heavy and balanced stretches
      sValid.push(rng.next() < [0.9, 0.2, 0.6][phase]! ? 1 : 0);
      sData.push(rng.bits(cfg.width));
      mReady.push(rng.next() < [0.2, 0.9, 0.6][phase]! ? 1 : 0);
    }
    const out = runCycles(dut, {
      inputs: { s_valid: sValid, s_data: sData, m_ready: mReady },
      outputs: ['s_ready', 'm_valid', 'm_data', 'level'],
      cycles: n,
    });
    const queue: bigint[] = [];
    let sawFull = false;
    let sawEmpty = false;
    for (let c = 0; c < n; c++) {
      expect(Number(out.level![c])).toBe(queue.length);
      // Pops first: what the head shows at this edge must be the oldest word.
      if (out.m_valid![c] === 1 && mReady[c] === 1) {
        const want = queue.shift();
        if (want === undefined || BigInt(out.m_data![c]!) !== want) {
          throw new Error(`cycle ${c}: popped 0x${BigInt(out.m_data![c]!).toString(16)}, expected ${want === undefined ? 'nothing' : `0x${want.toString(16)}`}`);
        }
      }
      if (out.s_ready![c] === 1 && sValid[c] === 1) queue.push(sData[c]!);
      if (out.s_ready![c] === 0) sawFull = true;
      if (queue.length === 0) sawEmpty = true;
    }
    expect(sawFull).toBe(true);
    expect(sawEmpty).toBe(true);
  });

  it('moves one word per cycle when both sides are always ready', async () => {
    const dut = await simulate(fifo(cfg));
    dut.rst.value = 1;
    dut.tick(2);
    dut.rst.value = 0;
    const n = 500;
    const out = runCycles(dut, {
      inputs: { s_valid: new Array(n).fill(1), s_data: Array.from({ length: n }, (_, i) => BigInt(i % 256)), m_ready: new Array(n).fill(1) },
      outputs: ['m_valid'],
      cycles: n,
    });
    // The first word reaches the head two cycles after its write (three with a registered write side).
    expect(out.m_valid!.slice(cfg.writeReg ? 3 : 2).every((v) => v === 1)).toBe(true);
  });

  it('lints clean', async () => {
    for (const r of await lintDesign(fifo(cfg))) expect(r, r.output).toMatchObject({ ok: true });
  });
});

// FIFOs without a level output: the ECP5 read-ahead one (block RAM with its output
// register), any with an output register slice and the ECP5 tile FIFO (lib/tile-fifo,
// always credited), against a queue.
const build = ({ tile, ...cfg }: { width: number; depth: number; tile?: boolean; credited?: boolean }) => (tile ? tileFifo({ width: cfg.width, depth: cfg.depth }) : fifo(cfg));
describe.each([
  { width: 40, depth: 16, credited: true, tile: true },
  { width: 61, depth: 32, credited: true, tile: true },
  { width: 40, depth: 16, credited: false, ram: 'ecp5' },
  { width: 23, depth: 8, credited: true, ram: 'ecp5' },
  { width: 40, depth: 16, credited: true, ram: 'ecp5', lanes: 3, outSlice: true },
  { width: 37, depth: 16, credited: false, ram: 'lut', lanes: 2, outSlice: true },
])('FIFO without a level output %o', (cfg) => {
  it('behaves as a queue under random pushes and pops (20,000 cycles), one word per cycle when both sides are ready', async () => {
    const dut = await simulate(build(cfg));
    dut.rst.value = 1;
    dut.tick(2);
    dut.rst.value = 0;
    const rng = new Rng(cfg.width);
    const queue: bigint[] = [];
    let sawFull = false;
    let run = 0;
    let best = 0;
    // A credited writer keeps at most depth words in the FIFO (its head holds a few more).
    let outstanding = 0;
    for (let c = 0; c < 20_000; c++) {
      const phase = Math.floor(c / 2000) % 4;
      const want = rng.next() < [0.9, 0.2, 0.6, 1][phase]!;
      const ready = rng.next() < [0.2, 0.9, 0.6, 1][phase]! ? 1 : 0;
      const push = want && (!cfg.credited || outstanding < cfg.depth);
      const data = rng.bits(cfg.width);
      dut.s_valid.value = push ? 1 : 0;
      dut.s_data.value = data;
      dut.m_ready.value = ready;
      const accepted = push && dut.s_ready.value === 1;
      if (!cfg.credited && dut.s_ready.value === 0) sawFull = true;
      if (cfg.credited && push) expect(dut.s_ready.value, `cycle ${c}: a credited write into a full FIFO`).toBe(1);
      const popped = dut.m_valid.value === 1 && ready === 1;
      if (popped) {
        expect(dut.m_data.big, `cycle ${c}`).toBe(queue.shift());
        outstanding--;
      }
      run = phase === 3 && popped ? run + 1 : 0;
      best = Math.max(best, run);
      if (accepted) {
        queue.push(data);
        outstanding++;
      }
      dut.tick();
    }
    if (!cfg.credited) expect(sawFull).toBe(true);
    expect(best).toBeGreaterThan(1500); // the always-ready stretches move a word every cycle
  });

  it('lints clean', async () => {
    for (const r of await lintDesign(build(cfg))) expect(r, r.output).toMatchObject({ ok: true });
  });
});

describe('ECP5 tile FIFO', () => {
  it(`shows a word written into an empty FIFO ${TILE_FIFO_LATENCY} cycles later`, async () => {
    const dut = await simulate(tileFifo({ width: 40, depth: 16 }));
    dut.rst.value = 1;
    dut.tick(2);
    dut.rst.value = 0;
    dut.m_ready.value = 1;
    dut.s_valid.value = 1;
    dut.s_data.value = 0x12345678aan;
    dut.tick();
    dut.s_valid.value = 0;
    let seen = 0;
    for (; seen < 20 && dut.m_valid.value === 0; seen++) dut.tick();
    expect(seen + 1).toBe(TILE_FIFO_LATENCY);
    expect(dut.m_data.big).toBe(0x12345678aan);
  });

  it('names a word too wide for the tiles of any ECP5', () => {
    expect(() => tileFifo({ width: 2000, depth: 128 })).toThrow(/tiles of 18 bits/);
  });
});
