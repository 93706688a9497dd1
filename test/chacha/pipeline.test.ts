// The generated ChaCha packet cipher in Verilator against the golden model, across a
// matrix of configurations: RFC 8439 vectors, thousands of random packets under random
// gaps and stalls, counter wrap, reset in the middle of traffic, key-slot rewrites, and
// the rate and latency each configuration promises.
import { beforeAll, describe, expect, it } from 'vitest';
import { PIPELINE_CONFIGS } from '../../rtl-gen/chacha/designs.ts';
import { pipelineLatency } from '../../rtl-gen/chacha/pipeline.ts';
import { encodeContext } from '../../spec/chacha-stream.ts';
import { Rng, Scoreboard, StreamSink, StreamSource, risingEdge } from '../../sim/index.ts';
import { bigToBytes } from '../../spec/bytes.ts';
import { ENCRYPT_2_4_2, ENCRYPT_A_2 } from '../../spec/rfc8439-vectors.ts';
import { type Packet, PipelineDriver, type PipelineConfig, checkPackets } from '../../sim/drivers/chacha-pipeline.ts';

/** The committed configurations, each with how many random packets CI sends through it. */
const PACKETS = [600, 1500, 3000, 2000, 1000];
const CONFIGS: Array<PipelineConfig & { packets: number }> = PIPELINE_CONFIGS.map((c, i) => ({ ...c, packets: PACKETS[i] ?? 1000 }));

/** Packet lengths weighted toward the small end, up to a 9,216-byte jumbo frame. */
function randomLength(rng: Rng): number {
  const r = rng.next();
  if (r < 0.55) return rng.int(1, 128);
  if (r < 0.9) return rng.int(129, 1500);
  return rng.int(1501, 9216);
}

function randomPacket(rng: Rng, drv: PipelineDriver, length = randomLength(rng)): Packet {
  const bits = drv.fmt.counterBits;
  // Counters mostly mid-range, never near the top (wrap has its own test).
  const counter = bits === 32 ? BigInt(rng.int(0, 0x7fffffff)) : rng.bits(62);
  return { slot: rng.int(0, drv.cfg.keySlots - 1), nonce: rng.bytes(drv.fmt.nonceBits / 8), counter, data: rng.bytes(length) };
}

