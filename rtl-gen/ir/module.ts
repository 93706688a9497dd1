// Modules of the hardware IR: ports, wires, registers, memories and submodule instances.
//
// A generator builds a Module by calling these methods; the Verilog printer turns it into
// text. Names are checked when they are declared and every signal's drivers are checked
// by validate(), so a generator bug surfaces as a GenError naming the module and signal,
// not as a Verilator warning three steps later.

import { GenError } from './errors.ts';
import {
  type Expr,
  type SignalRef,
  checkWidth,
  concat,
  sliceRef,
} from './expr.ts';

export type ParamValue = number | string | boolean;

export interface GeneratorInfo {
  /** Generator name as printed in the header, e.g. "chacha/quarter-round". */
  readonly name: string;
  readonly version: string;
  /** Every parameter that shaped the module, printed in the header in this order. */
  readonly params: Readonly<Record<string, ParamValue>>;
}

export interface Port {
  readonly name: string;
  readonly dir: 'input' | 'output';
  readonly width: number;
  readonly ref: SignalRef;
  /** Short description printed beside the port. */
  readonly doc?: string;
}

export interface Wire {
  readonly name: string;
  readonly width: number;
  driver?: Expr;
  /** Set when the wire is driven by an output of this submodule instance instead of an assignment. */
  instance?: string;
  readonly doc?: string;
}

export interface Register {
  readonly name: string;
  readonly width: number;
  /** Synchronous, active-high reset value; undefined means a datapath register with no reset. */
  readonly reset?: bigint;
  next?: Expr;
  enable?: Expr;
  readonly doc?: string;
  /**
   * A replica: synthesis must not merge it with registers of the same next value (yosys
   * otherwise folds copies made to shorten wires back into one). Printed in an always
   * block of its own with the `keep` attribute, which yosys puts on the flip-flops.
   */
  readonly keep?: boolean;
}

export interface MemoryWrite {
  readonly enable: Expr;
  readonly addr: Expr;
  readonly data: Expr;
}

export interface MemoryRead {
  /** 'sync' reads register the word (block RAM); 'async' reads are combinational (LUT RAM). */
  readonly kind: 'sync' | 'async';
  readonly name: string;
  readonly addr: Expr;
  readonly enable?: Expr;
}

export type MemoryStyle = 'block' | 'distributed' | 'logic';

export interface Memory {
  readonly name: string;
  readonly width: number;
  readonly depth: number;
  readonly addrWidth: number;
  readonly writes: MemoryWrite[];
  readonly reads: MemoryRead[];
  readonly doc?: string;
  /** Synthesis hint printed as (* ram_style *): block RAM, LUT ("distributed") RAM, or flip-flops and LUTs ("logic"). */
  readonly style?: MemoryStyle;
  /**
   * What a synchronous read returns when it reads the word being written at the same edge:
   * 'old' (the default: the word before the write, as simulated) or 'undefined' (the design
   * never uses that value, e.g. it forwards the written word itself). 'undefined' prints the
   * yosys `no_rw_check` attribute, so synthesis adds no collision logic after the block RAM.
   */
  readonly readDuringWrite: 'old' | 'undefined';
}

export interface Instance {
  readonly name: string;
  readonly module: Module;
  /** Port name to the expression (inputs) or parent wire (outputs) it connects to, in port order. */
  readonly connections: ReadonlyArray<readonly [string, Expr]>;
  /** Parameter overrides, printed as `#(.NAME(value))`; only vendor primitives take them. */
  readonly params?: Readonly<Record<string, number | string>>;
}

/**
 * A vendor primitive (a black box): the synthesis tool's cell library defines it, so the
 * printer never prints its body. Simulation and lint read a behavioural model instead, a
 * Verilog file kept beside the primitive's TypeScript description (rtl-gen/vendor/).
 */
export interface Primitive {
  /** Device family whose synthesis library has the cell, e.g. 'ecp5'. */
  readonly family: string;
  /** Parameters an instance may set (the model declares each of them). */
  readonly parameters: readonly string[];
  /** Absolute path of the behavioural model for Verilator and yosys read_verilog. */
  readonly simModel: string;
}

/** A register as returned by Module.reg: usable as an expression, with its next value set later. */
export interface RegHandle extends SignalRef {
  /** Sets the value loaded at each rising clock edge (when `enable` is given, only while it is 1). */
  set(next: Expr, enable?: Expr): void;
}

