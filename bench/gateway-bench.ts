// The IP gateway's figures, on node daemons in network namespaces (testbed/netns/gateway-bed):
//
// 1. TCP through the tunnel over a chain of `hops` links at `loss` % random loss per link and
//    direction: one iperf3 flow downloaded from the "internet" behind the gateway with the
//    kernel's default congestion control (and with CUBIC, for reference), beside CUBIC and BBR
//    over plain routed IP from the client to the gateway on the same links, in the same run.
// 2. The tunnel's added latency on the same chain, idle and loss-free: ping through the
//    tunnel against ping over the same links without it.
// 3. Aggregation: 4 parallel TCP flows over two disjoint routes of equal rate against one
//    route; and over routes of 4 and 2 Mb/s against their sum.
//
// Medians of `runs` runs with the spread; each run's numbers are taken side by side.
// Writes bench/results/gateway.json.
//
//   npm run bench:gateway                          (about 10 minutes)
//   npm run bench:gateway -- --runs 1 --seconds 6  (a quick look)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { Command } from 'commander';
import { GatewayBed, INET } from '../testbed/netns/gateway-bed.ts';
import { probeHost, removeStaleNamespaces, Testbed } from '../testbed/netns/testbed.ts';

Testbed.prefix = 'safbn';

const opts = new Command()
  .option('--hops <n>', 'links from the client to the gateway in the chain', '5')
  .option('--loss <pct>', 'random loss per link and direction, percent', '5')
  .option('--rate <mbit>', 'link rate, Mb/s', '4')
  .option('--delay <ms>', 'one-way delay per link, ms', '10')
  .option('--seconds <n>', 'seconds per iperf3 transfer (the first 2 are not counted)', '12')
  .option('--runs <n>', 'runs per figure (the median is reported)', '3')
  .option('--no-chain', 'skip the lossy chain (figures 1 and 2)')
  .option('--no-aggregation', 'skip aggregation (figure 3)')
  .parse()
  .opts();

const HOPS = Number(opts.hops);
const LOSS = Number(opts.loss);
const RATE = Number(opts.rate);
const DELAY = Number(opts.delay);
const SECONDS = Number(opts.seconds);
const RUNS = Number(opts.runs);
const OMIT = 2;
const PORT = 5201;

const median = (x: number[]) => {
  const s = [...x].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const stat = (x: number[]) => ({ median: median(x), min: Math.min(...x), max: Math.max(...x), runs: x });
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** TCP retransmissions of the last iperf3 run (the sender's count), for the reordering check. */
let lastRetransmits = NaN;
let nextPort = PORT;

/**
 * Goodput of one iperf3 run, bits per second at the receiver (the first OMIT seconds left
 * out), against a one-off server started for it in `serverNs` (so a run whose control
 * connection struggled through the loss can never leave a busy server for the next one).
 */
async function iperf(bed: GatewayBed, serverNs: string, server: string, o: { reverse?: boolean; cc?: string; parallel?: number }): Promise<number> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = nextPort++;
    const srv = bed.spawnIn(serverNs, 'iperf3', ['-s', '-1', '-p', String(port), '-B', server]);
    await new Promise((res) => setTimeout(res, 300));
    const args = ['-c', server, '-p', String(port), '-t', String(SECONDS), '-O', String(OMIT), '-J', ...(o.reverse ? ['-R'] : []), ...(o.cc ? ['-C', o.cc] : []), ...(o.parallel ? ['-P', String(o.parallel)] : [])];
    const r = await bed.exec(bed.clientNs, 'iperf3', args, (SECONDS + 60) * 1000);
    srv.kill('SIGKILL');
    try {
      const j = JSON.parse(r.stdout);
      if (j.error) throw new Error(j.error);
      lastRetransmits = j.end.sum_sent?.retransmits ?? NaN;
      return j.end.sum_received.bits_per_second as number;
    } catch (e) {
      console.log(`  iperf3 ${args.join(' ')}: ${(e as Error).message.slice(0, 120)}; retrying`);
    }
  }
  return NaN;
}

