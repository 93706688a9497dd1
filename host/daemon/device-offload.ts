// The daemon's side of a forwarding plane (the config's `device` section): it opens the
// device over Etherbone, describes the peers whose links ride on it, and from then on keeps
// the device in step with the node: every key the link sessions publish goes into the
// device's key slots (host/device/key-sink.ts), every rule between two device peers into its
// route table with a counter (host/device/offload-table.ts), link up and down into the peer's
// state, and the device's per-rule counters back into the rule book (host/device/accounting.ts).
//
// With a host port (`device.hostPort`) the links run through the device: the Link sessions of
// its peers use the device as their datapath (host/device/host-datapath.ts): handshakes go
// down raw and come up raw, every transport frame the host sends is a seal job, and what the
// device opened comes up opened; route packets of installed rules never reach the host. Every
// host-port frame down waits for the device operations queued before it, so a peer is never
// told of a key (a handshake answer, a rotation message) before the key is in its slot.
//
// A poll every `pollMs` reads the counters and a token the daemon left in `id.scratch`: an
// unanswered poll marks the device down (its links are reported down on it), and a device
// that answers again without the token has restarted empty, so keys, peers and routes are
// written to it again.
import { randomBytes } from 'node:crypto';
import { NO_PEER, type HostHeader } from '../../spec/forwarding/host-port.ts';
import { parseUdpFrame } from '../../spec/ethernet.ts';
import { DeviceAccounting } from '../device/accounting.ts';
import { Device, ipToWord, wordToIp } from '../device/device.ts';
import { HostPortDatapath, splitOpened } from '../device/host-datapath.ts';
import { HostPortLink, type PortAddress, rawUdpFrame } from '../device/host-port.ts';
import type { Datapath } from '../link/datapath.ts';
import type { Link, LinkIo } from '../link/session.ts';
import { EtherboneUdpBus } from '../device/etherbone-udp.ts';
import { DeviceKeySink } from '../device/key-sink.ts';
import { OffloadTable } from '../device/offload-table.ts';
import { DeviceSequencer } from '../device/sequencer.ts';
import type { KeySink } from '../link/key-sink.ts';
import type { DaemonConfig, DeviceConfig } from './config.ts';
import type { LinkOffload } from './links.ts';

export interface DeviceStatus {
  address: string;
  reachable: boolean;
  buildId: string;
  ports: number;
  peers: number;
  /** Forwarding switch of the device (off: every frame goes to the host). */
  forwarding: boolean;
  links: Array<{ neighbour: string; peer: number; port: number; up: boolean }>;
  keySlotsInUse: number;
  table: { rules: number; capacity: number; offloaded: number; full: number };
  accounting: DeviceAccounting['stats'];
  operations: { ran: number; failed: number; skipped: number; backlog: number };
  bus: EtherboneUdpBus['stats'];
  restarts: number;
  /** Frames through the host port (links through the device), and what the host sealed and opened. */
  hostPort?: HostPortLink['stats'] & HostPortDatapath['stats'] & { unknownSource: number };
  lastError?: string;
}

export class DeviceOffload implements LinkOffload {
  readonly seq: DeviceSequencer;
  readonly keySink: DeviceKeySink;
  readonly table: OffloadTable;
  readonly accounting: DeviceAccounting;
  private readonly token = randomBytes(4).readUInt32BE(0) >>> 0;
  private readonly linkUp = new Map<number, boolean>();
  /** Session IDs written for each device link (a new session, e.g. after a re-handshake, has new ones). */
  private readonly ids = new Map<number, string>();
  /** Where the daemon's links tell their session IDs. */
  sessionIdsOf: (neighbour: number) => { local: number; remote: number } | undefined = () => undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private reachable = true;
  private restarts = 0;
  private forwarding = false;
  private lastError: string | undefined;
  /** The links through the host port: their datapath, Links, the ports' addresses and transmit counters. */
  private hostPort: HostPortLink | undefined;
  private datapath: HostPortDatapath | undefined;
  private readonly links = new Map<number, Link>();
  private readonly ports = new Map<number, PortAddress>();
  private readonly txCounters = new Map<number, number>();
  private readonly sessionOn = new Set<number>();
  private unknownSource = 0;

