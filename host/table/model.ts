// Golden models of the route table, at two levels.
//
// RouteModel is the specification: a map from route ID to value. A lookup hits exactly when
// the route is in the map. Tests compare the hardware against it, so it shares no code with
// the table manager's placement.
//
// SlotModel is the hardware's storage as the management port sees it: one word per slot,
// written by commands, searched in the geometry's priority order. It says what the hardware
// must return for any command sequence, including ones the table manager never issues (two
// slots with the same key: the first candidate wins).

import { type CamCommand, type TableGeometry, isValid } from '../../spec/route-table/geometry.ts';

export interface LookupResult {
  readonly hit: boolean;
  /** The stored value on a hit, 0 on a miss. */
  readonly value: bigint;
}

export const MISS: LookupResult = Object.freeze({ hit: false, value: 0n });

export class RouteModel {
  private readonly routes = new Map<bigint, bigint>();
  get size(): number {
    return this.routes.size;
  }
  set(key: bigint, value: bigint): void {
    this.routes.set(key, value);
  }
  delete(key: bigint): void {
    this.routes.delete(key);
  }
  clear(): void {
    this.routes.clear();
  }
  lookup(key: bigint): LookupResult {
    const v = this.routes.get(key);
    return v === undefined ? MISS : { hit: true, value: v };
  }
}

export class SlotModel {
  private readonly keys: bigint[];
  private readonly values: bigint[];
  constructor(readonly geometry: TableGeometry) {
    this.keys = new Array<bigint>(geometry.capacity).fill(0n);
    this.values = new Array<bigint>(geometry.capacity).fill(0n);
  }
  /** After reset every slot is empty. */
  reset(): void {
    this.keys.fill(0n);
    this.values.fill(0n);
  }
  apply(c: CamCommand): void {
    if (c.slot < 0 || c.slot >= this.geometry.capacity) throw new RangeError(`slot ${c.slot} is outside the table`);
    switch (c.op) {
      case 'write':
        this.keys[c.slot] = c.key;
        this.values[c.slot] = c.value;
        break;
      case 'update':
        this.values[c.slot] = c.value;
        break;
      case 'delete':
        this.values[c.slot] = 0n;
        break;
    }
  }
  lookup(key: bigint): LookupResult {
    for (const s of this.geometry.candidates(key)) {
      if (this.keys[s] === key && isValid(this.values[s]!)) return { hit: true, value: this.values[s]! };
    }
    return MISS;
  }
}
