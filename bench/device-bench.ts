// npm run bench:device: register operations per second through the device driver, over
// Etherbone on UDP loopback to a device process, in one run:
//   - plain register file: the driver, the wire and the server alone;
//   - Verilated CSR block (the generated Wishbone slave with the behavioural plane): what the
//     simulated device gives, Verilator cycles per second included;
// each as single reads (one round trip per access), batched reads (255 per datagram, the most
// a LiteEth record carries), and whole driver operations (key installs, route commands,
// counter reads, each one datagram and the checks behind it). Then the simulated device's
// speed: the Verilated forwarding plane, its rules written by the driver (OffloadTable), fed
// real link frames of real sessions (testbed/forwarding/twin.ts makes them): Mb/s of link
// frames forwarded per second of wall time, and Verilator cycles per second. Medians of 5
// runs. Last, the relay's CPU per forwarded megabyte with the device against the software
// relay (bench/device-relay.ts). Writes bench/results/device.json; `--only relay` (or
// `--only registers,plane`) runs some parts and keeps the others' figures from the file.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { rd } from '../host/device/bus.ts';
import { Device } from '../host/device/device.ts';
import { EtherboneUdpBus } from '../host/device/etherbone-udp.ts';
import { TableManager } from '../host/table/manager.ts';
import { routeKey, routeValueLayout, ROUTE_KEY_BITS, ROUTE_VALUE_BITS } from '../spec/forwarding/route-key.ts';
import { HashGeometry } from '../spec/route-table/geometry.ts';
import { PROJECT_ROOT } from '../sim/build.ts';
import { Rng } from '../sim/random.ts';
import { LocalBus } from '../host/device/bus.ts';
import { OffloadTable } from '../host/device/offload-table.ts';
import { DeviceSequencer } from '../host/device/sequencer.ts';
import { FpDevice } from '../testbed/forwarding/device.ts';
import { TwinRelay } from '../testbed/forwarding/twin.ts';
import { PlaneSpace } from '../testbed/plane-space.ts';
import { relayCpu } from './device-relay.ts';

const RUNS = 5;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function startServer(space: 'plain' | 'csr'): Promise<{ port: number; stop: () => void }> {
  const p = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'testbed', 'device-server.ts'), '--space', space], { stdio: ['ignore', 'pipe', 'inherit'], cwd: PROJECT_ROOT });
  const line = await new Promise<string>((res, rej) => {
    createInterface({ input: p.stdout! }).once('line', res);
    p.once('exit', (c) => rej(new Error(`device server exited with ${c}`)));
  });
  return { port: Number(line.split(' ')[1]), stop: () => p.kill('SIGTERM') };
}

async function rate(n: number, fn: () => Promise<void>): Promise<number> {
  const rs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    await fn();
    rs.push(n / ((performance.now() - t0) / 1000));
  }
  return median(rs);
}

const PARTS = ['registers', 'plane', 'relay'] as const;
const onlyAt = process.argv.indexOf('--only');
const parts = new Set(onlyAt >= 0 ? (process.argv[onlyAt + 1] ?? '').split(',') : PARTS);
for (const p of parts) if (!(PARTS as readonly string[]).includes(p)) throw new Error(`--only ${p}: the parts are ${PARTS.join(', ')}`);
const file = join(PROJECT_ROOT, 'bench', 'results', 'device.json');
const results: Record<string, unknown> = onlyAt >= 0 && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).results : {};
const dated = (o: Record<string, unknown>) => ({ ...o, date: new Date().toISOString(), loadAverage: loadavg() });
for (const space of parts.has('registers') ? (['plain', 'csr'] as const) : []) {
  const srv = await startServer(space);
  const bus = await EtherboneUdpBus.open({ host: '127.0.0.1', port: srv.port, recordsPerPacket: 1 });
  const out: Record<string, number> = {};
  out.singleReadsPerSecond = await rate(2000, async () => {
    for (let i = 0; i < 2000; i++) await bus.run([rd(0)]);
  });
  const batch = Array.from({ length: 255 }, () => rd(0));
  out.batchedReadsPerSecond = await rate(255 * 200, async () => {
    for (let i = 0; i < 200; i++) await bus.run(batch);
  });
  if (space === 'csr') {
    const device = await Device.open(bus);
    const key = new Uint8Array(32).fill(7);
    let gen = 0;
    out.keyInstallsPerSecond = await rate(200, async () => {
      for (let i = 0; i < 100; i++) {
        await device.installKey({ peer: 1, direction: 'tx', generation: gen, key });
        await device.retireKey({ peer: 1, direction: 'tx', generation: gen++ });
      }
    });
    const p = device.params;
    const mgr = new TableManager(new HashGeometry(p.routeEntries, p.routeWays, p.routeStash, ROUTE_KEY_BITS, ROUTE_VALUE_BITS), routeValueLayout(p));
    let id = 1;
    out.routeCommandsPerSecond = await rate(500, async () => {
      const cmds = [];
      while (cmds.length < 500) cmds.push(...mgr.insertRoute(routeKey(id % 16, id++), { kind: 'forward', port: 1, nextRoute: 5n, qos: false, counter: 0 }));
      await device.routeCommands(cmds.slice(0, 500));
    });
    out.counterReadsPerSecond = await rate(500, async () => {
      for (let i = 0; i < 500; i++) await device.counter('rule', i);
    });
  }
  out.resends = bus.stats.resends;
  results[space] = dated(out);
  console.log(space, out);
  await bus.close();
  srv.stop();
}

