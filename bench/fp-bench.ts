// Forwarding-plane benchmark in Verilator, on the 10G engine configuration (rtl-gen/forwarding/
// designs.ts FP_AEAD_10G; 4 peers and a 256-slot table to keep the model small: peers and
// table size do not change the datapath's rate):
//   - throughput: both ports relaying full duplex at once (peer 0 -> 1, 1 -> 0, 2 -> 3, 3 -> 2),
//     frames offered back to back on the 64-bit ports, at 1,444- and 132-byte link frames and on
//     mixed sizes; every frame checked byte for byte against the software relay (testbed/
//     forwarding/twin.ts); figures as link-frame bits per cycle per port and as a share of
//     10 GbE line rate (a link frame of L bytes takes L + 66 bytes of wire time: Ethernet, IPv4
//     and UDP headers, FCS, preamble and gap; 64 bits per cycle at 156.25 MHz);
//   - latency: one frame through an idle plane, first beat in to first beat out, per size.
// Writes bench/results/fp.json.   npm run bench:fp [-- --frames N]
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { FP_AEAD_10G } from '../rtl-gen/forwarding/designs.ts';
import { PROJECT_ROOT } from '../sim/build.ts';
import { Rng } from '../sim/random.ts';
import { FpDevice } from '../testbed/forwarding/device.ts';
import { TwinRelay } from '../testbed/forwarding/twin.ts';

const argv = process.argv.slice(2);
const FRAMES = Number(argv.includes('--frames') ? argv[argv.indexOf('--frames') + 1] : 240);
const GEOMETRY = { entries: 256, ways: 4, stash: 2 };
const PARAMS = { ports: 2, peers: 4, routeEntries: 256, routeWays: 4, routeStash: 2, ruleCounters: 256, aead: { ...FP_AEAD_10G }, ram: 'ecp5' as const };
/** Wire bytes a link frame of L bytes costs beyond L: Ethernet 14, IPv4 20, UDP 8, FCS 4, preamble 8, gap 12. */
const WIRE_OVERHEAD = 66;
const FLOWS = [[0, 1], [1, 0], [2, 3], [3, 2]] as const;
/** Route-packet body bytes that make a link frame of `l` bytes (20 + 3 + 6 + 12 + body, padded to 16, + 16). */
const bodyFor = (l: number): number => l - 36 - 3 - 6 - 12;

async function main(): Promise<void> {
  const t0 = Date.now();
  const dev = await FpDevice.create(PARAMS);
  const buildSeconds = (Date.now() - t0) / 1000;
  const rng = new Rng(2026);
  const twin = new TwinRelay(dev, { peers: 4, rng, geometry: GEOMETRY, rotationIntervalMs: 600_000 });
  twin.configure();
  twin.establish();
  FLOWS.forEach(([from, to], i) => twin.addRule(0x7000_0000 + i, from, to, 0x7100_0000 + i));
  const send = (flow: number, body: number, n: number): { peer: number; datagram: Uint8Array } => {
    twin.peerSends(FLOWS[flow]![0], TwinRelay.routePacket(0x7000_0000 + flow, n, body));
    return twin.toRelay.pop()!;
  };
  const runs: Array<Record<string, unknown>> = [];
  const measure = (label: string, sizes: () => number): void => {
    const items = [];
    let linkBytes = 0;
    let wireBytes = 0;
    for (let n = 0; n < FRAMES; n++) {
      for (let f = 0; f < FLOWS.length; f++) {
        const it = send(f, bodyFor(sizes()), n);
        items.push(it);
        if (f < 2) {
          linkBytes += it.datagram.length;
          wireBytes += it.datagram.length + WIRE_OVERHEAD;
        }
      }
    }
    const t = Date.now();
    const r = twin.burst(items);
    const perPort = (linkBytes * 2 * 8) / r.cycles / 2; // both ports carry the same share
    const lineShare = ((wireBytes * 2 * 8) / r.cycles / 2) / 64;
    runs.push({ label, framesPerPort: r.out, cycles: r.cycles, linkBitsPerCyclePerPort: Number(perPort.toFixed(2)), shareOfLineRate: Number(lineShare.toFixed(3)), simSeconds: (Date.now() - t) / 1000 });
    console.log(`${label}: ${r.out.join(' + ')} frames out in ${r.cycles} cycles: ${perPort.toFixed(1)} link bits/cycle per port, ${(lineShare * 100).toFixed(1)} % of 10 GbE line rate`);
  };
  measure('1,444-byte link frames', () => 1444);
  measure('132-byte link frames', () => 132);
  measure('mixed sizes (52 to 1,444 bytes)', () => 52 + 16 * rng.int(0, 87));
  // Latency: one frame through the idle plane.
  const latency: Array<Record<string, number>> = [];
  for (const l of [52, 132, 516, 1444]) {
    const it = send(0, bodyFor(l), 9999);
    const before = dev.tx[1]!.length;
    const start = dev.cycles;
    let firstOut = -1;
    dev.send(twin.peers[0]!.port, twin.ingressFrame(0, it.datagram));
    while (dev.tx[1]!.length === before) {
      dev.step();
      if (firstOut < 0 && Number(dev.dut.m_axis_tx1_tvalid.value)) firstOut = dev.cycles - start;
    }
    latency.push({ linkFrameBytes: l, firstBeatInToFirstBeatOut: firstOut, firstBeatInToLastBeatOut: dev.lastTxCycle - start, beatsIn: Math.ceil((l + 42) / 8) });
    // Keep the software in step (it checks this frame too).
    twin.deliver(0, it.datagram);
  }
  const result = {
    benchmark: 'forwarding plane in Verilator (npm run bench:fp)',
    date: new Date().toISOString(),
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`,
    command: `npm run bench:fp -- --frames ${FRAMES}`,
    config: PARAMS,
    modelBuildSeconds: buildSeconds,
    throughput: runs,
    latencyCycles: latency,
    note: 'Every frame checked byte for byte against the software relay. Gb/s = link bits per cycle x the clock nextpnr closes; see bench/results/fp-synth.json.',
  };
  writeFileSync(join(PROJECT_ROOT, 'bench', 'results', 'fp.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log('latency (cycles):', latency.map((x) => `${x.linkFrameBytes} B: ${x.firstBeatInToFirstBeatOut}/${x.firstBeatInToLastBeatOut}`).join(', '));
}

await main();