export interface OutputHandle extends SignalRef {
  drive(value: Expr): void;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Verilog-2001 and SystemVerilog keywords a generator could plausibly pick as a name.
const RESERVED = new Set(
  ('always and assign automatic begin buf case casex casez cell config deassign default defparam design ' +
    'disable edge else end endcase endconfig endfunction endgenerate endmodule endprimitive endspecify ' +
    'endtable endtask event for force forever fork function generate genvar highz0 highz1 if ifnone ' +
    'incdir include initial inout input instance integer join large liblist library localparam macromodule ' +
    'medium module nand negedge nmos nor noshowcancelled not notif0 notif1 or output parameter pmos posedge ' +
    'primitive pull0 pull1 pulldown pullup pulsestyle_onevent pulsestyle_ondetect rcmos real realtime reg ' +
    'release repeat rnmos rpmos rtran rtranif0 rtranif1 scalared showcancelled signed small specify specparam ' +
    'strong0 strong1 supply0 supply1 table task time tran tranif0 tranif1 tri tri0 tri1 triand trior trireg ' +
    'unsigned use vectored wait wand weak0 weak1 while wire wor xnor xor logic bit byte int shortint longint ' +
    'string struct union enum typedef interface class')
    .split(' '),
);

export class Module {
  readonly ports: Port[] = [];
  readonly wires: Wire[] = [];
  readonly regs: Register[] = [];
  readonly memories: Memory[] = [];
  readonly instances: Instance[] = [];
  /** Free-form lines printed under the header: what the module does, its latency, its protocol. */
  readonly docs: string[] = [];
  private readonly names = new Map<string, string>();
  private clockRef?: SignalRef;
  private resetRef?: SignalRef;

  constructor(
    readonly name: string,
    readonly generator: GeneratorInfo,
    /** Set for a vendor primitive: only its ports are described; see Primitive. */
    readonly primitive?: Primitive,
  ) {
    if (!IDENT.test(name) || RESERVED.has(name)) {
      throw new GenError(`module name "${name}" is not a usable Verilog identifier`);
    }
  }

  describe(...lines: string[]): this {
    this.docs.push(...lines);
    return this;
  }

  // ---- declarations -------------------------------------------------------------------------

  private declare(name: string, what: string): void {
    if (!IDENT.test(name) || RESERVED.has(name)) {
      throw new GenError(`${this.name}: ${what} name "${name}" is not a usable Verilog identifier`);
    }
    const prev = this.names.get(name);
    if (prev) throw new GenError(`${this.name}: ${what} "${name}" is already declared as a ${prev}`);
    this.names.set(name, what);
  }

  /** The clock input `clk`, created on first use and listed first among the ports. */
  clock(): SignalRef {
    if (!this.clockRef) {
      this.clockRef = this.port('clk', 'input', 1, 'clock; every register samples on its rising edge', 0);
    }
    return this.clockRef;
  }

  /** The synchronous, active-high reset input `rst`, listed right after `clk`. */
  reset(): SignalRef {
    if (!this.resetRef) {
      this.clock();
      this.resetRef = this.port('rst', 'input', 1, 'synchronous reset, active high', 1);
    }
    return this.resetRef;
  }

  get hasClock(): boolean {
    return this.clockRef !== undefined;
  }

  private port(name: string, dir: 'input' | 'output', width: number, doc?: string, at?: number): SignalRef {
    this.declare(name, dir);
    checkWidth(width, `${this.name}.${name}`);
    const ref: SignalRef = { kind: 'ref', name, width };
    const port: Port = { name, dir, width, ref, doc };
    if (at === undefined) this.ports.push(port);
    else this.ports.splice(at, 0, port);
    return ref;
  }

  input(name: string, width: number, doc?: string): SignalRef {
    return this.port(name, 'input', width, doc);
  }

  /** An output port; drive it with `.drive(expr)` (printed as a continuous assignment). */
  output(name: string, width: number, doc?: string): OutputHandle {
    const ref = this.port(name, 'output', width, doc);
    const wire: Wire = { name, width };
    this.outputs.set(name, wire);
    return {
      ...ref,
      drive: (value: Expr) => this.driveWire(wire, value, 'output'),
    };
  }
  /** Drivers of output ports, kept apart from internal wires so the printer can place them last. */
  readonly outputs = new Map<string, Wire>();

  /** A named combinational signal. With an expression it is driven now; with a width, later by assign(). */
  wire(name: string, value: Expr | number, doc?: string): SignalRef {
    this.declare(name, 'wire');
    const width = typeof value === 'number' ? value : value.width;
    checkWidth(width, `${this.name}.${name}`);
    const wire: Wire = { name, width, doc };
    this.wires.push(wire);
    if (typeof value !== 'number') wire.driver = value;
    return { kind: 'ref', name, width };
  }

