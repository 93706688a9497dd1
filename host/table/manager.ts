// The host-side table manager: the shadow copy of the route table, placement (cuckoo moves
// for the hashed style), and the management commands in an order that keeps every lookup
// consistent. The hardware executes commands in order, one slot write each, and a lookup
// sees the table between two commands, so the manager keeps these invariants at every
// command boundary:
//
// - a route present before and after an operation is present (with its value) at every
//   boundary in between: a cuckoo move first copies the entry to its new slot, and only then
//   is the old slot overwritten;
// - a new route appears with a single write (the last command of its insert);
// - an update is one write of the route's slot; a delete one write that empties it;
// - no slot ever holds a key a lookup could confuse: slots are written whole.
//
// A full table or an insert with no placement throws TableFullError before any command is
// issued, so the shadow copy and the hardware never diverge.

import { type CamCommand, HashGeometry, type TableGeometry, isValid } from '../../spec/route-table/geometry.ts';
import { keyWords } from '../../spec/route-table/hash.ts';
import { type RouteAction, type ValueLayout, ValueCodecError, decodeAction, encodeAction, valueLayout } from '../../spec/route-table/layout.ts';

export class RouteTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
export class TableFullError extends RouteTableError {}
export class DuplicateRouteError extends RouteTableError {}
export class UnknownRouteError extends RouteTableError {}
export class RouteValueError extends RouteTableError {}

/** Longest chain of cuckoo moves searched before an insert falls back to the stash. */
export const MAX_CUCKOO_MOVES = 8;

interface Entry {
  key: bigint;
  value: bigint;
  slot: number;
  /** Way slots of the key (hash style), computed once. */
  ways: number[];
}

export interface ManagerStats {
  inserts: number;
  updates: number;
  deletes: number;
  commands: number;
  cuckooMoves: number;
  longestMoveChain: number;
  stashPlacements: number;
}

const hex = (k: bigint): string => `0x${k.toString(16)}`;

export class TableManager {
  private readonly bySlot: Array<Entry | undefined>;
  private readonly byKey = new Map<bigint, Entry>();
  private freeAssoc: number[] = [];
  readonly stats: ManagerStats = { inserts: 0, updates: 0, deletes: 0, commands: 0, cuckooMoves: 0, longestMoveChain: 0, stashPlacements: 0 };

  /** The value layout of this table (from its value width). */
  readonly layout: ValueLayout;

  /** `layout` defaults to the plain layout of the geometry's value width (no counter field). */
  constructor(
    readonly geometry: TableGeometry,
    layout?: ValueLayout,
  ) {
    if (layout && layout.width !== geometry.valueWidth) throw new RangeError(`value layout of ${layout.width} bits for a table of ${geometry.valueWidth}-bit values`);
    this.layout = layout ?? valueLayout(geometry.valueWidth);
    this.bySlot = new Array<Entry | undefined>(geometry.capacity).fill(undefined);
    this.reset();
  }

  /** Forget every route (the hardware was reset). */
  reset(): void {
    this.bySlot.fill(undefined);
    this.byKey.clear();
    if (!(this.geometry instanceof HashGeometry)) this.freeAssoc = Array.from({ length: this.geometry.capacity }, (_, i) => this.geometry.capacity - 1 - i);
  }

  get size(): number {
    return this.byKey.size;
  }
  get occupancy(): number {
    return this.byKey.size / this.geometry.capacity;
  }
  has(key: bigint): boolean {
    return this.byKey.has(key);
  }
  /** The shadow copy's value of a route. */
  get(key: bigint): bigint | undefined {
    return this.byKey.get(key)?.value;
  }
  slotOf(key: bigint): number | undefined {
    return this.byKey.get(key)?.slot;
  }
  /** Every route as [key, value, slot]. */
  *entries(): IterableIterator<[bigint, bigint, number]> {
    for (const e of this.byKey.values()) yield [e.key, e.value, e.slot];
  }

  private check(key: bigint, value?: bigint): void {
    const g = this.geometry;
    if (key < 0n || key >> BigInt(g.keyWidth) !== 0n) throw new RouteValueError(`route ID ${hex(key)} does not fit in ${g.keyWidth} bits`);
    if (value !== undefined) {
      if (value < 0n || value >> BigInt(g.valueWidth) !== 0n) throw new RouteValueError(`value ${hex(value)} does not fit in ${g.valueWidth} bits`);
      if (!isValid(value)) throw new RouteValueError(`value ${hex(value)} of route ${hex(key)} has its valid bit clear; use delete to remove a route`);
    }
  }

  private out(cmds: CamCommand[]): CamCommand[] {
    this.stats.commands += cmds.length;
    return cmds;
  }

  insert(key: bigint, value: bigint): CamCommand[] {
    this.check(key, value);
    if (this.byKey.has(key)) throw new DuplicateRouteError(`route ${hex(key)} is already in the table (slot ${this.byKey.get(key)!.slot}); use update`);
    const cmds = this.geometry instanceof HashGeometry ? this.placeHashed(this.geometry, key, value) : this.placeAssociative(key, value);
    this.stats.inserts++;
    return this.out(cmds);
  }

  update(key: bigint, value: bigint): CamCommand[] {
    this.check(key, value);
    const e = this.byKey.get(key);
    if (!e) throw new UnknownRouteError(`route ${hex(key)} is not in the table; use insert`);
    e.value = value;
    this.stats.updates++;
    return this.out([{ op: 'update', slot: e.slot, key, value }]);
  }

