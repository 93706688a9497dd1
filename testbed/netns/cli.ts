// Builds the test bed by hand: a chain or a small mesh of hosts in network namespaces, one
// node daemon (`skywire node start`) each, emulated links; sends one file with the daemons'
// API (what `skywire send` and `skywire recv` do), prints what arrived and how each hop ran,
// and removes everything (also on Ctrl-C).
//
//   npx tsx testbed/netns/cli.ts chain --hops 3 --loss 5 --delay 10 --rate 4 --mb 4 [--tcp bbr] [--forwarding saf]
//   npx tsx testbed/netns/cli.ts mesh --loss 5 --mb 4
//
// The mesh is a diamond 0-1, 0-2, 1-3, 2-3; the file is striped over the two disjoint routes.
import { randomBytes, createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { DaemonMesh } from './daemons.ts';
import { Chain, removeStaleNamespaces, Testbed, type LinkSpec } from './testbed.ts';

const program = new Command().name('testbed');

function linkOpts(c: Command): Command {
  return c
    .option('--loss <pct>', 'random loss per hop and direction, percent', '0')
    .option('--delay <ms>', 'one-way delay per hop, ms', '10')
    .option('--rate <mbit>', 'rate per direction, Mb/s', '4')
    .option('--mb <n>', 'file size, MB', '2')
    .option('--forwarding <mode>', 'how hops run: auto (by measured loss), saf or plain', 'auto');
}

const spec = (o: Record<string, string>): LinkSpec => ({ lossPct: Number(o.loss), delayMs: Number(o.delay), rateMbit: Number(o.rate) });

/** Seconds the daemons need to measure a link's loss (their link layers count it, probes carry it). */
const MEASURE_S = 8;

async function sendFile(mesh: DaemonMesh, from: number, to: number, mb: number, routes: number): Promise<void> {
  const path = mesh.file('payload.bin');
  const content = randomBytes(Math.round(mb * 1e6));
  writeFileSync(path, content);
  const recv = mesh.call(to, 'recv', { timeoutMs: 600_000 });
  const r = await mesh.call(from, 'send', { address: mesh.nodes[to].address, path, routes });
  const got = await recv;
  const st = await mesh.call(from, 'status');
  for (const x of st.routes) console.log(`route ${x.id}: ${x.hops.length} hops, ${x.hopModes.join(' ')}${x.hopReliable ? ' (hop-reliable)' : ''}`);
  const want = createHash('sha256').update(content).digest('hex');
  console.log(`${(r.bytes / 1e6).toFixed(2)} MB in ${(r.ms / 1000).toFixed(2)} s: ${((r.bytes * 8) / r.ms / 1e3).toFixed(2)} Mb/s, ${r.retransmits} segments resent end to end`);
  console.log(`sha256 written ${want.slice(0, 16)}…, received ${got.sha256.slice(0, 16)}…: ${got.sha256 === want ? 'INTACT' : 'MISMATCH'}`);
}

linkOpts(program.command('chain'))
  .option('--hops <n>', 'hops', '3')
  .option('--tcp <cc>', 'also run one TCP transfer (cubic or bbr) on the same links')
  .action(async (o) => {
    removeStaleNamespaces();
    const hops = Number(o.hops);
    const c = await Chain.create(hops, spec(o));
    process.on('SIGINT', () => void c.close().then(() => process.exit(130)));
    try {
      const names = Array.from({ length: hops + 1 }, (_, i) => `n${i}`);
      const mesh = await DaemonMesh.start({ names, edges: names.slice(1).map((_, i) => ({ a: i, b: i + 1 })), lossPct: Number(o.loss), rateMbit: Number(o.rate), forwarding: o.forwarding }, 'netns', { testbed: c });
      try {
        await mesh.linksUp();
        if (o.forwarding === 'auto') await new Promise((r) => setTimeout(r, MEASURE_S * 1000));
        await sendFile(mesh, 0, hops, Number(o.mb), 1);
      } finally {
        await mesh.close();
      }
      if (o.tcp) {
        const t = await c.tcp(o.tcp, 5);
        console.log(`TCP ${o.tcp}: ${t.bytes} bytes in 5 s, ${((t.bytes * 8) / 5 / 1e6).toFixed(2)} Mb/s`);
      }
    } finally {
      await c.close();
    }
  });

linkOpts(program.command('mesh')).action(async (o) => {
  removeStaleNamespaces();
  const edges: Array<[number, number]> = [
    [0, 1],
    [0, 2],
    [1, 3],
    [2, 3],
  ];
  const t = await Testbed.graph(4, edges, spec(o));
  process.on('SIGINT', () => void t.close().then(() => process.exit(130)));
  try {
    const mesh = await DaemonMesh.start({ names: ['s', 'a', 'b', 'd'], edges: edges.map(([a, b]) => ({ a, b })), lossPct: Number(o.loss), rateMbit: Number(o.rate), forwarding: o.forwarding }, 'netns', { testbed: t });
    try {
      await mesh.linksUp();
      if (o.forwarding === 'auto') await new Promise((r) => setTimeout(r, MEASURE_S * 1000));
      await sendFile(mesh, 0, 3, Number(o.mb), 2);
    } finally {
      await mesh.close();
    }
  } finally {
    await t.close();
  }
});

await program.parseAsync();