  /** Drives a wire declared earlier with only a width. */
  assign(target: SignalRef, value: Expr): void {
    const wire = this.wires.find((w) => w.name === target.name) ?? this.outputs.get(target.name);
    if (!wire) throw new GenError(`${this.name}: assign to "${target.name}", which is not a wire or output`);
    this.driveWire(wire, value, 'wire');
  }

  private driveWire(wire: Wire, value: Expr, what: string): void {
    if (wire.driver || wire.instance) throw new GenError(`${this.name}: ${what} "${wire.name}" is driven twice`);
    if (value.width !== wire.width) {
      throw new GenError(`${this.name}: ${what} "${wire.name}" is ${wire.width} bits, driven by ${value.width} bits`);
    }
    wire.driver = value;
  }

  /**
   * A register clocked by `clk`. `reset` gives it a synchronous reset value; leave it out for
   * datapath registers, which then cost no reset logic (valid bits carry the meaning).
   */
  reg(name: string, width: number, opts: { reset?: bigint | number; doc?: string; keep?: boolean } = {}): RegHandle {
    this.clock();
    if (opts.reset !== undefined) this.reset();
    this.declare(name, 'register');
    checkWidth(width, `${this.name}.${name}`);
    const reset = opts.reset === undefined ? undefined : BigInt(opts.reset);
    if (reset !== undefined && (reset < 0n || reset >> BigInt(width) !== 0n)) {
      throw new GenError(`${this.name}: reset value of "${name}" does not fit in ${width} bits`);
    }
    const reg: Register = { name, width, reset, doc: opts.doc, ...(opts.keep ? { keep: true } : {}) };
    this.regs.push(reg);
    return {
      kind: 'ref',
      name,
      width,
      set: (next: Expr, enable?: Expr) => {
        if (reg.next) throw new GenError(`${this.name}: register "${name}" is given a next value twice`);
        if (next.width !== width) {
          throw new GenError(`${this.name}: register "${name}" is ${width} bits, next value is ${next.width} bits`);
        }
        if (enable && enable.width !== 1) throw new GenError(`${this.name}: enable of "${name}" must be 1 bit`);
        reg.next = next;
        reg.enable = enable;
      },
    };
  }

  /** A memory of `depth` words; inferred as block RAM when read synchronously. */
  memory(
    name: string,
    width: number,
    depth: number,
    doc?: string,
    opts: { readDuringWrite?: 'old' | 'undefined'; style?: MemoryStyle } = {},
  ): MemoryHandle {
    this.clock();
    this.declare(name, 'memory');
    checkWidth(width, `${this.name}.${name}`);
    if (!Number.isInteger(depth) || depth < 2 || depth > 1 << 20) {
      throw new GenError(`${this.name}: memory "${name}" depth ${depth} must be an integer from 2 to ${1 << 20}`);
    }
    const addrWidth = Math.ceil(Math.log2(depth));
    const mem: Memory = { name, width, depth, addrWidth, writes: [], reads: [], doc, readDuringWrite: opts.readDuringWrite ?? 'old', style: opts.style };
    this.memories.push(mem);
    return new MemoryHandle(this, mem);
  }

  /** @internal used by MemoryHandle to claim a read-port name */
  claimName(name: string, what: string): void {
    this.declare(name, what);
  }

