// Cycle-by-cycle stimulus for the route-lookup CAMs, checked against the golden models.
//
// A Schedule is built in cycle order: each cycle may carry a lookup and a management command.
// While it is built, the expected result of every lookup is computed from the reference
// models as they stand at that cycle under the documented visibility rule (a command accepted
// in cycle e is seen by lookups from cycle e + visibility). The whole schedule then runs
// through runCycles in one call, and every result cycle is compared.

import { CMD_OPS, CMD_OP_BITS, type CamCommand, type TableGeometry, opOfCode } from '../spec/route-table/geometry.ts';
import { VALID_BIT, type ValueLayout, encodeAction } from '../spec/route-table/layout.ts';
import { DuplicateRouteError, TableFullError, type TableManager } from '../host/table/manager.ts';
import { type LookupResult, RouteModel, SlotModel } from '../host/table/model.ts';
import type { CamTiming } from '../rtl-gen/cam/common.ts';
import { Rng, type SimDut, runCycles } from '../sim/index.ts';

interface Expect {
  cycle: number;
  key: bigint;
  tag: number;
  route?: LookupResult;
  slot: LookupResult;
}

type Effect = { at: number; apply: () => void };

/** Op codes that name no operation: a command with one must be accepted and change nothing. */
export const RESERVED_CODES = Array.from({ length: 1 << CMD_OP_BITS }, (_, c) => c).filter((c) => opOfCode(c) === undefined);

/** A command with a reserved op code, straight onto the port. */
export interface ReservedCommand {
  readonly code: number;
  readonly slot: number;
  readonly key: bigint;
  readonly value: bigint;
}

export class Schedule {
  readonly route = new RouteModel();
  readonly slots: SlotModel;
  /** Per-cycle port values. */
  private readonly lookupValid: number[] = [];
  private readonly lookupKey: bigint[] = [];
  private readonly lookupTag: number[] = [];
  private readonly cmdValid: number[] = [];
  private readonly cmdOp: number[] = [];
  private readonly cmdSlot: number[] = [];
  private readonly cmdKey: bigint[] = [];
  private readonly cmdValue: bigint[] = [];
  private readonly rst: number[] = [];
  private readonly expects: Expect[] = [];
  private effects: Effect[] = [];
  /** First cycle the command port may be used again. */
  private cmdFreeAt = 0;
  private tagCounter = 0;
  lookups = 0;
  commands = 0;
  /** Set false for raw command sequences the route model does not describe. */
  checkRoute = true;

  constructor(
    readonly geometry: TableGeometry,
    readonly timing: CamTiming,
    readonly tagWidth: number,
  ) {
    this.slots = new SlotModel(geometry);
  }

  get cycle(): number {
    return this.lookupValid.length;
  }

  /** The command port can take a command in the next cycle. */
  get cmdFree(): boolean {
    return this.cycle >= this.cmdFreeAt;
  }