describe.each(CONFIGS)('ChaCha pipeline r$rounds u$units s$stages w$width $layout', (cfg) => {
  let drv: PipelineDriver;
  let rng: Rng;
  beforeAll(async () => {
    const { packets: _n, ...params } = cfg;
    drv = await PipelineDriver.create(params);
    rng = new Rng(cfg.units * 100 + cfg.width);
    for (let s = 0; s < cfg.keySlots; s++) drv.writeKey(s, rng.bytes(32));
  });

  if (cfg.rounds === 20 && cfg.layout === 'ietf') it('encrypts RFC 8439 2.4.2 and A.2 through the core', () => {
    const vectors = [ENCRYPT_2_4_2, ...ENCRYPT_A_2];
    vectors.forEach((v, i) => drv.writeKey(i % cfg.keySlots, v.key));
    const packets = vectors.map((v, i) => ({ slot: i % cfg.keySlots, nonce: v.nonce, counter: BigInt(v.counter), data: v.plaintext }));
    const r = drv.run(packets);
    r.out.forEach((o, i) => expect(Buffer.from(o.data).toString('hex')).toBe(Buffer.from(vectors[i]!.ciphertext).toString('hex')));
    expect(r.out.map((o) => o.wrappedBeats.some(Boolean))).toEqual(vectors.map(() => false));
  });

  it(`matches the golden model on ${cfg.packets} random packets of 1 to 9,216 bytes under random gaps and stalls`, () => {
    const packets = Array.from({ length: cfg.packets }, () => randomPacket(rng, drv));
    const r = drv.run(packets, { gaps: rng.pattern(1009, 0.25), stalls: rng.pattern(1013, 0.3) });
    checkPackets(drv, packets, r.out);
    expect(r.beatsOut).toBe(r.beatsIn);
  });

  it('fills up behind a long output stall and loses nothing', () => {
    // tready low for 600 cycles out of every 700: the credits, not luck, keep the output FIFO from overflowing.
    const stalls = new Uint8Array(700).fill(1, 0, 600);
    const packets = Array.from({ length: 60 }, () => randomPacket(rng, drv, rng.int(1, 1500)));
    const r = drv.run(packets, { stalls });
    checkPackets(drv, packets, r.out);
    expect(r.beatsOut).toBe(r.beatsIn);
  });

  it('flags packets whose block counter wraps, and only those', () => {
    const max = (1n << BigInt(drv.fmt.counterBits)) - 1n;
    const packets: Packet[] = [
      { ...randomPacket(rng, drv, 300), counter: max - 1n }, // blocks max-1, max, then 0, 1, 2: wraps on block 3
      { ...randomPacket(rng, drv, 128), counter: max - 1n }, // exactly two blocks: no wrap
      { ...randomPacket(rng, drv, 64), counter: max }, // one block at the top: no wrap
      { ...randomPacket(rng, drv, 65), counter: max }, // needs a second block: wraps
      randomPacket(rng, drv, 200),
    ];
    const r = drv.run(packets, { stalls: rng.pattern(101, 0.2) });
    checkPackets(drv, packets, r.out);
    expect(r.out.map((o) => o.wrappedBeats[o.wrappedBeats.length - 1])).toEqual([true, false, false, true, false]);
  });

  it('carries the block counter from its low half into its high half', () => {
    // The core adds 1 to each half separately, the carry between them from a register.
    const h = BigInt(drv.fmt.counterBits / 2);
    const lowTop = (1n << h) - 1n;
    const starts = [lowTop - 2n, lowTop - 1n, lowTop, (0x1234n << h) | lowTop, ((lowTop - 1n) << h) | (lowTop - 1n)];
    const packets: Packet[] = starts.map((counter) => ({ ...randomPacket(rng, drv, 300), counter }));
    const r = drv.run(packets, { stalls: rng.pattern(103, 0.2) });
    checkPackets(drv, packets, r.out);
    expect(r.out.map((o) => o.wrappedBeats.some((w) => w))).toEqual(starts.map(() => false));
  });

  it('emits nothing from before a reset in the middle of traffic', () => {
    const before = Array.from({ length: 40 }, () => randomPacket(rng, drv, rng.int(1, 700)));
    const partial = drv.run(before, { maxCycles: 150, expectBeats: 1 << 20 });
    expect(partial.beatsIn).toBeLessThan(partial.sent); // really cut off mid-stream
    drv.reset();
    const after = Array.from({ length: 30 }, () => randomPacket(rng, drv));
    const r = drv.run(after, { gaps: rng.pattern(97, 0.2), stalls: rng.pattern(89, 0.2) });
    checkPackets(drv, after, r.out);
    expect(r.beatsOut).toBe(r.beatsIn);
  });

  it('uses a rewritten key slot only for packets after the write', async () => {
    drv.reset();
    const dut = drv.dut;
    const slot = cfg.keySlots - 1;
    const batch1 = Array.from({ length: 12 }, () => ({ ...randomPacket(rng, drv, rng.int(200, 600)), slot }));
    const batch2 = Array.from({ length: 12 }, () => ({ ...randomPacket(rng, drv, rng.int(1, 600)), slot }));
    const want = batch1.map((p) => drv.expected(p).data);
    const src = new StreamSource(dut, 's_axis', { idle: 0.1, rng });
    const sink = new StreamSink(dut, 'm_axis', { idle: 0.2, rng });
    const sb = new Scoreboard('packets', dut.clk);
    sink.onBeat = () => undefined;
    sink.onPacket = (bytes) => sb.got(bytes);
    for (const p of batch1) src.sendPacket(p.data, {}, { tuser: encodeContext(drv.fmt, p) });
    want.forEach((w) => sb.expect(w));
    // Once batch 1 is all accepted, most of its blocks are still in the ring: rewrite the key now.
    while (src.pending > 0) await risingEdge(dut.clk);
    const newKey = rng.bytes(32);
    let waited = 0;
    for (let w = 0; w < 8; w++) {
      dut.key_wr_valid.value = 1;
      dut.key_wr_slot.value = slot;
      dut.key_wr_word.value = w;
      dut.key_wr_data.value = new DataView(newKey.buffer).getUint32(4 * w, true);
      for (;;) {
        await risingEdge(dut.clk);
        if (dut.key_wr_ready.value === 1) break; // written at this edge
        waited++;
      }
    }
    dut.key_wr_valid.value = 0;
    drv.keys[slot] = newKey;
    expect(waited).toBeGreaterThan(0); // the write waited for batch 1's blocks to leave the ring
    for (const p of batch2) {
      src.sendPacket(p.data, {}, { tuser: encodeContext(drv.fmt, p) });
      sb.expect(drv.expected(p).data);
    }
    for (let i = 0; i < 200_000 && sb.outstanding > 0; i++) await risingEdge(dut.clk);
    sb.finish();
    src.stop();
    sink.stop();
    await risingEdge(dut.clk);
  });

  it('applies each key word to exactly the blocks of beats accepted after its handshake', () => {
    drv.reset();
    const d = drv.dut;
    const slot = 0;
    // 64-byte packets (one block each, so the final addition's key words show in bytes
    // 16-47) offered back to back while the eight words of a new key go in one by one,
    // the output stalling now and then: packets that start between two word handshakes
    // are enciphered with a key that is part old and part new, which the model reproduces
    // word by word.
    const key = Uint8Array.from(drv.keys[slot]!);
    const newKey = rng.bytes(32);
    const want: number[] = [];
    const got: number[] = [];
    const take = () => {
      if (d.m_axis_tvalid.value === 1 && d.m_axis_tready.value === 1) got.push(...bigToBytes(d.m_axis_tdata.big, drv.beatBytes));
    };
    let word = 0;
    let beats: Array<Record<string, bigint | number>> = [];
    const next = () => {
      const p = { ...randomPacket(rng, drv, 64), slot };
      beats = drv.beatsOf(p);
      return p;
    };
    let packet = next();
    let startKey = key;
    for (let cycle = 0; cycle < 20_000 && (word < 8 || want.length < 64 * 150); cycle++) {
      for (const [k, v] of Object.entries(beats[0]!)) d[`s_axis_${k}`]!.value = v;
      d.s_axis_tvalid.value = 1;
      d.m_axis_tready.value = rng.next() < 0.8 ? 1 : 0;
      const writing = word < 8 && cycle > 40;
      d.key_wr_valid.value = writing ? 1 : 0;
      if (writing) {
        d.key_wr_slot.value = slot;
        d.key_wr_word.value = word;
        d.key_wr_data.value = new DataView(newKey.buffer, newKey.byteOffset + 4 * word, 4).getUint32(0, true);
      }
      const accepted = d.s_axis_tready.value === 1;
      const wordTaken = writing && d.key_wr_ready.value === 1;
      const firstBeat = beats.length === drv.beatsOf(packet).length;
      take();
      d.tick();
      // A block requested in the same cycle as a word's handshake still has the old word.
      if (accepted) {
        if (firstBeat) startKey = Uint8Array.from(key);
        beats.shift();
        if (beats.length === 0) {
          drv.keys[slot] = startKey;
          want.push(...drv.expected(packet).data);
          packet = next();
        }
      }
      if (wordTaken) key.set(newKey.subarray(4 * word, 4 * word + 4), 4 * word++);
    }
    d.s_axis_tvalid.value = 0;
    d.key_wr_valid.value = 0;
    d.m_axis_tready.value = 1;
    for (let i = 0; i < 2000 && got.length < want.length; i++) {
      take();
      d.tick();
    }
    drv.keys[slot] = newKey;
    expect(word).toBe(8);
    const at = want.findIndex((x, i) => got[i] !== x);
    expect(at, `first difference at byte ${at} of ${want.length}`).toBe(-1);
  });

    it('has the documented latency on an idle core', () => {
    drv.reset();
    const r = drv.run([randomPacket(rng, drv, 1)]);
    // The beat is accepted on cycle 0 and leaves on the cycle runStreams counts last.
    expect(r.cycles - 1).toBe(pipelineLatency(cfg));
  });

  it('sustains the rate its units promise on back-to-back packets', () => {
    drv.reset();
    // 64-byte packets: one block each, so one block per beat at W = 512 and 1/8 at W = 64.
    const packets = Array.from({ length: 400 }, () => randomPacket(rng, drv, 64));
    const r = drv.run(packets);
    checkPackets(drv, packets, r.out);
    const beatsPerPacket = Math.ceil(64 / drv.beatBytes);
    const blocksPerCycle = cfg.units / cfg.rounds;
    const promised = Math.min(1, blocksPerCycle * beatsPerPacket); // beats per cycle
    const measured = r.beatsIn / r.cycles;
    // Within the fill and drain of one pipeline of latency at most rounds*stages + 20.
    const overhead = cfg.rounds * cfg.stages + 20;
    expect(measured).toBeGreaterThanOrEqual((r.beatsIn / (r.beatsIn / promised + overhead)) * 0.98);
    expect(measured).toBeLessThanOrEqual(promised + 1e-9);
  });
});
