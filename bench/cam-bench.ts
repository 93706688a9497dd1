// Route-lookup CAM benchmark: for each style and size, yosys area (LUT, FF, block RAM) and
// nextpnr fmax on ECP5-85 (and iCE40 area where the table fits), lookups per second (one per
// cycle times fmax), cycles per management write, the occupancy the table manager reaches,
// and long random soaks in Verilator against the golden models.
// Prints a table and writes bench/results/cam.json (and the figures of docs/route-table.md).
//   npm run bench:cam                       (place and route of every design: about 15 minutes)
//   npm run bench:cam -- --quick            (area only, short soaks)
//   npm run bench:cam -- --only hash        (one style: register, bram or hash)
//   npm run bench:cam -- --soak 2000000     (cycles per soak; default 1,000,000)
//   npm run bench:cam -- --reuse            (designs whose Verilog is unchanged keep their saved results)
//   npm run bench:cam -- --saved-pnr-only   (as --reuse, and no new place and route: area only for the rest)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TableGeometry } from '../spec/route-table/geometry.ts';
import { valueLayout } from '../spec/route-table/layout.ts';
import { TableFullError, TableManager } from '../host/table/manager.ts';
import { bramCam, bramCamGeometry, bramCamTiming } from '../rtl-gen/cam/bram-cam.ts';
import type { CamTiming } from '../rtl-gen/cam/common.ts';
import { hashCam, hashCamGeometry, hashCamTiming } from '../rtl-gen/cam/hash-cam.ts';
import { REGISTER_CAM_TIMING, registerCam, registerCamGeometry } from '../rtl-gen/cam/register-cam.ts';
import type { Module } from '../rtl-gen/ir/module.ts';
import { PROJECT_ROOT } from '../sim/build.ts';
import { simulate } from '../sim/index.ts';
import { type SynthResult, savedSynthResult, synthesize } from '../synth/flow.ts';
import { Rng, Schedule, randomWorkload } from '../testbed/cam-driver.ts';
import { generateRouteTableDoc } from '../scripts/docs/route-table.ts';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
/** Take the saved synthesis and place-and-route result of a design whose Verilog is unchanged. */
const reuse = argv.includes('--reuse') || argv.includes('--saved-pnr-only');
/** Place and route nothing new: designs without a saved result get area only (while another placer runs). */
const savedPnrOnly = argv.includes('--saved-pnr-only');
const SOAK = Number(argv.includes('--soak') ? argv[argv.indexOf('--soak') + 1] : quick ? 100_000 : 1_000_000);
const TARGET_MHZ = 156.25;
/** Minimum-size 10 GbE frames: 10e9 / ((64 + 20) * 8) packets per second. */
const MIN_FRAME_PPS = 10e9 / (84 * 8);

interface Case {
  style: 'register' | 'bram' | 'hash';
  label: string;
  module: () => Module;
  geometry: TableGeometry;
  timing: CamTiming;
  tagWidth: number;
  /** Fill target of the soak. */
  occupancy: number;
  /** Place and route on ECP5 (too big for the iCE40 parts when false). */
  ice40: boolean;
  /** Why this case is not placed and routed (area only), when it is not. */
  noPnr?: string;
}

/** DP16KD blocks of the LFE5UM-85F. */
const ECP5_85_BRAMS = 208;

const reg = (entries: number, keyWidth: number, valueWidth: number, tagWidth: number): Case => ({
  style: 'register', label: `register ${entries} x ${keyWidth}`, module: () => registerCam({ entries, keyWidth, valueWidth, tagWidth }),
  geometry: registerCamGeometry({ entries, keyWidth, valueWidth }), timing: REGISTER_CAM_TIMING, tagWidth, occupancy: 0.9, ice40: entries <= 16,
});
const bram = (entries: number, sliceBits: number, keyWidth: number, valueWidth: number, tagWidth: number, noPnr?: string): Case => ({
  noPnr,
  style: 'bram', label: `bram ${entries} x ${keyWidth} (${sliceBits}-bit slices)`, module: () => bramCam({ entries, sliceBits, keyWidth, valueWidth, tagWidth }),
  geometry: bramCamGeometry({ entries, keyWidth, valueWidth }), timing: bramCamTiming({ entries, sliceBits }), tagWidth, occupancy: 0.9, ice40: entries <= 32,
});
const hash = (entries: number, ways: number, stash: number, keyWidth: number, valueWidth: number, tagWidth: number, occupancy: number, ram: 'ecp5' | 'inferred' = 'ecp5'): Case => ({
  style: 'hash', label: `hash ${entries} x ${keyWidth} (${ways} ways, ${ram === 'ecp5' ? 'DP16KD' : 'inferred'} RAM)`,
  module: () => hashCam({ entries, ways, stash, keyWidth, valueWidth, tagWidth, ram }),
  geometry: hashCamGeometry({ entries, ways, stash, keyWidth, valueWidth }), timing: hashCamTiming({ entries, ways }), tagWidth, occupancy, ice40: entries <= 256 && ram === 'inferred',
});

