// The one data path through real daemons (`skywire node start`, one per network namespace),
// beside Linux TCP (CUBIC and BBR, chosen per socket) on the same emulated links in the same
// run; every point is the median of RUNS runs with the spread. Daemons rotate their link keys
// every second (their default) and choose each hop's mode by the loss they measure.
//
//   goodput      files moved with the daemons' API (as `skywire send` / `recv`) over chains of
//                1, 3, 5 and 8 hops at 0-50 % random loss per hop and direction, 10 ms one-way
//                delay per hop: application bytes per second after the warm-up, over the link
//                rate;
//   real time    pings over a real-time route, idle and while a file saturates the route,
//                against the bound idle + one full datagram's time per hop; TCP's answer
//                (64-byte probes on their own connection beside a bulk one);
//   setup        route setup per hop through daemons on loopback, and over 8 hops at 30 % loss;
//   speed        a file through one relay on loopback (three daemons), beside the link layer
//                alone between two processes (bench:link's measurement) in the same run, with
//                each daemon's CPU.
//
// Writes bench/results/saf.json and bench/results/saf-goodput.svg.
//   npm run bench:saf                                        (all of it, about an hour)
//   npm run bench:saf -- --hops 3 --loss 0,5 --runs 1 --only goodput   (a subset)
//   npm run bench:saf -- --points 5:0,5:5,8:50                           (the issue's points)
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { linkWireBytes, MESH_MTU_BYTES } from '../host/saf/constants.ts';
import { DaemonMesh } from '../testbed/netns/daemons.ts';
import { Chain, probeHost, removeStaleNamespaces, Testbed } from '../testbed/netns/testbed.ts';
import { udpThroughput } from './link/udp-throughput.ts';

// The benchmark's namespaces have their own prefix, apart from the CI test's.
Testbed.prefix = 'safbn';

const opts = new Command()
  .option('--hops <list>', 'chain lengths', '1,3,5,8')
  .option('--loss <list>', 'loss per hop, percent', '0,1,5,10,30,50')
  .option('--points <list>', 'goodput points instead of the hops x loss grid, hops:loss each (5:0,5:5,8:50)')
  .option('--runs <n>', 'runs per point (the figure is their median)', '3')
  .option('--seconds <n>', 'each file is this many seconds at the link rate', '8')
  .option('--warmup <n>', 'seconds excluded from the start of each transfer', '2')
  .option('--rate <mbit>', 'link rate, Mb/s', '4')
  .option('--delay <ms>', 'one-way delay per hop, ms', '10')
  .option('--only <parts>', 'goodput,latency,setup,speed (default: all)')
  .option('--no-tcp', 'skip the TCP transfers')
  .option('--speed-mb <n>', 'file size of the speed test, MB', '20')
  .parse()
  .opts();

const list = (s: string) => s.split(',').map(Number);
const HOPS = list(opts.hops);
const LOSS = list(opts.loss);
const RUNS = Number(opts.runs);
const SECONDS = Number(opts.seconds);
const WARMUP = Number(opts.warmup);
const RATE = Number(opts.rate);
const DELAY = Number(opts.delay);
const RATE_BYTES_PER_S = (RATE * 1e6) / 8;
/** Goodput points by chain length: the grid, or --points. */
const GRID: Array<[number, number[]]> = opts.points
  ? [...new Set((opts.points as string).split(',').map((p) => Number(p.split(':')[0])))].map((h) => [h, (opts.points as string).split(',').filter((p) => Number(p.split(':')[0]) === h).map((p) => Number(p.split(':')[1]))])
  : HOPS.map((h) => [h, LOSS]);
const PARTS = new Set((opts.only ?? 'goodput,latency,setup,speed').split(','));
/** Seconds the daemons get to count each link's loss (a 10 s window) and tell each other (probes every 2 s). */
const MEASURE_S = 10;

