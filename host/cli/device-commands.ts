// `skywire device ...`: the forwarding plane reached directly over Etherbone (a board's
// management port, or the simulated device), without a daemon.
//
//   skywire device info [--address 192.168.1.50[:1234]] [--json]
//   skywire device counters [--port N]... [--peer N]... [--rule N]... [--json]
//   skywire device csr-csv            # LiteX's csr.csv of the register map, for litex_cli
import { Command, Option } from 'commander';
import { Device } from '../device/device.ts';
import { EtherboneUdpBus } from '../device/etherbone-udp.ts';
import { ETHERBONE_PORT } from '../device/etherbone.ts';
import { litexCsrCsv } from '../device/litex-csv.ts';
import { deviceReport, nonZeroCounters } from '../device/report.ts';
import { fpRegisterMap } from '../../spec/forwarding/registers.ts';
import { bytes, table } from './format.ts';

function parseAddress(a: string): { host: string; port: number } {
  const m = /^([^:]+)(?::(\d+))?$/.exec(a);
  const port = m?.[2] === undefined ? ETHERBONE_PORT : Number(m[2]);
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`device address "${a}" is not host[:port]`);
  return { host: m[1]!, port };
}

async function withDevice<T>(address: string, timeoutMs: number, f: (d: Device) => Promise<T>): Promise<T> {
  const bus = await EtherboneUdpBus.open({ ...parseAddress(address), timeoutMs });
  try {
    return await f(await Device.open(bus));
  } finally {
    await bus.close();
  }
}

const collect = (v: string, prev: number[] = []): number[] => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`"${v}" is not an index`);
  return [...prev, n];
};

/** The `device` part of `skywire node status`: what the daemon's forwarding plane holds. */
export function printDeviceStatus(d: any): void {
  console.log(`\ndevice ${d.address}  ${d.reachable ? 'reachable' : 'NOT ANSWERING'}  build ${d.buildId}  ${d.ports} ports, ${d.peers} peers  forwarding ${d.forwarding ? 'on' : 'off'}  restarts ${d.restarts}`);
  console.log(`  key slots in use ${d.keySlotsInUse}  table ${d.table.rules}/${d.table.capacity} rules (${d.table.offloaded} written, ${d.table.full} left in software: table full)`);
  console.log(`  accounting: ${d.accounting.creditedPackets} packets, ${bytes(d.accounting.creditedBytes)} credited from device counters; operations ${d.operations.ran} ran, ${d.operations.failed} failed, ${d.operations.backlog} waiting`);
  if (d.hostPort) {
    const h = d.hostPort;
    const why = Object.entries(h.reasons as Record<string, number>).map(([k, v]) => `${k} ${v}`).join(', ');
    console.log(`  links through the host port: up ${h.up.raw} raw, ${h.up.opened} opened (${why || 'none'}); down ${h.down.raw} raw, ${h.down.seal} seal jobs; refused ${h.refusedUnopened} unopened, ${h.unknownSource} unknown, ${h.malformed} malformed`);
  }
  if (d.lastError) console.log(`  last error: ${d.lastError}`);
  if (d.links.length) console.log(table(['link', 'peer', 'port', 'up on device'], d.links.map((l: any) => [l.neighbour, l.peer, l.port, l.up ? 'yes' : 'no'])));
}

export function addDeviceCommands(program: Command): void {
  const device = program.command('device').description('the forwarding plane over Etherbone (a board or the simulated device)');
  const addr = (c: Command): Command =>
    c.addOption(new Option('--address <host[:port]>', 'Etherbone address of the device').default(`127.0.0.1:${ETHERBONE_PORT}`)).addOption(new Option('--timeout <ms>', 'first wait for an answer').default(200).argParser(Number)).option('--json', 'print the reply as JSON');
  addr(device.command('info').description('build ID, parameters, port links, peers, key slots in use, errors')).action(async (o) => {
    const r = await withDevice(o.address, o.timeout, deviceReport);
    if (o.json) return void process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    const p = r.params;
    console.log(`forwarding plane at ${r.bus}  build ${r.buildId}  map ${r.version}  forwarding ${r.forwarding ? 'on' : 'off'}`);
    console.log(`  ${p.ports} ports, ${p.peers} peers, ${p.routeEntries} + ${p.routeStash} route slots in ${p.routeWays} ways, ${p.ruleCounters} rule counters, built for ${(p.clockKhz / 1000).toFixed(2)} MHz`);
    console.log(`  ports: ${r.ports.map((x) => `${x.port} ${x.linkUp ? 'up' : 'down'}`).join(', ')}`);
    console.log(`  key slots in use: ${r.keySlotsInUse.length ? r.keySlotsInUse.map((s) => `${s.slot} (gen ${s.generation})`).join(', ') : 'none'}`);
    const errs = Object.entries(r.errors).filter(([, v]) => v);
    console.log(`  sticky errors: ${errs.length ? errs.map(([k]) => k).join(', ') : 'none'}`);
    if (r.peers.length) {
      console.log('\npeers');
      console.log(table(['peer', 'up', 'port', 'address', 'tx slot', 'rx slot', 'tx counter'], r.peers.map((x) => [x.peer, x.up ? 'yes' : 'no', x.port, `${x.ip}:${x.udpPort}`, x.txSlot ?? '-', x.rxSlot ?? '-', x.txCounter])));
    }
  });
  addr(device.command('counters').description('every counter that is not zero (or those of the ports, peers and rules named)'))
    .option('--port <n>', 'a network port (repeatable)', collect)
    .option('--peer <n>', 'a peer (repeatable)', collect)
    .option('--rule <n>', 'a rule counter (repeatable)', collect)
    .action(async (o) => {
      const rows = await withDevice(o.address, o.timeout, (d) => nonZeroCounters(d, { ports: o.port, peers: o.peer, rules: o.rule }));
      if (o.json) return void process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      console.log(rows.length ? table(['bank', 'index', 'counter', 'frames', 'bytes'], rows.map((r) => [r.bank, r.index, r.name, r.frames, bytes(r.bytes)])) : 'all counters are zero');
    });
  device
    .command('csr-csv')
    .description("LiteX's csr.csv of the register map (litex_cli --csr-csv reads registers by name through litex_server --udp)")
    .action(() => void process.stdout.write(litexCsrCsv(fpRegisterMap())));
}