// bram 256 with 8-bit slices needs 262 DP16KD (the ECP5-85 has 208): each slice RAM is
// 256 words of 256 bits, 15 blocks at 18 bits a word. With 4-bit slices the slice RAMs are
// 16 words deep and yosys puts them in LUT RAM (4,096 TRELLIS_DPR16X4), leaving 6 block
// RAMs for keys and values; nextpnr had not finished that design after 32 minutes here.
const CASES: Case[] = [
  reg(64, 128, 64, 16),
  reg(8, 32, 32, 4),
  bram(256, 8, 128, 64, 16),
  bram(256, 4, 128, 64, 16, 'not placed: nextpnr ran over 30 minutes on this 2-core machine'),
  bram(128, 8, 128, 64, 16),
  bram(64, 8, 128, 64, 16),
  bram(20, 5, 32, 32, 4),
  hash(4096, 4, 4, 128, 64, 16, 0.9),
  hash(256, 2, 0, 32, 32, 4, 0.45, 'inferred'),
].filter((c) => !only || c.style === only);

/** Fills a fresh table with random routes until the first failed insert. */
function fill(g: TableGeometry): { occupancyAtFirstFailure: number; commandsPerInsert: number; longestMoveChain: number; stashUsed: number } {
  const mgr = new TableManager(g);
  const rng = new Rng(2026);
  let commands = 0;
  try {
    for (;;) commands += mgr.insert(rng.bits(g.keyWidth), 1n).length;
  } catch (e) {
    if (!(e instanceof TableFullError)) throw e;
  }
  return { occupancyAtFirstFailure: mgr.size / g.capacity, commandsPerInsert: commands / mgr.size, longestMoveChain: mgr.stats.longestMoveChain, stashUsed: mgr.stats.stashPlacements };
}

async function soak(c: Case): Promise<Record<string, number>> {
  const dut = await simulate(c.module(), { name: `cam-bench-${c.label}` });
  const s = new Schedule(c.geometry, c.timing, c.tagWidth);
  s.step({ reset: true });
  s.idle(c.timing.clearCycles);
  const mgr = new TableManager(c.geometry);
  const t0 = performance.now();
  const st = randomWorkload(s, mgr, valueLayout(c.geometry.valueWidth), new Rng(99), {
    cycles: SOAK, lookupRate: 0.9, opRate: 0.5, targetOccupancy: c.occupancy, cmdGap: 0.05, resetEvery: Math.floor(SOAK / 3),
  });
  const t1 = performance.now();
  const r = s.run(dut);
  const t2 = performance.now();
  return {
    cycles: r.cycles, lookupsChecked: r.checked, inserts: st.inserts, updates: st.updates, deletes: st.deletes, commands: st.commands,
    maxOccupancy: st.maxOccupancy, cuckooMoves: mgr.stats.cuckooMoves, buildSeconds: (t1 - t0) / 1000, simSeconds: (t2 - t1) / 1000,
    simCyclesPerSecond: r.cycles / ((t2 - t1) / 1000),
  };
}

function areaOf(r: SynthResult | undefined): Record<string, number> | undefined {
  if (!r) return undefined;
  return { luts: r.area.luts, ffs: r.area.ffs, brams: r.area.brams, ...(r.pnr ? { fmaxMHz: Number(r.pnr.fmaxMHz.toFixed(2)), pnrSeconds: Math.round(r.pnr.seconds) } : {}) };
}