  delete(key: bigint): CamCommand[] {
    this.check(key);
    const e = this.byKey.get(key);
    if (!e) throw new UnknownRouteError(`route ${hex(key)} is not in the table`);
    this.byKey.delete(key);
    this.bySlot[e.slot] = undefined;
    this.stats.deletes++;
    const cmds: CamCommand[] = [{ op: 'delete', slot: e.slot, key: 0n, value: 0n }];
    if (this.geometry instanceof HashGeometry) cmds.push(...this.drainStash(this.geometry));
    else this.freeAssoc.push(e.slot);
    return this.out(cmds);
  }

  /** insert() with the value encoded from a route action. */
  insertRoute(key: bigint, action: RouteAction): CamCommand[] {
    return this.insert(key, this.encode(action));
  }

  /** update() with the value encoded from a route action. */
  updateRoute(key: bigint, action: RouteAction): CamCommand[] {
    return this.update(key, this.encode(action));
  }

  /** The shadow copy's action for a route. */
  route(key: bigint): RouteAction | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : decodeAction(this.layout, v);
  }

  private encode(action: RouteAction): bigint {
    try {
      return encodeAction(this.layout, action);
    } catch (e) {
      if (e instanceof ValueCodecError) throw new RouteValueError(e.message);
      throw e;
    }
  }

  // ---- fully associative ------------------------------------------------------------------

  private placeAssociative(key: bigint, value: bigint): CamCommand[] {
    const slot = this.freeAssoc.pop();
    if (slot === undefined) {
      throw new TableFullError(`route table full: all ${this.geometry.capacity} entries hold routes; cannot insert ${hex(key)}`);
    }
    const e: Entry = { key, value, slot, ways: [] };
    this.bySlot[slot] = e;
    this.byKey.set(key, e);
    return [{ op: 'write', slot, key, value }];
  }

  // ---- hashed (cuckoo) --------------------------------------------------------------------

  /**
   * Breadth-first search for the shortest chain of moves that frees one of `ways` (the key's
   * own way slots): returns the slots from the key's slot to an empty one, or undefined.
   */
  private cuckooPath(ways: number[]): number[] | undefined {
    const parent = new Map<number, number>();
    let frontier: number[] = [];
    for (const s of ways) {
      if (!this.bySlot[s]) return [s];
      if (!parent.has(s)) {
        parent.set(s, -1);
        frontier.push(s);
      }
    }
    for (let depth = 1; depth <= MAX_CUCKOO_MOVES && frontier.length; depth++) {
      const next: number[] = [];
      for (const s of frontier) {
        for (const t of this.bySlot[s]!.ways) {
          if (t === s || parent.has(t)) continue;
          parent.set(t, s);
          if (!this.bySlot[t]) {
            const path = [t];
            for (let p = s; p !== -1; p = parent.get(p)!) path.push(p);
            return path.reverse();
          }
          next.push(t);
        }
      }
      frontier = next;
    }
    return undefined;
  }

  /** Commands that move the entries along `path` one slot on, last first; leaves path[0] free. */
  private shift(path: number[]): CamCommand[] {
    const cmds: CamCommand[] = [];
    for (let i = path.length - 2; i >= 0; i--) {
      const e = this.bySlot[path[i]!]!;
      const to = path[i + 1]!;
      // Copy first: until path[i] is overwritten the route is in both slots, same value.
      cmds.push({ op: 'write', slot: to, key: e.key, value: e.value });
      this.bySlot[to] = e;
      e.slot = to;
      this.bySlot[path[i]!] = undefined;
    }
    this.stats.cuckooMoves += path.length - 1;
    this.stats.longestMoveChain = Math.max(this.stats.longestMoveChain, path.length - 1);
    return cmds;
  }

  private placeHashed(g: HashGeometry, key: bigint, value: bigint): CamCommand[] {
    const ways = g.wayIndices(keyWords(key, g.keyWidth));
    const path = this.cuckooPath(ways);
    let slot: number;
    const cmds: CamCommand[] = [];
    if (path) {
      cmds.push(...this.shift(path));
      slot = path[0]!;
    } else {
      let j = 0;
      while (j < g.stash && this.bySlot[g.stashSlot(j)]) j++;
      if (j === g.stash) {
        throw new TableFullError(
          `cannot place route ${hex(key)}: its ${g.ways} buckets and every cuckoo chain of up to ${MAX_CUCKOO_MOVES} moves are full, ` +
            `and all ${g.stash} stash slots are in use (${this.size} routes in ${g.capacity} slots, ${(this.occupancy * 100).toFixed(1)}%)`,
        );
      }
      slot = g.stashSlot(j);
      this.stats.stashPlacements++;
    }
    const e: Entry = { key, value, slot, ways };
    this.bySlot[slot] = e;
    this.byKey.set(key, e);
    cmds.push({ op: 'write', slot, key, value });
    return cmds;
  }

  /** After a delete, moves stash entries back into the ways where a chain now exists. */
  private drainStash(g: HashGeometry): CamCommand[] {
    const cmds: CamCommand[] = [];
    for (let j = 0; j < g.stash; j++) {
      const e = this.bySlot[g.stashSlot(j)];
      if (!e) continue;
      const path = this.cuckooPath(e.ways);
      if (!path) continue;
      cmds.push(...this.shift(path));
      const from = e.slot;
      this.bySlot[path[0]!] = e;
      e.slot = path[0]!;
      this.bySlot[from] = undefined;
      // Written into the ways first, then removed from the stash: always findable.
      cmds.push({ op: 'write', slot: e.slot, key: e.key, value: e.value }, { op: 'delete', slot: from, key: 0n, value: 0n });
    }
    return cmds;
  }
}
