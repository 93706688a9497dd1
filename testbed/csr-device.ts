// A device for the driver to talk to before the forwarding plane's datapath exists: the
// generated Wishbone CSR block (rtl/fp_csr_*.v) in Verilator, with a behavioural model of the
// plane behind its ports: key slots, the route table (host/table's slot model: what the hashed
// CAM stores), counters, the host-port mailbox, port links and transmit counters. Register
// decoding, byte lanes, command strobes, pops, w1c errors and latched reads are the real RTL;
// what the commands do is the model. Busy times are a few cycles, as the hardware's are, so
// the driver's polling and overrun handling run.
//
// It is a WordSpace: serve it with EtherboneServer and the driver reaches it over UDP.
import { HashGeometry, type CamCommand, CMD_OPS, type CmdOp } from '../spec/route-table/geometry.ts';
import { COUNTER_BANKS, type CounterBank } from '../spec/forwarding/counters.ts';
import { decodeHostHeader } from '../spec/forwarding/host-port.ts';
import { type FwdParams, fwdParams } from '../spec/forwarding/params.ts';
import { KEY_OPS } from '../spec/forwarding/registers.ts';
import { ROUTE_KEY_BITS, ROUTE_VALUE_BITS } from '../spec/forwarding/route-key.ts';
import { fpCsr } from '../rtl-gen/regmap/designs.ts';
import { simulate, type SimDut } from '../sim/index.ts';
import { WishboneMaster } from '../sim/drivers/wishbone.ts';
import { SlotModel } from '../host/table/model.ts';
import type { WordSpace } from '../host/device/bus.ts';

interface KeySlotState {
  valid: boolean;
  generation: number;
  key: Uint8Array;
}

const KEY_CYCLES = 4;
const COUNTER_CYCLES = 3;
const ROUTE_CYCLES = 2;
const TX_BUFFER_WORDS = 512;

export class CsrDevice implements WordSpace {
  readonly params: FwdParams;
  readonly keySlots: KeySlotState[];
  readonly table: SlotModel;
  readonly routeCommands: CamCommand[] = [];
  /** Counters by bank, index -> [frames, bytes]. */
  private readonly counters = new Map<number, Map<number, [number, number]>>();
  /** Frames waiting for the host, as words; the head's words are popped one by one. */
  private readonly toHost: Uint8Array[] = [];
  private headWord = 0;
  private txWords: number[] = [];
  /** Frames the host sent down through the mailbox (header first), accepted by the header check. */
  readonly fromHost: Uint8Array[] = [];
  readonly txCounters: number[];
  private keyBusy = 0;
  private counterBusy = 0;
  private routeBusy = 0;
  /** Every key command the plane ran, in order (tests look at what reached the hardware). */
  readonly keyLog: Array<{ op: 'install' | 'retire'; slot: number; generation: number }> = [];
  private readonly wb: WishboneMaster;
  /** Clock cycles simulated so far (bus accesses). */
  cycles = 0;
  private readonly driven: { slots: Array<{ valid: boolean; generation: number } | undefined>; tx: Array<number | undefined> } = { slots: [], tx: [] };

  private constructor(
    readonly dut: SimDut,
    params: FwdParams,
  ) {
    this.params = params;
    this.keySlots = Array.from({ length: params.peers * 4 }, () => ({ valid: false, generation: 0, key: new Uint8Array(32) }));
    this.table = new SlotModel(new HashGeometry(params.routeEntries, params.routeWays, params.routeStash, ROUTE_KEY_BITS, ROUTE_VALUE_BITS));
    this.txCounters = new Array<number>(params.peers).fill(0);
    this.wb = new WishboneMaster(dut, { onCycle: () => this.cycle() });
    dut.rst.value = 1;
    dut.tick(2);
    dut.rst.value = 0;
    for (const [name, s] of dut.signals) if (name.startsWith('status_') || name.startsWith('event_')) s.value = 0;
    for (let p = 0; p < params.ports; p++) this.setLink(p, true);
    this.drive();
  }

  static async create(params: Partial<FwdParams> = {}): Promise<CsrDevice> {
    const p = fwdParams(params);
    return new CsrDevice(await simulate(fpCsr(p)), p);
  }

