// The forwarding plane as the host sees it: one object over a RegisterBus (Etherbone to a
// board or to the simulated device, a local register space, later PCIe) that speaks the
// register map of spec/forwarding by name: identity and build ID, ports and peers, key slots,
// route-table commands, counters and the host-port mailbox.
//
// Every operation is one or a few bus batches, each a record LiteEth runs in one datagram.
// Plain register writes and reads may be sent again when an answer is lost. Commands with a
// side effect are sent once and, when their answer is lost, the device's state is read to see
// whether they ran before they are tried again: a key install resets the slot's transmit
// counter or replay window, so running it twice could reuse a nonce; a counter read with
// `clear` would lose counts; a mailbox pop or push would lose or duplicate a word.
import type { CamCommand } from '../../spec/route-table/geometry.ts';
import { type CounterBank, COUNTER_BANKS, PEER_COUNTERS, PEER_COUNTER_STRIDE, PORT_COUNTERS, PORT_COUNTER_STRIDE, type PeerCounter, type PortCounter } from '../../spec/forwarding/counters.ts';
import { type FwdParams, fwdParams } from '../../spec/forwarding/params.ts';
import { FP_MAGIC, FP_MAP_VERSION, fpRegisterMap, KEY_OPS } from '../../spec/forwarding/registers.ts';
import type { RegisterMap } from '../../spec/forwarding/regmap.ts';
import { CMD_OPS } from '../../spec/route-table/geometry.ts';
import { type KeyDirection, keySlotIndex } from '../../spec/key-slots.ts';
import { HOST_HEADER_BYTES } from '../../spec/forwarding/host-port.ts';
import { type BusOp, BusTimeoutError, type RegisterBus, rd } from './bus.ts';
import { Regs } from './regs.ts';

export interface DeviceIdentity {
  readonly magic: number;
  readonly version: { readonly major: number; readonly minor: number };
  readonly buildId: number;
  readonly params: FwdParams;
}

export interface Counter {
  readonly frames: number;
  readonly bytes: number;
}

export interface PeerConfig {
  /** The host has a session with the peer. */
  readonly session: boolean;
  /** Route packets may be forwarded to it. */
  readonly up: boolean;
  readonly pad32: boolean;
  /** Network port it is reached on. */
  readonly port: number;
  readonly localId: number;
  readonly remoteId: number;
  readonly mac: Uint8Array;
  readonly ip: string;
  readonly udpPort: number;
  readonly ttl?: number;
  readonly tos?: number;
}

export interface KeysInUse {
  readonly txValid: boolean;
  readonly txSlot: number;
  readonly rxValid: boolean;
  readonly rxSlot: number;
}

export class DeviceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceError';
  }
}

/** How many times a status bit is polled before the device counts as stuck. */
const POLLS = 50;

export function ipToWord(ip: string): number {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new DeviceError(`"${ip}" is not a dotted IPv4 address`);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}
export const wordToIp = (w: number): string => [w >>> 24, (w >>> 16) & 255, (w >>> 8) & 255, w & 255].join('.');

export class Device {
  readonly regs: Regs;
  /** What the device said about itself when opened. */
  readonly identity: DeviceIdentity;
  /** The host's copy of every peer's ctrl word (the host is its only writer). */
  private readonly peerCtrl: number[];
  /** Answers lost on commands that were then found to have run (or not) by reading state. */
  readonly recovered = { keyInstalls: 0, counterReads: 0, hostFrames: 0 };

  private constructor(
    readonly bus: RegisterBus,
    readonly map: RegisterMap,
    identity: DeviceIdentity,
  ) {
    this.regs = new Regs(map);
    this.identity = identity;
    this.peerCtrl = new Array<number>(identity.params.peers).fill(0);
  }

