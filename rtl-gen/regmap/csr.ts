// The CSR block of a register map: a Wishbone (classic) slave, the bus LiteX's SoC and its
// Etherbone bridge master, printed from the map in spec/ so the Verilog, the C header, the
// SystemRDL and the docs are one definition.
//
// Bus: 32-bit data, word address `wb_adr_i` (byte address / 4), byte selects honoured on
// writes. A request is taken when cyc and stb are high; writes land at that edge, reads are
// registered in two steps (a page of 32 words, then the page) and `wb_ack_o` rises two cycles
// after the request, for one cycle. Unmapped addresses read zero and ignore writes (the bus
// never hangs).
//
// Toward the hardware, per field (names: <group><index>_<register>[_<field>]):
//   rw, wo        output cfg_<name>: the register's value (wo reads back as zero)
//   command regs  outputs cmd_<name> (the written fields) and cmd_<group><index>_<register>_valid, high for one
//                 cycle after a write
//   ro            input status_<name>, read live; a constant of the build has no input
//   w1c           input event_<name>: a one-cycle pulse sets the sticky bit (set wins over a clear)
//   pop regs      output pop_<group><index>_<register>: one cycle, after the read that took the word
// A register with `latches` captures its target's inputs when it is read (wide values read
// in two words do not tear).

import { type FieldDef, type GroupDef, type RegDef, type RegisterMap, DATA_BITS, registerInstances } from '../../spec/forwarding/regmap.ts';
import { type Expr, and, concat, constant, mux, not, or, sliceRef } from '../ir/expr.ts';
import { Module, type RegHandle } from '../ir/module.ts';

/** Words per read page: the first read stage selects within a page, the second selects the page. */
export const PAGE_BITS = 5;
/** Cycles from a taken request to wb_ack_o. */
export const CSR_LATENCY = 2;

export function csrSignalName(g: GroupDef, index: number, r: RegDef, f?: FieldDef): string {
  const base = `${g.name}${g.count > 1 ? index : ''}_${r.name}`;
  return f && r.fields.length > 1 ? `${base}_${f.name}` : base;
}