  // ---- WordSpace: one Wishbone access each ----
  read(address: number): number {
    return this.wb.read(address);
  }
  write(address: number, value: number): void {
    this.wb.write(address, value);
  }

  // ---- what tests and the simulated process do to the plane ----
  setLink(port: number, up: boolean): void {
    this.dut.signal(`status_port${port}_status`).value = up ? 1 : 0;
  }

  /** Counts traffic as the datapath would. */
  count(bank: CounterBank, index: number, bytes: number, frames = 1): void {
    const b = this.bank(bank);
    const c = b.get(index) ?? [0, 0];
    b.set(index, [(c[0] + frames) >>> 0, (c[1] + bytes) % 2 ** 48]);
  }

  /** Queues a frame (metadata header first) for the host to read from the mailbox. */
  frameToHost(frame: Uint8Array): void {
    this.toHost.push(frame);
    this.drive();
  }

  /** The route table's answer for (from peer, route ID), as the CAM would give it. */
  lookup(key: bigint): bigint | undefined {
    const r = this.table.lookup(key);
    return r.hit ? r.value : undefined;
  }

  /** Sends a frame sealed for `peer`: its transmit counter advances as the datapath's would. */
  sealFor(peer: number): number {
    return this.txCounters[peer]!++;
  }

  private bank(bank: CounterBank): Map<number, [number, number]> {
    const k = COUNTER_BANKS[bank];
    let b = this.counters.get(k);
    if (!b) this.counters.set(k, (b = new Map()));
    return b;
  }

  private sig(name: string): number {
    return Number(this.dut.signal(name).value);
  }

  private pulse(name: string): void {
    this.dut.signal(name).value = 1;
    this.pending.push(name);
  }
  private pending: string[] = [];

  /** After every clock edge of a bus access: act on strobes, then drive the live inputs. */
  private cycle(): void {
    this.cycles++;
    for (const n of this.pending.splice(0)) this.dut.signal(n).value = 0;
    if (this.keyBusy) this.keyBusy--;
    if (this.counterBusy) this.counterBusy--;
    if (this.routeBusy) this.routeBusy--;
    if (this.sig('cmd_key_key_cmd_valid')) this.keyCommand();
    if (this.sig('cmd_route_route_cmd_valid')) this.routeCommand();
    if (this.sig('cmd_counter_counter_cmd_valid')) this.counterCommand();
    if (this.sig('pop_host_host_rx_data')) this.pop();
    if (this.sig('cmd_host_host_tx_data_valid')) this.txWords.push(this.sig('cmd_host_host_tx_data') >>> 0);
    if (this.sig('cmd_host_host_tx_commit_valid')) this.commit();
    this.drive();
  }

  private keyCommand(): void {
    if (this.keyBusy) return this.pulse('event_ctrl_errors_key_overrun');
    const slot = this.sig('cmd_key_key_cmd_slot');
    const op = this.sig('cmd_key_key_cmd_op');
    const s = this.keySlots[slot];
    if (!s) return;
    this.keyBusy = KEY_CYCLES;
    if (op === KEY_OPS.install) {
      const key = new Uint8Array(32);
      const dv = new DataView(key.buffer);
      // The staged words are write-only in the map; the block drives them on cfg_ outputs.
      for (let i = 0; i < 8; i++) dv.setUint32(4 * i, this.sig(`cfg_key_key${i}`) >>> 0, true);
      s.key = key;
      s.generation = this.sig('cfg_key_key_generation') >>> 0;
      s.valid = true;
      if ((slot & 2) === 0) this.txCounters[slot >> 2] = 0;
      this.keyLog.push({ op: 'install', slot, generation: s.generation });
    } else if (op === KEY_OPS.retire) {
      s.valid = false;
      s.key = new Uint8Array(32);
      this.keyLog.push({ op: 'retire', slot, generation: s.generation });
    }
  }

