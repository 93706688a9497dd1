// The simulated device as a network element: the Verilated forwarding plane
// (testbed/forwarding/device.ts, the generated RTL) with its network ports on UDP sockets,
// its management port serving Etherbone on UDP (the registers by address, testbed/plane-space.ts)
// and its host port a UDP endpoint for the daemon (one host frame per datagram,
// spec/forwarding/host-port.ts). A daemon whose config names the management port and the host
// port runs its links through it (host/daemon/device-offload.ts).
//
// A datagram to network port i's socket enters the plane as the Ethernet/IPv4/UDP frame a NIC
// would have received (from the sender's address to the port's); a frame the plane sends out
// of port i leaves that socket as its UDP payload, to the frame's destination address. Frames
// the plane hands up are read out of the register mailbox (as a board's management CPU or
// bridge would) and sent to the host port's last writer; a datagram from the host is pushed
// into the mailbox down. The clock runs while anything is inside the plane; an idle plane costs
// nothing. Each port's own address (MAC, IP, UDP port) is written into its registers at start.
//
//   npm run device:sim -- --config sim.json
//   {"management": "127.0.0.1:7000", "hostPort": "127.0.0.1:7001",
//    "ports": ["127.0.0.1:7100", "127.0.0.1:7101"], "statusMs": 1000}
//
// It prints one JSON line with the bound addresses when ready, then a status line every
// `statusMs` on stderr (frames per port, host frames, drops, cycles per second).
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { WordSpace } from '../host/device/bus.ts';
import { ipToWord, wordToIp } from '../host/device/device.ts';
import { EtherboneServer } from '../host/device/etherbone-server.ts';
import { Regs } from '../host/device/regs.ts';
import { SOCKET_BUFFER_BYTES } from '../host/link/udp-transport.ts';
import { buildUdpFrame, padFrame, parseUdpFrame } from '../spec/ethernet.ts';
import { HOST_HEADER_BYTES } from '../spec/forwarding/host-port.ts';
import { FpDevice } from './forwarding/device.ts';
import { PlaneSpace } from './plane-space.ts';

/** The plane the element simulates: the one the forwarding tests build (its model is cached once for all). */
export const SIM_PLANE = {
  ports: 2,
  peers: 4,
  routeEntries: 256,
  routeWays: 4,
  routeStash: 2,
  ruleCounters: 256,
  aead: { width: 64, units: 2, stages: 1, lanes: 1, multiplier: 'fabric', mulStages: 2, reduceStages: 4, queueWords: 32, queueRam: 'block', fifoRam: 'block', outDepth: 64, seqBits: 4 },
  ram: 'inferred',
} as const;

export interface Address {
  host: string;
  port: number;
}

export interface DeviceSimConfig {
  management: Address;
  hostPort: Address;
  /** One address per network port of the plane. */
  ports: Address[];
  statusMs?: number;
}

export interface DeviceSimStats {
  /** Per port: datagrams in, frames out, frames out that were no UDP datagram (dropped). */
  ports: Array<{ in: number; out: number; notUdp: number; noDestination: number }>;
  hostUp: number;
  hostDown: number;
  /** Host datagrams refused: no room in the mailbox, or shorter than a header. */
  hostDropped: number;
  /** Frames up while no host had said where it is. */
  hostUnknown: number;
}

function parseAddress(v: unknown, field: string): Address {
  const m = typeof v === 'string' ? /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(v) : null;
  if (!m || Number(m[2]) > 65535) throw new Error(`device sim config: ${field} must be "a.b.c.d:port", got ${JSON.stringify(v)}`);
  return { host: m[1]!, port: Number(m[2]) };
}