const results: Array<Record<string, unknown>> = [];
const t0 = performance.now();
for (const c of CASES) {
  console.log(`== ${c.label}`);
  const m = c.module();
  const soakResult = await soak(c);
  console.log(`   soak: ${soakResult.cycles} cycles, ${soakResult.lookupsChecked} lookups checked, ${soakResult.inserts} inserts, ${soakResult.deletes} deletes, max occupancy ${(soakResult.maxOccupancy * 100).toFixed(1)}%`);
  const filled = fill(c.geometry);
  let ecp5: SynthResult | undefined;
  let ice40: SynthResult | undefined;
  let pnrError: string | undefined;
  // A saved area that needs more block RAM than the device has is not worth a placer run.
  const savedBrams = savedSynthResult(m, { device: 'ecp5-85', noPnr: true })?.area.brams ?? 0;
  if (savedBrams > ECP5_85_BRAMS) pnrError = `needs ${savedBrams} DP16KD blocks; the LFE5UM-85F has ${ECP5_85_BRAMS}`;
  else if (c.noPnr) pnrError = c.noPnr;
  else if (savedPnrOnly && !savedSynthResult(m, { device: 'ecp5-85', freqMHz: TARGET_MHZ })) pnrError = 'not placed: no saved place-and-route result (--saved-pnr-only)';
  if (pnrError) {
    console.log(`   no place and route: ${pnrError}`);
    ecp5 = await synthesize(m, { device: 'ecp5-85', noPnr: true, reuse });
  } else {
    try {
      ecp5 = await synthesize(m, { device: 'ecp5-85', freqMHz: TARGET_MHZ, noPnr: quick, reuse });
    } catch (e) {
      // Place and route can fail (a design that does not fit) or be stopped; the area still counts.
      const lines = (e as Error).message.split('\n');
      pnrError = lines.find((l) => /ERROR:/.test(l))?.replace(/^.*ERROR:\s*/, '') ?? lines[0];
      console.log(`   place and route failed: ${pnrError}`);
      ecp5 = await synthesize(m, { device: 'ecp5-85', noPnr: true, reuse });
    }
  }
  if (c.ice40) ice40 = await synthesize(m, { device: 'ice40-hx8k', noPnr: true, reuse });
  const fmax = ecp5?.pnr?.fmaxMHz;
  const cyclesPerWrite = 1 + c.timing.busyAfter.write;
  const row = {
    design: m.name,
    style: c.style,
    label: c.label,
    capacity: c.geometry.capacity,
    keyWidth: c.geometry.keyWidth,
    valueWidth: c.geometry.valueWidth,
    latencyCycles: c.timing.latency,
    lookupsPerCycle: 1,
    ecp5: areaOf(ecp5),
    ecp5PnrError: pnrError,
    ice40hx8kArea: areaOf(ice40),
    lookupsPerSecond: fmax ? fmax * 1e6 : undefined,
    timesMinFrame10GbE: fmax ? (fmax * 1e6) / MIN_FRAME_PPS : undefined,
    closesAtTarget: fmax ? fmax >= TARGET_MHZ : undefined,
    cyclesPerCommand: { write: cyclesPerWrite, update: 1 + c.timing.busyAfter.update, delete: 1 + c.timing.busyAfter.delete },
    cyclesPerInsert: filled.commandsPerInsert * cyclesPerWrite,
    occupancyAtFirstFailedInsert: filled.occupancyAtFirstFailure,
    longestCuckooChain: filled.longestMoveChain,
    soak: soakResult,
  };
  console.log(`   ecp5-85: ${row.ecp5?.luts} LUT, ${row.ecp5?.ffs} FF, ${row.ecp5?.brams} BRAM, fmax ${fmax?.toFixed(1) ?? '-'} MHz` +
    `${fmax ? ` (${(fmax / 1).toFixed(1)} M lookups/s, ${row.timesMinFrame10GbE!.toFixed(1)}x min-size 10GbE)` : ''}`);
  if (ice40) console.log(`   ice40-hx8k area: ${ice40.area.luts} LUT, ${ice40.area.ffs} FF, ${ice40.area.brams} BRAM`);
  console.log(`   management: ${cyclesPerWrite} cycle(s) per write, ${row.cyclesPerInsert.toFixed(2)} cycles per insert on average to full; full at ${(filled.occupancyAtFirstFailure * 100).toFixed(1)}%`);
  results.push(row);
}

// The hashed table at 65,536 slots: manager and simulation only (it does not fit an ECP5-85).
const big = hash(65536, 4, 4, 128, 64, 16, 0.9, 'inferred');
if (!only || only === 'hash') {
  console.log(`== ${big.label} (simulation and placement only)`);
  const filled = fill(big.geometry);
  const s = await soak(big);
  results.push({ design: big.module().name, style: 'hash', label: big.label, capacity: big.geometry.capacity, occupancyAtFirstFailedInsert: filled.occupancyAtFirstFailure,
    cyclesPerInsert: filled.commandsPerInsert, longestCuckooChain: filled.longestMoveChain, soak: s });
  console.log(`   full at ${(filled.occupancyAtFirstFailure * 100).toFixed(1)}%, ${filled.commandsPerInsert.toFixed(2)} commands per insert; soak ${s.lookupsChecked} lookups checked`);
}

const out: { date: string; targetMHz: number; minFrame10GbEPacketsPerSecond: number; quick: boolean; soakCycles: number; seconds: number; results: Array<Record<string, unknown>> } = {
  date: new Date().toISOString(),
  targetMHz: TARGET_MHZ,
  minFrame10GbEPacketsPerSecond: MIN_FRAME_PPS,
  quick,
  soakCycles: SOAK,
  seconds: (performance.now() - t0) / 1000,
  results,
};
const dir = join(PROJECT_ROOT, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, 'cam.json');
if (only && existsSync(file)) {
  // One style rerun: replace its rows in the full results, keep the others.
  const prev = JSON.parse(readFileSync(file, 'utf8')) as typeof out;
  out.results = [...prev.results.filter((r) => r.style !== only), ...results];
  out.soakCycles = SOAK;
}
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
// docs/route-table.md prints its figures table from cam.json (test/cam/route-table-doc checks it).
writeFileSync(join(PROJECT_ROOT, 'docs', 'route-table.md'), generateRouteTableDoc());
console.log('wrote bench/results/cam.json and docs/route-table.md');
