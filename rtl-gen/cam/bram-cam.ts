// Transposed block-RAM CAM for tables of up to a few hundred routes. The route ID is cut into
// slices of `sliceBits`; slice s of the key addresses RAM s, whose word is a bitmap with one
// bit per entry: bit i of word a is 1 when entry i's key has a in slice s. A lookup reads one
// word per slice, ANDs them with the entry valid bits, and the lowest set bit names the entry
// whose value is read from the value RAM.
//
// Lookup pipeline (one lookup per cycle, latency 7):
//   s1  route ID and tag registered
//   s2  bitmap word of each slice read                 (bitmaps: writes up to the request cycle)
//   s3  AND of the bitmaps and the valid bits          (valid bits: writes up to one cycle later)
//   s4  lowest set bit (one-hot)
//   s5  entry number (binary)
//   s6  value RAM read                                 (forwarded when written in the same cycle)
//   out value, hit
//
// Management: each slice RAM also has a read-write port for the command sequencer (same
// address for its read and write, so it maps onto the RAM's second port). A write of entry i:
//   cycle 1  valid[i] := 0; read the entry's old key from the key RAM
//   2, 3     read and write back each old-key bitmap word with bit i cleared
//   4, 5     read and write back each new-key bitmap word with bit i set; key RAM := key;
//            valid[i] := value bit 0 (the new bits are read by lookups from the next cycle)
// and the value RAM is written in cycle 5, after every lookup that matched the old entry has
// read its value. While the entry's bitmaps change it is invalid, so lookups miss it: the
// table manager writes only empty entries, and a lookup sees the entry absent or complete.
// An update writes the value (and valid bit) with the same timing as a delete clears the
// valid bit: a lookup sees it from the command's own cycle on.
//
// After reset a clear pass zeroes every bitmap word (2^sliceBits cycles, s_cmd_ready low).

import { AssociativeGeometry } from '../../spec/route-table/geometry.ts';
import { type Expr, add, and, concat, constant, eq, mux, not, or, reduce, sub } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { intRange } from '../ir/params.ts';
import { type CamTiming, VALID_BIT, commandPort, commonSchema, layoutDocs, layoutFor, lookupPorts, reservedOpDoc } from './common.ts';

export const bramCamSchema = {
  entries: intRange('table entries (one bitmap bit per entry in every slice RAM)', 256, 4, 512),
  sliceBits: intRange('key bits per slice (each slice RAM has 2^sliceBits words)', 8, 4, 10),
  ...commonSchema,
};

/** Sequencer steps of a write, after the cycle the command is registered in. */
const WRITE_STEPS = 4;

export function bramCamTiming(p: { entries: number; sliceBits?: number }): CamTiming {
  return {
    latency: 7,
    visibility: { write: WRITE_STEPS + 1, update: 0, delete: 0 },
    busyAfter: { write: WRITE_STEPS, update: 0, delete: 0 },
    clearCycles: 1 << (p.sliceBits ?? 8),
  };
}

export function bramCamGeometry(p: { entries: number; keyWidth: number; valueWidth: number }): AssociativeGeometry {
  return new AssociativeGeometry('bram', p.entries, p.keyWidth, p.valueWidth);
}

