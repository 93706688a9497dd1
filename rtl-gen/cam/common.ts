// What every route-lookup CAM style shares: the lookup and result streams, the management
// command port and its register stage, and the value layout printed into the header.

import { CMD_OPS, CMD_OP_BITS, type CmdOp, RESERVED_OP_RULE } from '../../spec/route-table/geometry.ts';
import { type ValueLayout, VALID_BIT, valueLayout } from '../../spec/route-table/layout.ts';
import { type Expr, type SignalRef, and, constant, eq, fold } from '../ir/expr.ts';
import { type BundleField, bundleSink } from '../ir/interfaces.ts';
import type { Module, OutputHandle, RegHandle } from '../ir/module.ts';
import { intRange } from '../ir/params.ts';

export const commonSchema = {
  keyWidth: intRange('route ID (key) width in bits', 128, 32, 128),
  valueWidth: intRange('value width in bits (layout in docs/route-table.md)', 64, 32, 256),
  tagWidth: intRange('lookup tag width; the tag comes back with the result', 16, 1, 64),
};

/** Timing every style documents and the tests check. */
export interface CamTiming {
  /** A lookup in cycle t is on m_axis_result (sampled by the clock edge ending cycle t + latency). */
  readonly latency: number;
  /**
   * Per op: a lookup accepted in cycle t sees a command accepted in cycle e exactly when
   * t >= e + visibility (0: from its own cycle on). Before that it sees the slot as it was.
   */
  readonly visibility: Readonly<Record<keyof typeof CMD_OPS, number>>;
  /** Cycles s_cmd_ready stays low after a command of each kind is accepted. */
  readonly busyAfter: Readonly<Record<keyof typeof CMD_OPS, number>>;
  /** Cycles after reset before s_cmd_ready rises (the clear pass). */
  readonly clearCycles: number;
}