/** Round trips of `count` pings, ms. */
async function pings(bed: GatewayBed, ns: string, target: string, count = 30): Promise<number[]> {
  const r = await bed.exec(ns, 'ping', ['-c', String(count), '-i', '0.1', '-W', '2', target]);
  return [...r.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
}

async function tunnelUp(bed: GatewayBed, routes: number): Promise<void> {
  const r = await bed.cli(bed.spec.client, ['tunnel', 'up', '--discover', '--routes', String(routes), '--json']);
  if (r.code !== 0) throw new Error(`tunnel up: ${r.stderr}`);
  for (let i = 0; i < 100; i++) {
    const s = await bed.mesh.call(bed.spec.client, 'tunnel.status');
    if (s.routes.filter((x: any) => x.step === 'up').length >= routes) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`fewer than ${routes} routes joined`);
}

async function tunnelDown(bed: GatewayBed): Promise<void> {
  const r = await bed.cli(bed.spec.client, ['tunnel', 'down', '--json']);
  if (r.code !== 0) throw new Error(`tunnel down: ${r.stderr}`);
}

async function chainFigures(): Promise<Record<string, unknown>> {
  const names = ['client', ...Array.from({ length: HOPS - 1 }, (_, i) => `r${i + 1}`), 'gateway'];
  const edges = names.slice(1).map((_, i) => ({ a: i, b: i + 1 }));
  console.log(`chain: ${HOPS} links of ${RATE} Mb/s, ${DELAY} ms; ${LOSS} % loss per link and direction`);
  const bed = await GatewayBed.start({ names, edges, client: 0, gateway: HOPS, delayMs: DELAY, rateMbit: RATE, tunnelRoutes: 1 });
  try {
    bed.routeChain(names.map((_, i) => i));
    const gwAddr = bed.linkAddress(HOPS - 1, HOPS);
    await tunnelUp(bed, 1);
    // Latency, idle and loss-free; both at once, so both see the same machine (it is shared).
    const [viaTunnel, plain] = await Promise.all([pings(bed, bed.clientNs, INET.host, 60), pings(bed, bed.clientNs, gwAddr, 60)]);
    const latency = { tunnelMs: stat(viaTunnel), plainMs: stat(plain), addedMs: round(median(viaTunnel) - median(plain)) };
    console.log(`latency: tunnel ${median(viaTunnel).toFixed(2)} ms, plain ${median(plain).toFixed(2)} ms, added ${latency.addedMs} ms`);
    const cleanTunnel = await iperf(bed, bed.inetNs, INET.host, { reverse: true });
    console.log(`loss-free: tunnel ${(cleanTunnel / 1e6).toFixed(2)} Mb/s`);
    bed.setLoss(LOSS);
    const rows: Array<Record<string, number>> = [];
    for (let run = 0; run < RUNS; run++) {
      const row = {
        tunnelDefault: (await iperf(bed, bed.inetNs, INET.host, { reverse: true })) / (RATE * 1e6),
        tunnelCubic: (await iperf(bed, bed.inetNs, INET.host, { reverse: true, cc: 'cubic' })) / (RATE * 1e6),
        plainCubic: (await iperf(bed, bed.gatewayNs, gwAddr, { reverse: true, cc: 'cubic' })) / (RATE * 1e6),
        plainBbr: (await iperf(bed, bed.gatewayNs, gwAddr, { reverse: true, cc: 'bbr' })) / (RATE * 1e6),
      };
      rows.push(row);
      console.log(`run ${run + 1}: ${Object.entries(row).map(([k, v]) => `${k} ${(v * 100).toFixed(1)} %`).join(', ')}`);
    }
    const status = await bed.mesh.call(bed.spec.client, 'tunnel.status');
    const gw = await bed.mesh.call(bed.spec.gateway, 'gateway.status');
    const defaultCc = spawnSync('ip', ['netns', 'exec', bed.clientNs, 'sysctl', '-n', 'net.ipv4.tcp_congestion_control'], { encoding: 'utf8' }).stdout.trim();
    return {
      hops: HOPS,
      lossPct: LOSS,
      rateMbit: RATE,
      delayMs: DELAY,
      kernelDefaultCc: defaultCc,
      fractionOfLinkRate: Object.fromEntries(Object.keys(rows[0]).map((k) => [k, stat(rows.map((r) => round(r[k])))])),
      lossFreeTunnelFraction: round(cleanTunnel / (RATE * 1e6)),
      latency,
      tunnelRoute: status.routes.map((r: any) => ({ lossOut: round(r.lossOut), lossIn: round(r.lossIn), rttMs: r.rttMs })),
      gatewayCounters: gw.counters,
    };
  } finally {
    await bed.close();
  }
}

async function aggregation(rates: [number, number], label: string): Promise<Record<string, unknown>> {
  // client - a - gateway and client - b - gateway: two disjoint routes of two links each.
  console.log(`aggregation ${label}: routes of ${rates[0]} and ${rates[1]} Mb/s`);
  const bed = await GatewayBed.start({
    names: ['client', 'a', 'b', 'gateway'],
    edges: [
      { a: 0, b: 1, rateMbit: rates[0] },
      { a: 1, b: 3, rateMbit: rates[0] },
      { a: 0, b: 2, rateMbit: rates[1] },
      { a: 2, b: 3, rateMbit: rates[1] },
    ],
    client: 0,
    gateway: 3,
    delayMs: DELAY,
    tunnelRoutes: 2,
  });
  try {
    const one: number[] = [];
    const two: number[] = [];
    const retransmits = { one: [] as number[], two: [] as number[] };
    const perRoute: unknown[] = [];
    for (let run = 0; run < RUNS; run++) {
      if (rates[0] === rates[1]) {
        await tunnelUp(bed, 1);
        one.push((await iperf(bed, bed.inetNs, INET.host, { reverse: true, parallel: 4 })) / 1e6);
        retransmits.one.push(lastRetransmits);
        await tunnelDown(bed);
      }
      await tunnelUp(bed, 2);
      two.push((await iperf(bed, bed.inetNs, INET.host, { reverse: true, parallel: 4 })) / 1e6);
      retransmits.two.push(lastRetransmits);
      const s = await bed.mesh.call(bed.spec.client, 'tunnel.status');
      perRoute.push(s.routes.map((r: any) => ({ path: r.path.length, rxMbit: round((r.rxRate * 8) / 1e6), flows: r.flows, capacityMbit: round((r.capacity * 8) / 1e6) })));
      await tunnelDown(bed);
      console.log(`run ${run + 1}: ${one.length ? `one route ${one.at(-1)!.toFixed(2)} Mb/s, ` : ''}two routes ${two.at(-1)!.toFixed(2)} Mb/s`);
    }
    const sum = rates[0] + rates[1];
    return {
      rateMbit: rates,
      flows: 4,
      twoRoutesMbit: stat(two.map((x) => round(x))),
      ...(one.length ? { oneRouteMbit: stat(one.map((x) => round(x))), ratio: round(median(two) / median(one)) } : {}),
      fractionOfSum: round(median(two) / sum),
      // Loss-free links: retransmissions come from queue overflow, or from reordering across routes.
      tcpRetransmits: retransmits,
      routesAtEnd: perRoute,
    };
  } finally {
    await bed.close();
  }
}

async function main(): Promise<void> {
  removeStaleNamespaces();
  const probe = probeHost();
  console.log('host:', Object.entries(probe).map(([k, v]) => `${k} ${v === null ? 'ok' : 'NO (' + v + ')'}`).join(', '));
  const t0 = performance.now();
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  const file = `${dir}gateway.json`;
  // A run of some parts keeps the others' last figures (each part says when it was measured).
  const out: Record<string, unknown> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  out.benchmark = 'gateway';
  out.method = `iperf3 ${SECONDS} s per transfer, the first ${OMIT} s not counted, downloads (-R) from the internet namespace behind the gateway; medians of ${RUNS} runs`;
  const context = () => ({ date: new Date().toISOString(), machine: { cpus: cpus().length, loadAverage: loadavg().map((x) => round(x, 2)) }, runs: RUNS, seconds: SECONDS });
  if (opts.chain) out.chain = { ...context(), ...(await chainFigures()) };
  if (opts.aggregation) {
    out.aggregationEqual = { ...context(), ...(await aggregation([RATE, RATE], 'equal')) };
    out.aggregationUnequal = { ...context(), ...(await aggregation([4, 2], '4+2')) };
  }
  delete out.date;
  delete out.machine;
  delete out.seconds;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote bench/results/gateway.json in ${round((performance.now() - t0) / 1000, 1)} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