// ---- the simulated device: the Verilated plane, programmed by the driver ----
if (parts.has('plane')) {
  const AEAD = { width: 64, units: 2, stages: 1, lanes: 1, multiplier: 'fabric', mulStages: 2, reduceStages: 4, queueWords: 32, queueRam: 'block', fifoRam: 'block', outDepth: 64, seqBits: 4 };
  const GEOMETRY = { entries: 256, ways: 4, stash: 2 };
  const plane = await FpDevice.create({ ports: 2, peers: 4, routeEntries: 256, routeWays: 4, routeStash: 2, ruleCounters: 256, aead: AEAD, ram: 'inferred' });
  const device = await Device.open(new LocalBus(new PlaneSpace(plane), 'verilated plane'));
  const rng = new Rng(9);
  const twin = new TwinRelay(plane, { peers: 4, rng, geometry: GEOMETRY });
  twin.configure();
  twin.establish();
  const seq = new DeviceSequencer();
  const table = new OffloadTable(device, seq, { peerOf: (n) => n });
  table.install(0x4000_0001, { kind: 'forward', port: 1, nextRoute: 0x5000_0001, qos: false }, 0);
  table.install(0x4000_0002, { kind: 'forward', port: 0, nextRoute: 0x5000_0002, qos: false }, 1);
  await seq.idle();
  const FRAMES = 100;
  const runs: Array<{ mbps: number; cyclesPerSecond: number; bitsPerCycle: number; forwarded: number; dropped: number }> = [];
  const overflow = async (): Promise<number> => {
    let n = 0;
    for (let p = 0; p < 2; p++) n += (await device.portCounters(p)).rxOverflow.frames;
    return n;
  };
  for (let r = 0; r < RUNS; r++) {
    // Link frames of 1,300-byte route packets from peers 0 and 1, each forwarded to the other.
    const frames: Array<{ port: number; frame: Uint8Array; bytes: number }> = [];
    for (let i = 0; i < FRAMES; i++) {
      const from = i % 2;
      twin.peerSends(from, TwinRelay.routePacket(0x4000_0001 + from, r * FRAMES + i, 1288));
      const { peer, datagram } = twin.toRelay.shift()!;
      frames.push({ port: twin.peers[peer]!.port, frame: twin.ingressFrame(peer, datagram), bytes: datagram.length });
    }
    const before = plane.tx.map((t) => t.length);
    const dropped0 = await overflow();
    const c0 = plane.cycles;
    const t0 = performance.now();
    for (const f of frames) plane.send(f.port, f.frame);
    plane.settle();
    const seconds = (performance.now() - t0) / 1000;
    const cycles = plane.cycles - c0;
    // Offered back to back on both ports, more than the plane's 64-bit engines take: what
    // does not fit its ingress buffers is dropped and counted (rxOverflow), as a NIC drops.
    const out = plane.tx.flatMap((t, i) => t.slice(before[i]));
    const dropped = (await overflow()) - dropped0;
    if (out.length + dropped !== FRAMES) throw new Error(`the plane forwarded ${out.length} and dropped ${dropped} of ${FRAMES} frames`);
    const bits = out.reduce((n, f) => n + (f.length - 42) * 8, 0); // link datagrams: less Ethernet, IPv4 and UDP headers
    runs.push({ mbps: bits / seconds / 1e6, cyclesPerSecond: cycles / seconds, bitsPerCycle: bits / cycles, forwarded: out.length, dropped });
  }
  results.plane = dated({
    what: 'link frames (1,300-byte route packets) offered back to back on both ports of the Verilated plane (2 ports, 4 peers, 64-bit AEAD engines of 2 ChaCha units), rules written by the driver; forwarded link bits per second of wall time',
    framesOfferedPerRun: FRAMES,
    forwardedPerRun: median(runs.map((x) => x.forwarded)),
    droppedPerRun: median(runs.map((x) => x.dropped)),
    mbpsOfWallTime: median(runs.map((x) => x.mbps)),
    verilatorCyclesPerSecond: median(runs.map((x) => x.cyclesPerSecond)),
    linkBitsPerCycle: median(runs.map((x) => x.bitsPerCycle)),
  });
  console.log('plane', results.plane);
}

// ---- the relay's CPU: device against software relay ----
if (parts.has('relay')) {
  const dir = mkdtempSync(join(tmpdir(), 'swbench-relay-'));
  try {
    results.relay = dated(await relayCpu(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

mkdirSync(join(PROJECT_ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(
  file,
  JSON.stringify(
    {
      what: 'register operations per second through host/device over Etherbone on UDP loopback, to a device process (median of 5 runs); the simulated plane\'s speed; the relay\'s CPU with the device against the software relay. Each part carries its date and the machine\'s load',
      machine: '2 cores shared with other jobs',
      loadAverage: loadavg(),
      note: 'the loopback and Node on both ends bound these figures; a board answers from LiteEth in hardware',
      results,
    },
    null,
    2,
  ) + '\n',
);
console.log(`wrote ${file}`);
