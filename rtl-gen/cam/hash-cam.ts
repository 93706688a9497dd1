// Hashed exact-match route table for thousands of routes: `ways` block RAMs, each indexed by
// its own H3 hash of the route ID (spec/route-table/hash.ts), plus a small stash of registers for
// the routes no cuckoo chain can place. The host's table manager computes every placement
// (cuckoo moves included) and writes slots; the hardware only reads and writes words, so it
// never fails an insert silently.
//
// Lookup pipeline (one lookup per cycle, latency 8):
//   s1  route ID and tag registered
//   s2  hash of each way registered
//   s3  block-RAM read of each way's word    stash: key compared in 8-bit groups (reads stash keys)
//   s4  word in the block RAM's output register (ram "ecp5": DP16KD REGMODE "OUTREG") or in
//       fabric flip-flops (ram "inferred")    stash: match vector
//   s5  word copied into fabric flip-flops     stash: value of the lowest match (reads stash values)
//   s6  per way: key compared in 8-bit groups
//       (the forwarded word if one was written at the read)
//   s7  per way: all groups equal and valid
//   out first hit in the order way 0 .. way N-1, stash
// Commands are registered (cmd_*_reg), then again (cmd_d1_*_reg, cmd_d2_*_reg). Stash keys
// are written from the first stage, block-RAM words from the second, stash values from the
// third, so the RAM read, the stash key compare and the stash value read all see the same
// commands: a lookup accepted in cycle t sees the commands accepted up to and including cycle
// t. When a
// RAM write and a read hit the same address in the same cycle the written word is forwarded
// (the block RAM's own collision behaviour is never relied on).
//
// After reset a clear pass writes zero to every RAM word (depth cycles); s_cmd_ready is low
// and lookups miss until it ends.
//
// ram "ecp5" instantiates ECP5 DP16KD blocks with their output register (rtl-gen/vendor/):
// yosys 0.23 maps inferred ECP5 block RAM without it, and the 5.8 ns clock-to-output of the
// bare block alone exceeds a 156.25 MHz cycle once routed. ram "inferred" prints a Verilog
// memory any tool maps (iCE40, other families); both behave the same cycle for cycle.

import { HashGeometry } from '../../spec/route-table/geometry.ts';
import { maskBig } from '../../spec/route-table/hash.ts';
import { type Expr, add, and, concat, constant, eq, fold, mux, not, or, reduce } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module, type RegHandle } from '../ir/module.ts';
import { intRange, oneOf, powerOfTwo } from '../ir/params.ts';
import { ecp5Ram } from '../vendor/ecp5.ts';
import { type CamTiming, VALID_BIT, commandPort, commonSchema, layoutDocs, layoutFor, lookupPorts, reservedOpDoc } from './common.ts';

/** Key bits compared per LUT group in the first compare stage. */
const COMPARE_GROUP = 8;

export const hashCamSchema = {
  entries: powerOfTwo('block-RAM slots (ways x depth)', 4096, 64, 65536),
  ways: oneOf<number>('ways: block RAMs, each with its own hash function', 4, [2, 4, 8]),
  stash: intRange('stash slots (registers) for routes no cuckoo chain can place', 4, 0, 16),
  ...commonSchema,
  ram: oneOf<string>('block RAM: "ecp5" DP16KD primitives with output register, or "inferred" (any device)', 'ecp5', ['ecp5', 'inferred']),
};

export function hashCamGeometry(p: { entries: number; ways: number; stash: number; keyWidth: number; valueWidth: number }): HashGeometry {
  return new HashGeometry(p.entries, p.ways, p.stash, p.keyWidth, p.valueWidth);
}

/** The H3 masks in hex, as the header and docs/route-table.md print them: masks[way][index bit]. */
export function hashMasksHex(g: HashGeometry): string[][] {
  const digits = Math.ceil(g.keyWidth / 4);
  return g.hash.masks.map((way) => way.map((mask) => `0x${maskBig(mask).toString(16).padStart(digits, '0')}`));
}

/** Header lines: how a route ID is hashed to its index in each way. */
function hashDocs(g: HashGeometry): string[] {
  return [
    `H3 hashes: bit b of a route ID's index in way w is the XOR (parity) of the route ID bits set in mask[w][b] (mask bit 0 = route ID bit 0):`,
    ...hashMasksHex(g).map((way, w) => `  way ${w}: ${way.map((mk, b) => `[${b}] ${mk}`).join(' ')}`),
  ];
}

