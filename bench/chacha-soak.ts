// npm run bench:chacha-soak [-- --packets N] [--resume] : the long soak of the ChaCha packet cipher.
// Every committed configuration gets N random packets (default 1,000,000; lengths weighted
// toward small, up to 9,216 bytes) in chunks, under random gaps and stalls, each checked
// against an independent implementation (@noble/ciphers, with the counter-wrap rule of
// sim/golden/chacha-stream.ts for packets near the top of the counter). First, for every
// configuration, it measures the key port: cycles key_wr_ready stays low after each word on
// an idle core, and cycles to load one 256-bit key and every slot.
//
// bench/results/chacha-soak.json is rewritten after every chunk with what is done so far, so a
// run that stops (or is stopped) keeps its figures; --resume skips the configurations a
// finished earlier run of the same packet count and the same design already covered and
// carries on the one it stopped in from its last chunk.

import { chacha20 } from '@noble/ciphers/chacha.js';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PIPELINE_CONFIGS } from '../rtl-gen/chacha/designs.ts';
import { PROJECT_ROOT } from '../sim/build.ts';
import { Rng } from '../sim/random.ts';
import { type Packet, PipelineDriver, checkPackets } from '../sim/drivers/chacha-pipeline.ts';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const TOTAL = arg('--packets', 1_000_000);
if (!Number.isInteger(TOTAL) || TOTAL < 1) throw new Error(`--packets ${TOTAL}: expected a positive integer`);
const RESUME = process.argv.includes('--resume');
const CHUNK = 20_000;
const OUT = join(PROJECT_ROOT, 'bench', 'results', 'chacha-soak.json');

interface KeyPort {
  /** Cycles key_wr_ready is low after each word on an idle core (the same for all eight). */
  lowCyclesPerWord: number;
  /** Cycles from the first word's handshake to the handshake after the last: one 256-bit key. */
  cyclesPerKey: number;
  /** The same for every slot. */
  cyclesAllSlots: number;
  slots: number;
}

interface Row {
  design: string;
  config: (typeof PIPELINE_CONFIGS)[number];
  keyPort: KeyPort;
  packets: number;
  /** Packets checked so far; equals `packets` when the configuration is done. */
  packetsDone: number;
  bytes: number;
  beats: number;
  cycles: number;
  seconds: number;
  simCyclesPerSecond: number;
  mismatches: number;
  error?: string;
  /** The RNG state after the last finished chunk, to resume from. */
  rngState?: number;
}

function length(rng: Rng): number {
  const r = rng.next();
  if (r < 0.7) return rng.int(1, 128);
  if (r < 0.97) return rng.int(129, 1500);
  return rng.int(1501, 9216);
}

/** Key port timing, measured: each word's low time, then a whole key and every slot back to back. */
function measureKeyPort(drv: PipelineDriver, rng: Rng): KeyPort {
  const d = drv.dut;
  const ready = () => d.key_wr_ready.value;
  while (ready() !== 1) d.tick();
  const lows: number[] = [];
  let cycle = 0;
  let firstAt = -1;
  let keyDone = -1;
  const slots = drv.cfg.keySlots;
  for (let s = 0; s < slots; s++) {
    const key = rng.bytes(32);
    for (let w = 0; w < 8; w++) {
      d.key_wr_valid.value = 1;
      d.key_wr_slot.value = s;
      d.key_wr_word.value = w;
      d.key_wr_data.value = new DataView(key.buffer).getUint32(4 * w, true);
      while (ready() !== 1) {
        d.tick();
        cycle++;
      }
      if (firstAt < 0) firstAt = cycle;
      d.tick(); // handshake
      cycle++;
      d.key_wr_valid.value = 0;
      let low = 0;
      while (ready() !== 1) {
        d.tick();
        cycle++;
        low++;
      }
      lows.push(low);
    }
    if (s === 0) keyDone = cycle;
    drv.keys[s] = key;
  }
  if (new Set(lows).size !== 1) throw new Error(`${drv.name}: key_wr_ready low times differ from word to word on an idle core: ${[...new Set(lows)].join(', ')}`);
  return { lowCyclesPerWord: lows[0]!, cyclesPerKey: keyDone - firstAt, cyclesAllSlots: cycle - firstAt, slots };
}

function save(rows: Row[], done: boolean, started: string, keyPortOnly: unknown[] = []): void {
  mkdirSync(join(PROJECT_ROOT, 'bench', 'results'), { recursive: true });
  const tmp = `${OUT}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ date: new Date().toISOString(), started, packetsPerConfiguration: TOTAL, complete: done, results: rows, keyPortOnly }, null, 2)}\n`);
  renameSync(tmp, OUT); // never a half-written file
}

/**
 * Configurations whose key port is measured but which are not soaked (they are not committed):
 * the 20 Gb/s core of the README, as the explorer builds it on ECP5.
 */
const KEY_PORT_ONLY = [{ rounds: 20, units: 5, stages: 4, width: 128, keySlots: 4, layout: 'ietf', fifoRam: 'ecp5', adders: 'ecp5' }] as const;

