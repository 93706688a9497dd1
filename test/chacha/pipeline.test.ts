// The generated ChaCha packet cipher in Verilator against the golden model, across a
// matrix of configurations: RFC 8439 vectors, thousands of random packets under random
// gaps and stalls, counter wrap, reset in the middle of traffic, key-slot rewrites, and
// the rate and latency each configuration promises.
import { beforeAll, describe, expect, it } from 'vitest';
import { PIPELINE_CONFIGS } from '../../rtl-gen/chacha/designs.ts';
import { keyWriteBusyCycles } from '../../rtl-gen/chacha/keystream.ts';
import { pipelineLatency } from '../../rtl-gen/chacha/pipeline.ts';
import { cipherPacket } from '../../sim/golden/chacha-stream.ts';
import { encodeContext } from '../../spec/chacha-stream.ts';
import { Rng, Scoreboard, StreamSink, StreamSource, risingEdge } from '../../sim/index.ts';
import { bigToBytes } from '../../spec/bytes.ts';
import { ENCRYPT_2_4_2, ENCRYPT_A_2 } from '../../spec/rfc8439-vectors.ts';
import { type OutPacket, type Packet, PipelineDriver, type PipelineConfig, checkPackets } from '../../sim/drivers/chacha-pipeline.ts';

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

  it('applies each key word to exactly the packets accepted after its handshake, rewrites inside long packets included', () => {
    // Packets of 1 byte to 40 blocks over two slots, with gaps and output stalls; key words
    // (any word, random data) written at random moments, mostly to the slot of the packet
    // coming in, while it is coming in. Every packet must come out enciphered with the key
    // as the word handshakes before its first beat left it, in every block.
    drv.reset();
    const d = drv.dut;
    const slots = Math.min(2, cfg.keySlots);
    const model = drv.keys.map((k) => Uint8Array.from(k)); // the key RAM as the handshakes so far leave it
    const sent: Packet[] = [];
    const keysOf: Uint8Array[] = [];
    const out: OutPacket[] = [];
    let bytes: number[] = [];
    let flags: boolean[] = [];
    let stray = 0;
    const take = () => {
      if (d.m_axis_tvalid.value !== 1 || d.m_axis_tready.value !== 1) return;
      const keep = d.m_axis_tkeep.big;
      bigToBytes(d.m_axis_tdata.big, drv.beatBytes).forEach((b, i) => {
        if ((keep >> BigInt(i)) & 1n) bytes.push(b);
        else if (b !== 0) stray++;
      });
      flags.push(d.m_axis_tuser.value === 1);
      if (d.m_axis_tlast.value === 1) {
        out.push({ data: Uint8Array.from(bytes), wrappedBeats: flags });
        bytes = [];
        flags = [];
      }
    };
    const wanted = 60 * Math.max(1, cfg.width / 128); // wide cores take packets fast, and a key word every ~100 cycles
    let packet: Packet = { ...randomPacket(rng, drv, 1), slot: 0 };
    let beats: Array<Record<string, bigint | number>> = [];
    let open = false; // the packet's first beat is in, its last is not
    const next = () => {
      const len = rng.next() < 0.3 ? rng.int(1, 128) : rng.int(129, 40 * 64);
      packet = { ...randomPacket(rng, drv, len), slot: rng.int(0, slots - 1) };
      beats = drv.beatsOf(packet);
      open = false;
    };
    next();
    let write: { slot: number; word: number; data: number } | undefined;
    let words = 0;
    let wordsInside = 0; // taken while a packet of their slot was open
    for (let cycle = 0; cycle < 400_000 && (sent.length < wanted || write); cycle++) {
      const offer = sent.length < wanted && rng.next() < 0.85;
      if (offer) for (const [k, v] of Object.entries(beats[0]!)) d[`s_axis_${k}`]!.value = v;
      d.s_axis_tvalid.value = offer ? 1 : 0;
      d.m_axis_tready.value = rng.next() < 0.8 ? 1 : 0;
      if (!write && words < 400 && rng.next() < 0.05) {
        const slot = open && rng.next() < 0.8 ? packet.slot : rng.int(0, cfg.keySlots - 1);
        write = { slot, word: rng.int(0, 7), data: rng.int(0, 0xffffffff) };
      }
      d.key_wr_valid.value = write ? 1 : 0;
      if (write) {
        d.key_wr_slot.value = write.slot;
        d.key_wr_word.value = write.word;
        d.key_wr_data.value = write.data;
      }
      const accepted = offer && d.s_axis_tready.value === 1;
      const taken = write !== undefined && d.key_wr_ready.value === 1;
      take();
      d.tick();
      if (accepted) {
        // A word taken at the same edge as a first beat is not that packet's.
        if (!open) keysOf.push(Uint8Array.from(model[packet.slot]!));
        open = true;
        beats.shift();
        if (beats.length === 0) {
          sent.push(packet);
          next();
        }
      }
      if (taken) {
        if (open && write!.slot === packet.slot) wordsInside++;
        new DataView(model[write!.slot]!.buffer).setUint32(4 * write!.word, write!.data, true);
        words++;
        write = undefined;
      }
    }
    d.s_axis_tvalid.value = 0;
    d.key_wr_valid.value = 0;
    d.m_axis_tready.value = 1;
    for (let i = 0; i < 5000 && (out.length < sent.length || d.key_wr_ready.value !== 1); i++) {
      take();
      d.tick();
    }
    drv.keys.forEach((_, s) => (drv.keys[s] = model[s]!));
    expect(wordsInside).toBeGreaterThanOrEqual(10); // rewrites really fell inside packets of their slot
    expect(stray, 'output bytes outside tkeep that are not zero').toBe(0);
    checkPackets(drv, sent, out, sent.map((p, i) => {
      return cipherPacket({ key: keysOf[i]!, nonce: p.nonce, counter: p.counter }, p.data, drv.beatBytes, cfg.rounds, cfg.layout);
    }));
  });

  it('keeps its keys through a reset, and a key word taken before the reset goes into both key copies', () => {
    drv.reset();
    const d = drv.dut;
    const busy = keyWriteBusyCycles(cfg.rounds, cfg.units, cfg.stages, cfg.entryReg);
    for (const after of [0, 1, Math.floor(busy / 2), busy - 2]) {
      while (d.key_wr_ready.value !== 1) d.tick();
      const slot = rng.int(0, cfg.keySlots - 1);
      const word = rng.int(0, 7);
      const data = rng.int(0, 0xffffffff);
      d.key_wr_valid.value = 1;
      d.key_wr_slot.value = slot;
      d.key_wr_word.value = word;
      d.key_wr_data.value = data;
      d.tick();
      d.key_wr_valid.value = 0;
      d.tick(after);
      // A plain reset (the driver's reset() would write the keys again).
      d.rst.value = 1;
      d.tick(2);
      d.rst.value = 0;
      new DataView(drv.keys[slot]!.buffer, drv.keys[slot]!.byteOffset).setUint32(4 * word, data, true);
      while (d.key_wr_ready.value !== 1) d.tick();
      const packets = Array.from({ length: 8 }, (_, i) => ({ ...randomPacket(rng, drv, rng.int(1, 300)), slot: i % 2 ? slot : rng.int(0, cfg.keySlots - 1) }));
      const r = drv.run(packets, { stalls: rng.pattern(31, 0.2) });
      checkPackets(drv, packets, r.out);
    }
  });

  it('keeps key_wr_ready low for the documented time after each word', () => {
    drv.reset();
    const d = drv.dut;
    // Idle core: every word waits the same time. Then a word for the slot of an open packet
    // waits for that packet's last beat as well.
    const keyReady = () => d.key_wr_ready.value; // (read afresh: TypeScript would narrow the property)
    while (keyReady() !== 1) d.tick(); // the reset's own key writes
    const lows: number[] = [];
    for (let w = 0; w < 8; w++) {
      d.key_wr_valid.value = 1;
      d.key_wr_slot.value = 0;
      d.key_wr_word.value = w;
      d.key_wr_data.value = new DataView(drv.keys[0]!.buffer, drv.keys[0]!.byteOffset + 4 * w, 4).getUint32(0, true);
      expect(d.key_wr_ready.value).toBe(1);
      d.tick();
      d.key_wr_valid.value = 0;
      let low = 0;
      while (keyReady() === 0 && low < 10_000) {
        d.tick();
        low++;
      }
      lows.push(low);
    }
    expect(lows).toEqual(Array(8).fill(keyWriteBusyCycles(cfg.rounds, cfg.units, cfg.stages, cfg.entryReg)));
    // A packet of slot 0 opened and held open (its second beat never offered): a word for
    // slot 1 goes through as on an idle core, a word for slot 0 waits until the packet ends.
    const p = { ...randomPacket(rng, drv, 3 * drv.beatBytes), slot: 0 };
    const beats = drv.beatsOf(p);
    for (const [k, v] of Object.entries(beats[0]!)) d[`s_axis_${k}`]!.value = v;
    d.s_axis_tvalid.value = 1;
    d.m_axis_tready.value = 1;
    while (d.s_axis_tready.value !== 1) d.tick();
    d.tick();
    d.s_axis_tvalid.value = 0;
    const word = (slot: number): number => {
      d.key_wr_valid.value = 1;
      d.key_wr_slot.value = slot;
      d.key_wr_word.value = 0;
      d.key_wr_data.value = new DataView(drv.keys[slot]!.buffer, drv.keys[slot]!.byteOffset, 4).getUint32(0, true);
      d.tick();
      d.key_wr_valid.value = 0;
      let low = 0;
      while (d.key_wr_ready.value === 0 && low < 2_000) {
        d.tick();
        low++;
      }
      return low;
    };
    expect(word(1)).toBe(lows[0]);
    expect(word(0)).toBe(2_000); // still waiting: the packet is open
    for (const b of beats.slice(1)) {
      for (const [k, v] of Object.entries(b)) d[`s_axis_${k}`]!.value = v;
      d.s_axis_tvalid.value = 1;
      while (d.s_axis_tready.value !== 1) d.tick();
      d.tick();
    }
    d.s_axis_tvalid.value = 0;
    let rest = 0;
    while (keyReady() === 0) {
      d.tick();
      rest++;
    }
    expect(rest).toBe(lows[0]); // from the packet's last beat, as from a handshake
    drv.reset();
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
