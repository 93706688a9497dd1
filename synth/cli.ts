// npm run synth -- --device <name> [--design <module>] [--freq MHz] [--no-pnr]
// Synthesizes a committed design (default: the iterative ChaCha20 block core), places and
// routes it where the device has a place-and-route tool, and prints the figures.

import { Command } from 'commander';
import { committedDesigns } from '../rtl-gen/designs.ts';
import { DEVICES } from './devices.ts';
import { type SynthResult, synthesize } from './flow.ts';

export const DEFAULT_DESIGN = 'chacha_block_iter_r20';

export function formatResult(r: SynthResult): string {
  const a = r.area;
  const parts = [`${r.design} on ${r.device}: ${a.luts} LUT, ${a.ffs} FF, ${a.brams} BRAM, ${a.dsps} DSP (yosys, ${r.synthSeconds.toFixed(1)} s)`];
  if (r.pnr) {
    const p = r.pnr;
    parts.push(`  place and route: fmax ${p.fmaxMHz.toFixed(2)} MHz (target ${p.targetMHz} MHz, ${p.fmaxMHz >= p.targetMHz ? 'met' : 'not met'}), ${p.seconds.toFixed(1)} s`);
  }
  return parts.join('\n');
}

const program = new Command('synth')
  .description('synthesize a design with yosys and place and route it with nextpnr')
  .requiredOption('--device <name>', `target device: ${Object.keys(DEVICES).join(', ')}`)
  .option('--design <module>', 'module name of a committed design', DEFAULT_DESIGN)
  .option('--freq <MHz>', 'target clock for place and route', '100')
  .option('--no-pnr', 'area only')
  .option('--seed <n>', 'placer seed', '1')
  .option('--json', 'print the result as JSON')
  .action(async (opts: { device: string; design: string; freq: string; pnr: boolean; seed: string; json?: boolean }) => {
    const design = committedDesigns().find((m) => m.name === opts.design);
    if (!design) {
      console.error(`unknown design "${opts.design}"; committed designs: ${committedDesigns().map((m) => m.name).join(', ')}`);
      process.exit(2);
    }
    const freq = Number(opts.freq);
    if (!(freq > 0 && freq < 2000)) {
      console.error(`--freq ${opts.freq}: give a clock in MHz between 0 and 2000`);
      process.exit(2);
    }
    const r = await synthesize(design, { device: opts.device, freqMHz: freq, noPnr: !opts.pnr, seed: Number(opts.seed) });
    console.log(opts.json ? JSON.stringify(r, null, 2) : formatResult(r));
  });

if (import.meta.url === `file://${process.argv[1]}`) {
  program.parseAsync().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