/** The CSR block of `map`, as a module named `name`. */
export function csrBlock(map: RegisterMap, name: string, params: Record<string, number | string> = {}): Module {
  const m = new Module(name, { name: 'regmap/csr', version: '1.0.0', params: { map: map.name, version: `${map.version.major}.${map.version.minor}`, bytes: map.bytes, ...params } });
  m.describe(
    `Wishbone CSR block of register map ${map.name} ${map.version.major}.${map.version.minor} (${map.bytes} bytes; spec/forwarding/registers.ts).`,
    `32-bit data, word address, byte selects on writes; wb_ack_o ${CSR_LATENCY} cycles after a request. Unmapped words read 0.`,
    'docs/registers.md lists every register; the ports below are named <group><index>_<register>[_<field>].',
  );
  const aw = Math.log2(map.bytes / 4);
  m.clock();
  m.reset();
  const adr = m.input('wb_adr_i', aw, 'word address (byte address / 4)');
  const datI = m.input('wb_dat_i', DATA_BITS, 'write data');
  const sel = m.input('wb_sel_i', 4, 'byte selects of a write');
  const cyc = m.input('wb_cyc_i', 1, 'bus cycle');
  const stb = m.input('wb_stb_i', 1, 'strobe');
  const we = m.input('wb_we_i', 1, 'write');

  const stage1 = m.reg('stage1_reg', 1, { reset: 0, doc: 'a read page is registered this cycle' });
  const ack = m.reg('ack_reg', 1, { reset: 0 });
  const req = m.wire('req', and(and(cyc, stb), not(or(stage1, ack))));
  const wr = m.wire('wr', and(req, we));
  const rd = m.wire('rd', and(req, not(we)));
  stage1.set(req);
  ack.set(and(stage1, cyc));

  const laneMask = m.wire('lane_mask', concat(...[3, 2, 1, 0].map((k) => concat(...Array.from({ length: 8 }, () => sliceRef(sel, k, k))))));

  const words = new Map<number, Expr>();
  const latchedBy = new Map<string, Expr>();
  const insts = registerInstances(map);
  const hitWire = new Map<string, Expr>();
  const hit = (address: number, nameHint: string): Expr => {
    let h = hitWire.get(nameHint);
    if (!h) {
      h = m.wire(`hit_${nameHint}`, eqConst(adr, address / 4));
      hitWire.set(nameHint, h);
    }
    return h;
  };
  // Latching reads first: their targets read the captured copy.
  for (const it of insts) if (it.reg.latches) latchedBy.set(`${it.group.name}:${it.index}:${it.reg.latches}`, and(rd, hit(it.address, csrSignalName(it.group, it.index, it.reg))));

  for (const it of insts) {
    const { group: g, index, reg: r } = it;
    const base = csrSignalName(g, index, r);
    const h = (): Expr => hit(it.address, base);
    const parts: Array<{ lsb: number; width: number; e: Expr }> = [];
    const stored: Array<{ f: FieldDef; q: RegHandle }> = [];
    for (const f of r.fields) {
      const n = csrSignalName(g, index, r, f);
      if (f.access === 'ro') {
        if (f.value !== undefined) {
          parts.push({ lsb: f.lsb, width: f.width, e: constant(f.value, f.width) });
          continue;
        }
        const live = m.input(`status_${n}`, f.width, f.doc);
        const latch = latchedBy.get(`${g.name}:${index}:${r.name}`);
        if (latch) {
          const q = m.reg(`${n}_latched_reg`, f.width, { doc: 'captured when the register that latches it is read' });
          q.set(live, latch);
          parts.push({ lsb: f.lsb, width: f.width, e: q });
        } else parts.push({ lsb: f.lsb, width: f.width, e: live });
        continue;
      }
      const q = m.reg(`${n}_reg`, f.width, { reset: f.reset, doc: f.doc });
      stored.push({ f, q });
      if (f.access === 'w1c') {
        const ev = m.input(`event_${n}`, f.width, `sets ${f.name}`);
        q.set(or(ev, and(q, not(and(replicate(and(wr, h()), f.width), m.slice(datI, f.lsb + f.width - 1, f.lsb))))));
        parts.push({ lsb: f.lsb, width: f.width, e: q });
        continue;
      }
      if (f.access === 'rw') parts.push({ lsb: f.lsb, width: f.width, e: q });
      m.output(`${r.kind === 'command' ? 'cmd' : 'cfg'}_${n}`, f.width, f.doc).drive(q);
    }
    // Written fields take the byte lanes the write selects; the rest keep their value.
    for (const s of stored) {
      if (s.f.access !== 'rw' && s.f.access !== 'wo') continue;
      const hi = s.f.lsb + s.f.width - 1;
      const lanes = m.slice(laneMask, hi, s.f.lsb);
      s.q.set(or(and(s.q, not(lanes)), and(m.slice(datI, hi, s.f.lsb), lanes)), and(wr, h()));
    }
    if (r.kind === 'command') {
      const v = m.reg(`${base}_valid_reg`, 1, { reset: 0, doc: 'written last cycle' });
      v.set(and(wr, h()));
      m.output(`cmd_${base}_valid`, 1, `${r.name} was written (one cycle)`).drive(v);
    }
    if (r.kind === 'pop') {
      const p = m.reg(`${base}_pop_reg`, 1, { reset: 0, doc: 'read last cycle' });
      p.set(and(rd, h()));
      m.output(`pop_${base}`, 1, `${r.name} was read (one cycle): take the next word`).drive(p);
    }
    if (parts.length) words.set(it.address / 4, m.wire(`${base}_rd`, wordOf(parts)));
  }

  // Read: stage 1 registers the word of each page, stage 2 the page.
  const pages = new Map<number, Map<number, Expr>>();
  for (const [w, e] of words) {
    const p = w >> PAGE_BITS;
    if (!pages.has(p)) pages.set(p, new Map());
    pages.get(p)!.set(w & ((1 << PAGE_BITS) - 1), e);
  }
  const low = m.wire('adr_in_page', sliceRef(adr, PAGE_BITS - 1, 0));
  const pageSel = m.reg('page_reg', aw - PAGE_BITS, { doc: 'page of the read under way' });
  pageSel.set(sliceRef(adr, aw - 1, PAGE_BITS), rd);
  const pageWords = new Map<number, Expr>();
  for (const [p, ws] of [...pages].sort((a, b) => a[0] - b[0])) {
    const q = m.reg(`page${p}_rd_reg`, DATA_BITS, { doc: `word read from page ${p} (words ${p << PAGE_BITS}..${((p + 1) << PAGE_BITS) - 1})` });
    q.set(muxTree(m, low, PAGE_BITS - 1, ws, `page${p}_sel`), rd);
    pageWords.set(p, q);
  }
  const datO = m.reg('dat_o_reg', DATA_BITS);
  datO.set(muxTree(m, pageSel, aw - PAGE_BITS - 1, pageWords, 'page_sel'), stage1);
  m.output('wb_dat_o', DATA_BITS, 'read data, valid with wb_ack_o').drive(datO);
  m.output('wb_ack_o', 1, 'acknowledge (one cycle)').drive(ack);
  m.output('wb_err_o', 1, 'never: unmapped addresses read zero').drive(constant(0, 1));
  return m;
}

function eqConst(a: Expr, v: number): Expr {
  return { kind: 'compare', op: 'eq', a, b: constant(v, a.width), width: 1 };
}

function replicate(bit: Expr, n: number): Expr {
  return n === 1 ? bit : concat(...Array.from({ length: n }, () => bit));
}

/** A 32-bit word of fields at their positions, zeros between. */
function wordOf(parts: ReadonlyArray<{ lsb: number; width: number; e: Expr }>): Expr {
  const sorted = [...parts].sort((a, b) => b.lsb - a.lsb);
  const out: Expr[] = [];
  let top = DATA_BITS;
  for (const p of sorted) {
    const hi = p.lsb + p.width;
    if (hi < top) out.push(constant(0, top - hi));
    out.push(p.e);
    top = p.lsb;
  }
  if (top > 0) out.push(constant(0, top));
  return concat(...out);
}

/**
 * A binary multiplexer over the words present, on select bits `bit`..0 of `sel`; absent
 * words read zero. Subtrees with several words get a wire of their own, named by their prefix.
 */
function muxTree(m: Module, sel: Expr, bit: number, words: ReadonlyMap<number, Expr>, name: string): Expr {
  const build = (b: number, prefix: number, ws: Array<[number, Expr]>): Expr => {
    if (ws.length === 0) return constant(0, DATA_BITS);
    if (b < 0) return ws[0]![1];
    const ones = ws.filter(([w]) => (w >> b) & 1);
    const zeros = ws.filter(([w]) => !((w >> b) & 1));
    const s = sliceRef(m.named(sel), b, b);
    const e = mux(s, build(b - 1, prefix * 2 + 1, ones), build(b - 1, prefix * 2, zeros));
    return ws.length > 2 ? m.wire(`${name}_b${b}_${prefix.toString(16)}`, e) : e;
  };
  return build(bit, 0, [...words].sort((a, b) => a[0] - b[0]));
}