  private routeCommand(): void {
    if (this.routeBusy) return this.pulse('event_ctrl_errors_route_overrun');
    const opCode = this.sig('cmd_route_route_cmd');
    const op = (Object.entries(CMD_OPS).find(([, v]) => v === opCode)?.[0] ?? undefined) as CmdOp | undefined;
    if (!op) return; // reserved op codes do nothing, as in the CAMs
    const slot = this.sig('cfg_route_route_slot');
    const key = (BigInt(this.sig('cfg_route_route_key_hi') >>> 0) << 32n) | BigInt(this.sig('cfg_route_route_key_lo') >>> 0);
    const value = (BigInt(this.sig('cfg_route_route_value_hi') >>> 0) << 32n) | BigInt(this.sig('cfg_route_route_value_lo') >>> 0);
    if (slot >= this.table.geometry.capacity) return;
    const c = { op, slot, key, value };
    this.table.apply(c);
    this.routeCommands.push(c);
    this.routeBusy = ROUTE_CYCLES;
  }

  private counterCommand(): void {
    if (this.counterBusy) return this.pulse('event_ctrl_errors_counter_overrun');
    const bankCode = this.sig('cmd_counter_counter_cmd_bank');
    const index = this.sig('cmd_counter_counter_cmd_index');
    const bank = (Object.entries(COUNTER_BANKS).find(([, v]) => v === bankCode)?.[0] ?? 'rule') as CounterBank;
    const b = this.bank(bank);
    const [frames, bytes] = b.get(index) ?? [0, 0];
    if (this.sig('cmd_counter_counter_cmd_clear')) b.set(index, [0, 0]);
    this.dut.signal('status_counter_counter_frames').value = frames;
    this.dut.signal('status_counter_counter_bytes_lo').value = bytes % 2 ** 32;
    this.dut.signal('status_counter_counter_bytes_hi').value = Math.floor(bytes / 2 ** 32);
    this.counterBusy = COUNTER_CYCLES;
  }

  private pop(): void {
    const head = this.toHost[0];
    if (!head) return;
    this.headWord++;
    if (this.headWord * 4 >= head.length) {
      this.toHost.shift();
      this.headWord = 0;
    }
  }

  private commit(): void {
    const length = this.sig('cmd_host_host_tx_commit');
    const bytes = new Uint8Array(this.txWords.length * 4);
    const dv = new DataView(bytes.buffer);
    this.txWords.forEach((w, i) => dv.setUint32(4 * i, w));
    this.txWords = [];
    const frame = bytes.subarray(0, length);
    if (length > bytes.length || typeof decodeHostHeader(frame) === 'string') return this.pulse('event_ctrl_errors_host_tx_bad');
    this.fromHost.push(Uint8Array.from(frame));
  }

  private drive(): void {
    const d = this.dut;
    d.signal('status_ctrl_status_route_ready').value = this.routeBusy ? 0 : 1;
    d.signal('status_ctrl_status_key_busy').value = this.keyBusy ? 1 : 0;
    d.signal('status_ctrl_status_counter_busy').value = this.counterBusy ? 1 : 0;
    d.signal('status_key_key_status').value = this.keyBusy ? 1 : 0;
    d.signal('status_counter_counter_status').value = this.counterBusy ? 1 : 0;
    // Slots and counters change rarely: only what differs from the last drive is set.
    this.keySlots.forEach((s, i) => {
      const was = this.driven.slots[i];
      if (was && was.valid === s.valid && was.generation === s.generation) return;
      d.signal(`status_keyslot${i}_state`).value = s.valid ? 1 : 0;
      d.signal(`status_keyslot${i}_generation`).value = s.generation;
      this.driven.slots[i] = { valid: s.valid, generation: s.generation };
    });
    this.txCounters.forEach((c, i) => {
      if (this.driven.tx[i] === c) return;
      d.signal(`status_peer${i}_tx_counter_lo`).value = c % 2 ** 32;
      d.signal(`status_peer${i}_tx_counter_hi`).value = Math.floor(c / 2 ** 32);
      this.driven.tx[i] = c;
    });
    const head = this.toHost[0];
    d.signal('status_host_host_rx_status_avail').value = head ? 1 : 0;
    d.signal('status_host_host_rx_status_length').value = head ? head.length : 0;
    if (head) {
      const at = this.headWord * 4;
      const w = ((head[at] ?? 0) << 24) | ((head[at + 1] ?? 0) << 16) | ((head[at + 2] ?? 0) << 8) | (head[at + 3] ?? 0);
      d.signal('status_host_host_rx_data').value = w >>> 0;
    } else d.signal('status_host_host_rx_data').value = 0;
    d.signal('status_host_host_tx_status').value = TX_BUFFER_WORDS - this.txWords.length;
  }
}