  private constructor(
    readonly cfg: DeviceConfig,
    private readonly neighbours: DaemonConfig['neighbours'],
    readonly bus: EtherboneUdpBus,
    readonly device: Device,
    credit: (routeId: number, bytes: number, packets: number) => boolean,
    private readonly log: (msg: string) => void,
  ) {
    this.seq = new DeviceSequencer((what, e) => {
      this.lastError = `${what}: ${e.message}`;
      log(`device: ${this.lastError}`);
    });
    this.keySink = new DeviceKeySink(device, this.seq);
    this.accounting = new DeviceAccounting(device, this.seq, { credit });
    this.table = new OffloadTable(device, this.seq, { peerOf: (n) => (cfg.links.has(n) ? n : undefined), counters: this.accounting });
    this.accounting.release = (c) => this.table.cam.releaseCounter(c);
  }

  /** Opens the device and describes its peers; fails naming the device when it does not answer or does not fit. */
  static async open(cfg: DaemonConfig, credit: (routeId: number, bytes: number, packets: number) => boolean, log: (msg: string) => void): Promise<DeviceOffload> {
    const d = cfg.device!;
    // Three tries (timeout, then twice and four times it): a device silent that long is reported down.
    const bus = await EtherboneUdpBus.open({ host: d.address.host, port: d.address.port, timeoutMs: d.timeoutMs, attempts: 3 });
    try {
      const device = await Device.open(bus);
      for (const [n, port] of d.links) {
        const name = cfg.neighbours[n]!.name;
        if (n >= device.params.peers) throw new Error(`device.links.${name}: neighbour ${n} would be device peer ${n}; the device serves peers 0 to ${device.params.peers - 1} (list device neighbours first)`);
        if (port >= device.params.ports) throw new Error(`device.links.${name}: port ${port}; the device has ${device.params.ports} ports`);
      }
      const o = new DeviceOffload(d, cfg.neighbours, bus, device, credit, log);
      if (d.hostPort) {
        for (const n of d.links.keys()) {
          const a = cfg.neighbours[n]!.address;
          if (!/^\d+\.\d+\.\d+\.\d+$/.test(a.host)) throw new Error(`device.links.${cfg.neighbours[n]!.name}: a link through the device's host port needs the neighbour's IPv4 address; "${a.host}" is not one`);
        }
        o.datapath = new HostPortDatapath((peer) => d.links.get(peer) ?? 0, (peer) => o.txCounters.get(peer) ?? 0);
        o.hostPort = await HostPortLink.open(d.hostPort, (h, f) => o.fromHostPort(h, f));
      }
      await o.program();
      o.timer = setInterval(() => void o.poll(), d.pollMs);
      return o;
    } catch (e) {
      await bus.close();
      throw e;
    }
  }

  /**
   * The key observer of a link: the device's sink for links it carries. A key comes with a new
   * session, so its IDs and the peer's session bit are written first (ingress checks both).
   */
  observer(neighbour: number): KeySink | undefined {
    if (!this.cfg.links.has(neighbour)) return undefined;
    return {
      publish: (slot) => {
        this.syncSessionIds();
        if (!this.sessionOn.has(neighbour)) {
          this.sessionOn.add(neighbour);
          this.seq.run(`session of peer ${neighbour}`, () => this.device.setPeerUp(neighbour, this.linkUp.get(neighbour) ?? false, true));
        }
        this.keySink.publish(slot);
      },
      retire: (ref) => this.keySink.retire(ref),
    };
  }

  /** Links through the host port: the device is their datapath and the host port their transport. */
  carry(neighbour: number, deliver: (payload: Uint8Array) => void): { datapath: Datapath; io: LinkIo } | undefined {
    if (!this.hostPort || !this.cfg.links.has(neighbour)) return undefined;
    return { datapath: this.datapath!, io: { transmit: (d) => this.transmit(neighbour, d), deliver } };
  }

