// npm run bench:aead-soak [-- --frames N] : the long soak of the ChaCha20-Poly1305 engine.
// Every committed engine gets N random frames (default 1,000,000) in chunks: 0 to 1,444
// bytes, AAD of 0 to 64 bytes (the 20-byte link header half the time), seal and open mixed,
// a tenth of the opened frames forged (one random bit flipped), random key slots, random
// gaps and stalls, the keys rewritten between chunks. Every frame is checked, bytes and
// verdict, against the node's own AEAD (host/crypto), its two backends taking turns.
//
// bench/results/aead-soak.json is rewritten after every chunk with what is done so far
// (framesDone per engine, `complete` once every engine has its N), so a run that stops, or
// is stopped, keeps its figures.

import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nobleAead, nodeAead } from '../host/crypto/aead.ts';
import { AEAD_CONFIGS } from '../rtl-gen/aead/designs.ts';
import { AEAD_TAG_BYTES, aeadNonce } from '../spec/aead-stream.ts';
import { PROJECT_ROOT } from '../sim/build.ts';
import { AeadDriver, type AeadPacket } from '../sim/drivers/aead-engine.ts';
import { Rng } from '../sim/random.ts';
import { expectedAead } from '../testbed/aead-golden.ts';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const TOTAL = arg('--frames', 1_000_000);
if (!Number.isInteger(TOTAL) || TOTAL < 1) throw new Error(`--frames ${TOTAL}: expected a positive integer`);
const CHUNK = 10_000;
const OUT = join(PROJECT_ROOT, 'bench', 'results', 'aead-soak.json');
const started = new Date().toISOString();

interface Row {
  design: string;
  frames: number;
  /** Frames checked so far; equals `frames` when the engine is done. */
  framesDone: number;
  bytes: number;
  forged: number;
  cycles: number;
  seconds: number;
  simCyclesPerSecond: number;
  bitsPerCycle: number;
  mismatches: number;
}

function save(rows: readonly Row[], complete: boolean): void {
  mkdirSync(join(PROJECT_ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(`${OUT}.tmp`, `${JSON.stringify({ date: new Date().toISOString(), started, framesPerEngine: TOTAL, complete, results: rows }, null, 2)}\n`);
  renameSync(`${OUT}.tmp`, OUT); // never a half-written file
}

function frame(rng: Rng, drv: AeadDriver): AeadPacket {
  const op = rng.next() < 0.5 ? 'seal' : 'open';
  const slot = rng.int(0, drv.cfg.keySlots - 1);
  const aad = rng.bytes(rng.next() < 0.5 ? 20 : rng.int(0, 64));
  const room = 1444 - aad.length - (op === 'open' ? AEAD_TAG_BYTES : 0);
  const r = rng.next();
  const text = rng.bytes(Math.min(room, r < 0.6 ? rng.int(0, 128) : rng.int(129, room)));
  const counter = rng.bits(52);
  if (op === 'seal') return { slot, op, counter, aad, body: text };
  const body = (rng.next() < 0.5 ? nobleAead : nodeAead).seal(drv.keys[slot]!, aeadNonce(counter), aad, text);
  if (rng.next() < 0.1) {
    const all = Uint8Array.from([...aad, ...body]);
    all[rng.int(0, all.length - 1)]! ^= 1 << rng.int(0, 7);
    return { slot, op, counter, aad: all.subarray(0, aad.length), body: all.subarray(aad.length) };
  }
  return { slot, op, counter, aad, body };
}

const results: Row[] = [];
for (const cfg of AEAD_CONFIGS) {
  const drv = await AeadDriver.create(cfg);
  const rng = new Rng(cfg.width * 31 + cfg.units);
  const t0 = performance.now();
  const row: Row = { design: drv.name, frames: TOTAL, framesDone: 0, bytes: 0, forged: 0, cycles: 0, seconds: 0, simCyclesPerSecond: 0, bitsPerCycle: 0, mismatches: 0 };
  results.push(row);
  for (let done = 0; done < TOTAL; done += CHUNK) {
    for (let s = 0; s < cfg.keySlots; s++) drv.writeKey(s, rng.bytes(32));
    const n = Math.min(CHUNK, TOTAL - done);
    const packets = Array.from({ length: n }, () => frame(rng, drv));
    const r = drv.run(packets, { gaps: rng.pattern(1021, 0.2), stalls: rng.pattern(1019, 0.2) });
    if (r.out.length !== n) throw new Error(`${drv.name}: ${r.out.length} frames out of ${n} in chunk ${done / CHUNK}`);
    packets.forEach((p, i) => {
      const want = expectedAead(i % 2 ? nodeAead : nobleAead, drv.keys[p.slot]!, p);
      const got = r.out[i]!;
      const bad = got.ok !== want.ok || (want.data && Buffer.compare(Buffer.from(got.data), Buffer.from(want.data)) !== 0);
      if (bad) throw new Error(`${drv.name}: frame ${done + i} (${p.op}, ${p.aad.length} + ${p.body.length} bytes, slot ${p.slot}) differs: verdict ${got.ok}, expected ${want.ok}`);
      if (!want.ok) row.forged++;
      row.bytes += p.aad.length + p.body.length;
    });
    row.framesDone += n;
    row.cycles += r.cycles;
    row.seconds = (performance.now() - t0) / 1000;
    row.simCyclesPerSecond = row.cycles / row.seconds;
    row.bitsPerCycle = (row.bytes * 8) / row.cycles;
    save(results, false);
  }
  console.log(`${drv.name}: ${row.framesDone} frames (${row.forged} forged, all rejected), ${(row.bytes / 1e6).toFixed(1)} MB, ${row.cycles} cycles, ${row.seconds.toFixed(0)} s: all match`);
}
save(results, true);
console.log('written to bench/results/aead-soak.json');
