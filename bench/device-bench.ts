// npm run bench:device: register operations per second through the device driver, over
// Etherbone on UDP loopback to a device process, in one run:
//   - plain register file: the driver, the wire and the server alone;
//   - Verilated CSR block (the generated Wishbone slave with the behavioural plane): what the
//     simulated device gives, Verilator cycles per second included;
// each as single reads (one round trip per access), batched reads (255 per datagram, the most
// a LiteEth record carries), and whole driver operations (key installs, route commands,
// counter reads, each one datagram and the checks behind it). Medians of 5 runs; writes
// bench/results/device.json.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { rd } from '../host/device/bus.ts';
import { Device } from '../host/device/device.ts';
import { EtherboneUdpBus } from '../host/device/etherbone-udp.ts';
import { TableManager } from '../host/table/manager.ts';
import { routeKey, routeValueLayout, ROUTE_KEY_BITS, ROUTE_VALUE_BITS } from '../spec/forwarding/route-key.ts';
import { HashGeometry } from '../spec/route-table/geometry.ts';
import { PROJECT_ROOT } from '../sim/build.ts';

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

const results: Record<string, unknown> = {};
for (const space of ['plain', 'csr'] as const) {
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
  results[space] = out;
  console.log(space, out);
  await bus.close();
  srv.stop();
}

const file = join(PROJECT_ROOT, 'bench', 'results', 'device.json');
mkdirSync(join(PROJECT_ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(
  file,
  JSON.stringify(
    {
      what: 'register operations per second through host/device over Etherbone on UDP loopback, to a device process (median of 5 runs)',
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
