// Mesh benchmark: the four figures, each beside its target, plus route setup through
// real daemon processes. Prints a table and writes bench/results/mesh.json.
//   npm run bench:mesh              (about three minutes)
//   npm run bench:mesh -- --quick   (fewer repeats, a smoke test)
//   npm run bench:mesh -- --daemon-striping-only
//   (MESH_BENCH_VERBOSE=1 prints each transfer's time, retransmissions and repairs)
//
// - route setup time against hop count (1..6): nodes on real UDP sockets on loopback joined by
//   host/link sessions (testbed/mesh-measure.ts), and again through a chain of seven
//   `skywire node start` processes asked over their control sockets; target < 50 ms per hop;
// - recovery from one lost setup message of each kind, in round trips; target <= 3;
// - relay throughput on one core (link decrypt, route lookup, link re-encrypt, forward) as a
//   fraction of the bare two-AEAD cost of the same packets, same run; target >= 0.5;
// - goodput of a stream striped over two equal disjoint routes against one; target >= 1.8;
//   in the simulator, and through six daemon processes in network namespaces when root.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { lostSetupRecovery, relayCost, setupCpuPerHop, setupTimeOverUdp, stripingGoodput } from '../testbed/mesh-measure.ts';
import { DaemonMesh, netnsUnavailable } from '../testbed/netns/daemons.ts';
import { randomBytes } from 'node:crypto';

const quick = process.argv.includes('--quick');
const OUT = fileURLToPath(new URL('./results/mesh.json', import.meta.url));

export const TARGETS = {
  setupMsPerHop: 50,
  lostSetupExtraRoundTrips: 3,
  relayFractionOfBareAead: 0.5,
  stripingRatio: 1.8,
} as const;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (v: number, d = 2) => v.toFixed(d);
const verdict = (ok: boolean) => (ok ? 'meets target' : 'MISSES target');

function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const w = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => '  ' + r.map((c, i) => c.padStart(w[i])).join('  ')).join('\n');
}

/** Route setup over seven daemon processes in a line: `route.add` to the node h hops away. */
async function setupThroughDaemons(repeats: number): Promise<Array<{ hops: number; medianMs: number; perHopMs: number; minMs: number; maxMs: number }>> {
  const names = Array.from({ length: 7 }, (_, i) => `d${i}`);
  const mesh = await DaemonMesh.start({ names, edges: names.slice(1).map((_, i) => ({ a: i, b: i + 1 })), lossPct: 0 }, 'loopback');
  try {
    await mesh.linksUp();
    // Let each link's RTT probe run once, as on a node that has been up for a while.
    await new Promise((r) => setTimeout(r, 500));
    const rows = [];
    for (let h = 1; h < names.length; h++) {
      const times: number[] = [];
      for (let k = 0; k < repeats; k++) {
        const r = await mesh.call(0, 'route.add', { address: mesh.nodes[h].address });
        times.push(r.routes[0].setupMs);
        await mesh.call(0, 'route.del', { id: r.routes[0].id });
      }
      const m = median(times);
      rows.push({ hops: h, medianMs: m, perHopMs: m / h, minMs: Math.min(...times), maxMs: Math.max(...times) });
    }
    return rows;
  } finally {
    await mesh.close();
  }
}

/**
 * Striping through real daemons: six `skywire node start` processes in network namespaces,
 * two disjoint 3-hop paths of rate-limited links (so the links, not the CPU, are the limit);
 * one file sent over one route, then over two. Null when namespaces are unavailable.
 */