  /**
   * Instantiates a submodule. Inputs are connected to the given expressions (a submodule's
   * `clk` and `rst` default to this module's); every output is connected to a new wire named
   * `<instance>_<port>`, returned by port name. Outputs listed in `opts.unused` are wired to
   * `<instance>_<port>_unused` instead, a name Verilator's lint knows is meant to be unread.
   * `opts.params` sets parameters of a vendor primitive.
   */
  instance(
    sub: Module,
    name: string,
    given: Record<string, Expr>,
    opts: { params?: Readonly<Record<string, number | string>>; unused?: readonly string[] } = {},
  ): Record<string, SignalRef> {
    this.declare(name, 'instance');
    if (opts.params) {
      if (!sub.primitive) {
        throw new GenError(`${this.name}: instance "${name}" sets parameters of ${sub.name}; generated modules take none (each configuration has its own name)`);
      }
      for (const k of Object.keys(opts.params)) {
        if (!sub.primitive.parameters.includes(k)) throw new GenError(`${this.name}: instance "${name}": ${sub.name} has no parameter "${k}"`);
      }
    }
    for (const u of opts.unused ?? []) {
      if (!sub.ports.some((q) => q.name === u && q.dir === 'output')) throw new GenError(`${this.name}: instance "${name}": ${sub.name} has no output "${u}"`);
    }
    const inputs: Record<string, Expr> = { ...given };
    if (sub.ports.some((q) => q.name === 'clk') && !inputs.clk) inputs.clk = this.clock();
    if (sub.ports.some((q) => q.name === 'rst') && !inputs.rst) inputs.rst = this.reset();
    const connections: Array<readonly [string, Expr]> = [];
    const outs: Record<string, SignalRef> = {};
    for (const key of Object.keys(inputs)) {
      const p = sub.ports.find((q) => q.name === key);
      if (!p) throw new GenError(`${this.name}: instance "${name}" of ${sub.name} has no port "${key}"`);
      if (p.dir !== 'input') throw new GenError(`${this.name}: "${key}" of ${sub.name} is an output; outputs are wired automatically`);
    }
    for (const p of sub.ports) {
      if (p.dir === 'input') {
        const e = inputs[p.name];
        if (!e) throw new GenError(`${this.name}: instance "${name}" of ${sub.name} leaves input "${p.name}" unconnected`);
        if (e.width !== p.width) {
          throw new GenError(`${this.name}: instance "${name}" port "${p.name}" is ${p.width} bits, connected to ${e.width} bits`);
        }
        connections.push([p.name, e]);
      } else {
        const unused = opts.unused?.includes(p.name);
        const w = this.wire(`${name}_${p.name}${unused ? '_unused' : ''}`, p.width);
        this.wires[this.wires.length - 1]!.instance = name;
        connections.push([p.name, w]);
        if (!unused) outs[p.name] = w;
      }
    }
    this.instances.push({ name, module: sub, connections, ...(opts.params ? { params: opts.params } : {}) });
    return outs;
  }

  // ---- helpers that need names ----------------------------------------------------------------

  /** Bits hi..lo of any expression; a non-signal expression is first given the wire name `name`. */
  slice(e: Expr, hi: number, lo: number, name?: string): Expr {
    return sliceRef(this.named(e, name), hi, lo);
  }

  /** Rotate left by a constant, printed as a concatenation of two slices. */
  rotl(e: Expr, amount: number, name?: string): Expr {
    const w = e.width;
    const n = ((amount % w) + w) % w;
    if (n === 0) return e;
    const r = this.named(e, name);
    return concat(sliceRef(r, w - 1 - n, 0), sliceRef(r, w - 1, w - n));
  }

  /** Splits a signal into `count` equal words, word 0 at the least significant end. */
  words(e: Expr, count: number, name?: string): Expr[] {
    if (e.width % count !== 0) throw new GenError(`${this.name}: cannot split ${e.width} bits into ${count} words`);
    const w = e.width / count;
    const r = this.named(e, name);
    return Array.from({ length: count }, (_, i) => sliceRef(r, i * w + w - 1, i * w));
  }

  /**
   * Bits the design computes but deliberately never reads (fields of a shared word that one
   * configuration has no use for): a wire named `<name>_unused`, which Verilator's lint skips.
   */
  unread(name: string, ...parts: Expr[]): void {
    this.wire(`${name}_unused`, concat(...parts));
  }

  private tempCount = 0;
  /** Returns `e` itself when it is a signal, otherwise a wire holding it. */
  named(e: Expr, name?: string): SignalRef {
    if (e.kind === 'ref') return e;
    return this.wire(name ?? `tmp${this.tempCount++}`, e);
  }

  // ---- checks ---------------------------------------------------------------------------------