  /**
   * Adds one cycle. `cmd` must only be given when cmdFree; `routeEffect` (applied to the route
   * model when the command becomes visible) marks the last command of a host operation.
   */
  step(opts: { lookup?: bigint; cmd?: CamCommand; reserved?: ReservedCommand; routeEffect?: (m: RouteModel) => void; reset?: boolean } = {}): void {
    const t = this.cycle;
    this.rst.push(opts.reset ? 1 : 0);
    const c = opts.cmd;
    const r = opts.reserved;
    if (c && r) throw new Error('schedule: two commands in one cycle');
    if (r) {
      // Accepted in one cycle, and nothing changes: no effect on either model.
      if (!this.cmdFree) throw new Error(`schedule: command in cycle ${t} while the port is busy until ${this.cmdFreeAt}`);
      if (opOfCode(r.code) !== undefined) throw new Error(`schedule: op code ${r.code} is not reserved`);
      this.cmdValid.push(1);
      this.cmdOp.push(r.code);
      this.cmdSlot.push(r.slot);
      this.cmdKey.push(r.key);
      this.cmdValue.push(r.value);
      this.cmdFreeAt = t + 1;
      this.commands++;
    } else if (c) {
      if (!this.cmdFree) throw new Error(`schedule: command in cycle ${t} while the port is busy until ${this.cmdFreeAt}`);
      this.cmdValid.push(1);
      this.cmdOp.push(CMD_OPS[c.op]);
      this.cmdSlot.push(c.slot);
      this.cmdKey.push(c.key);
      this.cmdValue.push(c.value);
      this.cmdFreeAt = t + 1 + this.timing.busyAfter[c.op];
      const at = t + this.timing.visibility[c.op];
      const effect = opts.routeEffect;
      this.effects.push({ at, apply: () => this.slots.apply(c) });
      if (effect) this.effects.push({ at, apply: () => effect(this.route) });
      this.commands++;
    } else {
      this.cmdValid.push(0);
      this.cmdOp.push(0);
      this.cmdSlot.push(0);
      this.cmdKey.push(0n);
      this.cmdValue.push(0n);
    }
    if (opts.reset) {
      // Reset empties the table at once; pending effects are void.
      this.effects = [];
      this.route.clear();
      this.slots.reset();
      this.cmdFreeAt = t + 1 + this.timing.clearCycles;
    }
    if (this.effects.length) {
      const due = this.effects.filter((e) => e.at <= t);
      if (due.length) {
        for (const e of due) e.apply();
        this.effects = this.effects.filter((e) => e.at > t);
      }
    }
    if (opts.lookup !== undefined && !opts.reset) {
      const tag = this.tagCounter++ & ((1 << Math.min(30, this.tagWidth)) - 1);
      this.lookupValid.push(1);
      this.lookupKey.push(opts.lookup);
      this.lookupTag.push(tag);
      this.expects.push({ cycle: t, key: opts.lookup, tag, route: this.checkRoute ? this.route.lookup(opts.lookup) : undefined, slot: this.slots.lookup(opts.lookup) });
      this.lookups++;
    } else {
      this.lookupValid.push(0);
      this.lookupKey.push(0n);
      this.lookupTag.push(0);
    }
  }

  /** Idle cycles (no lookup, no command). */
  idle(n: number): void {
    for (let i = 0; i < n; i++) this.step();
  }

  /** Runs the schedule (plus the pipeline drain) and checks every result cycle; returns the checked count. */
  run(dut: SimDut): { checked: number; cycles: number } {
    this.idle(this.timing.latency + 2);
    const cycles = this.cycle;
    const out = runCycles(dut, {
      cycles,
      inputs: {
        rst: this.rst,
        s_axis_lookup_tvalid: this.lookupValid,
        s_axis_lookup_tdata: this.lookupKey,
        s_axis_lookup_tuser: this.lookupTag,
        s_cmd_valid: this.cmdValid,
        s_cmd_op: this.cmdOp,
        s_cmd_slot: this.cmdSlot,
        s_cmd_key: this.cmdKey,
        s_cmd_value: this.cmdValue,
      },
      outputs: ['m_axis_result_tvalid', 'm_axis_result_hit', 'm_axis_result_tdata', 'm_axis_result_tuser', 's_cmd_ready', 's_axis_lookup_tready'],
    });
    const valid = out.m_axis_result_tvalid!;
    const ready = out.s_cmd_ready!;
    for (let t = 0; t < cycles; t++) {
      if (this.cmdValid[t] && !ready[t]) throw new Error(`cycle ${t}: command given while s_cmd_ready = 0 (documented busy time is wrong)`);
      if (this.lookupValid[t] && !out.s_axis_lookup_tready![t]) throw new Error(`cycle ${t}: lookup not accepted`);
    }
    const want = new Map(this.expects.map((e) => [e.cycle + this.timing.latency, e]));
    let checked = 0;
    for (let t = 0; t < cycles; t++) {
      const e = want.get(t);
      if (!e) {
        if (valid[t]) throw new Error(`cycle ${t}: result valid with no lookup ${this.timing.latency} cycles earlier`);
        continue;
      }
      const got = { valid: Number(valid[t]), hit: Number(out.m_axis_result_hit![t]), value: BigInt(out.m_axis_result_tdata![t]!), tag: Number(out.m_axis_result_tuser![t]) };
      const ref = e.route ?? e.slot;
      const what = `lookup of 0x${e.key.toString(16)} in cycle ${e.cycle} (result cycle ${t})`;
      if (!got.valid) throw new Error(`${what}: no result`);
      if (got.tag !== e.tag) throw new Error(`${what}: tag ${got.tag}, expected ${e.tag}`);
      if (got.hit !== (ref.hit ? 1 : 0) || got.value !== ref.value) {
        throw new Error(`${what}: got hit=${got.hit} value=0x${got.value.toString(16)}, expected hit=${ref.hit} value=0x${ref.value.toString(16)}` +
          ` (slot model: hit=${e.slot.hit} value=0x${e.slot.value.toString(16)})`);
      }
      if (e.route && (e.slot.hit !== e.route.hit || e.slot.value !== e.route.value)) {
        throw new Error(`${what}: slot model and route model disagree (manager ordering bug)`);
      }
      checked++;
    }
    return { checked, cycles };
  }
}