async function stripingThroughDaemons(bytes: number, rateMbit: number, repeats: number): Promise<{ rateMbit: number; bytes: number; oneRouteMbit: number; twoRoutesMbit: number; ratio: number; runs: { one: number[]; two: number[] } } | null> {
  const why = netnsUnavailable();
  if (why) {
    console.log(`  (skipped: network namespaces unavailable: ${why})`);
    return null;
  }
  const names = ['A', 'P0', 'Q0', 'P1', 'Q1', 'G'];
  const edges = [[0, 1], [1, 2], [2, 5], [0, 3], [3, 4], [4, 5]].map(([a, b]) => ({ a, b }));
  const mesh = await DaemonMesh.start({ names, edges, services: { 5: ['gateway'] }, lossPct: 0, delayMs: 2, rateMbit }, 'netns');
  try {
    await mesh.linksUp();
    const file = mesh.file('stripe.bin');
    writeFileSync(file, randomBytes(bytes));
    const run = async (routes: number) => {
      const recv = mesh.call(5, 'recv', { timeoutMs: 300_000 });
      const r = await mesh.call(0, 'send', { address: mesh.nodes[5].address, path: file, routes });
      await recv;
      if (process.env.MESH_BENCH_VERBOSE) console.log(`    ${routes} route(s): ${JSON.stringify({ ms: r.ms, setupMs: r.setupMs, retransmits: r.retransmits, repairs: r.repairs, routes: r.routes.length })}`);
      for (const x of (await mesh.call(0, 'route.list')).routes) await mesh.call(0, 'route.del', { id: x.id });
      if (r.routes.length !== routes) throw new Error(`asked for ${routes} routes, got ${r.routes.length}`);
      // Goodput of the data phase: discovery and route setup (in r.setupMs) are not transfer.
      return (bytes * 8) / ((r.ms - r.setupMs) / 1000) / 1e6;
    };
    // Alternating repeats, medians: spurious stream retransmissions make single runs vary.
    const ones: number[] = [];
    const twos: number[] = [];
    for (let k = 0; k < repeats; k++) {
      ones.push(await run(1));
      twos.push(await run(2));
    }
    const one = median(ones);
    const two = median(twos);
    return { rateMbit, bytes, oneRouteMbit: one, twoRoutesMbit: two, ratio: two / one, runs: { one: ones, two: twos } };
  } finally {
    await mesh.close();
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  console.log(`mesh benchmark on ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}${quick ? ', --quick' : ''}\n`);

  const udp = await setupTimeOverUdp({ maxHops: 6, repeats: quick ? 3 : 9 });
  console.log('route setup time against hops: in-process nodes, real UDP on loopback, host/link sessions (median)');
  console.log(table(['hops', 'setup ms', 'per hop', 'min', 'max', 'ping ms'], udp.map((r) => [r.hops, f(r.medianMs), f(r.perHopMs), f(r.minMs), f(r.maxMs), f(r.pingMs)])));
  const udpWorstPerHop = Math.max(...udp.map((r) => r.perHopMs));

  const daemons = await setupThroughDaemons(quick ? 2 : 5);
  console.log('\nroute setup time against hops: seven `skywire node start` processes, UDP loopback (median)');
  console.log(table(['hops', 'setup ms', 'per hop', 'min', 'max'], daemons.map((r) => [r.hops, f(r.medianMs), f(r.perHopMs), f(r.minMs), f(r.maxMs)])));
  const daemonWorstPerHop = Math.max(...daemons.map((r) => r.perHopMs));
  console.log(`  worst per hop: ${f(udpWorstPerHop)} ms in-process, ${f(daemonWorstPerHop)} ms through daemons; target < ${TARGETS.setupMsPerHop} ms: ${verdict(Math.max(udpWorstPerHop, daemonWorstPerHop) < TARGETS.setupMsPerHop)}`);

  const cpu = await setupCpuPerHop({ hops: 6, routes: quick ? 5 : 20 });
  console.log(`\nroute setup CPU (simulator, no network delay): ${f(cpu.msPerRoute)} ms per 6-hop route, ${f(cpu.msPerHop)} ms per hop`);

  const kinds = ['Create', 'Created', 'Extend', 'Extended'] as const;
  const lost = [];
  for (const k of kinds) lost.push({ kind: k, ...(await lostSetupRecovery(k)) });
  const worstLost = Math.max(...lost.map((r) => r.extraRoundTrips));
  console.log('\nrecovery from one lost setup message (4-hop route, 5 ms links, simulator)');
  console.log(table(['lost', 'clean ms', 'with loss ms', 'extra round trips'], lost.map((r) => [r.kind, f(r.cleanMs, 1), f(r.lossyMs, 1), f(r.extraRoundTrips)])));
  console.log(`  worst: ${f(worstLost)} round trips; target <= ${TARGETS.lostSetupExtraRoundTrips}: ${verdict(worstLost <= TARGETS.lostSetupExtraRoundTrips)}`);

  // Relay cost: the run with the median fraction of several (other processes on this shared
  // machine steal the core for parts of single runs, in either half of a run).
  const relays = Array.from({ length: quick ? 3 : 7 }, () => relayCost({ packets: quick ? 5000 : 20_000, payloadBytes: 1300 }));
  const relay = [...relays].sort((a, b) => a.fraction - b.fraction)[Math.floor(relays.length / 2)];
  console.log('\nrelay throughput on one core (1,300-byte route packets)');
  console.log(`  relay: ${f(relay.relayUsPerPacket)} µs/packet (${Math.round(relay.relayPacketsPerSec)} packets/s, ${f((relay.relayPacketsPerSec * relay.payloadBytes * 8) / 1e6, 0)} Mb/s of payload)`);
  console.log(`  bare two AEADs on the same frames: ${f(relay.bareUsPerPacket)} µs/packet`);
  console.log(`  fraction ${f(relay.fraction)} (runs: ${relays.map((r) => f(r.fraction)).join(', ')}); target >= ${TARGETS.relayFractionOfBareAead}: ${verdict(relay.fraction >= TARGETS.relayFractionOfBareAead)}`);

  const stripe = await stripingGoodput({ bytes: quick ? 1_000_000 : 4_000_000, link: { latencyMs: 5, rateBytesPerSec: 2e6 } });
  console.log('\nstriping over two equal disjoint routes (3 hops each, 16 Mb/s, 5 ms links, simulator)');
  console.log(`  one route ${f(stripe.oneRouteBytesPerSec / 1e6)} MB/s, two routes ${f(stripe.twoRoutesBytesPerSec / 1e6)} MB/s: ${f(stripe.ratio)}x; target >= ${TARGETS.stripingRatio}: ${verdict(stripe.ratio >= TARGETS.stripingRatio)}`);

  // 4 Mb/s links: the links, not this shared 2-core machine's CPU, must be what limits (at
  // 8 Mb/s six daemons plus the other work here made two routes CPU-bound, 1.5x).
  console.log('\nstriping through six daemon processes in network namespaces (two disjoint 3-hop paths, 4 Mb/s links)');
  const daemonStripe = await stripingThroughDaemons(quick ? 1_000_000 : 3_000_000, 4, quick ? 1 : 3);
  if (daemonStripe) {
    const runs = (xs: number[]) => xs.map((x) => f(x)).join(', ');
    console.log(`  one route ${f(daemonStripe.oneRouteMbit)} Mb/s (${runs(daemonStripe.runs.one)}), two routes ${f(daemonStripe.twoRoutesMbit)} Mb/s (${runs(daemonStripe.runs.two)}): ${f(daemonStripe.ratio)}x (medians)`);
  }

  const result = {
    date: new Date().toISOString(),
    machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? null, node: process.version },
    quick,
    targets: TARGETS,
    setupOverUdp: udp,
    setupThroughDaemons: daemons,
    setupCpu: cpu,
    lostSetupRecovery: lost,
    relay: { median: relay, runs: relays.map((r) => r.fraction) },
    striping: stripe,
    stripingThroughDaemons: daemonStripe,
    verdicts: {
      setupMsPerHop: Math.max(udpWorstPerHop, daemonWorstPerHop) < TARGETS.setupMsPerHop,
      lostSetupExtraRoundTrips: worstLost <= TARGETS.lostSetupExtraRoundTrips,
      relayFractionOfBareAead: relay.fraction >= TARGETS.relayFractionOfBareAead,
      stripingRatio: stripe.ratio >= TARGETS.stripingRatio,
    },
    seconds: (performance.now() - t0) / 1000,
  };
  mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
  writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nwrote ${OUT} (${f(result.seconds, 0)} s)`);
}

if (process.argv.includes('--daemon-striping-only')) console.log(await stripingThroughDaemons(quick ? 1_000_000 : 3_000_000, 4, quick ? 1 : 3));
else await main();