  /**
   * Reads the device's identity, builds the register map of its parameters and refuses a
   * device whose build ID is not that map's (the bitstream and this driver disagree).
   */
  static async open(bus: RegisterBus): Promise<Device> {
    const boot = new Regs(fpRegisterMap());
    const names = ['magic', 'version', 'build_id', 'shape', 'route_entries', 'route_shape', 'rule_counters', 'clock_khz'] as const;
    const w = await bus.run(names.map((n) => boot.read(`id.${n}`)));
    const word = (n: (typeof names)[number]): number => w[names.indexOf(n)]!;
    if (word('magic') !== FP_MAGIC) throw new DeviceError(`${bus.describe}: id.magic reads 0x${word('magic').toString(16)}, not "SKYW" (0x${FP_MAGIC.toString(16)}): no Skywire forwarding plane there`);
    const version = boot.fields('id.version', word('version'));
    if (version.major !== FP_MAP_VERSION.major) throw new DeviceError(`${bus.describe}: register map ${version.major}.${version.minor}; this driver speaks ${FP_MAP_VERSION.major}.x`);
    const shape = boot.fields('id.shape', word('shape'));
    const rs = boot.fields('id.route_shape', word('route_shape'));
    let params: FwdParams;
    try {
      params = fwdParams({ ports: shape.ports, peers: shape.peers, routeEntries: word('route_entries'), routeWays: rs.ways, routeStash: rs.stash, ruleCounters: word('rule_counters'), clockKhz: word('clock_khz') });
    } catch (e) {
      throw new DeviceError(`${bus.describe}: the device reports parameters this driver cannot build a map for: ${(e as Error).message}`);
    }
    const map = fpRegisterMap(params);
    const expected = Number(map.groups.find((g) => g.name === 'id')!.regs.find((r) => r.name === 'build_id')!.fields[0]!.value!);
    if (word('build_id') !== expected) {
      throw new DeviceError(`${bus.describe}: build ID 0x${word('build_id').toString(16).padStart(8, '0')} is not the register map of its parameters in this driver (0x${expected.toString(16).padStart(8, '0')}): the bitstream and the driver come from different register maps`);
    }
    return new Device(bus, map, { magic: word('magic'), version: { major: version.major!, minor: version.minor! }, buildId: word('build_id'), params });
  }

  get params(): FwdParams {
    return this.identity.params;
  }

  // ---- registers by name ------------------------------------------------------------------

  async read(path: string): Promise<number> {
    return (await this.bus.run([this.regs.read(path)]))[0]!;
  }

  async readFields(path: string): Promise<Record<string, number>> {
    return this.regs.fields(path, await this.read(path));
  }

  /** Writes a register (a word or named fields) and, for a read-write register, checks that it reads back. */
  async write(path: string, value: number | Readonly<Record<string, number | bigint>>): Promise<void> {
    const op = this.regs.write(path, value);
    const r = this.regs.ref(path);
    const readBack = r.def.kind === 'plain' && r.def.fields.every((f) => f.access === 'rw');
    const got = await this.bus.run(readBack ? [op, rd(r.address)] : [op]);
    if (readBack && got[0] !== op.value >>> 0) throw new DeviceError(`${path}: wrote 0x${op.value.toString(16)}, reads back 0x${got[0]!.toString(16)}`);
  }

  // ---- control and status -----------------------------------------------------------------

  async setForwarding(enable: boolean): Promise<void> {
    await this.write('ctrl.ctrl', { forward_enable: enable ? 1 : 0 });
  }

  /** Sticky errors, cleared by the read when `clear`. */
  async errors(clear = false): Promise<Record<string, number>> {
    const w = await this.read('ctrl.errors');
    if (clear && w) await this.bus.run([this.regs.write('ctrl.errors', w)]);
    return this.regs.fields('ctrl.errors', w);
  }

  async configurePort(port: number, c: { mac: Uint8Array; ip: string; udpPort: number }): Promise<void> {
    const p = `port[${port}]`;
    await this.write(`${p}.mac_hi`, (c.mac[0]! << 8) | c.mac[1]!);
    await this.write(`${p}.mac_lo`, ((c.mac[2]! << 24) | (c.mac[3]! << 16) | (c.mac[4]! << 8) | c.mac[5]!) >>> 0);
    await this.write(`${p}.ip`, ipToWord(c.ip));
    await this.write(`${p}.udp_port`, c.udpPort);
  }