/** A random route value (forward or local) that fits the layout. */
export function randomValue(rng: Rng, layout: ValueLayout): bigint {
  const argBits = layout.width - 16;
  const qos = rng.next() < 0.5;
  if (rng.next() < 0.7) return encodeAction(layout, { kind: 'forward', port: rng.int(0, 255), nextRoute: rng.bits(argBits), qos });
  return encodeAction(layout, { kind: 'local', channel: rng.bits(Math.min(argBits, 32)), qos });
}

/** `key` with one bit flipped. */
export function flipBit(rng: Rng, key: bigint, width: number): bigint {
  return key ^ (1n << BigInt(rng.int(0, width - 1)));
}

export { Rng };

// ---- random workloads ---------------------------------------------------------------------


export interface WorkloadOptions {
  cycles: number;
  /** Probability of a lookup in a cycle. */
  lookupRate: number;
  /** Probability of starting a host operation in a cycle when none is in progress. */
  opRate: number;
  /** Inserts are favoured below this occupancy, deletes above. */
  targetOccupancy: number;
  /** Probability of leaving the command port idle in a cycle even with commands waiting. */
  cmdGap?: number;
  /** Reset the design every this many cycles (0: never). */
  resetEvery?: number;
  /** Probability of a command with a reserved op code (random slot, key and value) in a cycle the port is free and idle. */
  reservedRate?: number;
}

export interface WorkloadStats {
  lookups: number;
  inserts: number;
  updates: number;
  deletes: number;
  duplicateInserts: number;
  fullInserts: number;
  resets: number;
  maxOccupancy: number;
  commands: number;
  reserved: number;
}

/** Keys in a set with O(1) random choice and removal. */
class KeyBag {
  private readonly items: bigint[] = [];
  private readonly at = new Map<bigint, number>();
  get size(): number {
    return this.items.length;
  }
  add(k: bigint): void {
    if (this.at.has(k)) return;
    this.at.set(k, this.items.length);
    this.items.push(k);
  }
  remove(k: bigint): void {
    const i = this.at.get(k);
    if (i === undefined) return;
    const last = this.items.pop()!;
    if (last !== k) {
      this.items[i] = last;
      this.at.set(last, i);
    }
    this.at.delete(k);
  }
  pick(rng: Rng): bigint {
    return this.items[rng.int(0, this.items.length - 1)]!;
  }
  all(): readonly bigint[] {
    return this.items;
  }
  clear(): void {
    this.items.length = 0;
    this.at.clear();
  }
}

