// npm run demo [-- --loopback] [--mb N] [--loss PCT] [--json]
//
// A live mesh of node daemons: discovery, two disjoint routes, a striped file transfer, a
// relay killed mid-transfer, and the file arriving intact. Runs in network namespaces with
// tc netem when this machine allows it (root, `ip netns`), otherwise as loopback processes.
// Exits nonzero when the file does not arrive intact.
import { Command } from 'commander';
import { netnsUnavailable } from '../netns/daemons.ts';
import { describeSummary, runDemo } from './scenario.ts';

const o = new Command()
  .name('demo')
  .option('--loopback', 'use loopback processes even when namespaces are available')
  .option('--mb <n>', 'file size, MB', '4')
  .option('--loss <pct>', 'loss per link and direction, percent', '2')
  .option('--json', 'print the summary as JSON')
  .parse()
  .opts<{ loopback?: boolean; mb: string; loss: string; json?: boolean }>();

const why = o.loopback ? 'asked for loopback' : netnsUnavailable();
const mode = why ? 'loopback' : 'netns';
if (why && !o.loopback) console.log(`(network namespaces unavailable: ${why}; running loopback processes)`);

try {
  const summary = await runDemo({ mode, fileBytes: Math.round(Number(o.mb) * 1e6), lossPct: Number(o.loss), say: (l) => console.log(l) });
  console.log('\nsummary');
  for (const l of describeSummary(summary)) console.log(`  ${l}`);
  if (o.json) console.log(JSON.stringify(summary, null, 2));
  process.exitCode = summary.intact ? 0 : 1;
} catch (e) {
  console.error(`demo failed: ${(e as Error).message}`);
  process.exitCode = 1;
}
