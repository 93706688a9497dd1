// npm run timing -- <routed.sdf> --freq <MHz> [--groups N] [--paths N]
// Lists every endpoint group that fails the clock in a routed design's SDF (written by the
// synth flow with --sdf), worst first, with the worst path of the first few groups.

import { Command } from 'commander';
import { failingGroups, formatPath, sdfTimingFile, tracePath } from './sdf-timing.ts';

const program = new Command('timing')
  .description('static timing of a routed design from its SDF: every failing endpoint group')
  .argument('<sdf>', 'SDF written by nextpnr (--sdf)')
  .option('--freq <MHz>', 'clock to check against', '200')
  .option('--groups <n>', 'endpoint groups to list', '40')
  .option('--paths <n>', 'groups whose worst path is printed', '5')
  .action(async (sdf: string, opts: { freq: string; groups: string; paths: string }) => {
    const freq = Number(opts.freq);
    if (!(freq > 0 && freq < 2000)) throw new Error(`--freq ${opts.freq}: give a clock in MHz between 0 and 2000`);
    const r = await sdfTimingFile(sdf, 1e6 / freq);
    const worst = r.endpoints[0];
    if (!worst) throw new Error(`${sdf}: no register-to-register endpoints`);
    const fmax = 1e6 / worst.required;
    const failing = r.endpoints.filter((e) => e.slackPs < 0).length;
    console.log(`${r.endpoints.length} endpoints; worst ${(worst.required / 1000).toFixed(2)} ns (fmax ${fmax.toFixed(1)} MHz); ${failing} fail ${freq} MHz`);
    const groups = failingGroups(r);
    for (const g of groups.slice(0, Number(opts.groups))) {
      console.log(`${(g.worst.slackPs / 1000).toFixed(2).padStart(7)} ns  ${String(g.count).padStart(5)} endpoints  ${g.group}`);
    }
    for (const g of groups.slice(0, Number(opts.paths))) {
      console.log(`\n${g.group} (slack ${(g.worst.slackPs / 1000).toFixed(2)} ns):\n${formatPath(tracePath(r, g.worst.pin))}`);
    }
  });

program.parseAsync().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