/**
 * Random inserts, updates, deletes (through the table manager) and lookups every cycle, with
 * duplicate inserts, one-bit neighbours, deleted keys looked up and reinserted, a full table
 * when the target occupancy asks for it, and resets.
 */
export function randomWorkload(s: Schedule, mgr: TableManager, layout: ValueLayout, rng: Rng, o: WorkloadOptions): WorkloadStats {
  const kw = s.geometry.keyWidth;
  const present = new KeyBag();
  const gone = new KeyBag();
  const st: WorkloadStats = { lookups: 0, inserts: 0, updates: 0, deletes: 0, duplicateInserts: 0, fullInserts: 0, resets: 0, maxOccupancy: 0, commands: 0, reserved: 0 };
  const queue: Array<{ cmd: CamCommand; effect?: (m: RouteModel) => void }> = [];
  const end = s.cycle + o.cycles;
  let nextReset = o.resetEvery ? s.cycle + o.resetEvery : Infinity;

  const lookupKey = (): bigint => {
    const r = rng.next();
    if (r < 0.55 && present.size) return present.pick(rng);
    if (r < 0.7 && gone.size) return gone.pick(rng);
    if (r < 0.85 && present.size) return flipBit(rng, present.pick(rng), kw);
    return rng.bits(kw);
  };

  const startOp = (): void => {
    const low = mgr.occupancy < o.targetOccupancy;
    const r = rng.next();
    const insertP = low ? 0.6 : 0.2;
    const updateP = insertP + (low ? 0.2 : 0.3);
    if (r < insertP || present.size === 0) {
      const q = rng.next();
      let key: bigint;
      if (q < 0.1 && present.size) key = present.pick(rng);
      else if (q < 0.3 && gone.size) key = gone.pick(rng);
      else if (q < 0.4 && present.size) key = flipBit(rng, present.pick(rng), kw);
      else key = rng.bits(kw);
      const value = randomValue(rng, layout);
      try {
        const cmds = mgr.insert(key, value);
        cmds.forEach((cmd, i) => queue.push({ cmd, effect: i === cmds.length - 1 ? (m) => m.set(key, value) : undefined }));
        present.add(key);
        gone.remove(key);
        st.inserts++;
        st.maxOccupancy = Math.max(st.maxOccupancy, mgr.occupancy);
      } catch (e) {
        if (e instanceof DuplicateRouteError) st.duplicateInserts++;
        else if (e instanceof TableFullError) st.fullInserts++;
        else throw e;
      }
    } else if (r < updateP) {
      const key = present.pick(rng);
      const value = randomValue(rng, layout);
      const cmds = mgr.update(key, value);
      cmds.forEach((cmd, i) => queue.push({ cmd, effect: i === cmds.length - 1 ? (m) => m.set(key, value) : undefined }));
      st.updates++;
    } else {
      const key = present.pick(rng);
      const cmds = mgr.delete(key);
      // The route disappears with the first command (the slot clear); later ones are stash moves.
      cmds.forEach((cmd, i) => queue.push({ cmd, effect: i === 0 ? (m) => m.delete(key) : undefined }));
      present.remove(key);
      gone.add(key);
      st.deletes++;
    }
  };

  while (s.cycle < end) {
    if (s.cycle >= nextReset && queue.length === 0) {
      // Let lookups in flight come out, then hold reset for two cycles.
      s.idle(s.timing.latency + 1);
      s.step({ reset: true });
      s.step({ reset: true });
      mgr.reset();
      for (const k of present.all()) gone.add(k);
      present.clear();
      st.resets++;
      nextReset = s.cycle + (o.resetEvery ?? 0);
      continue;
    }
    if (queue.length === 0 && s.cycle < nextReset && rng.next() < o.opRate) startOp();
    let cmd: { cmd: CamCommand; effect?: (m: RouteModel) => void } | undefined;
    if (queue.length && s.cmdFree && !(o.cmdGap && rng.next() < o.cmdGap)) cmd = queue.shift();
    let reserved: ReservedCommand | undefined;
    if (!cmd && s.cmdFree && o.reservedRate && rng.next() < o.reservedRate) {
      // Aimed at live and dead slots alike, with the valid bit set or clear.
      reserved = { code: RESERVED_CODES[rng.int(0, RESERVED_CODES.length - 1)]!, slot: rng.int(0, s.geometry.capacity - 1), key: present.size && rng.next() < 0.5 ? present.pick(rng) : rng.bits(kw), value: rng.bits(s.geometry.valueWidth) };
      st.reserved++;
    }
    const lookup = rng.next() < o.lookupRate ? lookupKey() : undefined;
    if (lookup !== undefined) st.lookups++;
    s.step({ lookup, cmd: cmd?.cmd, reserved, routeEffect: cmd?.effect });
  }
  // Finish the operation in progress so the route model is complete.
  while (queue.length) {
    if (!s.cmdFree) {
      s.step();
      continue;
    }
    const c = queue.shift()!;
    s.step({ cmd: c.cmd, routeEffect: c.effect });
  }
  st.commands = s.commands;
  return st;
}