const previous = RESUME && existsSync(OUT) ? (JSON.parse(readFileSync(OUT, 'utf8')) as { started?: string; packetsPerConfiguration?: number; results: Row[] }) : undefined;
const carried = previous && previous.packetsPerConfiguration === TOTAL ? previous.results : [];
const started = (carried.length && previous?.started) || new Date().toISOString();
const rows: Row[] = [];
for (const cfg of PIPELINE_CONFIGS) {
  const drv = await PipelineDriver.create(cfg);
  const old = carried.find((r) => r.design === drv.name && JSON.stringify(r.config) === JSON.stringify(cfg));
  if (old && old.packetsDone === TOTAL) {
    rows.push(old);
    console.log(`${drv.name.padEnd(40)} done in an earlier run: ${old.packetsDone} packets`);
    continue;
  }
  const rng = new Rng(cfg.units * 7 + cfg.width);
  const keyPort = measureKeyPort(drv, rng);
  console.log(`${drv.name.padEnd(40)} key port: low ${keyPort.lowCyclesPerWord} cycles per word, ${keyPort.cyclesPerKey} cycles per key, ${keyPort.cyclesAllSlots} for all ${keyPort.slots} slots`);
  const row: Row = old?.rngState !== undefined && old.packetsDone > 0
    ? { ...old, keyPort }
    : { design: drv.name, config: cfg, keyPort, packets: TOTAL, packetsDone: 0, bytes: 0, beats: 0, cycles: 0, seconds: 0, simCyclesPerSecond: 0, mismatches: 0 };
  if (row.rngState !== undefined) {
    // Resuming: the keys are the ones the measurement wrote with this seed; the packets go on
    // from the generator's state after the last chunk checked.
    rng.state = row.rngState;
    console.log(`${drv.name.padEnd(40)} resuming after ${row.packetsDone} packets`);
  }
  rows.push(row);
  for (let done = row.packetsDone; done < TOTAL; done += CHUNK) {
    const t0 = performance.now();
    const n = Math.min(CHUNK, TOTAL - done);
    const packets: Packet[] = Array.from({ length: n }, () => ({
      slot: rng.int(0, cfg.keySlots - 1),
      nonce: rng.bytes(drv.fmt.nonceBits / 8),
      counter: drv.fmt.counterBits === 32 ? BigInt(rng.int(0, 0x7fffffff)) : rng.bits(62),
      data: rng.bytes(length(rng)),
    }));
    const r = drv.run(packets, { gaps: rng.pattern(1021, 0.2), stalls: rng.pattern(1019, 0.2) });
    // The IETF configurations are checked against noble; the rest against the golden model.
    const expected = cfg.layout === 'ietf' && cfg.rounds === 20
      ? packets.map((p) => ({ data: chacha20(drv.keys[p.slot]!, p.nonce, p.data, undefined, Number(p.counter)), wrappedBeats: drv.expected(p).wrappedBeats }))
      : undefined;
    try {
      checkPackets(drv, packets, r.out, expected);
    } catch (e) {
      // The first difference ends the run; the file says where.
      row.mismatches = 1;
      row.error = `chunk from packet ${done}: ${e instanceof Error ? e.message : String(e)}`;
      save(rows, false, started);
      throw e;
    }
    row.packetsDone = done + n;
    row.cycles += r.cycles;
    row.beats += r.beatsIn;
    row.bytes += packets.reduce((a, p) => a + p.data.length, 0);
    row.seconds += (performance.now() - t0) / 1000;
    row.simCyclesPerSecond = row.cycles / row.seconds;
    row.rngState = rng.state;
    save(rows, false, started);
    process.stdout.write(`\r${drv.name.padEnd(40)} ${row.packetsDone} / ${TOTAL} packets, ${(row.cycles / 1e6).toFixed(1)} M cycles, ${row.seconds.toFixed(0)} s`);
  }
  console.log(`\n${drv.name.padEnd(40)} ${TOTAL} packets, ${(row.bytes / 1e6).toFixed(1)} MB, ${row.cycles} cycles, ${row.seconds.toFixed(1)} s, ${(row.simCyclesPerSecond / 1e6).toFixed(2)} M cycles/s: all match`);
}
const keyPortOnly: Array<{ design: string; config: (typeof KEY_PORT_ONLY)[number]; keyPort: KeyPort }> = [];
for (const cfg of KEY_PORT_ONLY) {
  const drv = await PipelineDriver.create(cfg);
  const keyPort = measureKeyPort(drv, new Rng(1));
  console.log(`${drv.name.padEnd(40)} key port: low ${keyPort.lowCyclesPerWord} cycles per word, ${keyPort.cyclesPerKey} cycles per key, ${keyPort.cyclesAllSlots} for all ${keyPort.slots} slots`);
  keyPortOnly.push({ design: drv.name, config: cfg, keyPort });
}
save(rows, true, started, keyPortOnly);
console.log(`written to ${OUT}`);