  /** A network port's own address (what its frames are sent from and ingress accepts). */
  async portAddress(port: number): Promise<{ mac: Uint8Array; ip: string; udpPort: number }> {
    if (!Number.isInteger(port) || port < 0 || port >= this.params.ports) throw new DeviceError(`port ${port} is outside the device's ${this.params.ports} ports`);
    const p = `port[${port}]`;
    const [hi, lo, ip, udpPort] = await this.bus.run(['mac_hi', 'mac_lo', 'ip', 'udp_port'].map((r) => this.regs.read(`${p}.${r}`)));
    const mac = Uint8Array.from([hi! >>> 8, hi! & 255, lo! >>> 24, (lo! >>> 16) & 255, (lo! >>> 8) & 255, lo! & 255]);
    return { mac, ip: wordToIp(ip!), udpPort: udpPort! & 0xffff };
  }

  /** Link state of every network port (the PHY's). */
  async linkStatus(): Promise<boolean[]> {
    const n = this.params.ports;
    const w = await this.bus.run(Array.from({ length: n }, (_, i) => this.regs.read(`port[${i}].status`)));
    return w.map((x, i) => this.regs.field(`port[${i}].status`, 'link_up', x) === 1);
  }

  // ---- peers ---------------------------------------------------------------------------------

  private checkPeer(peer: number): void {
    if (!Number.isInteger(peer) || peer < 0 || peer >= this.params.peers) throw new DeviceError(`peer ${peer} is outside the device's ${this.params.peers} peers`);
  }

  /** Header template and session of a peer; keys in use are kept as they are. */
  async configurePeer(peer: number, c: PeerConfig): Promise<void> {
    this.checkPeer(peer);
    const p = `peer[${peer}]`;
    const keep = this.regs.fields(`${p}.ctrl`, this.peerCtrl[peer]!);
    const ctrl = this.regs.write(`${p}.ctrl`, { ...keep, enabled: 1, session: c.session ? 1 : 0, up: c.up ? 1 : 0, pad32: c.pad32 ? 1 : 0, port: c.port }).value;
    // Template first, then the ctrl word that switches the peer on.
    const ops = [
      this.regs.write(`${p}.local_id`, c.localId),
      this.regs.write(`${p}.remote_id`, c.remoteId),
      this.regs.write(`${p}.mac_hi`, (c.mac[0]! << 8) | c.mac[1]!),
      this.regs.write(`${p}.mac_lo`, ((c.mac[2]! << 24) | (c.mac[3]! << 16) | (c.mac[4]! << 8) | c.mac[5]!) >>> 0),
      this.regs.write(`${p}.ip`, ipToWord(c.ip)),
      this.regs.write(`${p}.udp_port`, c.udpPort),
      this.regs.write(`${p}.ip_opts`, { ttl: c.ttl ?? 64, tos: c.tos ?? 0, df: 1 }),
    ];
    const back = await this.bus.run([...ops, ...ops.map((o) => rd(o.address))]);
    ops.forEach((o, i) => {
      if (back[i] !== o.value >>> 0) throw new DeviceError(`${p}: register at 0x${o.address.toString(16)} reads back 0x${back[i]!.toString(16)}, wrote 0x${o.value.toString(16)}`);
    });
    await this.setPeerCtrl(peer, ctrl);
  }

  /** The session IDs of a peer's link: ours (the receiver field of its frames) and its own (of ours). */
  async setSessionIds(peer: number, ids: { local: number; remote: number }): Promise<void> {
    this.checkPeer(peer);
    await this.write(`peer[${peer}].local_id`, ids.local >>> 0);
    await this.write(`peer[${peer}].remote_id`, ids.remote >>> 0);
  }

  /** Marks which keys of a peer are current (what the link session has switched to). */
  async setKeysInUse(peer: number, k: KeysInUse): Promise<void> {
    this.checkPeer(peer);
    const p = `peer[${peer}].ctrl`;
    const f = this.regs.fields(p, this.peerCtrl[peer]!);
    await this.setPeerCtrl(peer, this.regs.write(p, { ...f, tx_valid: k.txValid ? 1 : 0, tx_slot: k.txSlot & 1, rx_valid: k.rxValid ? 1 : 0, rx_slot: k.rxSlot & 1 }).value);
  }