const names = (n: number) => Array.from({ length: n + 1 }, (_, i) => `n${i}`);
const chainEdges = (hops: number) => names(hops).slice(1).map((_, i) => ({ a: i, b: i + 1 }));

interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

function spread(xs: number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s.length ? s[Math.floor((s.length - 1) / 2)] : NaN, min: s[0] ?? NaN, max: s.at(-1) ?? NaN, runs: xs };
}

function pct(x: number[], p: number): number {
  const s = [...x].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const f = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '-');

// ---- goodput ---------------------------------------------------------------------------------

interface SafRun {
  goodput: number;
  hopModes: string[];
  setupMs: number;
  e2eRetransmits: number;
  hopRetransmittedPackets: number;
  sha256ok: boolean;
}

/**
 * One file from the first to the last daemon of a running mesh: the receiver's progress
 * (bytes, at the moment each event arrived) gives the goodput after the warm-up.
 */
async function safTransfer(mesh: DaemonMesh, hops: number): Promise<SafRun> {
  const bytes = Math.round(RATE_BYTES_PER_S * SECONDS);
  const path = mesh.file('payload.bin');
  const content = randomBytes(bytes);
  writeFileSync(path, content);
  const series: Array<[number, number]> = [];
  const recv = mesh.call(hops, 'recv', { timeoutMs: 20 * 60_000 }, (e) => {
    if (e.phase === 'data') series.push([performance.now(), e.bytes]);
  });
  // (A send that fails leaves the receiver waiting; its rejection when the daemons stop is expected.)
  recv.catch(() => undefined);
  // A route first, searched as deep as the chain (discovery's default depth is 6 hops), as a
  // user would with `skywire route add --max-hops 8`; `send` then uses it.
  if (hops > 6) await mesh.call(0, 'route.add', { address: mesh.nodes[hops].address, maxHops: hops });
  const sent = await mesh.call(0, 'send', { address: mesh.nodes[hops].address, path, routes: 1 });
  const got = await recv;
  const first = series.find(([, b]) => b > 0)?.[0] ?? series[0][0];
  const from = series.find(([t]) => t >= first + WARMUP * 1000) ?? series[0];
  const end = series.at(-1)!;
  const goodput = (end[1] - from[1]) / ((end[0] - from[0]) / 1000) / RATE_BYTES_PER_S;
  const route = (await mesh.call(0, 'status')).routes.find((r: any) => r.id === sent.routes[0].id);
  let hopRtx = 0;
  for (let i = 0; i <= hops; i++) hopRtx += (await mesh.call(i, 'status')).saf.stats.packetsRetransmitted;
  return {
    goodput,
    hopModes: route?.hopModes ?? [],
    setupMs: sent.setupMs,
    e2eRetransmits: sent.retransmits,
    hopRetransmittedPackets: hopRtx,
    sha256ok: got.sha256 === createHash('sha256').update(content).digest('hex'),
  };
}

async function tcpRun(chain: Chain, cc: 'cubic' | 'bbr', loss: number): Promise<number> {
  chain.setAllLinks({ lossPct: 0, delayMs: DELAY, rateMbit: RATE });
  const r = await chain.tcp(cc, SECONDS, () => chain.setAllLinks({ lossPct: loss, delayMs: DELAY, rateMbit: RATE }));
  const at = (s: number) => r.series[Math.min(r.series.length - 1, Math.round(s * 10))] ?? 0;
  return (at(SECONDS) - at(WARMUP)) / (SECONDS - WARMUP) / RATE_BYTES_PER_S;
}

interface Point {
  hops: number;
  lossPct: number;
  saf: Spread;
  cubic: Spread | null;
  bbr: Spread | null;
  hopModes: string[][];
  setupMs: number[];
  e2eRetransmits: number[];
  hopRetransmittedPackets: number[];
  /** Why the point's transfers failed (its goodput then counts only the runs that finished). */
  failure?: string;
}

