// The generated ChaCha20-Poly1305 packet engine in Verilator, on three configurations, against
// independent references: RFC 8439 2.6.2, 2.8.2, A.4 and A.5; the node's own AEAD
// (host/crypto, both backends) on random frames of 0 to 1,444 bytes with random AAD
// lengths under random gaps and stalls; every single-bit flip of AAD, ciphertext and tag;
// a wrong key slot; malformed lengths; the consumer rule; reset in the middle of traffic; key
// words written under traffic.
import { poly1305 as noblePoly } from '@noble/ciphers/_poly1305.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { nobleAead, nodeAead } from '../../host/crypto/aead.ts';
import { AEAD_TAG_BYTES, aeadNonce } from '../../spec/aead-stream.ts';
import { AEAD_CONFIGS } from '../../rtl-gen/aead/designs.ts';
import { leToBig } from '../../rtl-gen/poly1305/limbs.ts';
import { AEAD_2_8_2, AEAD_A_5, POLY1305_KEYGEN } from '../../spec/rfc8439-vectors.ts';
import { AeadDriver, type AeadConfig, type AeadOut, type AeadPacket } from '../../sim/drivers/aead-engine.ts';
import { Rng } from '../../sim/random.ts';
import { expectedAead } from '../../testbed/aead-golden.ts';

const hex = (b?: Uint8Array): string => (b ? Buffer.from(b).toString('hex') : '(any)');
const join = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

/** The committed engines (rtl-gen/aead/designs.ts), each with how many random frames CI sends. */
const FRAMES = [600, 300, 400];
const CONFIGS: Array<AeadConfig & { frames: number }> = AEAD_CONFIGS.map((c, i) => ({ ...c, frames: FRAMES[i] ?? 300 }));

function checkOut(drv: AeadDriver, sent: AeadPacket[], got: AeadOut[], keysOf?: Uint8Array[]): void {
  expect(got.length, `${drv.name}: packets out`).toBe(sent.length);
  sent.forEach((p, i) => {
    const e = expectedAead(i % 2 ? nodeAead : nobleAead, keysOf?.[i] ?? drv.keys[p.slot]!, p);
    const g = got[i]!;
    const what = `${drv.name}: packet #${i} (${p.op}, ${p.aad.length} + ${p.body.length} bytes, slot ${p.slot})`;
    expect(g.ok, `${what}: verdict`).toBe(e.ok);
    if (e.data) expect(hex(g.data), what).toBe(hex(e.data));
  });
}

/** A random frame: AAD of 0 to 64 bytes (20, the link header, half the time), text up to 1,444 bytes in all. */
function randomFrame(rng: Rng, drv: AeadDriver, op: 'seal' | 'open', slot = rng.int(0, drv.cfg.keySlots - 1)): AeadPacket {
  const aad = rng.bytes(rng.next() < 0.5 ? 20 : rng.int(0, 64));
  const r = rng.next();
  const textMax = 1444 - aad.length - (op === 'open' ? AEAD_TAG_BYTES : 0);
  const text = rng.bytes(Math.min(textMax, r < 0.5 ? rng.int(0, 64) : r < 0.8 ? rng.int(65, 400) : rng.int(401, textMax)));
  const counter = rng.bits(52);
  if (op === 'seal') return { slot, op, counter, aad, body: text };
  const sealed = nobleAead.seal(drv.keys[slot]!, aeadNonce(counter), aad, text);
  return { slot, op, counter, aad, body: sealed };
}