/**
 * The directed check of the reserved-op rule: a slot written with its valid bit clear, and a
 * live one; then, for every reserved code, commands with it that would revive the dead slot
 * (valid bit set), delete the live one (valid bit clear) or give either another key. Each
 * must change nothing: the dead key never hits, the live key always hits with its value, and
 * the other key never hits. Lookups of the three keys run every cycle. Each of `slotChoices`
 * picks the two slots for two new keys (a hashed table needs slots the keys can be found in).
 */
export function reservedOpSequence(s: Schedule, layout: ValueLayout, rng: Rng, ...slotChoices: Array<(dead: bigint, live: bigint) => { dead: number; live: number }>): void {
  s.checkRoute = false; // raw slot commands: the slot model says what the hardware must do
  for (const slotsFor of slotChoices) reservedOpsOn(s, layout, rng, slotsFor);
}

function reservedOpsOn(s: Schedule, layout: ValueLayout, rng: Rng, slotsFor: (dead: bigint, live: bigint) => { dead: number; live: number }): void {
  const kw = s.geometry.keyWidth;
  const deadKey = rng.bits(kw);
  const liveKey = rng.bits(kw);
  const otherKey = rng.bits(kw);
  const { dead, live } = slotsFor(deadKey, liveKey);
  const liveValue = randomValue(rng, layout);
  const v = 1n << BigInt(VALID_BIT);
  const keys = [deadKey, liveKey, otherKey];
  const step = (o: { cmd?: CamCommand; reserved?: ReservedCommand } = {}) => s.step({ ...o, lookup: keys[s.cycle % 3] });
  const command = (o: { cmd?: CamCommand; reserved?: ReservedCommand }) => {
    while (!s.cmdFree) step();
    step(o);
    for (let i = 0; i < 9; i++) step();
  };
  command({ cmd: { op: 'write', slot: dead, key: deadKey, value: randomValue(rng, layout) & ~v } });
  command({ cmd: { op: 'write', slot: live, key: liveKey, value: liveValue } });
  for (const code of RESERVED_CODES) {
    command({ reserved: { code, slot: dead, key: deadKey, value: randomValue(rng, layout) | v } });
    command({ reserved: { code, slot: live, key: liveKey, value: 0n } });
    command({ reserved: { code, slot: live, key: otherKey, value: randomValue(rng, layout) | v } });
    command({ reserved: { code, slot: dead, key: otherKey, value: randomValue(rng, layout) | v } });
  }
  // The same, back to back.
  for (const code of RESERVED_CODES) {
    for (const slot of [dead, live, dead, live]) {
      while (!s.cmdFree) step();
      step({ reserved: { code, slot, key: rng.next() < 0.5 ? otherKey : deadKey, value: rng.bits(s.geometry.valueWidth) } });
    }
  }
  for (let i = 0; i < 12; i++) step();
}