  attach(neighbour: number, link: Link): void {
    this.links.set(neighbour, link);
  }

  /** A Link's transmission: a seal job as it is, anything else (handshakes) raw from the peer's port. */
  private transmit(neighbour: number, d: Uint8Array): void {
    let frame = d;
    if (!this.datapath!.isJob(d)) {
      const port = this.cfg.links.get(neighbour)!;
      const from = this.ports.get(port);
      if (!from) return; // the port's address is not known yet (the device did not answer)
      const a = this.neighbours[neighbour]!.address;
      frame = rawUdpFrame(neighbour, port, from, { mac: new Uint8Array(6), ip: ipToWord(a.host), udpPort: a.port }, d);
    }
    // After the device operations queued before it (a key before the message that announces it).
    if (this.seq.backlog > 0) this.seq.run('host-port frame', async () => this.hostPort!.send(frame));
    else this.hostPort!.send(frame);
  }

  /** A frame up the host port: raw to the link of its source address, opened to its peer's link. */
  private fromHostPort(h: HostHeader, frame: Uint8Array): void {
    const now = performance.now();
    if (h.kind === 'opened') {
      const link = this.links.get(h.peer);
      const parts = splitOpened(frame);
      if (!link || typeof parts === 'string') {
        this.unknownSource++;
        return;
      }
      this.datapath!.handUp(h.peer, parts);
      link.receive(parts.standIn, now);
      return;
    }
    const u = parseUdpFrame(frame);
    if (!u) {
      this.unknownSource++;
      return;
    }
    const ip = wordToIp(u.srcIp);
    let n = h.peer !== NO_PEER && this.links.has(h.peer) ? h.peer : undefined;
    n ??= [...this.links.keys()].find((i) => this.neighbours[i]!.address.host === ip && this.neighbours[i]!.address.port === u.srcPort);
    if (n === undefined) {
      this.unknownSource++;
      return;
    }
    this.links.get(n)!.receive(u.payload, now, `${ip}:${u.srcPort}`);
  }

  carries(neighbour: number): boolean {
    return this.cfg.links.has(neighbour);
  }

  /** A link of the device came up or went down: so does its peer there. */
  setLinkUp(neighbour: number, up: boolean): void {
    if (!this.cfg.links.has(neighbour)) return;
    this.linkUp.set(neighbour, up);
    if (up) this.syncSessionIds();
    this.seq.run(`peer ${neighbour} ${up ? 'up' : 'down'}`, () => this.device.setPeerUp(neighbour, up, up || this.sessionOn.has(neighbour)));
  }

  /** Writes the session IDs of every device link whose session changed since the last write. */
  private syncSessionIds(): void {
    for (const n of this.cfg.links.keys()) {
      const ids = this.sessionIdsOf(n);
      const key = ids ? `${ids.local}:${ids.remote}` : '';
      if (!ids || this.ids.get(n) === key) continue;
      this.ids.set(n, key);
      this.seq.run(`session IDs of peer ${n}`, () => this.device.setSessionIds(n, ids));
    }
  }

  /**
   * The token, then every peer's template and state (all of it plain register writes); with a
   * host port, the ports' addresses are read and forwarding is switched on last.
   */
  private async program(): Promise<void> {
    await this.device.write('id.scratch', this.token);
    this.ids.clear(); // written again by the next poll
    for (const [n, port] of this.cfg.links) {
      const nb = this.neighbours[n]!;
      const up = this.linkUp.get(n) ?? false;
      const session = up || this.sessionOn.has(n);
      const ip = /^\d+\.\d+\.\d+\.\d+$/.test(nb.address.host) ? nb.address.host : '0.0.0.0';
      await this.device.configurePeer(n, { session, up, pad32: false, port, localId: 0, remoteId: 0, mac: new Uint8Array(6), ip, udpPort: nb.address.port });
      if (this.hostPort && !this.ports.has(port)) {
        const a = await this.device.portAddress(port);
        this.ports.set(port, { mac: a.mac, ip: ipToWord(a.ip), udpPort: a.udpPort });
      }
    }
    if (this.hostPort) await this.device.setForwarding(true);
  }