export const bramCam = defineGenerator('cam/bram-cam', '1.1.0', bramCamSchema, (p, info) => {
  const g = bramCamGeometry(p);
  const layout = layoutFor(p.valueWidth);
  const t = bramCamTiming(p);
  const n = p.entries;
  const kw = p.keyWidth;
  const vw = p.valueWidth;
  const sb = p.sliceBits;
  const slices = Math.ceil(kw / sb);
  const eb = g.slotBits;
  const m = new Module(`route_cam_bram_e${n}_s${sb}_k${kw}_v${vw}`, info);
  m.describe(
    `Route lookup, transposed block-RAM CAM: ${n} entries, ${kw}-bit route ID in ${slices} slices of ${sb} bits, ${vw}-bit value.`,
    `One lookup per cycle; the result appears ${t.latency} cycles after the request, with its tag.`,
    `A write takes ${1 + WRITE_STEPS} cycles (s_cmd_ready low for ${WRITE_STEPS}) and must go to an empty entry; lookups see`,
    `the entry from ${WRITE_STEPS + 1} cycles after the command. Update and delete take one cycle and are seen from their own cycle.`,
    `After reset a ${t.clearCycles}-cycle clear pass zeroes the bitmaps (s_cmd_ready low).`,
    'When several entries match, the lowest-numbered wins.',
    reservedOpDoc(),
    ...layoutDocs(layout),
  );
  m.clock();
  m.reset();
  const lk = lookupPorts(m, kw, vw, p.tagWidth);
  lk.ready.drive(constant(1, 1));

  const clearing = m.reg('clearing_reg', 1, { reset: 1, doc: 'zeroing the bitmaps after reset' });
  const clearIndex = m.reg('clear_index_reg', sb, { reset: 0 });
  clearing.set(and(clearing, not(eq(clearIndex, constant((1 << sb) - 1, sb)))));
  clearIndex.set(add(clearIndex, constant(1, sb)), clearing);

  // s1: request.
  const validS1 = m.reg('lookup_valid_s1_reg', 1, { reset: 0 });
  const keyS1 = m.reg('lookup_key_s1_reg', kw);
  const tagS1 = m.reg('lookup_tag_s1_reg', p.tagWidth);
  validS1.set(lk.valid);
  keyS1.set(lk.key);
  tagS1.set(lk.tag);

  // Command port and write sequencer (steps 1..WRITE_STEPS after the command register).
  const sw = 3;
  const step = m.reg('write_step_reg', sw, { reset: 0, doc: 'sequencer step of a write in progress (0: idle)' });
  const stepIs = (k: number): Expr => eq(step, constant(k, sw));
  const ready = m.wire('cmd_ready', 1);
  const cmd = commandPort(m, kw, vw, eb, ready);
  const writeStart = m.wire('write_start', cmd.accepted('write'));
  const stepDone = m.wire('write_step_last', stepIs(WRITE_STEPS));
  m.assign(ready, and(not(clearing), and(not(writeStart), or(stepIs(0), stepDone))));
  step.set(mux(writeStart, constant(1, sw), mux(or(stepIs(0), stepDone), constant(0, sw), add(step, constant(1, sw)))));
  const oldPhase = m.wire('write_old_key_phase', or(stepIs(1), stepIs(2)));
  const clearBit = m.wire('write_clear_bit', stepIs(2));
  const setBit = m.wire('write_set_bit', stepIs(4));
  const entryOnehot = m.wire('cmd_entry_onehot', concat(...Array.from({ length: n }, (_, i) => eq(cmd.slot, constant(i, eb))).reverse()));
  const zeroN = constant(0, n);

  // Entry valid bits.
  const validBits = m.reg('entry_valid_reg', n, { reset: 0, doc: 'bit i: entry i holds a route' });
  const newValid = m.slice(cmd.value, VALID_BIT, VALID_BIT);
  // Only write, update and delete touch the valid bit: a reserved op code changes nothing.
  const clearValid = m.wire('valid_clear', cmd.acceptedKnown);
  const setValid = m.wire('valid_set', and(newValid, or(cmd.accepted('update'), stepDone)));
  validBits.set(or(and(validBits, not(mux(clearValid, entryOnehot, zeroN))), mux(setValid, entryOnehot, zeroN)));

  // Key RAM: each entry's key, to find its old bitmap words.
  // old_key is used only in steps 1 and 2, long before the key is rewritten in step 4.
  const keyMem = m.memory('key_mem', kw, n, 'route ID of each entry', { readDuringWrite: 'undefined' });
  keyMem.write(setBit, cmd.slot, cmd.key);
  const oldKey = keyMem.readSync('old_key', cmd.slot);

  // Slice RAMs.
  const bitmaps: Expr[] = [];
  for (let si = 0; si < slices; si++) {
    const lo = si * sb;
    const hi = Math.min(kw, lo + sb) - 1;
    const w = hi - lo + 1;
    const mem = m.memory(`slice${si}_mem`, n, 1 << Math.max(1, w), `bitmaps of key bits ${hi}:${lo}`);
    const aw = Math.max(1, w);
    const fit = (e: Expr): Expr => (aw === w ? e : concat(constant(0, aw - w), e));
    const clearAddr = aw === sb ? clearIndex : m.slice(clearIndex, aw - 1, 0);
    const addr = m.wire(`slice${si}_mgmt_addr`, mux(clearing, clearAddr, mux(oldPhase, fit(m.slice(oldKey, hi, lo)), fit(m.slice(cmd.key, hi, lo)))));
    const word = mem.readSync(`slice${si}_mgmt_word`, addr);
    const data = mux(clearing, zeroN, mux(clearBit, and(word, not(entryOnehot)), or(word, entryOnehot)));
    mem.write(or(clearing, or(clearBit, setBit)), addr, m.named(data, `slice${si}_mgmt_data`));
    bitmaps.push(mem.readSync(`slice${si}_bitmap_s2`, fit(m.slice(keyS1, hi, lo))));
  }

  // s2: bitmap words (read above), s3: AND with the valid bits.
  const validS2 = m.reg('lookup_valid_s2_reg', 1, { reset: 0 });
  const tagS2 = m.reg('lookup_tag_s2_reg', p.tagWidth);
  validS2.set(validS1);
  tagS2.set(tagS1);
  const validS3 = m.reg('lookup_valid_s3_reg', 1, { reset: 0 });
  const tagS3 = m.reg('lookup_tag_s3_reg', p.tagWidth);
  const matchS3 = m.reg('match_s3_reg', n);
  validS3.set(validS2);
  tagS3.set(tagS2);
  matchS3.set(m.named(bitmaps.reduce((a, b) => and(a, b), validBits as Expr), 'match'));

  // s4: lowest set bit.
  const validS4 = m.reg('lookup_valid_s4_reg', 1, { reset: 0 });
  const tagS4 = m.reg('lookup_tag_s4_reg', p.tagWidth);
  const lowestS4 = m.reg('lowest_match_s4_reg', n - 1, { doc: 'one-hot lowest match, entries n-1..1 (entry 0 is index 0)' });
  const hitS4 = m.reg('hit_s4_reg', 1);
  validS4.set(validS3);
  tagS4.set(tagS3);
  const upper = m.slice(matchS3, n - 1, 1);
  lowestS4.set(m.named(and(upper, not(sub(upper, constant(1, n - 1)))), 'lowest_upper_match'));
  const entry0S4 = m.reg('entry0_match_s4_reg', 1, { doc: 'entry 0 matched: it wins' });
  entry0S4.set(m.slice(matchS3, 0, 0));
  hitS4.set(reduce('or', matchS3));

  // s5: entry number of the one-hot bit.
  const validS5 = m.reg('lookup_valid_s5_reg', 1, { reset: 0 });
  const tagS5 = m.reg('lookup_tag_s5_reg', p.tagWidth);
  const indexS5 = m.reg('entry_index_s5_reg', eb);
  const hitS5 = m.reg('hit_s5_reg', 1);
  validS5.set(validS4);
  tagS5.set(tagS4);
  hitS5.set(hitS4);
  const indexBits: Expr[] = [];
  for (let b = 0; b < eb; b++) {
    const bits: Expr[] = [];
    for (let i = 1; i < n; i++) if ((i >> b) & 1) bits.push(m.slice(lowestS4, i - 1, i - 1));
    indexBits.push(bits.length ? reduce('or', concat(...bits)) : constant(0, 1));
  }
  indexS5.set(mux(entry0S4, constant(0, eb), concat(...indexBits.reverse())));

  // Value RAM: written five cycles after the command register (see the header), read at s6
  // with the written word forwarded when both fall in the same cycle.
  const d: Array<{ valid: Expr; slot: Expr; value: Expr }> = [{ valid: or(cmd.accepted('write'), cmd.accepted('update')), slot: cmd.slot, value: cmd.value }];
  for (let k = 1; k <= 4; k++) {
    const v = m.reg(`value_write_d${k}_reg`, 1, { reset: 0 });
    const sl = m.reg(`value_slot_d${k}_reg`, eb);
    const da = m.reg(`value_data_d${k}_reg`, vw);
    v.set(d[k - 1]!.valid);
    sl.set(d[k - 1]!.slot);
    da.set(d[k - 1]!.value);
    d.push({ valid: v, slot: sl, value: da });
  }
  const last = d[4]!;
  const valueMem = m.memory('value_mem', vw, n, 'value of each entry', { readDuringWrite: 'undefined' });
  valueMem.write(last.valid, last.slot, last.value);
  const valueRead = valueMem.readSync('value_read_s6', indexS5);
  const validS6 = m.reg('lookup_valid_s6_reg', 1, { reset: 0 });
  const tagS6 = m.reg('lookup_tag_s6_reg', p.tagWidth);
  const hitS6 = m.reg('hit_s6_reg', 1);
  const bypassS6 = m.reg('value_bypass_s6_reg', 1);
  const bypassValueS6 = m.reg('value_bypass_data_s6_reg', vw);
  validS6.set(validS5);
  tagS6.set(tagS5);
  hitS6.set(hitS5);
  bypassS6.set(and(last.valid, eq(last.slot, indexS5)));
  bypassValueS6.set(last.value);

  const outValid = m.reg('result_valid_reg', 1, { reset: 0 });
  const outHit = m.reg('result_hit_reg', 1);
  const outValue = m.reg('result_value_reg', vw);
  const outTag = m.reg('result_tag_reg', p.tagWidth);
  outValid.set(validS6);
  outHit.set(hitS6);
  outValue.set(mux(hitS6, mux(bypassS6, bypassValueS6, valueRead), constant(0, vw)));
  outTag.set(tagS6);
  lk.resultValid.drive(outValid);
  lk.resultHit.drive(outHit);
  lk.resultValue.drive(outValue);
  lk.resultTag.drive(outTag);
  return m;
});
