// Register CAM for small route tables (up to 64 entries): every entry's key in flip-flops,
// compared in parallel with the lookup key; a priority encoder picks the lowest matching
// entry and its value is read out.
//
// Pipeline (one lookup per cycle, latency 6):
//   s1  lookup key, tag registered
//   s2  per entry: valid bit and 8-bit groups of key == entry key   (reads key state)
//   s3  match vector
//   s4  lowest match within each group of 8 entries, which groups match, hit
//   s5  per group: the value of its lowest match (reads value state); the lowest matching group
//   out the lowest matching group's value
// Every stage is at most three LUT levels with no carry chain; a 64 x 128 table spreads over
// a fifth of an ECP5-85, so routing, not logic, takes most of each cycle.
// Commands are registered, then write the entry's key and valid bit one cycle later and its
// value four cycles later: the value state lags the key state by exactly the three stages
// between the compare and the value read, so a lookup always pairs a key with the value
// written by the same command (old entry or new entry, never a mix).

import { AssociativeGeometry } from '../../spec/route-table/geometry.ts';
import { type Expr, and, concat, constant, eq, fold, mux, not, or, reduce } from '../ir/expr.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module, type RegHandle } from '../ir/module.ts';
import { intRange } from '../ir/params.ts';
import { type CamTiming, VALID_BIT, commandPort, commonSchema, layoutDocs, layoutFor, lookupPorts, reservedOpDoc } from './common.ts';

/** Key bits compared per LUT group in the first compare stage. */
const COMPARE_GROUP = 8;
/** Entries whose values are OR-ed together in the first of the two value-select stages. */
const VALUE_GROUP = 8;
/** Cycles between an entry's key write and its value write: the compare-to-value-read distance. */
export const VALUE_DELAY = 3;

