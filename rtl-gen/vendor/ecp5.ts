// ECP5 primitives instantiated directly, for what yosys 0.23's memory mapping cannot express.
//
// yosys maps every inferred ECP5 block RAM with REGMODE "NOREG": the read word leaves the
// DP16KD 5.8 ns after the clock in nextpnr's timing model (speed grade 6), which caps any
// design reading block RAM into fabric near 145 MHz before a single LUT. With REGMODE
// "OUTREG" the block's own output register holds the word one cycle later and drives it out
// within a fraction of a nanosecond. ecp5Ram() builds such a RAM from DP16KD tiles.
//
// Synthesis takes DP16KD from yosys' ECP5 cell library; Verilator simulation and lint read
// the behavioural model ecp5/DP16KD.v beside this file (see printDesign's `models`).

import { fileURLToPath } from 'node:url';
import { type Expr, concat, constant } from '../ir/expr.ts';
import { GenError } from '../ir/errors.ts';
import { defineGenerator } from '../ir/generator.ts';
import { Module } from '../ir/module.ts';
import { intRange, oneOf } from '../ir/params.ts';

const DP16KD_MODEL = fileURLToPath(new URL('./ecp5/DP16KD.v', import.meta.url));
const DP16KD_PARAMETERS = [
  'DATA_WIDTH_A', 'DATA_WIDTH_B', 'REGMODE_A', 'REGMODE_B', 'WRITEMODE_A', 'WRITEMODE_B', 'CSDECODE_A', 'CSDECODE_B', 'RESETMODE',
] as const;
const PIN_WIDTH = { DI: 18, AD: 14, DO: 18 };

/** The DP16KD primitive: its pins, one bit each, as yosys' ECP5 library declares them. */
export function dp16kd(): Module {
  const m = new Module('DP16KD', { name: 'vendor/ecp5', version: '1.0.0', params: {} }, {
    family: 'ecp5', parameters: DP16KD_PARAMETERS, simModel: DP16KD_MODEL,
  });
  for (const port of ['A', 'B']) {
    for (let i = PIN_WIDTH.DI - 1; i >= 0; i--) m.input(`DI${port}${i}`, 1);
    for (let i = PIN_WIDTH.AD - 1; i >= 0; i--) m.input(`AD${port}${i}`, 1);
    for (const pin of ['CE', 'OCE', 'CLK', 'WE', 'RST', 'CS2', 'CS1', 'CS0']) m.input(pin.startsWith('CS') ? `CS${port}${pin[2]}` : `${pin}${port}`, 1);
    for (let i = PIN_WIDTH.DO - 1; i >= 0; i--) m.output(`DO${port}${i}`, 1);
  }
  return m;
}

/** DP16KD aspect ratios: data width per port and the lowest word-address pin, by depth. */
const ASPECTS = [
  { width: 18, depth: 1024, lowAddressPin: 4 },
  { width: 9, depth: 2048, lowAddressPin: 3 },
  { width: 4, depth: 4096, lowAddressPin: 2 },
  { width: 2, depth: 8192, lowAddressPin: 1 },
  { width: 1, depth: 16384, lowAddressPin: 0 },
] as const;

export function aspectFor(depth: number): (typeof ASPECTS)[number] {
  const a = ASPECTS.find((x) => x.depth >= depth);
  if (!a) throw new GenError(`ecp5 block RAM: depth ${depth} is more than one DP16KD holds (16384)`);
  return a;
}

export const ecp5RamTileSchema = {
  addrBits: intRange('address bits (depth 2^addrBits)', 10, 1, 14),
  dataWidth: intRange('data bits used of the tile (up to its width at this depth)', 18, 1, 18),
  outputRegister: oneOf<boolean>('REGMODE "OUTREG" on the read port: one more cycle, a fast clock-to-output', true, [true, false]),
};

/**
 * One DP16KD as a simple dual-port RAM: port A writes, port B reads. Read latency is one
 * cycle, two with the output register. Pins the tile does not use are tied off here, once.
 */