async function goodputSweep(log: (s: string) => void): Promise<Point[]> {
  const points: Point[] = [];
  for (const [hops, losses] of GRID) {
    const chain = await Chain.create(hops, { lossPct: 0, delayMs: DELAY, rateMbit: RATE });
    try {
      for (const loss of losses) {
        // Daemons start on clean links (handshakes), then the loss applies; they get time to
        // measure it, so each route's hops are chosen as a user's would be.
        chain.setAllLinks({ lossPct: 0, delayMs: DELAY, rateMbit: RATE });
        const mesh = await DaemonMesh.start({ names: names(hops), edges: chainEdges(hops), lossPct: loss, rateMbit: RATE }, 'netns', { testbed: chain });
        const runs: SafRun[] = [];
        let failure: string | undefined;
        try {
          await mesh.linksUp();
          chain.setAllLinks({ lossPct: loss, delayMs: DELAY, rateMbit: RATE });
          await sleep(MEASURE_S * 1000);
          for (let k = 0; k < RUNS; k++) runs.push(await safTransfer(mesh, hops));
        } catch (e) {
          // A point that fails is recorded as failed, with what the daemons said last.
          failure = `${(e as Error).message}; ${mesh.nodes.map((n) => `${n.name}: ${n.log.slice(-3).join(' | ')}`).join('; ')}`;
          console.error(`${hops} hops, ${loss}% loss failed: ${failure}`);
        } finally {
          await mesh.close();
        }
        if (runs.some((r) => !r.sha256ok)) throw new Error(`${hops} hops, ${loss}% loss: a file arrived damaged`);
        const cubic: number[] = [];
        const bbr: number[] = [];
        if (opts.tcp) {
          for (let k = 0; k < RUNS; k++) {
            cubic.push(await tcpRun(chain, 'cubic', loss));
            bbr.push(await tcpRun(chain, 'bbr', loss));
          }
        }
        const p: Point = {
          hops,
          lossPct: loss,
          saf: spread(runs.map((r) => r.goodput)),
          cubic: opts.tcp ? spread(cubic) : null,
          bbr: opts.tcp ? spread(bbr) : null,
          hopModes: runs.map((r) => r.hopModes),
          setupMs: runs.map((r) => r.setupMs),
          e2eRetransmits: runs.map((r) => r.e2eRetransmits),
          hopRetransmittedPackets: runs.map((r) => r.hopRetransmittedPackets),
          ...(failure ? { failure } : {}),
        };
        points.push(p);
        log(`${hops} hops, ${String(loss).padStart(2)}% loss: saf ${f(p.saf.median)} (${f(p.saf.min)}-${f(p.saf.max)}, hops ${[...new Set(p.hopModes.map((m) => m.join(' ')))].join(' | ')})  cubic ${f(p.cubic?.median ?? NaN)}  bbr ${f(p.bbr?.median ?? NaN)}`);
      }
    } finally {
      await chain.close();
    }
  }
  return points;
}

// ---- real time under bulk ----------------------------------------------------------------------

async function pings(mesh: DaemonMesh, to: number, count: number, qos = true): Promise<number[]> {
  const out: number[] = [];
  await mesh.call(0, 'ping', { address: mesh.nodes[to].address, count, intervalMs: 20, qos, maxHops: Math.max(6, to) }, (e) => e.rttMs !== undefined && out.push(e.rttMs));
  return out;
}

