// Where routes can live in each table style, and the management commands that put them
// there. Shared by the generators (slot numbering, op codes), the golden model and the table
// manager, so the three cannot disagree about what slot 1027 or op 2 means.

import { type HashFamily, hashFamily, hashIndex, keyWords } from './hash.ts';
import { MAX_VALUE_WIDTH, MIN_VALUE_WIDTH, VALID_BIT } from './layout.ts';

export type CamStyle = 'register' | 'bram' | 'hash';

/** Management operations and their codes on the `s_cmd_op` port. */
export const CMD_OPS = {
  /** Write key and value into a slot (insert, or a cuckoo move). */
  write: 0,
  /** Replace the value of a slot whose key stays the same (the key field must repeat it). */
  update: 1,
  /** Empty a slot. */
  delete: 2,
} as const;
export type CmdOp = keyof typeof CMD_OPS;
export const CMD_OP_BITS = 2;

/**
 * The one rule for codes of `s_cmd_op` that name no operation (3 today), shared by every
 * table style: such a command is accepted like any other, in one cycle, and ignored.
 * Ignored rather than refused: a port that stalled on a bad code would stop the table
 * manager behind it, and nothing a reserved code could do is safer than nothing.
 */
export const RESERVED_OP_RULE = 'any other code is reserved: a command with one is accepted in one cycle and ignored (it changes no slot)';

/** The operation a code on `s_cmd_op` names, or undefined for a reserved code (RESERVED_OP_RULE). */
export function opOfCode(code: number): CmdOp | undefined {
  return (Object.keys(CMD_OPS) as CmdOp[]).find((op) => CMD_OPS[op] === code);
}

export interface CamCommand {
  readonly op: CmdOp;
  readonly slot: number;
  readonly key: bigint;
  readonly value: bigint;
}

export interface TableGeometry {
  readonly style: CamStyle;
  readonly keyWidth: number;
  readonly valueWidth: number;
  /** Routes the table can hold (register and bram: entries; hash: ways x depth + stash). */
  readonly capacity: number;
  /** Width of `s_cmd_slot`. */
  readonly slotBits: number;
  /** Slots a lookup of `key` examines, in priority order (the first valid match wins). */
  candidates(key: bigint): number[];
}

export function clog2(n: number): number {
  return Math.max(1, Math.ceil(Math.log2(n)));
}

function checkWidths(keyWidth: number, valueWidth: number): void {
  if (!Number.isInteger(keyWidth) || keyWidth < 32 || keyWidth > 128) throw new RangeError(`key width ${keyWidth} must be 32 to 128`);
  if (!Number.isInteger(valueWidth) || valueWidth < MIN_VALUE_WIDTH || valueWidth > MAX_VALUE_WIDTH) {
    throw new RangeError(`value width ${valueWidth} must be ${MIN_VALUE_WIDTH} to ${MAX_VALUE_WIDTH}`);
  }
}

/** Fully associative tables (register CAM, transposed block-RAM CAM): slot = entry number. */
export class AssociativeGeometry implements TableGeometry {
  readonly capacity: number;
  readonly slotBits: number;
  private readonly all: number[];
  constructor(
    readonly style: 'register' | 'bram',
    readonly entries: number,
    readonly keyWidth: number,
    readonly valueWidth: number,
  ) {
    checkWidths(keyWidth, valueWidth);
    this.capacity = entries;
    this.slotBits = clog2(entries);
    this.all = Array.from({ length: entries }, (_, i) => i);
  }
  candidates(): number[] {
    return this.all;
  }
}

/**
 * Hashed exact match: `ways` block RAMs of `depth` words, slot = way * depth + index, then
 * the stash (a small register CAM) at slots ways * depth + j. A key can only be found at
 * index hash_w(key) of way w, or in the stash.
 */
export class HashGeometry implements TableGeometry {
  readonly style = 'hash' as const;
  readonly capacity: number;
  readonly slotBits: number;
  readonly depth: number;
  readonly indexBits: number;
  readonly hash: HashFamily;
  constructor(
    readonly entries: number,
    readonly ways: number,
    readonly stash: number,
    readonly keyWidth: number,
    readonly valueWidth: number,
  ) {
    checkWidths(keyWidth, valueWidth);
    this.depth = entries / ways;
    if (!Number.isInteger(this.depth) || (this.depth & (this.depth - 1)) !== 0 || this.depth < 2) {
      throw new RangeError(`hash table: entries/ways = ${entries}/${ways} must be a power of two of at least 2`);
    }
    this.indexBits = Math.log2(this.depth);
    this.capacity = entries + stash;
    this.slotBits = clog2(entries + stash);
    this.hash = hashFamily(keyWidth, ways, this.indexBits);
  }
  wayIndices(words: Uint32Array): number[] {
    return Array.from({ length: this.ways }, (_, w) => w * this.depth + hashIndex(this.hash, w, words));
  }
  stashSlot(j: number): number {
    return this.entries + j;
  }
  candidates(key: bigint): number[] {
    const c = this.wayIndices(keyWords(key, this.keyWidth));
    for (let j = 0; j < this.stash; j++) c.push(this.stashSlot(j));
    return c;
  }
}

export function isValid(value: bigint): boolean {
  return ((value >> BigInt(VALID_BIT)) & 1n) === 1n;
}