  /**
   * Reads the token and the counters. A device that answers after it did not (or after the
   * sequence skipped operations), or without the token (it restarted empty), gets its whole
   * state written again: peers, keys, routes, counter baselines.
   */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const [token, ctrl] = await this.bus.run([this.device.regs.read('id.scratch'), this.device.regs.read('ctrl.ctrl')]);
      this.forwarding = this.device.regs.field('ctrl.ctrl', 'forward_enable', ctrl!) === 1;
      const back = !this.reachable || this.seq.down;
      this.reachable = true;
      if (back || token !== this.token) {
        this.log(token !== this.token ? 'device: restarted empty; programming peers, keys and routes again' : 'device: answers again; writing peers, keys and routes again');
        await this.seq.idle();
        this.seq.resume();
        await this.program();
        // Through the host port the device's counters and replay windows were the links' own:
        // their keys are not installed again after a restart; the sessions agree new ones.
        this.keySink.resync({ reinstall: !this.hostPort || token === this.token });
        this.table.resync();
        this.accounting.rebaseline();
        // Counted once the rewrite is queued, so `restarts` going up with nothing waiting means done.
        if (token !== this.token) this.restarts++;
      }
      this.syncSessionIds();
      await this.accounting.poll();
      if (this.hostPort) {
        this.hostPort.hello();
        for (const n of this.links.keys()) this.txCounters.set(n, await this.device.txCounter(n));
      }
    } catch (e) {
      if (this.reachable) this.log(`device: no answer (${(e as Error).message})`);
      this.reachable = false;
      this.lastError = (e as Error).message;
    } finally {
      this.polling = false;
    }
  }

  /**
   * Control requests about the device: `device.counters` reads the per-peer and per-port
   * counters of the device's links in the device's sequence (its one counter reader is never
   * shared with the daemon's own reads).
   */
  handlers(): Record<string, () => Promise<unknown>> {
    return {
      'device.counters': async () => {
        const out: { peers: Record<string, unknown>; ports: Record<string, unknown> } = { peers: {}, ports: {} };
        let ran = false;
        this.seq.run('counters for a control request', async () => {
          for (const [n, port] of this.cfg.links) {
            out.peers[this.neighbours[n]!.name] = await this.device.peerCounters(n);
            out.ports[port] ??= await this.device.portCounters(port);
          }
          ran = true;
        });
        await this.seq.idle();
        if (!ran) throw new Error(`the device did not answer (${this.lastError ?? 'skipped while it is unreachable'})`);
        return out;
      },
    };
  }

  status(): DeviceStatus {
    const p = this.device.params;
    const ctrl = (n: number) => this.device.peerCtrlFields(n);
    return {
      address: `${this.cfg.address.host}:${this.cfg.address.port}`,
      reachable: this.reachable,
      buildId: `0x${this.device.identity.buildId.toString(16).padStart(8, '0')}`,
      ports: p.ports,
      peers: p.peers,
      forwarding: this.forwarding,
      links: [...this.cfg.links].map(([n, port]) => ({ neighbour: this.neighbours[n]!.name, peer: n, port, up: this.reachable && ctrl(n).up === 1 })),
      keySlotsInUse: this.keySink.liveSlots,
      table: { rules: this.table.cam.size, capacity: this.table.cam.capacity, offloaded: this.table.stats.offloaded, full: this.table.stats.deviceFull },
      accounting: { ...this.accounting.stats },
      operations: { ...this.seq.stats, backlog: this.seq.backlog },
      bus: { ...this.bus.stats },
      restarts: this.restarts,
      ...(this.hostPort ? { hostPort: { ...this.hostPort.stats, ...this.datapath!.stats, unknownSource: this.unknownSource } } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.race([this.seq.idle(), new Promise((r) => setTimeout(r, 2000))]);
    await Promise.all([this.bus.close(), this.hostPort?.close()]);
  }
}