async function latency(hops: number, loss: number, log: (s: string) => void): Promise<Record<string, unknown>> {
  const chain = await Chain.create(hops, { lossPct: 0, delayMs: DELAY, rateMbit: RATE });
  const datagramMs = (linkWireBytes(MESH_MTU_BYTES) * 8) / (RATE * 1000);
  const runs: Array<{ idleP50: number; busyP50: number; busyP99: number; busyMax: number; bound: number; samples: number }> = [];
  try {
    for (let k = 0; k < RUNS; k++) {
      const mesh = await DaemonMesh.start({ names: names(hops), edges: chainEdges(hops), lossPct: loss, rateMbit: RATE }, 'netns', { testbed: chain });
      try {
        await mesh.linksUp();
        chain.setAllLinks({ lossPct: loss, delayMs: DELAY, rateMbit: RATE });
        if (loss > 0) await sleep(MEASURE_S * 1000);
        const idle = await pings(mesh, hops, 50);
        const path = mesh.file('bulk.bin');
        writeFileSync(path, randomBytes(Math.round(RATE_BYTES_PER_S * 12)));
        void mesh.call(hops, 'recv', { timeoutMs: 600_000 }).catch(() => undefined);
        if (hops > 6) await mesh.call(0, 'route.add', { address: mesh.nodes[hops].address, maxHops: hops });
        const transfer = mesh.call(0, 'send', { address: mesh.nodes[hops].address, path, routes: 1 }).catch(() => undefined);
        await sleep(WARMUP * 1000 + 1000);
        const busy = await pings(mesh, hops, 150);
        await transfer;
        const r = { idleP50: pct(idle, 50), busyP50: pct(busy, 50), busyP99: pct(busy, 99), busyMax: Math.max(...busy), bound: pct(idle, 50) + hops * datagramMs, samples: busy.length };
        runs.push(r);
      } finally {
        await mesh.close();
        chain.setAllLinks({ lossPct: 0, delayMs: DELAY, rateMbit: RATE });
      }
    }
    const row: Record<string, unknown> = {
      hops,
      lossPct: loss,
      protocol: 'saf',
      datagramMs,
      idleP50: spread(runs.map((r) => r.idleP50)),
      busyP50: spread(runs.map((r) => r.busyP50)),
      busyP99: spread(runs.map((r) => r.busyP99)),
      bound: spread(runs.map((r) => r.bound)),
      withinBound: runs.map((r) => r.busyP50 <= r.bound),
    };
    log(`real time, ${hops} hops, ${loss}% loss: idle p50 ${(row.idleP50 as Spread).median.toFixed(1)} ms; under bulk p50 ${(row.busyP50 as Spread).median.toFixed(1)} ms (${(row.busyP50 as Spread).min.toFixed(1)}-${(row.busyP50 as Spread).max.toFixed(1)}), p99 ${(row.busyP99 as Spread).median.toFixed(1)} ms; bound ${(row.bound as Spread).median.toFixed(1)} ms`);
    const tcp: Record<string, unknown> = {};
    if (opts.tcp && loss === 0) {
      for (const cc of ['cubic', 'bbr'] as const) {
        const idle: number[] = [];
        const busy: number[] = [];
        for (let k = 0; k < RUNS; k++) {
          idle.push(pct(await chain.tcpProbe0(cc, SECONDS, 20, false), 50));
          const b = (await chain.tcpProbe0(cc, SECONDS, 20, true)).slice(Math.round((WARMUP * 1000) / 20));
          busy.push(pct(b, 50));
        }
        // One-way latencies: doubled to compare with round trips.
        tcp[cc] = { idleRttP50: spread(idle.map((x) => 2 * x)), busyRttP50: spread(busy.map((x) => 2 * x)) };
        log(`  TCP ${cc} probes beside bulk ${cc}: idle round trip ${(2 * spread(idle).median).toFixed(1)} ms, under bulk ${(2 * spread(busy).median).toFixed(1)} ms`);
      }
    }
    return { ...row, tcp };
  } finally {
    await chain.close();
  }
}

// ---- route setup ---------------------------------------------------------------------------

