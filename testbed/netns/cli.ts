// Builds the test bed by hand: a chain or a small mesh of hosts in network namespaces, one
// node process each, emulated links; runs one transfer, prints what arrived, and removes
// everything (also on Ctrl-C).
//
//   npx tsx testbed/netns/cli.ts chain --hops 3 --loss 5 --delay 10 --rate 4 --seconds 5 [--tcp bbr]
//   npx tsx testbed/netns/cli.ts mesh --loss 5 --seconds 5
//
// The mesh is a diamond 0-1, 0-2, 1-3, 2-3 with two routes 0>1>3 and 0>2>3 and a third,
// 1>3>2, that shares the link 1-3 with the first (its messages are bundled with it).
import { Command } from 'commander';
import { Chain, removeStaleNamespaces, Testbed, type LinkSpec, type NodeReport } from './testbed.ts';

const program = new Command().name('testbed');

function linkOpts(c: Command): Command {
  return c
    .option('--loss <pct>', 'random loss per hop and direction, percent', '0')
    .option('--delay <ms>', 'one-way delay per hop, ms', '10')
    .option('--rate <mbit>', 'rate per direction, Mb/s', '4')
    .option('--seconds <n>', 'transfer time', '5');
}

const spec = (o: Record<string, string>): LinkSpec => ({ lossPct: Number(o.loss), delayMs: Number(o.delay), rateMbit: Number(o.rate) });

async function runFor(t: Testbed, seconds: number): Promise<NodeReport[]> {
  for (const n of t.nodes) n.send({ cmd: 'start' });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return Promise.all(t.nodes.map((n) => n.report()));
}

function print(reports: NodeReport[], seconds: number, rateMbit: number): void {
  for (const r of reports) {
    for (const a of r.apps) {
      if (a.kind === 'sink') console.log(`${r.name} route ${a.local}: ${a.bytes} bytes, ${(((a.bytes ?? 0) * 8) / seconds / 1e6).toFixed(2)} Mb/s (${(((a.bytes ?? 0) * 8) / seconds / 1e6 / rateMbit) * 100 | 0}% of a link), sha256 ${a.sha256?.slice(0, 16)}…`);
      if (a.kind === 'source') console.log(`${r.name} route ${a.local}: wrote ${a.written} bytes`);
    }
    console.log(`${r.name}: retransmitted ${r.saf.retransmittedBytes} B, datagrams ${r.saf.datagramsSent}, held ${r.occupancy.map((o) => `${o.route}=${o.held}`).join(' ')}`);
  }
}

linkOpts(program.command('chain'))
  .option('--hops <n>', 'hops', '3')
  .option('--tcp <cc>', 'also run one TCP transfer (cubic or bbr) on the same links')
  .action(async (o) => {
    removeStaleNamespaces();
    const c = await Chain.create(Number(o.hops), spec(o));
    process.on('SIGINT', () => void c.close().then(() => process.exit(130)));
    try {
      await c.startNodes({ bulk: { relayBuffer: 256 * 1024, sourceBuffer: (Number(o.hops) + 2) * 256 * 1024 }, pacerBurstDatagrams: 2 });
      print(await runFor(c, Number(o.seconds)), Number(o.seconds), Number(o.rate));
      await c.stopNodes();
      if (o.tcp) {
        const t = await c.tcp(o.tcp, Number(o.seconds));
        console.log(`TCP ${o.tcp}: ${t.bytes} bytes, ${((t.bytes * 8) / Number(o.seconds) / 1e6).toFixed(2)} Mb/s`);
      }
    } finally {
      await c.close();
    }
  });

linkOpts(program.command('mesh')).action(async (o) => {
  removeStaleNamespaces();
  const t = await Testbed.graph(4, [[0, 1], [0, 2], [1, 3], [2, 3]], spec(o));
  process.on('SIGINT', () => void t.close().then(() => process.exit(130)));
  try {
    const buf = { relayBuffer: 256 * 1024, sourceBuffer: 1024 * 1024 };
    await t.startRoutes(
      [
        { path: [0, 1, 3], local: 1, ...buf },
        { path: [0, 2, 3], local: 2, ...buf },
        { path: [1, 3, 2], local: 3, ...buf },
      ],
      { pacerBurstDatagrams: 2 },
    );
    print(await runFor(t, Number(o.seconds)), Number(o.seconds), Number(o.rate));
  } finally {
    await t.close();
  }
});

await program.parseAsync();
