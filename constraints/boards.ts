// Boards the self-test top is built for: pins and clocks defined once here; the pin files
// beside this one are printed from these definitions by `npm run gen` (a test fails when they drift).
//
// iCE40-HX8K breakout (ICE40HX8K-B-EVN): 12 MHz oscillator on J3, FTDI UART (FPGA TX on
// B12), eight LEDs, active high. ECP5 evaluation board (LFE5UM5G-85F-EVN, CABGA381): 12 MHz
// from the FTDI on A10, FTDI UART (FPGA TX on P3, with R34/R35/R21 fitted), LEDs on bank 1
// at 2.5 V, active low. The EVN carries the 5G part of the 85k die, so its bitstream is
// built for that exact device and speed grade (8); timing figures for LFE5UM-85F come from
// `npm run synth`, at nextpnr's default speed grade, 6 (the slowest).

export interface Board {
  readonly name: string;
  readonly description: string;
  readonly family: 'ice40' | 'ecp5';
  /** nextpnr device arguments for the part on this board. */
  readonly pnrArgs: readonly string[];
  readonly clockMHz: number;
  readonly ledActiveLow: boolean;
  /** Port name (bits as name[i]) to package pin, and I/O standard (ECP5). */
  readonly pins: ReadonlyArray<{ port: string; pin: string; ioType?: string }>;
}

export const BOARDS: Readonly<Record<string, Board>> = {
  'ice40-hx8k-breakout': {
    name: 'ice40-hx8k-breakout',
    description: 'Lattice iCE40-HX8K breakout board (iCE40HX8K-CT256)',
    family: 'ice40',
    pnrArgs: ['--hx8k', '--package', 'ct256'],
    clockMHz: 12,
    ledActiveLow: false,
    pins: [
      { port: 'clk', pin: 'J3' },
      { port: 'uart_tx', pin: 'B12' },
      { port: 'led[0]', pin: 'B5' },
      { port: 'led[1]', pin: 'B4' },
      { port: 'led[2]', pin: 'A2' },
      { port: 'led[3]', pin: 'A1' },
    ],
  },
  'ecp5-evn': {
    name: 'ecp5-evn',
    description: 'Lattice ECP5 evaluation board (LFE5UM5G-85F-8BG381)',
    family: 'ecp5',
    // Speed grade 8, the EVN's part (nextpnr otherwise times the slowest grade, 6).
    pnrArgs: ['--um5g-85k', '--package', 'CABGA381', '--speed', '8'],
    clockMHz: 12,
    ledActiveLow: true,
    pins: [
      { port: 'clk', pin: 'A10', ioType: 'LVCMOS33' },
      { port: 'uart_tx', pin: 'P3', ioType: 'LVCMOS33' },
      { port: 'led[0]', pin: 'A13', ioType: 'LVCMOS25' },
      { port: 'led[1]', pin: 'A12', ioType: 'LVCMOS25' },
      { port: 'led[2]', pin: 'B19', ioType: 'LVCMOS25' },
      { port: 'led[3]', pin: 'A18', ioType: 'LVCMOS25' },
    ],
  },
};

export function board(name: string): Board {
  const b = BOARDS[name];
  if (!b) throw new Error(`unknown board "${name}"; known: ${Object.keys(BOARDS).join(', ')}`);
  return b;
}

export const constraintFile = (b: Board): string => `${b.name}.${b.family === 'ice40' ? 'pcf' : 'lpf'}`;

/** The pin constraint file for a board, in nextpnr's format for its family. */
export function printConstraints(b: Board): string {
  const head = [`# ${b.description}`, '# Generated from synth/boards.ts by `npm run gen`; do not edit.'];
  if (b.family === 'ice40') return `${[...head, ...b.pins.map((p) => `set_io ${p.port} ${p.pin}`)].join('\n')}\n`;
  const lines = [...head];
  for (const p of b.pins) {
    lines.push(`LOCATE COMP "${p.port}" SITE "${p.pin}";`);
    lines.push(`IOBUF PORT "${p.port}" IO_TYPE=${p.ioType ?? 'LVCMOS33'};`);
  }
  lines.push(`FREQUENCY PORT "clk" ${b.clockMHz} MHZ;`);
  return `${lines.join('\n')}\n`;
}