  /** Checks that every wire, output and register is driven and every reference is declared. */
  validate(): void {
    const widths = new Map<string, number>();
    for (const p of this.ports) widths.set(p.name, p.width);
    for (const w of this.wires) widths.set(w.name, w.width);
    for (const r of this.regs) widths.set(r.name, r.width);
    for (const m of this.memories) for (const rd of m.reads) widths.set(rd.name, m.width);
    const check = (e: Expr | undefined, where: string): void => {
      if (!e) return;
      walk(e, (n) => {
        if (n.kind !== 'ref') return;
        const w = widths.get(n.name);
        if (w === undefined) throw new GenError(`${this.name}: ${where} refers to undeclared signal "${n.name}"`);
        if (w !== n.width) throw new GenError(`${this.name}: ${where} uses "${n.name}" as ${n.width} bits; it is ${w}`);
      });
    };
    for (const w of this.wires) {
      if (!w.driver && !w.instance) throw new GenError(`${this.name}: wire "${w.name}" is never driven`);
      check(w.driver, `wire "${w.name}"`);
    }
    for (const [name, w] of this.outputs) {
      if (!w.driver) throw new GenError(`${this.name}: output "${name}" is never driven`);
      check(w.driver, `output "${name}"`);
    }
    for (const r of this.regs) {
      if (!r.next) throw new GenError(`${this.name}: register "${r.name}" has no next value`);
      check(r.next, `register "${r.name}"`);
      check(r.enable, `enable of "${r.name}"`);
    }
    for (const m of this.memories) {
      if (m.writes.length === 0) throw new GenError(`${this.name}: memory "${m.name}" is never written`);
      if (m.reads.length === 0) throw new GenError(`${this.name}: memory "${m.name}" is never read`);
      for (const wr of m.writes) {
        check(wr.enable, `write to "${m.name}"`);
        check(wr.addr, `write to "${m.name}"`);
        check(wr.data, `write to "${m.name}"`);
      }
      for (const rd of m.reads) check(rd.addr, `read "${rd.name}"`);
    }
    for (const inst of this.instances) for (const [p, e] of inst.connections) check(e, `${inst.name}.${p}`);
  }

  /** This module and every distinct submodule below it, submodules first. */
  hierarchy(): Module[] {
    const out: Module[] = [];
    const seen = new Map<string, Module>();
    const visit = (m: Module): void => {
      const prev = seen.get(m.name);
      if (prev) {
        if (prev !== m && !sameShape(prev, m)) {
          throw new GenError(`two different modules are both named "${m.name}"; give each configuration its own name`);
        }
        return;
      }
      seen.set(m.name, m);
      for (const i of m.instances) visit(i.module);
      out.push(m);
    };
    visit(this);
    return out;
  }
}

function sameShape(a: Module, b: Module): boolean {
  return JSON.stringify(a.generator) === JSON.stringify(b.generator);
}

export class MemoryHandle {
  constructor(
    private readonly m: Module,
    readonly mem: Memory,
  ) {}

  private checkAddr(addr: Expr, what: string): void {
    if (addr.width !== this.mem.addrWidth) {
      throw new GenError(
        `${this.m.name}: ${what} address of "${this.mem.name}" is ${addr.width} bits; depth ${this.mem.depth} needs ${this.mem.addrWidth}`,
      );
    }
  }

  write(enable: Expr, addr: Expr, data: Expr): void {
    this.checkAddr(addr, 'write');
    if (enable.width !== 1) throw new GenError(`${this.m.name}: write enable of "${this.mem.name}" must be 1 bit`);
    if (data.width !== this.mem.width) {
      throw new GenError(`${this.m.name}: "${this.mem.name}" words are ${this.mem.width} bits, written with ${data.width}`);
    }
    this.mem.writes.push({ enable, addr, data });
  }

  /** A registered read port (block RAM): the word at `addr` appears one cycle later in `name`. */
  readSync(name: string, addr: Expr, enable?: Expr): SignalRef {
    this.checkAddr(addr, 'read');
    this.m.claimName(name, 'memory read register');
    this.mem.reads.push({ kind: 'sync', name, addr, enable });
    return { kind: 'ref', name, width: this.mem.width };
  }

  /** A combinational read port (LUT RAM). */
  readAsync(name: string, addr: Expr): SignalRef {
    this.checkAddr(addr, 'read');
    this.m.claimName(name, 'memory read wire');
    this.mem.reads.push({ kind: 'async', name, addr });
    return { kind: 'ref', name, width: this.mem.width };
  }
}

/** Visits every node of an expression tree. */
export function walk(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  switch (e.kind) {
    case 'not':
    case 'shift':
    case 'reduce':
      walk(e.a, visit);
      break;
    case 'binary':
    case 'compare':
      walk(e.a, visit);
      walk(e.b, visit);
      break;
    case 'concat':
      for (const p of e.parts) walk(p, visit);
      break;
    case 'slice':
      walk(e.a, visit);
      break;
    case 'index':
      walk(e.a, visit);
      walk(e.index, visit);
      break;
    case 'mux':
      walk(e.sel, visit);
      walk(e.a, visit);
      walk(e.b, visit);
      break;
    default:
      break;
  }
}
