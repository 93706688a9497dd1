// The register-map model: registers of 32 bits in groups (a group may be an array, e.g. one
// per peer), each register a set of fields. The forwarding plane's map (registers.ts) is
// written in it; the Verilog CSR block, the C header, the SystemRDL file and docs/registers.md
// are all printed from one RegisterMap, so they cannot disagree.
//
// Access of a field, as software sees it:
//   rw   written and read back by software; the hardware reads it (a configuration register)
//   ro   read by software, driven by the hardware (status), or a constant of the build
//   wo   written by software, reads as zero (key material)
//   w1c  set by the hardware, cleared by software writing 1 (sticky error flags)
// A register's kind says what an access does besides:
//   plain    nothing
//   command  a write also gives the hardware a one-cycle strobe with the written fields
//   pop      a read also gives the hardware a one-cycle strobe (takes a word from a queue)

export const DATA_BITS = 32;
export type Access = 'rw' | 'ro' | 'wo' | 'w1c';
export type RegKind = 'plain' | 'command' | 'pop';

export interface FieldDef {
  readonly name: string;
  readonly lsb: number;
  readonly width: number;
  readonly access: Access;
  /** Value after reset (rw, wo, w1c). */
  readonly reset: bigint;
  /** A constant of the build (ro only): the hardware has no input for it. */
  readonly value?: bigint;
  readonly doc: string;
  /** Named values of the field, shown in the docs and the C header. */
  readonly values?: Readonly<Record<string, number>>;
}

export interface RegDef {
  readonly name: string;
  readonly doc: string;
  readonly kind: RegKind;
  /** Byte offset inside its group. */
  readonly offset: number;
  readonly fields: readonly FieldDef[];
  /** Reading this register captures the ro fields of `latches` (a register of the same group), so a wide value read in two words never tears. */
  readonly latches?: string;
}

export interface GroupDef {
  readonly name: string;
  readonly doc: string;
  /** Byte address of element 0. */
  readonly offset: number;
  /** Elements (1 for a plain group). */
  readonly count: number;
  /** Bytes between elements (a power of two). */
  readonly stride: number;
  readonly regs: readonly RegDef[];
}

export interface RegisterMap {
  readonly name: string;
  readonly doc: string;
  readonly version: { readonly major: number; readonly minor: number };
  /** Bytes of address space the map decodes (a power of two). */
  readonly bytes: number;
  readonly groups: readonly GroupDef[];
}

export class RegMapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegMapError';
  }
}

const IDENT = /^[a-z][a-z0-9_]*$/;

// ---- building ------------------------------------------------------------------------------

export interface FieldOpts {
  access?: Access;
  reset?: bigint | number;
  value?: bigint | number;
  values?: Record<string, number>;
}

/** A field of `width` bits at `lsb`. */
export function field(name: string, lsb: number, width: number, doc: string, o: FieldOpts = {}): Omit<FieldDef, 'access'> & { access?: Access } {
  return {
    name, lsb, width, doc,
    ...(o.access ? { access: o.access } : {}),
    reset: BigInt(o.reset ?? 0),
    ...(o.value !== undefined ? { value: BigInt(o.value) } : {}),
    ...(o.values ? { values: o.values } : {}),
  };
}

export interface RegSpec {
  readonly name: string;
  readonly doc: string;
  /** Default access of its fields. */
  readonly access: Access;
  readonly kind?: RegKind;
  readonly fields: ReadonlyArray<ReturnType<typeof field>>;
  readonly latches?: string;
}

export interface GroupSpec {
  readonly name: string;
  readonly doc: string;
  readonly offset: number;
  readonly count?: number;
  readonly stride?: number;
  /** Registers at consecutive words from the group's start. */
  readonly regs: readonly RegSpec[];
}