  /** Marks a peer's link up or down (down: route packets toward it are dropped and counted txDropped). */
  async setPeerUp(peer: number, up: boolean, session = up): Promise<void> {
    this.checkPeer(peer);
    const p = `peer[${peer}].ctrl`;
    const f = this.regs.fields(p, this.peerCtrl[peer]!);
    await this.setPeerCtrl(peer, this.regs.write(p, { ...f, up: up ? 1 : 0, session: session ? 1 : 0 }).value);
  }

  peerCtrlFields(peer: number): Record<string, number> {
    this.checkPeer(peer);
    return this.regs.fields(`peer[${peer}].ctrl`, this.peerCtrl[peer]!);
  }

  private async setPeerCtrl(peer: number, word: number): Promise<void> {
    await this.write(`peer[${peer}].ctrl`, word);
    this.peerCtrl[peer] = word >>> 0;
  }

  /** The next transmit counter of a peer's current key (the device owns transmit counters). */
  async txCounter(peer: number): Promise<number> {
    this.checkPeer(peer);
    // Reading the low word latches the high word, so the pair never tears.
    const [lo, hi] = await this.bus.run([this.regs.read(`peer[${peer}].tx_counter_lo`), this.regs.read(`peer[${peer}].tx_counter_hi`)]);
    return hi! * 2 ** 32 + lo!;
  }

  // ---- keys ----------------------------------------------------------------------------------

  /**
   * Installs a key into its slot (spec/key-slots.ts) and checks the slot holds it. Sent once;
   * when the answer is lost, the slot is read to see whether the install ran.
   */
  async installKey(k: { peer: number; direction: KeyDirection; generation: number; key: Uint8Array }): Promise<void> {
    this.checkPeer(k.peer);
    if (k.key.length !== 32) throw new DeviceError(`a key is 32 bytes; got ${k.key.length}`);
    const slot = keySlotIndex(k);
    const dv = new DataView(k.key.buffer, k.key.byteOffset, 32);
    const stage = Array.from({ length: 8 }, (_, i) => this.regs.write(`key.key${i}`, dv.getUint32(4 * i, true)));
    const ops = [...stage, this.regs.write('key.key_generation', k.generation >>> 0), this.regs.write('key.key_cmd', { slot, op: KEY_OPS.install })];
    await this.keyCommand(ops, slot, (valid, gen) => valid && gen === k.generation >>> 0, `install generation ${k.generation} into key slot ${slot}`);
  }

  /** Empties a slot (its key words zeroed). Retiring an empty slot is harmless, so this may be resent. */
  async retireKey(ref: { peer: number; direction: KeyDirection; generation: number }): Promise<void> {
    this.checkPeer(ref.peer);
    const slot = keySlotIndex(ref);
    await this.keyCommand([this.regs.write('key.key_cmd', { slot, op: KEY_OPS.retire })], slot, (valid) => !valid, `retire key slot ${slot}`);
  }

  private async keyCommand(ops: BusOp[], slot: number, done: (valid: boolean, generation: number) => boolean, what: string): Promise<void> {
    const check = [this.regs.read('key.key_status'), this.regs.read('ctrl.errors'), this.regs.read(`keyslot[${slot}].state`), this.regs.read(`keyslot[${slot}].generation`)];
    const stateOps = check.slice(2);
    for (let attempt = 0; attempt < 3; attempt++) {
      await this.waitIdle('key.key_status', 'busy');
      let r: number[];
      try {
        r = await this.bus.run([...ops, ...check], { resend: false });
      } catch (e) {
        if (!(e instanceof BusTimeoutError)) throw e;
        // Did it run? Read the slot (plain reads may be resent).
        this.recovered.keyInstalls++;
        await this.waitIdle('key.key_status', 'busy');
        const [st, gen] = await this.bus.run(stateOps);
        if (done((st! & 1) === 1, gen!)) return;
        continue;
      }
      const [status, errors, st, gen] = r;
      if (this.regs.field('ctrl.errors', 'key_overrun', errors!)) {
        await this.bus.run([this.regs.write('ctrl.errors', { key_overrun: 1 })]);
        continue;
      }
      if (status! & 1) await this.waitIdle('key.key_status', 'busy');
      const [st2, gen2] = status! & 1 ? await this.bus.run(stateOps) : [st!, gen!];
      if (done((st2! & 1) === 1, gen2!)) return;
      throw new DeviceError(`${what}: the slot reads valid=${st2! & 1} generation ${gen2} afterwards`);
    }
    throw new DeviceError(`${what}: no answer the device ran it after 3 tries`);
  }

