// Register CAM for small route tables (up to 64 entries): every entry's key in flip-flops,
// compared in parallel with the lookup key; a priority encoder picks the lowest matching
// entry and its value is read out.
//
// Pipeline (one lookup per cycle, latency 4):
//   s1  lookup key, tag registered
//   s2  match vector: entry valid and entry key == key        (reads key state)
//   s3  lowest set bit of the match vector (one-hot), hit
//   out value of the one-hot entry                           (reads value state)
// Commands are registered, then write the entry's key and valid bit one cycle later and its
// value three cycles later: the value state lags the key state by exactly the two stages
// between the compare and the value read, so a lookup always pairs a key with the value
// written by the same command (old entry or new entry, never a mix).

import { AssociativeGeometry } from '../../host/table/geometry.ts';
import { type Expr, and, concat, constant, eq, fold, mux, not, or, reduce, sub } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { intRange } from '../ir/params.ts';
import { type CamTiming, VALID_BIT, commandPort, commonSchema, layoutDocs, layoutFor, lookupPorts } from './common.ts';

export const REGISTER_CAM_TIMING: CamTiming = {
  latency: 4,
  visibility: { write: 1, update: 1, delete: 1 },
  busyAfter: { write: 0, update: 0, delete: 0 },
  clearCycles: 0,
};

export const registerCamSchema = {
  entries: intRange('table entries (flip-flop storage, parallel compare)', 64, 2, 64),
  ...commonSchema,
};

export function registerCamGeometry(p: { entries: number; keyWidth: number; valueWidth: number }): AssociativeGeometry {
  return new AssociativeGeometry('register', p.entries, p.keyWidth, p.valueWidth);
}

export const registerCam = defineGenerator('cam/register-cam', '1.0.0', registerCamSchema, (p, info) => {
  const g = registerCamGeometry(p);
  const layout = layoutFor(p.valueWidth);
  const n = p.entries;
  const m = new Module(`route_cam_reg_e${n}_k${p.keyWidth}_v${p.valueWidth}`, info);
  const t = REGISTER_CAM_TIMING;
  m.describe(
    `Route lookup, register CAM: ${n} entries of ${p.keyWidth}-bit route ID and ${p.valueWidth}-bit value.`,
    `One lookup per cycle; the result appears ${t.latency} cycles after the request, with its tag.`,
    'A lookup sees every command accepted in an earlier cycle and none later; commands are accepted every cycle.',
    'When several entries match, the lowest-numbered wins (the table manager never stores a key twice).',
    ...layoutDocs(layout),
  );
  m.clock();
  m.reset();
  const lk = lookupPorts(m, p.keyWidth, p.valueWidth, p.tagWidth);
  lk.ready.drive(constant(1, 1));
  const cmd = commandPort(m, p.keyWidth, p.valueWidth, g.slotBits);

  // Value writes trail the key writes by two cycles (see the header).
  const valWrite = m.wire('value_write', and(cmd.valid, or(cmd.is('write'), cmd.is('update'))));
  const valD1 = m.reg('value_write_d1_reg', 1, { reset: 0 });
  const valD2 = m.reg('value_write_d2_reg', 1, { reset: 0 });
  const slotD1 = m.reg('value_slot_d1_reg', g.slotBits);
  const slotD2 = m.reg('value_slot_d2_reg', g.slotBits);
  const dataD1 = m.reg('value_data_d1_reg', p.valueWidth);
  const dataD2 = m.reg('value_data_d2_reg', p.valueWidth);
  valD1.set(valWrite);
  valD2.set(valD1);
  slotD1.set(cmd.slot);
  slotD2.set(slotD1);
  dataD1.set(cmd.value);
  dataD2.set(dataD1);

  const newValid = m.wire('cmd_entry_valid', and(not(cmd.is('delete')), m.slice(cmd.value, VALID_BIT, VALID_BIT)));
  const keys: Expr[] = [];
  const valids: Expr[] = [];
  const values: Expr[] = [];
  for (let i = 0; i < n; i++) {
    const slotConst = constant(i, g.slotBits);
    const hit = m.wire(`cmd_slot_is_${i}`, and(cmd.valid, eq(cmd.slot, slotConst)));
    const key = m.reg(`entry${i}_key_reg`, p.keyWidth);
    key.set(cmd.key, and(hit, cmd.is('write')));
    const valid = m.reg(`entry${i}_valid_reg`, 1, { reset: 0 });
    valid.set(newValid, hit);
    const value = m.reg(`entry${i}_value_reg`, p.valueWidth);
    value.set(dataD2, and(valD2, eq(slotD2, slotConst)));
    keys.push(key);
    valids.push(valid);
    values.push(value);
  }

  // s1: request.
  const validS1 = m.reg('lookup_valid_s1_reg', 1, { reset: 0 });
  const keyS1 = m.reg('lookup_key_s1_reg', p.keyWidth);
  const tagS1 = m.reg('lookup_tag_s1_reg', p.tagWidth);
  validS1.set(lk.valid);
  keyS1.set(lk.key);
  tagS1.set(lk.tag);

  // s2: parallel compare.
  const match = m.wire('match', concat(...keys.map((k, i) => and(valids[i]!, eq(k, keyS1))).reverse()));
  const validS2 = m.reg('lookup_valid_s2_reg', 1, { reset: 0 });
  const tagS2 = m.reg('lookup_tag_s2_reg', p.tagWidth);
  const matchS2 = m.reg('match_s2_reg', n);
  validS2.set(validS1);
  tagS2.set(tagS1);
  matchS2.set(match);

  // s3: priority encoder, lowest match first (x & ~(x - 1) keeps the lowest set bit).
  const first = m.wire('lowest_match', n === 1 ? matchS2 : and(matchS2, not(sub(matchS2, constant(1, n)))));
  const validS3 = m.reg('lookup_valid_s3_reg', 1, { reset: 0 });
  const tagS3 = m.reg('lookup_tag_s3_reg', p.tagWidth);
  const firstS3 = m.reg('lowest_match_s3_reg', n);
  const hitS3 = m.reg('hit_s3_reg', 1);
  validS3.set(validS2);
  tagS3.set(tagS2);
  firstS3.set(first);
  hitS3.set(reduce('or', matchS2));

  // out: value of the one-hot entry.
  const zero = constant(0, p.valueWidth);
  const selected = m.wire('selected_value', fold('or', values.map((v, i) => mux(m.slice(firstS3, i, i), v, zero))));
  const outValid = m.reg('result_valid_reg', 1, { reset: 0 });
  const outHit = m.reg('result_hit_reg', 1);
  const outValue = m.reg('result_value_reg', p.valueWidth);
  const outTag = m.reg('result_tag_reg', p.tagWidth);
  outValid.set(validS3);
  outHit.set(hitS3);
  outValue.set(selected);
  outTag.set(tagS3);
  lk.resultValid.drive(outValid);
  lk.resultHit.drive(outHit);
  lk.resultValue.drive(outValue);
  lk.resultTag.drive(outTag);
  return m;
});
