// The relay's CPU with the device against the software relay, in one run (bench:device's
// `relay` part): three daemon processes A - R - B on loopback, a file sent from A to B over a
// route through R, R's CPU time (utime + stime from /proc) over the transfer divided by the
// megabytes carried. Twice: R relaying in software (its links on its own socket), then R's
// links through the simulated device (testbed/device-sim.ts as a process; R programs it and
// its Link sessions use it as their datapath). Keys rotate every second in both; the device
// is polled every second (the daemon's default). R's idle CPU per second is measured in each
// mode too, since the simulated device is slow and a transfer through it lasts longer (R's
// timers and polls run meanwhile): the figures above idle are given beside the raw ones.
import { randomBytes, createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { freePorts } from '../testbed/netns/daemons.ts';
import { cpuMs, Daemons } from '../testbed/daemons.ts';
import { startDeviceSimProcess } from '../testbed/device-sim.ts';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export interface RelayRun {
  seconds: number;
  mbps: number;
  /** R's CPU over the transfer, ms per MB carried. */
  cpuMsPerMB: number;
  /** The same less R's idle CPU over as long. */
  cpuMsPerMBAboveIdle: number;
  /** The simulated device's own CPU, ms per MB (device mode). */
  deviceCpuMsPerMB?: number;
  routePacketsByDevice?: number;
  routePacketsBySoftware: number;
}

async function mesh(mode: 'software' | 'device', dir: string): Promise<{ d: Daemons; sim?: ChildProcess }> {
  let sim: ChildProcess | undefined;
  let address: ((from: number, to: number) => string | undefined) | undefined;
  let device: Record<string, unknown> | undefined;
  if (mode === 'device') {
    const [mgmt, host, p0, p1] = (await freePorts(4)) as [number, number, number, number];
    sim = await startDeviceSimProcess(dir, [mgmt, host, p0, p1], [], 0);
    address = (from, to) => (to === 1 ? `127.0.0.1:${from === 0 ? p0 : p1}` : undefined);
    device = { kind: 'etherbone', address: `127.0.0.1:${mgmt}`, hostPort: `127.0.0.1:${host}`, links: { a: 0, b: 1 } };
  }
  const config = { rotationIntervalMs: 1000 };
  const d = await Daemons.start([{ name: 'a', config }, { name: 'r', config: { ...config, ...(device ? { device } : {}) } }, { name: 'b', config }], [[0, 1], [1, 2]], { address });
  await d.linksUp(60_000);
  return { d, sim };
}

/** R's CPU per second with links up and no traffic, ms. */
async function idleCpuPerSecond(d: Daemons, ms = 5000): Promise<number> {
  const c0 = cpuMs(d.pid(1));
  await new Promise((r) => setTimeout(r, ms));
  return (cpuMs(d.pid(1)) - c0) / (ms / 1000);
}

async function transfer(d: Daemons, sim: ChildProcess | undefined, bytes: number, idlePerSecond: number): Promise<RelayRun> {
  const content = randomBytes(bytes);
  const src = d.file(`payload-${bytes}.bin`);
  writeFileSync(src, content);
  const before = await d.call(1, 'status');
  const c0 = cpuMs(d.pid(1));
  const s0 = sim?.pid ? cpuMs(sim.pid) : 0;
  const t0 = performance.now();
  const recv = d.call(2, 'recv', { out: d.file(`got-${Date.now()}.bin`), timeoutMs: 600_000 });
  await d.call(0, 'send', { address: d.nodes[2]!.identity.address, path: src, routes: 1 });
  const got = await recv;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuMs(d.pid(1)) - c0;
  const simCpu = sim?.pid ? cpuMs(sim.pid) - s0 : 0;
  if (got.sha256 !== createHash('sha256').update(content).digest('hex')) throw new Error('the file arrived changed');
  const after = await d.call(1, 'status');
  const mb = bytes / 1e6;
  return {
    seconds,
    mbps: (bytes * 8) / seconds / 1e6,
    cpuMsPerMB: cpu / mb,
    cpuMsPerMBAboveIdle: Math.max(0, cpu - idlePerSecond * seconds) / mb,
    ...(sim ? { deviceCpuMsPerMB: simCpu / mb, routePacketsByDevice: after.device.accounting.creditedPackets - before.device.accounting.creditedPackets } : {}),
    routePacketsBySoftware: after.counters.packetsForwarded - before.counters.packetsForwarded,
  };
}

/** Both modes, `runs` transfers of `bytes` each; medians. */
export async function relayCpu(dir: string, bytes = 1_000_000, runs = 3): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const mode of ['software', 'device'] as const) {
    const { d, sim } = await mesh(mode, join(dir));
    try {
      // Idle before and after the transfers (warm-up and JIT land in the first window).
      await idleCpuPerSecond(d, 3000);
      const idleBefore = await idleCpuPerSecond(d);
      const rs: RelayRun[] = [];
      for (let i = 0; i < runs; i++) rs.push(await transfer(d, sim, bytes, idleBefore));
      const idleAfter = await idleCpuPerSecond(d);
      const idle = (idleBefore + idleAfter) / 2;
      for (const r of rs) r.cpuMsPerMBAboveIdle = Math.max(0, r.cpuMsPerMB - (idle * r.seconds) / (bytes / 1e6));
      const pick = (k: keyof RelayRun) => median(rs.map((r) => (r[k] as number) ?? 0));
      const packets = rs.reduce((n, r) => n + r.routePacketsBySoftware + (r.routePacketsByDevice ?? 0), 0);
      out[mode] = {
        idleCpuMsPerSecond: { before: idleBefore, after: idleAfter },
        routePacketsThroughHostShare: rs.reduce((n, r) => n + r.routePacketsBySoftware, 0) / packets,
        cpuMsPerMB: pick('cpuMsPerMB'),
        cpuMsPerMBAboveIdle: pick('cpuMsPerMBAboveIdle'),
        mbps: pick('mbps'),
        ...(sim ? { deviceCpuMsPerMB: pick('deviceCpuMsPerMB') } : {}),
        runs: rs,
      };
      console.log(mode, out[mode]);
    } finally {
      await d.close();
      sim?.kill('SIGTERM');
    }
  }
  const sw = out.software as { cpuMsPerMB: number; cpuMsPerMBAboveIdle: number };
  const dev = out.device as { cpuMsPerMB: number; cpuMsPerMBAboveIdle: number };
  return {
    what: `R's CPU (utime + stime) per MB of a file sent A -> R -> B, R relaying in software vs R's links through the simulated device; keys rotating every second; median of ${runs} transfers of ${bytes} bytes each`,
    ...out,
    deviceOverSoftware: dev.cpuMsPerMB / sw.cpuMsPerMB,
    deviceOverSoftwareAboveIdle: dev.cpuMsPerMBAboveIdle / sw.cpuMsPerMBAboveIdle,
    target: 'below 0.10 (issue 19)',
  };
}