  /** Valid bit and generation of every key slot. */
  async keySlots(): Promise<{ slot: number; valid: boolean; generation: number }[]> {
    const n = this.params.peers * 4;
    const ops = Array.from({ length: n }, (_, s) => [this.regs.read(`keyslot[${s}].state`), this.regs.read(`keyslot[${s}].generation`)]).flat();
    const w = await this.bus.run(ops);
    return Array.from({ length: n }, (_, s) => ({ slot: s, valid: (w[2 * s]! & 1) === 1, generation: w[2 * s + 1]! }));
  }

  // ---- route table ---------------------------------------------------------------------------

  /**
   * Writes route-table commands in order (host/table's manager chose the slots and the order).
   * Each command is staged and issued in one record; commands are idempotent (a slot is
   * written with the same key and value again), so a lost answer resends it. The next
   * command waits until the table is ready again; a dropped command (overrun) is repeated.
   */
  async routeCommands(cmds: readonly CamCommand[]): Promise<void> {
    for (const c of cmds) {
      const key = c.key;
      const ops = [
        this.regs.write('route.route_slot', c.slot),
        this.regs.write('route.route_key_lo', Number(key & 0xffff_ffffn)),
        this.regs.write('route.route_key_hi', Number(key >> 32n)),
        this.regs.write('route.route_value_lo', Number(c.value & 0xffff_ffffn)),
        this.regs.write('route.route_value_hi', Number((c.value >> 32n) & 0xffff_ffffn)),
        this.regs.write('route.route_cmd', { op: CMD_OPS[c.op] }),
        this.regs.read('ctrl.status'),
        this.regs.read('ctrl.errors'),
      ];
      for (let attempt = 0; ; attempt++) {
        const [status, errors] = await this.bus.run(ops);
        if (this.regs.field('ctrl.errors', 'route_overrun', errors!)) {
          if (attempt >= 3) throw new DeviceError(`route command ${c.op} slot ${c.slot}: dropped by the table ${attempt + 1} times (route_overrun)`);
          await this.bus.run([this.regs.write('ctrl.errors', { route_overrun: 1 })]);
          await this.waitReady();
          continue;
        }
        if (!this.regs.field('ctrl.status', 'route_ready', status!)) await this.waitReady();
        break;
      }
    }
  }

  private async waitReady(): Promise<void> {
    for (let i = 0; i < POLLS; i++) {
      if (this.regs.field('ctrl.status', 'route_ready', await this.read('ctrl.status'))) return;
    }
    throw new DeviceError(`route table not ready after ${POLLS} polls of ctrl.status`);
  }

  private async waitIdle(path: string, bit: string): Promise<void> {
    for (let i = 0; i < POLLS; i++) {
      if (!this.regs.field(path, bit, await this.read(path))) return;
    }
    throw new DeviceError(`${path}.${bit} still set after ${POLLS} polls`);
  }

  // ---- counters ------------------------------------------------------------------------------

  /**
   * One counter, as it stood at one cycle. With `clear` it restarts from zero in the same step;
   * that read is sent once and a lost answer is an error (the counts it carried cannot be
   * recovered), so accounting reads without clearing and takes differences (accounting.ts).
   */
  async counter(bank: CounterBank, index: number, opts: { clear?: boolean } = {}): Promise<Counter> {
    const cmd = this.regs.write('counter.counter_cmd', { index, bank: COUNTER_BANKS[bank], clear: opts.clear ? 1 : 0 });
    const results = ['counter.counter_status', 'counter.counter_frames', 'counter.counter_bytes_lo', 'counter.counter_bytes_hi'].map((p) => this.regs.read(p));
    let r: number[];
    try {
      r = await this.bus.run([cmd, ...results], { resend: !opts.clear });
    } catch (e) {
      if (e instanceof BusTimeoutError && opts.clear) throw new DeviceError(`counter ${bank}[${index}]: the answer to a read-and-clear was lost; its counts since the previous read are gone`);
      throw e;
    }
    for (let i = 0; r[0]! & 1; i++) {
      if (i >= POLLS) throw new DeviceError(`counter ${bank}[${index}]: reader still busy after ${POLLS} polls`);
      this.recovered.counterReads++;
      r = await this.bus.run(results);
    }
    return { frames: r[1]!, bytes: r[3]! * 2 ** 32 + r[2]! };
  }

