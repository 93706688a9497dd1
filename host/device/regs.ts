// Registers by name: `peer[3].ctrl`, `key.key_cmd`, fields packed and unpacked by the register
// map of spec/forwarding (the same definition the CSR block, the C header and the docs are
// printed from), turned into bus accesses. A name, element or field the map does not have is
// an error naming it, before anything reaches the device.
import { type RegDef, type RegisterMap, address, packFields, reg, RegMapError, unpackField } from '../../spec/forwarding/regmap.ts';
import { rd, type ReadOp, wr, type WriteOp } from './bus.ts';

export interface RegRef {
  readonly group: string;
  readonly reg: string;
  readonly index: number;
  readonly address: number;
  readonly def: RegDef;
}

const PATH = /^([a-z][a-z0-9_]*)(?:\[(\d+)\])?\.([a-z][a-z0-9_]*)$/;

export class Regs {
  private readonly cache = new Map<string, RegRef>();
  constructor(readonly map: RegisterMap) {}

  /** `group.reg` or `group[i].reg`. */
  ref(path: string): RegRef {
    const hit = this.cache.get(path);
    if (hit) return hit;
    const m = PATH.exec(path);
    if (!m) throw new RegMapError(`register path "${path}" is not group.reg or group[i].reg`);
    const [, g, i, r] = m;
    const index = i === undefined ? 0 : Number(i);
    const out = { group: g!, reg: r!, index, address: address(this.map, g!, r!, index), def: reg(this.map, g!, r!) };
    this.cache.set(path, out);
    return out;
  }

  addr(path: string): number {
    return this.ref(path).address;
  }

  /** A write of a whole word, or of named fields (the others zero). */
  write(path: string, value: number | Readonly<Record<string, number | bigint>>): WriteOp {
    const r = this.ref(path);
    return wr(r.address, typeof value === 'number' ? value : packFields(r.def, value));
  }

  read(path: string): ReadOp {
    return rd(this.ref(path).address);
  }

  /** Every field of a word read from `path`. */
  fields(path: string, word: number): Record<string, number> {
    const r = this.ref(path);
    return Object.fromEntries(r.def.fields.map((f) => [f.name, unpackField(r.def, f.name, word)]));
  }

  field(path: string, name: string, word: number): number {
    return unpackField(this.ref(path).def, name, word);
  }
}