export function parseDeviceSimConfig(text: string): DeviceSimConfig {
  let raw: any;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`device sim config: not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(raw?.ports) || raw.ports.length < 1 || raw.ports.length > SIM_PLANE.ports) throw new Error(`device sim config: ports must list 1 to ${SIM_PLANE.ports} addresses (the plane has ${SIM_PLANE.ports} ports)`);
  const statusMs = raw.statusMs ?? 0;
  if (!Number.isInteger(statusMs) || statusMs < 0) throw new Error(`device sim config: statusMs must be a whole number of ms, got ${JSON.stringify(raw.statusMs)}`);
  return { management: parseAddress(raw.management, 'management'), hostPort: parseAddress(raw.hostPort, 'hostPort'), ports: raw.ports.map((p: unknown, i: number) => parseAddress(p, `ports[${i}]`)), statusMs };
}

async function bindUdp(a: Address): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(a.port, a.host, () => {
      s.off('error', reject);
      resolve();
    });
  });
  s.on('error', () => {});
  // A burst from a fast sender must wait here, not be dropped, while the simulation runs slower.
  s.setRecvBufferSize(SOCKET_BUFFER_BYTES);
  return s;
}

const portMac = (i: number): Uint8Array => Uint8Array.from([0x02, 0x53, 0x4b, 0x59, 0x00, i]);
/** A locally administered MAC per sender address (the plane finds peers by IP and port). */
const senderMac = (ip: number, port: number): Uint8Array => Uint8Array.from([0x06, ip & 255, (ip >>> 8) & 255, ip >>> 24, port >>> 8, port & 255]);

export class DeviceSim {
  readonly stats: DeviceSimStats;
  private readonly regs: Regs;
  private host: Address | undefined;
  private pumping = false;
  private closed = false;
  private statusTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly plane: FpDevice,
    readonly portSockets: Socket[],
    readonly hostSocket: Socket,
    readonly management: EtherboneServer,
  ) {
    this.regs = new Regs(plane.map);
    this.stats = { ports: portSockets.map(() => ({ in: 0, out: 0, notUdp: 0, noDestination: 0 })), hostUp: 0, hostDown: 0, hostDropped: 0, hostUnknown: 0 };
  }

  static async start(cfg: DeviceSimConfig): Promise<DeviceSim> {
    const plane = await FpDevice.create({ ...SIM_PLANE, aead: { ...SIM_PLANE.aead } });
    const sockets: Socket[] = [];
    try {
      for (const a of cfg.ports) sockets.push(await bindUdp(a));
      const hostSocket = await bindUdp(cfg.hostPort);
      sockets.push(hostSocket);
      const space = new PlaneSpace(plane);
      let sim: DeviceSim | undefined;
      // Every register access runs the clock (traffic included): what it moved is sent on after it.
      const pumped: WordSpace = {
        read: (a) => {
          const v = space.read(a);
          sim?.pump();
          return v;
        },
        write: (a, v) => {
          space.write(a, v);
          sim?.pump();
        },
      };
      const management = await EtherboneServer.listen(pumped, cfg.management);
      sim = new DeviceSim(plane, sockets.slice(0, cfg.ports.length), hostSocket, management);
      sim.configurePorts();
      sim.listen();
      if (cfg.statusMs) sim.statusEvery(cfg.statusMs);
      return sim;
    } catch (e) {
      for (const s of sockets) s.close();
      throw e;
    }
  }

  /** The addresses bound (ports 0 in the config are chosen by the system). */
  get addresses(): { management: Address; hostPort: Address; ports: Address[] } {
    const a = (s: Socket): Address => ({ host: s.address().address, port: s.address().port });
    return { management: this.management.address, hostPort: a(this.hostSocket), ports: this.portSockets.map(a) };
  }

  private configurePorts(): void {
    this.portSockets.forEach((s, i) => {
      const mac = portMac(i);
      this.plane.write('port', 'mac_hi', (mac[0]! << 8) | mac[1]!, i);
      this.plane.write('port', 'mac_lo', ((mac[2]! << 24) | (mac[3]! << 16) | (mac[4]! << 8) | mac[5]!) >>> 0, i);
      this.plane.write('port', 'ip', ipToWord(s.address().address), i);
      this.plane.write('port', 'udp_port', s.address().port, i);
    });
  }

  private listen(): void {
    this.portSockets.forEach((s, i) => {
      const at = s.address();
      const ip = ipToWord(at.address);
      s.on('message', (msg, r) => {
        if (this.closed) return;
        const src = ipToWord(r.address);
        this.stats.ports[i]!.in++;
        const frame = buildUdpFrame({ dstMac: portMac(i), srcMac: senderMac(src, r.port), srcIp: src, dstIp: ip, srcPort: r.port, dstPort: at.port, payload: new Uint8Array(msg.buffer, msg.byteOffset, msg.length) });
        this.plane.send(i, padFrame(frame));
        this.pump();
      });
    });
    this.hostSocket.on('message', (msg, r) => {
      if (this.closed) return;
      this.host = { host: r.address, port: r.port };
      if (msg.length === 0) return; // "here I am"
      const words = Math.ceil(msg.length / 4);
      const free = this.regs.field('host.host_tx_status', 'free_words', this.plane.read('host', 'host_tx_status'));
      if (msg.length < HOST_HEADER_BYTES || msg.length > 0xffff || free < words) {
        this.stats.hostDropped++;
        return;
      }
      this.stats.hostDown++;
      this.plane.hostSend(new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
      this.pump();
    });
  }

  /** Runs the clock while anything is inside the plane, a slice at a time so sockets are served between slices. */
  pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    setImmediate(() => this.run());
  }

  private run(): void {
    if (this.closed) return;
    const t0 = performance.now();
    do {
      this.plane.run(256);
      this.flush();
    } while (!this.plane.idle() && performance.now() - t0 < 20);
    this.flush();
    if (this.plane.idle()) this.pumping = false;
    else setImmediate(() => this.run());
  }

  /** Frames out of the network ports onto their sockets; frames for the host out of the mailbox. */
  private flush(): void {
    this.plane.tx.forEach((frames, i) => {
      for (const f of frames.splice(0)) {
        const u = parseUdpFrame(f);
        const st = this.stats.ports[i]!;
        if (!u) {
          st.notUdp++;
          continue;
        }
        // A frame built from a header template the host has not written yet (a peer slot
        // programmed halfway, as after a device restart) has no place to go: counted, not sent.
        if (u.dstPort === 0 || u.dstIp === 0) {
          st.noDestination++;
          continue;
        }
        st.out++;
        this.portSockets[i]!.send(u.payload, u.dstPort, wordToIp(u.dstIp));
      }
    });
    for (const f of this.plane.hostReceive()) {
      if (!this.host) {
        this.stats.hostUnknown++;
        continue;
      }
      this.stats.hostUp++;
      this.hostSocket.send(f, this.host.port, this.host.host);
    }
  }

  private statusEvery(ms: number): void {
    let last = { t: performance.now(), c: this.plane.cycles };
    this.statusTimer = setInterval(() => {
      const now = { t: performance.now(), c: this.plane.cycles };
      const s = this.stats;
      const ports = s.ports.map((p, i) => `port${i} in ${p.in} out ${p.out}${p.notUdp ? ` notUdp ${p.notUdp}` : ''}${p.noDestination ? ` noDestination ${p.noDestination}` : ''}`).join(', ');
      console.error(`device sim: ${ports}, host up ${s.hostUp} down ${s.hostDown} dropped ${s.hostDropped + s.hostUnknown}, ${((now.c - last.c) / ((now.t - last.t) / 1000)).toFixed(0)} cycles/s`);
      last = now;
    }, ms);
    this.statusTimer.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.statusTimer) clearInterval(this.statusTimer);
    await this.management.close();
    await Promise.all([...this.portSockets, this.hostSocket].map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

/**
 * Runs the element as a process of its own on loopback (`ports`: management, host port, then
 * one per network port; the config is written into `dir`) and waits for its ready line.
 * Its status lines go to `log`.
 */
export async function startDeviceSimProcess(dir: string, ports: number[], log: string[] = [], statusMs = 2000): Promise<ChildProcess> {
  const cfg = join(dir, 'device-sim.json');
  const [management, hostPort, ...net] = ports;
  writeFileSync(cfg, JSON.stringify({ management: `127.0.0.1:${management}`, hostPort: `127.0.0.1:${hostPort}`, ports: net.map((p) => `127.0.0.1:${p}`), statusMs }));
  const root = fileURLToPath(new URL('../', import.meta.url));
  const p = spawn(process.execPath, ['--import', 'tsx', join(root, 'testbed', 'device-sim.ts'), '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
  createInterface({ input: p.stderr! }).on('line', (l) => log.push(l));
  await new Promise<void>((res, rej) => {
    createInterface({ input: p.stdout! }).once('line', (l) => (l.includes('"ready"') ? res() : rej(new Error(l))));
    p.once('exit', (c) => rej(new Error(`device sim exited with ${c}: ${log.slice(-3).join(' | ')}`)));
  });
  return p;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--config');
  if (at < 0 || !process.argv[at + 1]) {
    console.error('usage: device-sim --config <file.json>');
    process.exit(2);
  }
  try {
    const sim = await DeviceSim.start(parseDeviceSimConfig(readFileSync(process.argv[at + 1]!, 'utf8')));
    const a = sim.addresses;
    console.log(JSON.stringify({ ev: 'ready', management: `${a.management.host}:${a.management.port}`, hostPort: `${a.hostPort.host}:${a.hostPort.port}`, ports: a.ports.map((p) => `${p.host}:${p.port}`) }));
    const stop = (): void => void sim.close().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  } catch (e) {
    console.error(`device sim: ${(e as Error).message}`);
    process.exit(1);
  }
}