describe.each(CONFIGS)('AEAD engine w$width u$units s$stages, $lanes Poly1305 lane(s)', (cfg) => {
  let drv: AeadDriver;
  let rng: Rng;
  beforeAll(async () => {
    const { frames: _f, ...params } = cfg;
    drv = await AeadDriver.create(params);
    rng = new Rng(cfg.width + cfg.units);
    for (let s = 0; s < cfg.keySlots; s++) drv.writeKey(s, rng.bytes(32));
  });

  it('seals RFC 8439 2.8.2 and opens A.5', () => {
    drv.writeKey(0, AEAD_2_8_2.key);
    drv.writeKey(1, AEAD_A_5.key);
    // Both nonces are a 32-bit fixed field and a 64-bit counter: 2.8.2's fixed field is 7.
    const fixedOf = (n: Uint8Array) => new DataView(n.buffer, n.byteOffset).getUint32(0, true);
    const counterOf = (n: Uint8Array) => leToBig(n.subarray(4, 12));
    const packets: AeadPacket[] = [
      { slot: 0, op: 'seal', fixed: fixedOf(AEAD_2_8_2.nonce), counter: counterOf(AEAD_2_8_2.nonce), aad: AEAD_2_8_2.aad, body: AEAD_2_8_2.plaintext },
      { slot: 1, op: 'open', fixed: fixedOf(AEAD_A_5.nonce), counter: counterOf(AEAD_A_5.nonce), aad: AEAD_A_5.aad, body: join(AEAD_A_5.ciphertext, AEAD_A_5.tag) },
    ];
    const r = drv.run(packets, { stalls: rng.pattern(37, 0.3) });
    expect(hex(r.out[0]!.data)).toBe(hex(join(AEAD_2_8_2.aad, AEAD_2_8_2.ciphertext, AEAD_2_8_2.tag)));
    expect(hex(r.out[1]!.data)).toBe(hex(join(AEAD_A_5.aad, AEAD_A_5.plaintext)));
    expect(r.out.map((o) => o.ok)).toEqual([true, true]);
  });

  it('takes its Poly1305 key from ChaCha20 block 0 (RFC 8439 2.6.2 and A.4)', () => {
    // An empty packet's tag is Poly1305 of the all-zero lengths block under the one-time key.
    const packets = POLY1305_KEYGEN.map((v, i) => {
      drv.writeKey(i % cfg.keySlots, v.key);
      const n = v.nonce;
      return { slot: i % cfg.keySlots, op: 'seal' as const, fixed: new DataView(n.buffer, n.byteOffset).getUint32(0, true), counter: leToBig(n.subarray(4, 12)), aad: new Uint8Array(0), body: new Uint8Array(0) };
    });
    const out: AeadOut[] = [];
    // One packet per run: the slots are rewritten between them.
    packets.forEach((p, i) => {
      drv.writeKey(p.slot, POLY1305_KEYGEN[i]!.key);
      out.push(drv.run([p]).out[0]!);
    });
    out.forEach((o, i) => expect(hex(o.data)).toBe(hex(noblePoly(new Uint8Array(16), POLY1305_KEYGEN[i]!.otk))));
    for (let s = 0; s < cfg.keySlots; s++) drv.writeKey(s, rng.bytes(32));
  });

  it(`matches the node's AEAD on ${cfg.frames} random frames of 0 to 1,444 bytes under random gaps and stalls`, () => {
    const packets = Array.from({ length: cfg.frames }, () => randomFrame(rng, drv, rng.next() < 0.5 ? 'seal' : 'open'));
    // A fifth of the opened frames forged (a random byte changed).
    packets.forEach((p, i) => {
      if (p.op === 'open' && i % 5 === 0) {
        const all = join(p.aad, p.body);
        all[rng.int(0, all.length - 1)]! ^= 1 << rng.int(0, 7);
        p.aad = all.subarray(0, p.aad.length);
        p.body = all.subarray(p.aad.length);
      }
    });
    const r = drv.run(packets, { gaps: rng.pattern(1009, 0.25), stalls: rng.pattern(1013, 0.3) });
    checkOut(drv, packets, r.out);
    expect(r.out.filter((o) => !o.ok).length).toBeGreaterThan(0);
  });

  it('detects every single-bit flip of AAD, ciphertext and tag of a 64-byte link frame', () => {
    const slot = 0;
    const aad = rng.bytes(20);
    const counter = rng.bits(52);
    const sealed = nobleAead.seal(drv.keys[slot]!, aeadNonce(counter), aad, rng.bytes(28));
    const frame = join(aad, sealed);
    const packets: AeadPacket[] = [{ slot, op: 'open', counter, aad, body: sealed }];
    for (let bit = 0; bit < frame.length * 8; bit++) {
      const f = Uint8Array.from(frame);
      f[bit >> 3]! ^= 1 << (bit & 7);
      packets.push({ slot, op: 'open', counter, aad: f.subarray(0, 20), body: f.subarray(20) });
    }
    const r = drv.run(packets, { stalls: rng.pattern(61, 0.1) });
    expect(r.out.length).toBe(packets.length);
    expect(r.out[0]!.ok).toBe(true);
    const accepted = r.out.slice(1).flatMap((o, bit) => (o.ok ? [bit] : []));
    expect(accepted, 'flipped bits whose frame was taken as good').toEqual([]);
  });

  it('rejects a frame opened with the wrong key slot, and flags malformed lengths', () => {
    const good = randomFrame(rng, drv, 'open', 0);
    const wrongSlot = { ...good, slot: 1 };
    const noTag: AeadPacket = { slot: 0, op: 'open', counter: 1n, aad: rng.bytes(20), body: rng.bytes(15) };
    const aadTooLong: AeadPacket = { slot: 0, op: 'seal', counter: 2n, aad: rng.bytes(10), body: new Uint8Array(0), aadBytes: 40 };
    const r = drv.run([good, wrongSlot, noTag, aadTooLong]);
    expect(r.out.map((o) => [o.ok, o.malformed])).toEqual([[true, false], [false, false], [false, true], [false, true]]);
  });

  it('never marks a beat good but the last beat of an authentic packet (the consumer rule)', () => {
    // A consumer that buffers each packet and keeps it only if tuser[OUT_OK] is 1 with tlast.
    const packets = Array.from({ length: 60 }, (_, i) => {
      const p = randomFrame(rng, drv, 'open');
      if (i % 2) p.body = Uint8Array.from(p.body, (b, k) => (k === p.body.length - 1 ? b ^ 0x80 : b)); // tag forged
      return p;
    });
    const d = drv.dut;
    const beats = packets.flatMap((p) => drv.beatsOf(p));
    const watch = drv.watchOutput();
    for (let cycle = 0, sent = 0; watch.out.length < packets.length && cycle < 100_000; cycle++) {
      if (sent < beats.length) {
        for (const [k, v] of Object.entries(beats[sent]!)) d[`s_axis_${k}`]!.value = v;
        d.s_axis_tvalid.value = 1;
      } else d.s_axis_tvalid.value = 0;
      d.m_axis_tready.value = rng.next() < 0.8 ? 1 : 0;
      const took = sent < beats.length && d.s_axis_tready.value === 1;
      watch.sample();
      d.tick();
      if (took) sent++;
    }
    d.s_axis_tvalid.value = 0;
    expect(watch.marked).toBe(0);
    const kept = watch.out.filter((o) => o.ok).map((o) => o.data);
    const authentic = packets.filter((_, i) => i % 2 === 0).map((p) => hex(expectedAead(nodeAead, drv.keys[p.slot]!, p).data));
    expect(kept.map((k) => hex(k))).toEqual(authentic);
  });

  it('emits nothing from before a reset in the middle of traffic', () => {
    const before = Array.from({ length: 30 }, () => randomFrame(rng, drv, rng.next() < 0.5 ? 'seal' : 'open'));
    const partial = drv.run(before, { maxCycles: 250, expectBeats: 1 << 20 });
    expect(partial.beatsIn).toBeLessThan(partial.sent);
    drv.reset();
    const after = Array.from({ length: 40 }, () => randomFrame(rng, drv, rng.next() < 0.5 ? 'seal' : 'open'));
    const r = drv.run(after, { gaps: rng.pattern(97, 0.2), stalls: rng.pattern(89, 0.2) });
    checkOut(drv, after, r.out);
  });

  it('applies each key word to exactly the packets whose first beat comes after it, under traffic', () => {
    drv.reset();
    const d = drv.dut;
    // 64-byte link frames, sealed and opened, offered back to back, the output stalling now
    // and then, while key words go into slot 0 at random moments (most of them while a
    // packet of slot 0 is coming in). Each packet is checked with the key as the handshakes
    // before its first beat left it.
    const model = drv.keys.map((k) => Uint8Array.from(k));
    const keysOf: Uint8Array[] = [];
    const sent: AeadPacket[] = [];
    const watch = drv.watchOutput();
    const out = watch.out;
    let packet: AeadPacket;
    let beats: Array<Record<string, bigint | number>> = [];
    const next = () => {
      const op = rng.next() < 0.5 ? 'seal' : 'open';
      const aad = rng.bytes(20);
      const counter = rng.bits(52);
      const slot = rng.next() < 0.7 ? 0 : 1;
      // Opened frames are sealed under the key the packet will see, so every one must verify.
      packet = { slot, op, counter, aad, body: rng.bytes(28) };
      beats = drv.beatsOf(packet);
    };
    next();
    let firstSeen = false;
    let write: { slot: number; word: number; data: number } | undefined;
    let words = 0;
    for (let cycle = 0; cycle < 30_000 && (words < 40 || sent.length < 200); cycle++) {
      if (!write && rng.next() < 0.05 && words < 40) write = { slot: 0, word: rng.int(0, 7), data: rng.int(0, 0xffffffff) };
      d.key_wr_valid.value = write ? 1 : 0;
      if (write) {
        d.key_wr_slot.value = write.slot;
        d.key_wr_word.value = write.word;
        d.key_wr_data.value = write.data;
      }
      if (!firstSeen && packet!.op === 'open') {
        // Sealed now under the key it would see if taken now (a word taken before it is
        // taken makes it a forgery, which the model then expects).
        packet!.body = nobleAead.seal(model[packet!.slot]!, aeadNonce(packet!.counter), packet!.aad, packet!.body);
        beats = drv.beatsOf(packet!);
        firstSeen = true;
      }
      for (const [k, v] of Object.entries(beats[0]!)) d[`s_axis_${k}`]!.value = v;
      d.s_axis_tvalid.value = sent.length < 200 ? 1 : 0;
      d.m_axis_tready.value = rng.next() < 0.8 ? 1 : 0;
      const accepted = sent.length < 200 && d.s_axis_tready.value === 1;
      const taken = write !== undefined && d.key_wr_ready.value === 1;
      watch.sample();
      const firstBeat = beats.length === drv.beatsOf(packet!).length;
      d.tick();
      if (accepted) {
        // A word taken at the same edge as a first beat is not that packet's.
        if (firstBeat) keysOf.push(Uint8Array.from(model[packet!.slot]!));
        beats.shift();
        if (beats.length === 0) {
          sent.push(packet!);
          next();
          firstSeen = false;
        }
      }
      if (taken) {
        new DataView(model[write!.slot]!.buffer).setUint32(4 * write!.word, write!.data, true);
        words++;
        write = undefined;
      }
    }
    d.s_axis_tvalid.value = 0;
    d.key_wr_valid.value = 0;
    d.m_axis_tready.value = 1;
    for (let i = 0; i < 20_000 && out.length < sent.length; i++) {
      watch.sample();
      d.tick();
    }
    model.forEach((k, s) => (drv.keys[s] = k));
    expect(words).toBe(40);
    checkOut(drv, sent, out, keysOf);
  });
});
