// What `skywire device info` and `counters` show, read from a Device in a few batches: the
// identity, port links, peers with a session, key slots in use, sticky errors, and every
// counter that is not zero.
import { PEER_COUNTERS, PORT_COUNTERS } from '../../spec/forwarding/counters.ts';
import type { Counter, Device } from './device.ts';
import { wordToIp } from './device.ts';

export interface DeviceReport {
  readonly bus: string;
  readonly buildId: string;
  readonly version: string;
  readonly params: Device['params'];
  readonly forwarding: boolean;
  readonly ports: Array<{ port: number; linkUp: boolean }>;
  readonly peers: Array<{ peer: number; up: boolean; port: number; ip: string; udpPort: number; txSlot: number | null; rxSlot: number | null; txCounter: number }>;
  readonly keySlotsInUse: Array<{ slot: number; generation: number }>;
  readonly errors: Record<string, number>;
}

export async function deviceReport(d: Device): Promise<DeviceReport> {
  const ports = await d.linkStatus();
  const ctrl = await d.bus.run(Array.from({ length: d.params.peers }, (_, i) => d.regs.read(`peer[${i}].ctrl`)));
  const peers = [];
  for (let i = 0; i < d.params.peers; i++) {
    const c = d.regs.fields(`peer[${i}].ctrl`, ctrl[i]!);
    if (!c.session) continue;
    const [ip, udp] = await d.bus.run([d.regs.read(`peer[${i}].ip`), d.regs.read(`peer[${i}].udp_port`)]);
    peers.push({ peer: i, up: c.up === 1, port: c.port!, ip: wordToIp(ip!), udpPort: udp!, txSlot: c.tx_valid ? c.tx_slot! : null, rxSlot: c.rx_valid ? c.rx_slot! : null, txCounter: await d.txCounter(i) });
  }
  const slots = (await d.keySlots()).filter((s) => s.valid).map((s) => ({ slot: s.slot, generation: s.generation }));
  return {
    bus: d.bus.describe,
    buildId: `0x${d.identity.buildId.toString(16).padStart(8, '0')}`,
    version: `${d.identity.version.major}.${d.identity.version.minor}`,
    params: d.params,
    forwarding: (await d.readFields('ctrl.ctrl')).forward_enable === 1,
    ports: ports.map((linkUp, port) => ({ port, linkUp })),
    peers,
    keySlotsInUse: slots,
    errors: await d.errors(),
  };
}

export interface CounterRow {
  readonly bank: 'port' | 'peer' | 'rule';
  readonly index: number;
  readonly name: string;
  readonly frames: number;
  readonly bytes: number;
}

/** Non-zero counters of the given ports and peers (all when none are named) and rules. */
export async function nonZeroCounters(d: Device, which: { ports?: number[]; peers?: number[]; rules?: number[] } = {}): Promise<CounterRow[]> {
  const all = !which.ports && !which.peers && !which.rules;
  const out: CounterRow[] = [];
  const add = (bank: CounterRow['bank'], index: number, name: string, c: Counter): void => {
    if (c.frames || c.bytes) out.push({ bank, index, name, ...c });
  };
  for (const p of which.ports ?? (all ? [...Array(d.params.ports).keys()] : [])) {
    const c = await d.portCounters(p);
    for (const k of PORT_COUNTERS) add('port', p, k, c[k]);
  }
  for (const p of which.peers ?? (all ? [...Array(d.params.peers).keys()] : [])) {
    const c = await d.peerCounters(p);
    for (const k of PEER_COUNTERS) add('peer', p, k, c[k]);
  }
  for (const r of which.rules ?? []) out.push({ bank: 'rule', index: r, name: 'rule', ...(await d.counter('rule', r)) });
  return out;
}