export const ecp5RamTile = defineGenerator('vendor/ecp5-ram-tile', '1.0.0', ecp5RamTileSchema, (p, info) => {
  const a = aspectFor(1 << p.addrBits);
  if (p.dataWidth > a.width) throw new GenError(`vendor/ecp5-ram-tile: ${p.dataWidth} data bits; a DP16KD ${a.depth} words deep holds ${a.width}`);
  const latency = p.outputRegister ? 2 : 1;
  const m = new Module(`ecp5_ram_a${p.addrBits}_d${p.dataWidth}${p.outputRegister ? '_outreg' : ''}`, info);
  m.describe(
    `One ECP5 DP16KD (${a.depth} x ${a.width}) as a ${1 << p.addrBits} x ${p.dataWidth} simple dual-port RAM: port A writes, port B reads.`,
    `rd_data shows the word at rd_addr ${latency} cycle${latency > 1 ? 's' : ''} after the address${p.outputRegister ? ' (REGMODE_B "OUTREG": the block\'s own output register)' : ''}.`,
    'A read of the word written at the same edge is undefined (the users forward the written word instead).',
  );
  const clk = m.clock();
  const wrEn = m.input('wr_en', 1, 'write wr_data at wr_addr');
  const wrAddr = m.input('wr_addr', p.addrBits);
  const wrData = m.input('wr_data', p.dataWidth);
  const rdAddr = m.input('rd_addr', p.addrBits);
  const zero = constant(0, 1);
  const one = constant(1, 1);
  /** The AD pins: the word address from lowAddressPin up; at width 18, AD1:0 are byte write enables (both on). */
  const addressPins = (port: string, addr: Expr, ins: Record<string, Expr>): void => {
    for (let i = 0; i < PIN_WIDTH.AD; i++) {
      const bit = i - a.lowAddressPin;
      ins[`AD${port}${i}`] = bit >= 0 && bit < p.addrBits ? m.slice(addr, bit, bit) : a.width === 18 && i < 2 ? one : zero;
    }
  };
  const ins: Record<string, Expr> = {};
  for (let i = 0; i < PIN_WIDTH.DI; i++) {
    ins[`DIA${i}`] = i < p.dataWidth ? m.slice(wrData, i, i) : zero;
    ins[`DIB${i}`] = zero;
  }
  addressPins('A', wrAddr, ins);
  addressPins('B', rdAddr, ins);
  Object.assign(ins, {
    CLKA: clk, CEA: one, OCEA: one, WEA: wrEn, RSTA: zero, CSA2: zero, CSA1: zero, CSA0: zero,
    CLKB: clk, CEB: one, OCEB: one, WEB: zero, RSTB: zero, CSB2: zero, CSB1: zero, CSB0: zero,
  });
  const unused = [
    ...Array.from({ length: PIN_WIDTH.DO }, (_, i) => `DOA${i}`),
    ...Array.from({ length: PIN_WIDTH.DO - p.dataWidth }, (_, i) => `DOB${p.dataWidth + i}`),
  ];
  const outs = m.instance(dp16kd(), 'ram', ins, {
    params: {
      DATA_WIDTH_A: a.width, DATA_WIDTH_B: a.width, REGMODE_A: 'NOREG', REGMODE_B: p.outputRegister ? 'OUTREG' : 'NOREG',
      WRITEMODE_A: 'NORMAL', WRITEMODE_B: 'NORMAL', CSDECODE_A: '0b000', CSDECODE_B: '0b000', RESETMODE: 'SYNC',
    },
    unused,
  });
  m.output('rd_data', p.dataWidth, `word at rd_addr, ${latency} cycle(s) later`)
    .drive(concat(...Array.from({ length: p.dataWidth }, (_, i) => outs[`DOB${p.dataWidth - 1 - i}`]!)));
  return m;
});

/** The bit ranges of a `width`-bit word split into DP16KD tiles `depth` words deep, tile k from bit `lo`, `width` bits wide (the last one narrower). */
export function tileSlices(width: number, depth: number): { k: number; lo: number; w: number }[] {
  const tileWidth = aspectFor(depth).width;
  return Array.from({ length: Math.ceil(width / tileWidth) }, (_, k) => ({ k, lo: k * tileWidth, w: Math.min(tileWidth, width - k * tileWidth) }));
}

/**
 * A `width` x `depth` RAM of DP16KD tiles side by side (write port, read port, one clock),
 * instantiated in `m` as `<name>_tile<k>`. Returns the read word: the word at `rdAddr`, one
 * cycle later, or two with `outputRegister`.
 */