async function setupFigures(log: (s: string) => void): Promise<Record<string, unknown>> {
  // Per hop on loopback: a chain of nine daemons, a route to each of them.
  const perHop: Record<number, number[]> = {};
  for (let k = 0; k < RUNS; k++) {
    const mesh = await DaemonMesh.start({ names: names(8), edges: chainEdges(8), lossPct: 0 }, 'loopback');
    try {
      await mesh.linksUp();
      for (let h = 1; h <= 8; h++) {
        const r = await mesh.call(0, 'route.add', { address: mesh.nodes[h].address, maxHops: 8 });
        (perHop[h] ??= []).push(r.routes[0].setupMs / h);
      }
    } finally {
      await mesh.close();
    }
  }
  const loopback = Object.fromEntries(Object.entries(perHop).map(([h, xs]) => [h, spread(xs)]));
  log(`route setup on loopback, ms per hop (median of ${RUNS}): ${Object.entries(loopback).map(([h, s]) => `${h}: ${s.median.toFixed(1)}`).join(', ')}`);
  // Eight hops at 30 % loss per hop and direction, after the daemons measured it.
  const lossy: Array<{ ok: number; tries: number; ms: number[] }> = [];
  const chain = await Chain.create(8, { lossPct: 0, delayMs: DELAY, rateMbit: RATE });
  try {
    for (let k = 0; k < RUNS; k++) {
      const mesh = await DaemonMesh.start({ names: names(8), edges: chainEdges(8), lossPct: 30, rateMbit: RATE }, 'netns', { testbed: chain });
      const run = { ok: 0, tries: 0, ms: [] as number[] };
      try {
        await mesh.linksUp();
        chain.setAllLinks({ lossPct: 30, delayMs: DELAY, rateMbit: RATE });
        await sleep(MEASURE_S * 1000);
        for (let t = 0; t < 5; t++) {
          run.tries++;
          try {
            const r = await mesh.call(0, 'route.add', { address: mesh.nodes[8].address, maxHops: 8, timeoutMs: 10_000 });
            run.ok++;
            run.ms.push(r.routes[0].setupMs);
          } catch {
            // counted as a failure
          }
        }
      } finally {
        await mesh.close();
        chain.setAllLinks({ lossPct: 0, delayMs: DELAY, rateMbit: RATE });
      }
      lossy.push(run);
    }
  } finally {
    await chain.close();
  }
  const ok = lossy.reduce((a, r) => a + r.ok, 0);
  const tries = lossy.reduce((a, r) => a + r.tries, 0);
  const ms = spread(lossy.flatMap((r) => r.ms));
  log(`route setup over 8 hops at 30% loss: ${ok}/${tries} came up, ${ms.median.toFixed(0)} ms median (${ms.min.toFixed(0)}-${ms.max.toFixed(0)})`);
  return { loopbackMsPerHop: loopback, eightHops30pct: { ok, tries, setupMs: ms } };
}

// ---- speed of the software path ------------------------------------------------------------

async function speed(log: (s: string) => void): Promise<Record<string, unknown>> {
  const link = await udpThroughput('node', 5);
  log(`link layer alone, two processes on loopback: ${link.payloadMbps.toFixed(0)} Mb/s (${link.payloadMbpsPerCore.toFixed(0)} Mb/s per core of the busier side)`);
  const runs: Array<{ mbps: number; cpu: number[] }> = [];
  const mb = Number(opts.speedMb);
  for (let k = 0; k < RUNS; k++) {
    const mesh = await DaemonMesh.start({ names: ['a', 'r', 'b'], edges: [{ a: 0, b: 1 }, { a: 1, b: 2 }], lossPct: 0 }, 'loopback');
    try {
      await mesh.linksUp();
      const path = mesh.file('speed.bin');
      writeFileSync(path, randomBytes(Math.round(mb * 1e6)));
      const cpu0 = await Promise.all([0, 1, 2].map(async (i) => (await mesh.call(i, 'status')).cpu));
      const recv = mesh.call(2, 'recv', { timeoutMs: 600_000 });
      const t0 = performance.now();
      await mesh.call(0, 'send', { address: mesh.nodes[2].address, path, routes: 1 });
      await recv;
      const seconds = (performance.now() - t0) / 1000;
      const cpu1 = await Promise.all([0, 1, 2].map(async (i) => (await mesh.call(i, 'status')).cpu));
      const cores = cpu1.map((c, i) => (c.user + c.system - cpu0[i].user - cpu0[i].system) / 1e6 / seconds);
      runs.push({ mbps: (mb * 8) / seconds, cpu: cores });
    } finally {
      await mesh.close();
    }
  }
  const mbps = spread(runs.map((r) => r.mbps));
  const cpu = [0, 1, 2].map((i) => spread(runs.map((r) => r.cpu[i])).median);
  log(`a ${mb} MB file through one relay on loopback: ${mbps.median.toFixed(0)} Mb/s (${mbps.min.toFixed(0)}-${mbps.max.toFixed(0)}); CPU cores source/relay/destination ${cpu.map((c) => c.toFixed(2)).join(' / ')}`);
  return { linkAlone: link, fileThroughRelay: { fileMB: mb, mbps, cpuCores: { source: cpu[0], relay: cpu[1], destination: cpu[2] }, runs } };
}

