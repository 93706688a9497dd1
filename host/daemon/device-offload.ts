// The daemon's side of a forwarding plane (the config's `device` section): it opens the
// device over Etherbone, describes the peers whose links ride on it, and from then on keeps
// the device in step with the node: every key the link sessions publish goes into the
// device's key slots (host/device/key-sink.ts), every rule between two device peers into its
// route table with a counter (host/device/offload-table.ts), link up and down into the peer's
// state, and the device's per-rule counters back into the rule book (host/device/accounting.ts).
//
// A poll every `pollMs` reads the counters and a token the daemon left in `id.scratch`: an
// unanswered poll marks the device down (its links are reported down on it), and a device
// that answers again without the token has restarted empty, so keys, peers and routes are
// written to it again.
import { randomBytes } from 'node:crypto';
import { DeviceAccounting } from '../device/accounting.ts';
import { Device } from '../device/device.ts';
import { EtherboneUdpBus } from '../device/etherbone-udp.ts';
import { DeviceKeySink } from '../device/key-sink.ts';
import { OffloadTable } from '../device/offload-table.ts';
import { DeviceSequencer } from '../device/sequencer.ts';
import type { KeySink } from '../link/key-sink.ts';
import type { DaemonConfig, DeviceConfig } from './config.ts';

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
  lastError?: string;
}

export class DeviceOffload {
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
      await o.program();
      o.timer = setInterval(() => void o.poll(), d.pollMs);
      return o;
    } catch (e) {
      await bus.close();
      throw e;
    }
  }

  /** The key observer of a link: the device's sink for links it carries. */
  observerOf(neighbour: number): KeySink | undefined {
    return this.cfg.links.has(neighbour) ? this.keySink : undefined;
  }

  carries(neighbour: number): boolean {
    return this.cfg.links.has(neighbour);
  }

  /** A link of the device came up or went down: so does its peer there. */
  setLinkUp(neighbour: number, up: boolean): void {
    if (!this.cfg.links.has(neighbour)) return;
    this.linkUp.set(neighbour, up);
    if (up) this.syncSessionIds();
    this.seq.run(`peer ${neighbour} ${up ? 'up' : 'down'}`, () => this.device.setPeerUp(neighbour, up));
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

  /** The token, then every peer's template and state (all of it plain register writes). */
  private async program(): Promise<void> {
    await this.device.write('id.scratch', this.token);
    this.ids.clear(); // written again by the next poll
    for (const [n, port] of this.cfg.links) {
      const nb = this.neighbours[n]!;
      const up = this.linkUp.get(n) ?? false;
      const ip = /^\d+\.\d+\.\d+\.\d+$/.test(nb.address.host) ? nb.address.host : '0.0.0.0';
      await this.device.configurePeer(n, { session: up, up, pad32: false, port, localId: 0, remoteId: 0, mac: new Uint8Array(6), ip, udpPort: nb.address.port });
    }
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
        this.keySink.resync();
        this.table.resync();
        this.accounting.rebaseline();
        // Counted once the rewrite is queued, so `restarts` going up with nothing waiting means done.
        if (token !== this.token) this.restarts++;
      }
      this.syncSessionIds();
      await this.accounting.poll();
    } catch (e) {
      if (this.reachable) this.log(`device: no answer (${(e as Error).message})`);
      this.reachable = false;
      this.lastError = (e as Error).message;
    } finally {
      this.polling = false;
    }
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
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.race([this.seq.idle(), new Promise((r) => setTimeout(r, 2000))]);
    await this.bus.close();
  }
}