/** Lays out and checks a map: names, field overlaps, access rules, group overlaps, the address space. */
export function buildMap(spec: { name: string; doc: string; version: { major: number; minor: number }; bytes: number; groups: readonly GroupSpec[] }): RegisterMap {
  const fail = (msg: string): never => {
    throw new RegMapError(`register map ${spec.name}: ${msg}`);
  };
  if (!pow2(spec.bytes)) fail(`size ${spec.bytes} is not a power of two`);
  const groups: GroupDef[] = [];
  const groupNames = new Set<string>();
  for (const g of spec.groups) {
    if (!IDENT.test(g.name) || groupNames.has(g.name)) fail(`group name "${g.name}" is not a fresh lower-case identifier`);
    groupNames.add(g.name);
    const count = g.count ?? 1;
    const used = g.regs.length * 4;
    const stride = g.stride ?? pow2Ceil(used);
    if (!pow2(stride) || stride < used) fail(`group ${g.name}: stride ${stride} must be a power of two of at least ${used} bytes`);
    if (g.offset % 4 !== 0 || (count > 1 && g.offset % stride !== 0)) fail(`group ${g.name}: offset 0x${g.offset.toString(16)} is not aligned`);
    const regNames = new Set<string>();
    const regs: RegDef[] = g.regs.map((r, i) => {
      if (!IDENT.test(r.name) || regNames.has(r.name)) fail(`${g.name}: register name "${r.name}" is not a fresh lower-case identifier`);
      regNames.add(r.name);
      const kind = r.kind ?? 'plain';
      let taken = 0n;
      const fieldNames = new Set<string>();
      const fields: FieldDef[] = r.fields.map((f) => {
        const where = `${g.name}.${r.name}.${f.name}`;
        if (!IDENT.test(f.name) || fieldNames.has(f.name)) fail(`${where}: field name is not a fresh lower-case identifier`);
        fieldNames.add(f.name);
        if (!Number.isInteger(f.lsb) || !Number.isInteger(f.width) || f.lsb < 0 || f.width < 1 || f.lsb + f.width > DATA_BITS) fail(`${where}: bits ${f.lsb + f.width - 1}:${f.lsb} are outside a ${DATA_BITS}-bit register`);
        const mask = ((1n << BigInt(f.width)) - 1n) << BigInt(f.lsb);
        if (taken & mask) fail(`${where}: overlaps another field`);
        taken |= mask;
        const access = f.access ?? r.access;
        if (f.value !== undefined && access !== 'ro') fail(`${where}: only a read-only field can be a constant`);
        for (const v of [f.reset, f.value ?? 0n, ...Object.values(f.values ?? {}).map(BigInt)]) if (v < 0n || v >> BigInt(f.width)) fail(`${where}: value ${v} does not fit ${f.width} bits`);
        if (kind === 'command' && access !== 'wo' && access !== 'rw') fail(`${where}: a command register's fields are written (wo or rw)`);
        if (kind === 'pop' && access !== 'ro') fail(`${where}: a pop register's fields are read-only`);
        return { ...f, access } as FieldDef;
      });
      if (fields.length === 0) fail(`${g.name}.${r.name}: has no fields`);
      return { name: r.name, doc: r.doc, kind, offset: i * 4, fields, ...(r.latches ? { latches: r.latches } : {}) };
    });
    for (const r of regs) {
      if (!r.latches) continue;
      const t = regs.find((x) => x.name === r.latches);
      if (!t || t === r || t.fields.some((f) => f.access !== 'ro' || f.value !== undefined)) fail(`${g.name}.${r.name}: latches "${r.latches}", which must be another register of the group with only live read-only fields`);
    }
    groups.push({ name: g.name, doc: g.doc, offset: g.offset, count, stride, regs });
  }
  const spans = groups.map((g) => ({ g, lo: g.offset, hi: g.offset + g.stride * (g.count - 1) + g.regs.length * 4 })).sort((a, b) => a.lo - b.lo);
  spans.forEach((s, i) => {
    if (s.hi > spec.bytes) fail(`group ${s.g.name} ends at 0x${s.hi.toString(16)}, past the ${spec.bytes}-byte space`);
    const next = spans[i + 1];
    if (next && s.g.offset + s.g.stride * s.g.count > next.lo) fail(`groups ${s.g.name} and ${next.g.name} overlap`);
  });
  return { name: spec.name, doc: spec.doc, version: spec.version, bytes: spec.bytes, groups };
}

// ---- reading ---------------------------------------------------------------------------------

export interface RegInstance {
  readonly group: GroupDef;
  /** Element of an array group (0 for a plain group). */
  readonly index: number;
  readonly reg: RegDef;
  /** Byte address. */
  readonly address: number;
  /** `peer[3].ctrl` or `ctrl.ctrl`. */
  readonly path: string;
}

/** Every register of every element, in address order. */
export function registerInstances(map: RegisterMap): RegInstance[] {
  const out: RegInstance[] = [];
  for (const g of map.groups) {
    for (let i = 0; i < g.count; i++) {
      for (const r of g.regs) out.push({ group: g, index: i, reg: r, address: g.offset + i * g.stride + r.offset, path: `${g.name}${g.count > 1 ? `[${i}]` : ''}.${r.name}` });
    }
  }
  return out.sort((a, b) => a.address - b.address);
}

export function group(map: RegisterMap, name: string): GroupDef {
  const g = map.groups.find((x) => x.name === name);
  if (!g) throw new RegMapError(`register map ${map.name} has no group "${name}"`);
  return g;
}

export function reg(map: RegisterMap, groupName: string, regName: string): RegDef {
  const r = group(map, groupName).regs.find((x) => x.name === regName);
  if (!r) throw new RegMapError(`register map ${map.name}: group ${groupName} has no register "${regName}"`);
  return r;
}

/** Byte address of a register of element `index`. */
export function address(map: RegisterMap, groupName: string, regName: string, index = 0): number {
  const g = group(map, groupName);
  if (!Number.isInteger(index) || index < 0 || index >= g.count) throw new RegMapError(`register map ${map.name}: ${groupName}[${index}] is outside its ${g.count} elements`);
  return g.offset + index * g.stride + reg(map, groupName, regName).offset;
}

export function fieldOf(r: RegDef, name: string): FieldDef {
  const f = r.fields.find((x) => x.name === name);
  if (!f) throw new RegMapError(`register ${r.name} has no field "${name}"`);
  return f;
}

/** Packs field values into a register word; a value that does not fit its field is an error. */
export function packFields(r: RegDef, values: Readonly<Record<string, number | bigint>>): number {
  let w = 0n;
  for (const [name, v] of Object.entries(values)) {
    const f = fieldOf(r, name);
    const b = BigInt(v);
    if (b < 0n || b >> BigInt(f.width)) throw new RegMapError(`${r.name}.${name} = ${v} does not fit ${f.width} bits`);
    w |= b << BigInt(f.lsb);
  }
  return Number(w);
}

export function unpackField(r: RegDef, name: string, word: number): number {
  const f = fieldOf(r, name);
  return Number((BigInt(word >>> 0) >> BigInt(f.lsb)) & ((1n << BigInt(f.width)) - 1n));
}

/** A 32-bit FNV-1a digest of the map's layout: the build ID's map part. */
export function mapDigest(map: RegisterMap, extra = ''): number {
  const text = JSON.stringify(map, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) + extra;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function pow2(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}
function pow2Ceil(n: number): number {
  let p = 4;
  while (p < n) p *= 2;
  return p;
}