// ---- main ------------------------------------------------------------------------------------

async function main(): Promise<void> {
  removeStaleNamespaces();
  const host = probeHost();
  console.log('host:', Object.entries(host).map(([k, v]) => `${k} ${v === null ? 'ok' : 'NO (' + v + ')'}`).join(', '));
  const t0 = performance.now();
  const log = (s: string) => console.log(`${s}   (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  // A run of some parts keeps the other parts' last figures (each part carries its own date and settings).
  const previous = opts.only && existsSync(`${dir}saf.json`) ? (JSON.parse(readFileSync(`${dir}saf.json`, 'utf8')) as Record<string, unknown>) : {};
  const settings = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAverage: loadavg() },
    link: { rateMbit: RATE, delayMsOneWay: DELAY, lossAppliedPerDirection: true, tbfQueueMs: 100 },
    measure: { runs: RUNS, figureIs: 'median of the runs, with min and max', fileSeconds: SECONDS, warmupSeconds: WARMUP, goodputIs: 'application bytes delivered per second after the warm-up / link rate' },
    daemons: { linkRotationMs: 1000, hopChoice: 'by measured loss (auto)', measureSeconds: MEASURE_S },
    host,
  };
  const out: Record<string, unknown> = Object.fromEntries(Object.entries(previous).filter(([k]) => ['speed', 'goodput', 'latency', 'setup'].includes(k)));
  const part = (name: string, value: unknown) => {
    out[name] = { ...settings, figures: value };
  };
  const save = () => writeFileSync(`${dir}saf.json`, JSON.stringify(out, null, 2) + '\n');
  if (PARTS.has('speed')) {
    part('speed', await speed(log));
    save();
  }
  if (PARTS.has('goodput')) {
    const points = await goodputSweep(log);
    const kept = (((out.goodput as { figures?: Point[] } | undefined)?.figures ?? []) as Point[]).filter((q) => !points.some((p) => p.hops === q.hops && p.lossPct === q.lossPct));
    part('goodput', [...kept, ...points].sort((a, b) => a.hops - b.hops || a.lossPct - b.lossPct));
    writeFileSync(`${dir}saf-goodput.svg`, plot((out.goodput as { figures: Point[] }).figures));
    console.log(table((out.goodput as { figures: Point[] }).figures));
    save();
  }
  if (PARTS.has('latency')) {
    part('latency', [await latency(3, 0, log), await latency(8, 0, log), await latency(3, 5, log)]);
    save();
  }
  if (PARTS.has('setup')) {
    part('setup', await setupFigures(log));
    save();
  }
  console.log(`wrote bench/results/saf.json${PARTS.has('goodput') ? ' and bench/results/saf-goodput.svg' : ''} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

function table(points: Point[]): string {
  const g = (s: Spread | null) => (s === null ? '-' : `${f(s.median)} (${f(s.min)}-${f(s.max)})`);
  const rows = points.map((p) => `| ${p.hops} | ${p.lossPct}% | ${g(p.saf)} | ${g(p.cubic)} | ${g(p.bbr)} |`);
  return ['| hops | loss/hop | store-and-forward daemons | TCP CUBIC | TCP BBR |', '|---:|---:|---:|---:|---:|', ...rows].join('\n');
}

/** Small multiples, one panel per hop count: goodput fraction (median, with the runs' range) against loss. */
function plot(points: Point[]): string {
  const hops = [...new Set(points.map((p) => p.hops))];
  const losses = [...new Set(points.map((p) => p.lossPct))].sort((a, b) => a - b);
  const W = 260;
  const H = 220;
  const M = { l: 44, r: 10, t: 28, b: 40 };
  const series: Array<{ key: 'saf' | 'cubic' | 'bbr'; name: string; color: string }> = [
    { key: 'saf', name: 'store-and-forward (daemons)', color: '#1b7837' },
    { key: 'cubic', name: 'TCP CUBIC', color: '#b2182b' },
    { key: 'bbr', name: 'TCP BBR', color: '#2166ac' },
  ];
  const x = (i: number) => M.l + (i / Math.max(1, losses.length - 1)) * (W - M.l - M.r);
  const y = (v: number) => M.t + (1 - Math.min(1, Math.max(0, v))) * (H - M.t - M.b);
  const parts: string[] = [];
  hops.forEach((h, k) => {
    const g: string[] = [`<g transform="translate(${k * W},0)">`, `<text x="${W / 2}" y="16" text-anchor="middle" font-weight="bold">${h} hop${h > 1 ? 's' : ''}</text>`];
    for (const v of [0, 0.25, 0.5, 0.75, 1]) {
      g.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`, `<text x="${M.l - 4}" y="${y(v) + 4}" text-anchor="end" font-size="10">${v * 100}%</text>`);
    }
    losses.forEach((l, i) => g.push(`<text x="${x(i)}" y="${H - M.b + 14}" text-anchor="middle" font-size="10">${l}%</text>`));
    g.push(`<text x="${W / 2}" y="${H - 8}" text-anchor="middle" font-size="10">loss per hop</text>`);
    g.push(`<polyline fill="none" stroke="#999" stroke-dasharray="3,3" points="${losses.map((l, i) => `${x(i)},${y(1 - l / 100)}`).join(' ')}"/>`);
    for (const s of series) {
      const pts = losses.flatMap((l, i) => {
        const v = points.find((q) => q.hops === h && q.lossPct === l)?.[s.key];
        return v ? [{ i, v }] : [];
      });
      g.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map(({ i, v }) => `${x(i)},${y(v.median)}`).join(' ')}"/>`);
      for (const { i, v } of pts) {
        g.push(`<line x1="${x(i)}" x2="${x(i)}" y1="${y(v.min)}" y2="${y(v.max)}" stroke="${s.color}"/>`);
        g.push(`<circle cx="${x(i)}" cy="${y(v.median)}" r="2.5" fill="${s.color}"/>`);
      }
    }
    g.push('</g>');
    parts.push(g.join('\n'));
  });
  const legend = series.map((s, i) => `<g transform="translate(${10 + i * 190},${H + 8})"><line x1="0" x2="20" y1="0" y2="0" stroke="${s.color}" stroke-width="2"/><text x="26" y="4" font-size="11">${s.name}</text></g>`);
  legend.push(`<g transform="translate(${10 + 3 * 190},${H + 8})"><line x1="0" x2="20" y1="0" y2="0" stroke="#999" stroke-dasharray="3,3"/><text x="26" y="4" font-size="11">limit (1 - loss)</text></g>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.max(W * hops.length, 800)}" height="${H + 24}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
${parts.join('\n')}
${legend.join('\n')}
</svg>
`;
}

await main();