export function ecp5Ram(
  m: Module,
  name: string,
  p: { width: number; depth: number; outputRegister: boolean },
  write: { enable: Expr; addr: Expr; data: Expr },
  rdAddr: Expr,
): Expr {
  const addrBits = Math.max(1, Math.ceil(Math.log2(p.depth)));
  if (write.addr.width !== addrBits || rdAddr.width !== addrBits || write.data.width !== p.width) {
    throw new GenError(`${m.name}: ${name} is ${p.width} x ${p.depth}; connected to ${write.data.width}-bit data and ${write.addr.width}/${rdAddr.width}-bit addresses`);
  }
  const parts = tileSlices(p.width, 1 << addrBits).map(({ k, lo, w }) => {
    const tile = ecp5RamTile({ addrBits, dataWidth: w, outputRegister: p.outputRegister });
    return m.instance(tile, `${name}_tile${k}`, { wr_en: write.enable, wr_addr: write.addr, wr_data: m.slice(write.data, lo + w - 1, lo), rd_addr: rdAddr }).rd_data!;
  });
  return concat(...parts.reverse());
}

const CCU2C_MODEL = fileURLToPath(new URL('./ecp5/CCU2C.v', import.meta.url));

/** The CCU2C primitive (two bits of a carry chain), as yosys' ECP5 library declares it. */
export function ccu2c(): Module {
  const m = new Module('CCU2C', { name: 'vendor/ecp5', version: '1.0.0', params: {} }, {
    family: 'ecp5', parameters: ['INIT0', 'INIT1', 'INJECT1_0', 'INJECT1_1'], simModel: CCU2C_MODEL,
  });
  for (const pin of ['CIN', 'A0', 'B0', 'C0', 'D0', 'A1', 'B1', 'C1', 'D1']) m.input(pin, 1);
  for (const pin of ['S0', 'S1', 'COUT']) m.output(pin, 1);
  return m;
}

/**
 * The LUT table of one bit of x + (p ^ q) with x on A, p on B, q on C and D tied high:
 * propagate (D = 1 half) x ^ p ^ q; generate (the C = D = 0 quarter, read only when the
 * propagate is 0, i.e. when both addend bits equal x) x itself.
 */
export const XOR_ADD_INIT = 0x960a;

/**
 * x + (p ^ q) on one ECP5 carry chain: the XOR folds into the LUT4 that every carry-chain
 * bit has in front of it, so the sum costs no LUT level of its own (yosys maps an
 * addition with A ^ B in that LUT and would put the XOR in a LUT before it).
 */
export const ecp5XorAdd = defineGenerator('vendor/ecp5-xor-add', '1.0.0', {
  width: intRange('bits (even)', 32, 2, 64),
}, (p, info) => {
  if (p.width % 2 !== 0) throw new GenError(`vendor/ecp5-xor-add: width ${p.width} must be even (a CCU2C holds two bits)`);
  const m = new Module(`ecp5_xor_add_w${p.width}`, info);
  m.describe(`s = x + (p ^ q), ${p.width} bits, as ${p.width / 2} ECP5 CCU2C carry cells (INIT 0x${XOR_ADD_INIT.toString(16)}).`);
  const x = m.input('x', p.width);
  const pp = m.input('p', p.width);
  const q = m.input('q', p.width);
  const one = constant(1, 1);
  const bit = (e: Expr, i: number) => m.slice(e, i, i);
  const sums: Expr[] = [];
  let carry: Expr = constant(0, 1);
  for (let k = 0; k < p.width / 2; k++) {
    const i = 2 * k;
    const o = m.instance(ccu2c(), `cc${k}`, {
      CIN: carry,
      A0: bit(x, i), B0: bit(pp, i), C0: bit(q, i), D0: one,
      A1: bit(x, i + 1), B1: bit(pp, i + 1), C1: bit(q, i + 1), D1: one,
    }, { params: { INIT0: XOR_ADD_INIT, INIT1: XOR_ADD_INIT, INJECT1_0: 'NO', INJECT1_1: 'NO' }, unused: k === p.width / 2 - 1 ? ['COUT'] : [] });
    sums.push(o.S0!, o.S1!);
    carry = o.COUT!;
  }
  m.output('s', p.width).drive(concat(...sums.reverse()));
  return m;
});

/** Builds 32-bit x + (p ^ q) adders in `m`, one ecp5XorAdd instance each, named `<name>_cc`. */
export function ecp5XorAddIn(m: Module): (x: Expr, p: Expr, q: Expr, name: string) => Expr {
  const adder = ecp5XorAdd({ width: 32 });
  return (x, p, q, name) => m.instance(adder, `${name}_cc`, { x, p, q }).s!;
}