export const REGISTER_CAM_TIMING: CamTiming = {
  latency: 6,
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

/** One-hot lowest set bit of `bits`: bit j is bits[j] & ~(bits[j-1] | ... | bits[0]). */
function lowestSetBit(m: Module, bits: Expr, name: string): Expr {
  const v = m.named(bits, name);
  const out: Expr[] = [];
  for (let j = 0; j < bits.width; j++) {
    out.push(j === 0 ? m.slice(v, 0, 0) : and(m.slice(v, j, j), not(reduce('or', m.slice(v, j - 1, 0)))));
  }
  return concat(...out.reverse());
}

export const registerCam = defineGenerator('cam/register-cam', '1.1.0', registerCamSchema, (p, info) => {
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
    reservedOpDoc(),
    ...layoutDocs(layout),
  );
  m.clock();
  m.reset();
  const lk = lookupPorts(m, p.keyWidth, p.valueWidth, p.tagWidth);
  lk.ready.drive(constant(1, 1));
  const cmd = commandPort(m, p.keyWidth, p.valueWidth, g.slotBits);

  // Write enables are decoded one stage ahead and registered, one bit per entry, so the
  // flip-flops of an entry are enabled straight from a register.
  const zeroN = constant(0, n);
  const decode = (slot: Expr, name: string): Expr =>
    m.wire(name, concat(...Array.from({ length: n }, (_, i) => eq(slot, constant(i, g.slotBits))).reverse()));
  const inSelect = decode(cmd.inSlot, 'cmd_in_entry_select');
  const keyWrite = m.reg('entry_key_write_reg', n, { reset: 0, doc: 'entries whose key the registered command writes' });
  keyWrite.set(mux(cmd.accepting('write'), inSelect, zeroN));
  const validWrite = m.reg('entry_valid_write_reg', n, { reset: 0, doc: 'entries whose valid bit the registered command writes' });
  // Only write, update and delete touch the valid bit: a reserved op code changes nothing.
  validWrite.set(mux(cmd.acceptingKnown, inSelect, zeroN));

  // Value writes trail the key writes by VALUE_DELAY cycles (see the header).
  let valWrite: Expr = m.wire('value_write', or(cmd.accepted('write'), cmd.accepted('update')));
  let valSlot: Expr = cmd.slot;
  let valData: Expr = cmd.value;
  for (let k = 1; k < VALUE_DELAY; k++) {
    const v = m.reg(`value_write_d${k}_reg`, 1, { reset: 0 });
    const sl = m.reg(`value_slot_d${k}_reg`, g.slotBits);
    const da = m.reg(`value_data_d${k}_reg`, p.valueWidth);
    v.set(valWrite);
    sl.set(valSlot);
    da.set(valData);
    [valWrite, valSlot, valData] = [v, sl, da];
  }
  const valueWrite = m.reg(`value_write_d${VALUE_DELAY}_reg`, n, { reset: 0, doc: 'entries whose value is written now' });
  valueWrite.set(mux(valWrite, decode(valSlot, 'value_entry_select'), zeroN));
  const valueData = m.reg(`value_data_d${VALUE_DELAY}_reg`, p.valueWidth);
  valueData.set(valData);

  const newValid = m.wire('cmd_entry_valid', and(not(cmd.accepted('delete')), m.slice(cmd.value, VALID_BIT, VALID_BIT)));
  const keys: Expr[] = [];
  const valids: Expr[] = [];
  const values: Expr[] = [];
  for (let i = 0; i < n; i++) {
    const key = m.reg(`entry${i}_key_reg`, p.keyWidth);
    key.set(cmd.key, m.slice(keyWrite, i, i));
    const valid = m.reg(`entry${i}_valid_reg`, 1, { reset: 0 });
    valid.set(newValid, m.slice(validWrite, i, i));
    const value = m.reg(`entry${i}_value_reg`, p.valueWidth);
    value.set(valueData, m.slice(valueWrite, i, i));
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
  const stage = (name: string, valid: Expr, tag: Expr): { valid: RegHandle; tag: RegHandle } => {
    const v = m.reg(`lookup_valid_${name}_reg`, 1, { reset: 0 });
    const t = m.reg(`lookup_tag_${name}_reg`, p.tagWidth);
    v.set(valid);
    t.set(tag);
    return { valid: v, tag: t };
  };

  // s2: every entry's key compared in COMPARE_GROUP-bit groups (reads key and valid state).
  const s2 = stage('s2', validS1, tagS1);
  const groups = Math.ceil(p.keyWidth / COMPARE_GROUP);
  const equalS2 = keys.map((k, i) => {
    const bits: Expr[] = [];
    for (let gi = 0; gi < groups; gi++) {
      const lo = gi * COMPARE_GROUP;
      const hi = Math.min(p.keyWidth, lo + COMPARE_GROUP) - 1;
      bits.push(eq(m.slice(k, hi, lo), m.slice(keyS1, hi, lo)));
    }
    const r = m.reg(`entry${i}_equal_s2_reg`, groups + 1, { doc: `entry ${i}: valid bit, then one bit per equal ${COMPARE_GROUP}-bit key group` });
    r.set(concat(valids[i]!, ...bits.reverse()));
    return r;
  });

  // s3: match vector.
  const s3 = stage('s3', s2.valid, s2.tag);
  const matchS3 = m.reg('match_s3_reg', n);
  matchS3.set(concat(...equalS2.map((e) => reduce('and', e)).reverse()));

  // s4: priority encoder, first level: the lowest match within each group of VALUE_GROUP
  // entries and which groups match. Bit j of a group is m[j] & ~(m[j-1] | ... | m[0]), at
  // most VALUE_GROUP inputs: two LUT levels, no carry chain.
  const s4 = stage('s4', s3.valid, s3.tag);
  const groupCount = Math.ceil(n / VALUE_GROUP);
  const lowestIn: Expr[] = [];
  const groupAny: Expr[] = [];
  for (let k = 0; k < groupCount; k++) {
    const lo = k * VALUE_GROUP;
    const hi = Math.min(n, lo + VALUE_GROUP) - 1;
    lowestIn.push(lowestSetBit(m, m.slice(matchS3, hi, lo), `match_group${k}`));
    groupAny.push(reduce('or', m.slice(matchS3, hi, lo)));
  }
  const lowestS4 = m.reg('lowest_in_group_s4_reg', n, { doc: `lowest match within each group of ${VALUE_GROUP} entries` });
  lowestS4.set(m.named(concat(...[...lowestIn].reverse()), 'lowest_in_group'));
  const groupAnyS4 = m.reg('group_match_s4_reg', groupCount, { doc: 'groups with at least one match' });
  groupAnyS4.set(concat(...[...groupAny].reverse()));
  const hitS4 = m.reg('hit_s4_reg', 1);
  hitS4.set(reduce('or', matchS3));

  // s5: the value of each group's lowest match, OR-ed within the group (reads value state),
  // and the lowest matching group (the second level of the priority encoder).
  const s5 = stage('s5', s4.valid, s4.tag);
  const hitS5 = m.reg('hit_s5_reg', 1);
  hitS5.set(hitS4);
  const firstGroupS5 = m.reg('first_group_s5_reg', groupCount, { doc: 'one-hot: the lowest group with a match' });
  firstGroupS5.set(lowestSetBit(m, groupAnyS4, 'group_match'));
  const zero = constant(0, p.valueWidth);
  const parts: Expr[] = [];
  for (let k = 0; k < groupCount; k++) {
    const lo = k * VALUE_GROUP;
    const r = m.reg(`group${k}_value_s5_reg`, p.valueWidth, { doc: `value of the lowest match in entries ${lo}..${Math.min(n, lo + VALUE_GROUP) - 1}` });
    const members = values.slice(lo, lo + VALUE_GROUP).map((v, j) => mux(m.slice(lowestS4, lo + j, lo + j), v, zero));
    r.set(m.named(fold('or', members), `group${k}_value`));
    parts.push(mux(m.slice(firstGroupS5, k, k), r, zero));
  }

  // out: the first matching group's value (an AND-OR of groupCount pairs).
  const outValid = m.reg('result_valid_reg', 1, { reset: 0 });
  const outHit = m.reg('result_hit_reg', 1);
  const outValue = m.reg('result_value_reg', p.valueWidth);
  const outTag = m.reg('result_tag_reg', p.tagWidth);
  outValid.set(s5.valid);
  outHit.set(hitS5);
  outValue.set(m.named(fold('or', parts), 'selected_value'));
  outTag.set(s5.tag);
  lk.resultValid.drive(outValid);
  lk.resultHit.drive(outHit);
  lk.resultValue.drive(outValue);
  lk.resultTag.drive(outTag);
  return m;
});