  async peerCounters(peer: number): Promise<Record<PeerCounter, Counter>> {
    this.checkPeer(peer);
    const out = {} as Record<PeerCounter, Counter>;
    for (const [i, k] of PEER_COUNTERS.entries()) out[k] = await this.counter('peer', peer * PEER_COUNTER_STRIDE + i);
    return out;
  }

  async portCounters(port: number): Promise<Record<PortCounter, Counter>> {
    if (!Number.isInteger(port) || port < 0 || port >= this.params.ports) throw new DeviceError(`port ${port} is outside the device's ${this.params.ports} ports`);
    const out = {} as Record<PortCounter, Counter>;
    for (const [i, k] of PORT_COUNTERS.entries()) out[k] = await this.counter('port', port * PORT_COUNTER_STRIDE + i);
    return out;
  }

  // ---- host-port mailbox ---------------------------------------------------------------------

  /**
   * The next frame waiting for the host (its 8-byte metadata header first), or undefined.
   * Words are popped in records of at most 255 reads, each sent once: a lost answer loses the
   * frame (as a lost datagram would) and is counted.
   */
  async receiveHostFrame(): Promise<Uint8Array | undefined> {
    const status = this.regs.fields('host.host_rx_status', await this.read('host.host_rx_status'));
    if (!status.avail) return undefined;
    const length = status.length!;
    const words = Math.ceil(length / 4);
    const out = new Uint8Array(words * 4);
    const dv = new DataView(out.buffer);
    for (let at = 0; at < words; at += 255) {
      const n = Math.min(255, words - at);
      let w: number[];
      try {
        w = await this.bus.run(Array.from({ length: n }, () => this.regs.read('host.host_rx_data')), { resend: false });
      } catch (e) {
        if (e instanceof BusTimeoutError) this.recovered.hostFrames++;
        throw e;
      }
      w.forEach((x, i) => dv.setUint32(4 * (at + i), x));
    }
    return out.subarray(0, length);
  }

  /** Sends a frame (metadata header first) through the mailbox: words pushed one per record, then the commit. */
  async sendHostFrame(frame: Uint8Array): Promise<void> {
    if (frame.length < HOST_HEADER_BYTES || frame.length > 0xffff) throw new DeviceError(`a host-port frame is ${HOST_HEADER_BYTES} to 65,535 bytes with its header; got ${frame.length}`);
    const words = Math.ceil(frame.length / 4);
    const free = this.regs.field('host.host_tx_status', 'free_words', await this.read('host.host_tx_status'));
    if (free < words) throw new DeviceError(`host-port transmit buffer has room for ${free} words; the frame needs ${words}`);
    const padded = new Uint8Array(words * 4);
    padded.set(frame);
    const dv = new DataView(padded.buffer);
    const push = Array.from({ length: words }, (_, i) => this.regs.write('host.host_tx_data', dv.getUint32(4 * i)));
    // Every push is a write to the same address: one record each (LiteEth has no FIFO writes).
    const [errors] = await this.bus.run([...push, this.regs.write('host.host_tx_commit', { length: frame.length }), this.regs.read('ctrl.errors')], { resend: false });
    if (this.regs.field('ctrl.errors', 'host_tx_bad', errors!)) {
      await this.bus.run([this.regs.write('ctrl.errors', { host_tx_bad: 1 })]);
      throw new DeviceError('the device dropped the frame sent through the host port: bad header or length (ctrl.errors.host_tx_bad)');
    }
  }
}