export function hashCamTiming(p: { entries: number; ways: number }): CamTiming {
  return { latency: 8, visibility: { write: 0, update: 0, delete: 0 }, busyAfter: { write: 0, update: 0, delete: 0 }, clearCycles: p.entries / p.ways };
}

export const hashCam = defineGenerator('cam/hash-cam', '1.1.0', hashCamSchema, (p, info) => {
  const g = hashCamGeometry(p);
  const layout = layoutFor(p.valueWidth);
  const t = hashCamTiming(p);
  const kw = p.keyWidth;
  const vw = p.valueWidth;
  const ww = kw + vw;
  const ib = g.indexBits;
  const m = new Module(`route_cam_hash_e${p.entries}_w${p.ways}_s${p.stash}_k${kw}_v${vw}${p.ram === 'inferred' ? '_inferred' : ''}`, info);
  m.describe(
    `Route lookup, hashed exact match: ${p.ways} ways x ${g.depth} words in block RAM + ${p.stash} stash slots,`,
    `${kw}-bit route ID, ${vw}-bit value. Slot numbers: way w index i is slot w*${g.depth}+i; stash j is slot ${p.entries}+j.`,
    `One lookup per cycle; the result appears ${t.latency} cycles after the request, with its tag.`,
    'A lookup sees every command accepted up to and including its own cycle, and none later.',
    `Commands are accepted every cycle, except during the ${t.clearCycles}-cycle clear pass after reset.`,
    'Word of each way: {route ID, value}; a slot matches when its key equals the route ID and value bit 0 (valid) is 1.',
    reservedOpDoc(),
    ...hashDocs(g),
    ...layoutDocs(layout),
  );
  m.clock();
  const rst = m.reset();
  const lk = lookupPorts(m, kw, vw, p.tagWidth);
  lk.ready.drive(constant(1, 1));

  // Clear pass after reset.
  const clearing = m.reg('clearing_reg', 1, { reset: 1, doc: 'writing zero to every RAM word after reset' });
  const clearIndex = m.reg('clear_index_reg', ib, { reset: 0 });
  const clearLast = m.wire('clear_last', eq(clearIndex, constant(g.depth - 1, ib)));
  clearing.set(and(clearing, not(clearLast)));
  clearIndex.set(add(clearIndex, constant(1, ib)), clearing);

  const cmd = commandPort(m, kw, vw, g.slotBits, not(clearing));
  void rst;

  // Second command stage: RAM words are written from here.
  const d1Word = m.reg('cmd_d1_word_reg', ww, { doc: '{route ID, value} to write; zero for a delete and the clear pass' });
  const d1Stores = m.wire('cmd_stores', cmd.acceptedKnown);
  d1Word.set(mux(or(clearing, cmd.accepted('delete')), constant(0, ww), concat(cmd.key, cmd.value)));
  const d1Value = m.slice(d1Word, vw - 1, 0);

  const slotHi = g.slotBits - 1;
  const waysBits = Math.log2(p.ways);
  const inWays = (slot: Expr): Expr => (p.stash > 0 ? not(m.slice(slot, slotHi, slotHi)) : constant(1, 1));
  const wayOf = (slot: Expr, w: number): Expr => (waysBits === 0 ? constant(1, 1) : eq(m.slice(slot, ib + waysBits - 1, ib), constant(w, waysBits)));
  // The block-RAM write port is driven straight from flip-flops (the RAMs are spread over the
  // chip; a decode in front of them costs a cycle's worth of routing): the clear pass and the
  // commands are merged into this stage's index, word (d1Word) and per-way write enables.
  const ramIndex = m.reg('ram_write_index_d1_reg', ib, { doc: 'block-RAM index written now' });
  ramIndex.set(mux(clearing, clearIndex, m.slice(cmd.slot, ib - 1, 0)));
  const ramWrite = Array.from({ length: p.ways }, (_, w) => {
    const r = m.reg(`way${w}_write_d1_reg`, 1, { reset: 0, doc: `way ${w} is written now (command or clear pass)` });
    r.set(or(clearing, and(d1Stores, and(inWays(cmd.slot), wayOf(cmd.slot, w)))));
    return r;
  });

  // s1: request.
  const validS1 = m.reg('lookup_valid_s1_reg', 1, { reset: 0 });
  const keyS1 = m.reg('lookup_key_s1_reg', kw);
  const tagS1 = m.reg('lookup_tag_s1_reg', p.tagWidth);
  validS1.set(lk.valid);
  keyS1.set(lk.key);
  tagS1.set(lk.tag);

  // s2: hashes.
  const validS2 = m.reg('lookup_valid_s2_reg', 1, { reset: 0 });
  const keyS2 = m.reg('lookup_key_s2_reg', kw);
  const tagS2 = m.reg('lookup_tag_s2_reg', p.tagWidth);
  validS2.set(validS1);
  keyS2.set(keyS1);
  tagS2.set(tagS1);
  const indexS2: Expr[] = [];
  for (let w = 0; w < p.ways; w++) {
    const bits = g.hash.masks[w]!.map((mask) => reduce('xor', and(keyS1, constant(maskBig(mask), kw))));
    const h = m.wire(`way${w}_hash`, concat(...bits.reverse()));
    const r = m.reg(`way${w}_index_s2_reg`, ib);
    r.set(h);
    indexS2.push(r);
  }

  // s3: RAM reads (with forwarding of a same-cycle write), stash compare; the read word is in
  // the block RAM's output register (or fabric flip-flops) at s4.
  const validS3 = m.reg('lookup_valid_s3_reg', 1, { reset: 0 });
  const keyS3 = m.reg('lookup_key_s3_reg', kw);
  const tagS3 = m.reg('lookup_tag_s3_reg', p.tagWidth);
  const clearS3 = m.reg('lookup_clearing_s3_reg', 1, { doc: 'the read may see words the clear pass has not reached' });
  validS3.set(validS2);
  keyS3.set(keyS2);
  tagS3.set(tagS2);
  clearS3.set(clearing);
  const wordS4: Expr[] = [];
  const bypassS3: Expr[] = [];
  const bypassWordS3 = m.reg('bypass_word_s3_reg', ww, { doc: 'word written in the cycle of the read' });
  bypassWordS3.set(d1Word);
  for (let w = 0; w < p.ways; w++) {
    // A read of the word written at the same edge is replaced by the forwarded word, so the
    // RAM's own collision behaviour does not matter (the clear pass forwards zero words).
    const write = { enable: ramWrite[w]!, addr: ramIndex, data: d1Word };
    if (p.ram === 'ecp5') {
      wordS4.push(m.named(ecp5Ram(m, `way${w}_ram`, { width: ww, depth: g.depth, outputRegister: true }, write, indexS2[w]!), `way${w}_word_s4`));
    } else {
      const mem = m.memory(`way${w}_mem`, ww, g.depth, `way ${w}: {route ID, value} per index`, { readDuringWrite: 'undefined' });
      mem.write(write.enable, write.addr, write.data);
      // The word goes straight from the block RAM into flip-flops: nothing else on that path,
      // the RAM's clock-to-output is most of the cycle.
      const r = m.reg(`way${w}_word_s4_reg`, ww);
      r.set(mem.readSync(`way${w}_read_s3`, indexS2[w]!));
      wordS4.push(r);
    }
    const bypass = m.reg(`way${w}_bypass_s3_reg`, 1);
    bypass.set(and(ramWrite[w]!, eq(ramIndex, indexS2[w]!)));
    bypassS3.push(bypass);
  }

  // Stash: keys and valid bits written from the first command stage and compared (in
  // COMPARE_GROUP-bit groups) in the same cycle as the RAM read; values written from the third
  // command stage and read two cycles after the compare.
  const groups = Math.ceil(kw / COMPARE_GROUP);
  /** One bit per COMPARE_GROUP-bit group: bits lo.. of `a` (from bit aLo) equal those of `b`. */
  const groupEqual = (a: Expr, aLo: number, b: Expr): Expr => {
    const bits: Expr[] = [];
    for (let gi = 0; gi < groups; gi++) {
      const lo = gi * COMPARE_GROUP;
      const hi = Math.min(kw, lo + COMPARE_GROUP) - 1;
      bits.push(eq(m.slice(a, aLo + hi, aLo + lo), m.slice(b, hi, lo)));
    }
    return concat(...bits.reverse());
  };
  const stashEqualS3: Expr[] = [];
  const stashValidS3: Expr[] = [];
  const stashValues: Expr[] = [];
  if (p.stash > 0) {
    const d2Value = m.reg('cmd_d2_value_reg', vw);
    // The stash's own second command stage, then the third (values are written from it).
    const d1Valid = m.reg('cmd_d1_valid_reg', 1, { reset: 0 });
    const d1Slot = m.reg('cmd_d1_slot_reg', g.slotBits);
    d1Valid.set(d1Stores);
    d1Slot.set(cmd.slot);
    d2Value.set(d1Value);
    // Write enables are decoded a stage ahead and registered, so each stash register is
    // enabled straight from a flip-flop.
    // Only write, update and delete touch a stash entry's valid bit: a reserved op code changes nothing.
    const newValid = m.wire('cmd_stash_valid', and(not(cmd.accepted('delete')), m.slice(cmd.value, VALID_BIT, VALID_BIT)));
    for (let j = 0; j < p.stash; j++) {
      const slot = constant(p.entries + j, g.slotBits);
      const inSlot = m.wire(`cmd_in_stash${j}`, eq(cmd.inSlot, slot));
      const keyWrite = m.reg(`stash${j}_key_write_reg`, 1, { reset: 0, doc: `the registered command writes stash ${j}'s key` });
      keyWrite.set(and(cmd.accepting('write'), inSlot));
      const validWrite = m.reg(`stash${j}_valid_write_reg`, 1, { reset: 0, doc: `the registered command writes stash ${j}'s valid bit` });
      validWrite.set(and(cmd.acceptingKnown, inSlot));
      const valueWrite = m.reg(`stash${j}_value_write_d2_reg`, 1, { reset: 0, doc: `stash ${j}'s value is written now` });
      valueWrite.set(and(d1Valid, eq(d1Slot, slot)));
      const key = m.reg(`stash${j}_key_reg`, kw);
      key.set(cmd.key, keyWrite);
      const valid = m.reg(`stash${j}_valid_reg`, 1, { reset: 0 });
      valid.set(newValid, validWrite);
      const value = m.reg(`stash${j}_value_reg`, vw);
      value.set(d2Value, valueWrite);
      const eqr = m.reg(`stash${j}_key_equal_s3_reg`, groups);
      eqr.set(groupEqual(key, 0, keyS2));
      const vr = m.reg(`stash${j}_valid_s3_reg`, 1);
      vr.set(valid);
      stashEqualS3.push(eqr);
      stashValidS3.push(vr);
      stashValues.push(value);
    }
  }

  // s4: words read (above); stash match vector.
  const validS4 = m.reg('lookup_valid_s4_reg', 1, { reset: 0 });
  const keyS4 = m.reg('lookup_key_s4_reg', kw);
  const tagS4 = m.reg('lookup_tag_s4_reg', p.tagWidth);
  const clearS4 = m.reg('lookup_clearing_s4_reg', 1);
  const bypassWordS4 = m.reg('bypass_word_s4_reg', ww);
  validS4.set(validS3);
  keyS4.set(keyS3);
  tagS4.set(tagS3);
  clearS4.set(clearS3);
  bypassWordS4.set(bypassWordS3);
  const bypassS4 = bypassS3.map((b, w) => {
    const r = m.reg(`way${w}_bypass_s4_reg`, 1);
    r.set(b);
    return r;
  });
  const zeroV = constant(0, vw);
  const stashHit: RegHandle[] = [];
  const stashValue: RegHandle[] = [];
  if (p.stash > 0) {
    // s4: stash match vector; s5: value of the lowest match (reads stash values); s6, s7: wait.
    const match = m.reg('stash_match_s4_reg', p.stash);
    match.set(concat(...stashEqualS3.map((e, j) => and(stashValidS3[j]!, reduce('and', e))).reverse()));
    const hit = m.reg('stash_hit_s5_reg', 1);
    hit.set(reduce('or', match));
    const val = m.reg('stash_value_s5_reg', vw);
    let chain: Expr = zeroV;
    for (let j = p.stash - 1; j >= 0; j--) chain = mux(m.slice(match, j, j), stashValues[j]!, chain);
    val.set(m.named(chain, 'stash_value'));
    let [h, v]: RegHandle[] = [hit, val];
    for (const st of ['s6', 's7']) {
      const hn = m.reg(`stash_hit_${st}_reg`, 1);
      const vn = m.reg(`stash_value_${st}_reg`, vw);
      hn.set(h!);
      vn.set(v!);
      [h, v] = [hn, vn];
    }
    stashHit.push(h!);
    stashValue.push(v!);
  }

  // s5: each way's word copied from the block RAM into fabric flip-flops, with no logic on
  // the way: the RAM sits wherever the placer found block RAM, often far from the compare.
  const validS5 = m.reg('lookup_valid_s5_reg', 1, { reset: 0 });
  const keyS5 = m.reg('lookup_key_s5_reg', kw);
  const tagS5 = m.reg('lookup_tag_s5_reg', p.tagWidth);
  const clearS5 = m.reg('lookup_clearing_s5_reg', 1);
  const bypassWordS5 = m.reg('bypass_word_s5_reg', ww);
  validS5.set(validS4);
  keyS5.set(keyS4);
  tagS5.set(tagS4);
  clearS5.set(clearS4);
  bypassWordS5.set(bypassWordS4);
  const wordS5 = wordS4.map((word, w) => {
    const r = m.reg(`way${w}_word_s5_reg`, ww);
    r.set(word);
    return r;
  });
  const bypassS5 = bypassS4.map((b, w) => {
    const r = m.reg(`way${w}_bypass_s5_reg`, 1);
    r.set(b);
    return r;
  });

  // s6: per way, the word (or the word written in the cycle of its read) compared in
  // 8-bit groups (COMPARE_GROUP).
  const validS6 = m.reg('lookup_valid_s6_reg', 1, { reset: 0 });
  const tagS6 = m.reg('lookup_tag_s6_reg', p.tagWidth);
  const clearS6 = m.reg('lookup_clearing_s6_reg', 1);
  validS6.set(validS5);
  tagS6.set(tagS5);
  clearS6.set(clearS5);
  const partsS6: Expr[] = [];
  const wordValidS6: Expr[] = [];
  const wayValueS6: Expr[] = [];
  for (let w = 0; w < p.ways; w++) {
    const word = m.named(mux(bypassS5[w]!, bypassWordS5, wordS5[w]!), `way${w}_word`);
    const pr = m.reg(`way${w}_key_equal_s6_reg`, groups, { doc: `1 per ${COMPARE_GROUP}-bit group of the key that matches` });
    pr.set(groupEqual(word, vw, keyS5));
    partsS6.push(pr);
    const vr = m.reg(`way${w}_valid_s6_reg`, 1);
    vr.set(m.slice(word, VALID_BIT, VALID_BIT));
    wordValidS6.push(vr);
    const val = m.reg(`way${w}_value_s6_reg`, vw);
    val.set(m.slice(word, vw - 1, 0));
    wayValueS6.push(val);
  }

  // s7: hit per way.
  const validS7 = m.reg('lookup_valid_s7_reg', 1, { reset: 0 });
  const tagS7 = m.reg('lookup_tag_s7_reg', p.tagWidth);
  validS7.set(validS6);
  tagS7.set(tagS6);
  const wayHitS7: Expr[] = [];
  const wayValueS7: Expr[] = [];
  for (let w = 0; w < p.ways; w++) {
    const hit = m.reg(`way${w}_hit_s7_reg`, 1);
    hit.set(and(not(clearS6), and(wordValidS6[w]!, reduce('and', partsS6[w]!))));
    const val = m.reg(`way${w}_value_s7_reg`, vw);
    val.set(wayValueS6[w]!);
    wayHitS7.push(hit);
    wayValueS7.push(val);
  }
  const stashHitS7 = stashHit.at(-1);
  const stashValueS7 = stashValue.at(-1);

  // out: first hit, ways in order, then the stash.
  let value: Expr = stashValueS7 ?? zeroV;
  for (let w = p.ways - 1; w >= 0; w--) value = mux(wayHitS7[w]!, wayValueS7[w]!, value);
  const hitAny = fold('or', stashHitS7 ? [...wayHitS7, stashHitS7] : wayHitS7);
  const outValid = m.reg('result_valid_reg', 1, { reset: 0 });
  const outHit = m.reg('result_hit_reg', 1);
  const outValue = m.reg('result_value_reg', vw);
  const outTag = m.reg('result_tag_reg', p.tagWidth);
  outValid.set(validS7);
  outHit.set(hitAny);
  outValue.set(m.named(value, 'selected_value'));
  outTag.set(tagS7);
  lk.resultValid.drive(outValid);
  lk.resultHit.drive(outHit);
  lk.resultValue.drive(outValue);
  lk.resultTag.drive(outTag);
  return m;
});