export function layoutDocs(layout: ValueLayout): string[] {
  return [
    `Value layout (${layout.width} bits), from spec/route-table/layout.ts:`,
    ...layout.fields.map((f) => `  [${f.offset + f.width - 1}:${f.offset}] ${f.name.padEnd(8)} ${f.doc.replace(/`/g, '')}`),
  ];
}

export interface LookupPorts {
  key: SignalRef;
  tag: SignalRef;
  valid: SignalRef;
  ready: OutputHandle;
  resultValid: OutputHandle;
  resultHit: OutputHandle;
  resultValue: OutputHandle;
  resultTag: OutputHandle;
}

export function lookupPorts(m: Module, keyWidth: number, valueWidth: number, tagWidth: number): LookupPorts {
  const s = bundleSink(m, 's_axis_lookup', [
    { name: 'tdata', width: keyWidth, flow: 'forward', doc: 'route ID to look up' },
    { name: 'tuser', width: tagWidth, flow: 'forward', doc: 'tag, returned with the result' },
    { name: 'tvalid', width: 1, flow: 'forward', doc: 'lookup request' },
    { name: 'tready', width: 1, flow: 'backward', doc: 'always 1: one lookup per cycle' },
  ]);
  const resultValid = m.output('m_axis_result_tvalid', 1, 'result of the lookup made `latency` cycles earlier');
  const resultHit = m.output('m_axis_result_hit', 1, 'the route ID is in the table');
  const resultValue = m.output('m_axis_result_tdata', valueWidth, 'stored value on a hit, zero on a miss');
  const resultTag = m.output('m_axis_result_tuser', tagWidth, 'tag of the lookup');
  return { key: s.tdata, tag: s.tuser, valid: s.tvalid, ready: s.tready, resultValid, resultHit, resultValue, resultTag };
}

/**
 * The registered management command. Styles see the op only through accepted() and
 * accepting(), which never match a reserved code: the shared rule (RESERVED_OP_RULE) that a
 * command with a reserved op is accepted and ignored is kept here, once, for every style.
 */
export interface CommandRegs {
  /** A command with this op was accepted last cycle. */
  accepted(op: CmdOp): Expr;
  /** A command with a known op (write, update or delete) was accepted last cycle. */
  readonly acceptedKnown: Expr;
  /** A command with this op is accepted in this cycle. */
  accepting(op: CmdOp): Expr;
  /** A command with a known op is accepted in this cycle. */
  readonly acceptingKnown: Expr;
  /** Fields of the command accepted last cycle. */
  slot: RegHandle;
  key: RegHandle;
  value: RegHandle;
  /** Input side, for styles that act on the command as it is accepted. */
  inSlot: SignalRef;
  inKey: SignalRef;
  inValue: SignalRef;
}

export function commandFields(keyWidth: number, valueWidth: number, slotBits: number): BundleField[] {
  return [
    { name: 'valid', width: 1, flow: 'forward', doc: 'management command' },
    { name: 'ready', width: 1, flow: 'backward', doc: 'command accepted when valid and ready' },
    { name: 'op', width: CMD_OP_BITS, flow: 'forward', doc: `${CMD_OPS.write} write slot, ${CMD_OPS.update} update value, ${CMD_OPS.delete} delete slot; ${RESERVED_OP_RULE}` },
    { name: 'slot', width: slotBits, flow: 'forward', doc: 'slot to write (the table manager chooses it)' },
    { name: 'key', width: keyWidth, flow: 'forward', doc: 'route ID (write, update)' },
    { name: 'value', width: valueWidth, flow: 'forward', doc: 'value (write, update)' },
  ];
}

/**
 * The management port and its input register stage (accepted commands act one cycle later).
 * `ready` drives s_cmd_ready; leave it out for a port that takes a command every cycle.
 */
export function commandPort(m: Module, keyWidth: number, valueWidth: number, slotBits: number, ready?: Expr): CommandRegs {
  const s = bundleSink(m, 's_cmd', commandFields(keyWidth, valueWidth, slotBits));
  (s.ready as unknown as OutputHandle).drive(ready ?? constant(1, 1));
  const fire = ready ? m.wire('cmd_fire', and(s.valid, ready)) : s.valid;
  const valid = m.reg('cmd_valid_reg', 1, { reset: 0, doc: 'a command was accepted last cycle' });
  valid.set(fire);
  const op = m.reg('cmd_op_reg', CMD_OP_BITS);
  const slot = m.reg('cmd_slot_reg', slotBits);
  const key = m.reg('cmd_key_reg', keyWidth);
  const value = m.reg('cmd_value_reg', valueWidth);
  op.set(s.op, fire);
  slot.set(s.slot, fire);
  key.set(s.key, fire);
  value.set(s.value, fire);
  const ops = Object.keys(CMD_OPS) as CmdOp[];
  const code = (o: CmdOp) => constant(CMD_OPS[o], CMD_OP_BITS);
  const made = new Map<string, Expr>();
  const once = (name: string, e: () => Expr): Expr => {
    if (!made.has(name)) made.set(name, m.wire(name, e()));
    return made.get(name)!;
  };
  const accepted = (o: CmdOp) => once(`cmd_was_${o}`, () => and(valid, eq(op, code(o))));
  const accepting = (o: CmdOp) => once(`cmd_in_${o}`, () => and(fire, eq(s.op, code(o))));
  return {
    accepted,
    accepting,
    get acceptedKnown() {
      return once('cmd_was_known', () => fold('or', ops.map(accepted)));
    },
    get acceptingKnown() {
      return once('cmd_in_known', () => fold('or', ops.map(accepting)));
    },
    slot, key, value,
    inSlot: s.slot, inKey: s.key, inValue: s.value,
  };
}

/** The rule for reserved op codes, for module headers. */
export function reservedOpDoc(): string {
  return `s_cmd_op: ${CMD_OPS.write} write, ${CMD_OPS.update} update, ${CMD_OPS.delete} delete; ${RESERVED_OP_RULE}.`;
}

export function layoutFor(valueWidth: number): ValueLayout {
  return valueLayout(valueWidth);
}
export { VALID_BIT };
