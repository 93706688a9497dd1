// The forwarding plane's device (rtl-gen/forwarding/top.ts) in Verilator, driven as a host would
// drive it: registers by name through Wishbone (addresses and fields from the register map in
// spec/), frames into and out of its network ports (with gaps and output stalls), frames to and
// from the host through the register mailbox. Everything runs one clock cycle at a time in one
// loop, so register accesses and traffic overlap as they would on a board.
import { CMD_OPS, type CamCommand } from '../../spec/route-table/geometry.ts';
import { COUNTER_BANKS, type CounterBank } from '../../spec/forwarding/counters.ts';
import { HOST_HEADER_BYTES } from '../../spec/forwarding/host-port.ts';
import { fwdParams } from '../../spec/forwarding/params.ts';
import { KEY_OPS, fpRegisterMap } from '../../spec/forwarding/registers.ts';
import { type RegisterMap, address, packFields, reg } from '../../spec/forwarding/regmap.ts';
import { bigToBytes, bytesToBig } from '../../spec/bytes.ts';
import { type PlaneParams } from '../../rtl-gen/forwarding/plane.ts';
import { fpTop } from '../../rtl-gen/forwarding/top.ts';
import { type SimDut, Rng, simulate } from '../../sim/index.ts';

interface Op { addr: number; write: boolean; data: number; sel: number; done: boolean; result: number }

export class FpDevice {
  readonly map: RegisterMap;
  readonly ports: number;
  cycles = 0;
  /** Frames the device sent out of each port. */
  readonly tx: Uint8Array[][];
  /** Probability that a port holds tready low in a cycle. */
  txStall = 0;
  /** Probability of an idle cycle between input beats. */
  rxGap = 0;
  private readonly rxQueue: Array<Array<{ data: bigint; keep: number; last: boolean }>>;
  private readonly txCur: number[][];
  private op: Op | undefined;
  private lastActivity = 0;
  /** Cycle of the last frame's last beat out of any port. */
  lastTxCycle = 0;

  private constructor(
    readonly dut: SimDut,
    readonly params: Partial<PlaneParams> & Pick<PlaneParams, 'aead'>,
    readonly rng: Rng,
  ) {
    const fp = fwdParams(Object.fromEntries(Object.entries(params).filter(([k]) => !['aead', 'ingressBeats', 'bufferBeats', 'ram'].includes(k))));
    this.map = fpRegisterMap(fp);
    this.ports = fp.ports;
    this.tx = Array.from({ length: this.ports }, () => []);
    this.rxQueue = Array.from({ length: this.ports }, () => []);
    this.txCur = Array.from({ length: this.ports }, () => []);
  }

  static async create(params: Partial<PlaneParams> & Pick<PlaneParams, 'aead'>, seed = 1): Promise<FpDevice> {
    const d = new FpDevice(await simulate(fpTop(params)), params, new Rng(seed));
    d.reset();
    return d;
  }

  /** Reset, then wait for the route table's clear pass. */
  reset(): void {
    const d = this.dut;
    d.wb_cyc_i.value = 0;
    d.wb_stb_i.value = 0;
    d.link_up.value = (1 << this.ports) - 1;
    for (let i = 0; i < this.ports; i++) {
      d.signal(`s_axis_rx${i}_tvalid`).value = 0;
      d.signal(`m_axis_tx${i}_tready`).value = 1;
    }
    d.rst.value = 1;
    d.tick(4);
    d.rst.value = 0;
    this.op = undefined;
    this.rxQueue.forEach((q) => (q.length = 0));
    this.txCur.forEach((c) => (c.length = 0));
    // The route table's and the counters' clear passes (status bits 0 and 3).
    while ((this.read('ctrl', 'status') & 0b1001) !== 0b1001) this.step();
  }

  // ---- the cycle loop ---------------------------------------------------------------------------

  /** One clock cycle: inputs set, transfers sampled, then the edge. */
  step(): void {
    const d = this.dut;
    for (let i = 0; i < this.ports; i++) {
      const q = this.rxQueue[i]!;
      const send = q.length > 0 && (this.rxGap === 0 || this.rng.next() >= this.rxGap);
      const v = d.signal(`s_axis_rx${i}_tvalid`);
      v.value = send ? 1 : 0;
      if (send) {
        const b = q[0]!;
        d.signal(`s_axis_rx${i}_tdata`).value = b.data;
        d.signal(`s_axis_rx${i}_tkeep`).value = b.keep;
        d.signal(`s_axis_rx${i}_tlast`).value = b.last ? 1 : 0;
        q.shift(); // s_axis_rx tready is always 1
        this.lastActivity = this.cycles;
      }
      const ready = this.txStall === 0 || this.rng.next() >= this.txStall;
      d.signal(`m_axis_tx${i}_tready`).value = ready ? 1 : 0;
      if (ready && Number(d.signal(`m_axis_tx${i}_tvalid`).value)) {
        const keep = Number(d.signal(`m_axis_tx${i}_tkeep`).value);
        const bytes = bigToBytes(BigInt(d.signal(`m_axis_tx${i}_tdata`).value), 8);
        for (let k = 0; k < 8; k++) if (keep & (1 << k)) this.txCur[i]!.push(bytes[k]!);
        if (Number(d.signal(`m_axis_tx${i}_tlast`).value)) {
          this.lastTxCycle = this.cycles;
          this.tx[i]!.push(Uint8Array.from(this.txCur[i]!));
          this.txCur[i] = [];
        }
        this.lastActivity = this.cycles;
      }
    }
    // Wishbone: one access at a time; the ack cycle ends it.
    const op = this.op;
    if (op) {
      if (Number(d.wb_ack_o.value)) {
        op.result = Number(d.wb_dat_o.value) >>> 0;
        op.done = true;
        this.op = undefined;
        d.wb_cyc_i.value = 0;
        d.wb_stb_i.value = 0;
      } else {
        d.wb_adr_i.value = op.addr / 4;
        d.wb_dat_i.value = op.data >>> 0;
        d.wb_sel_i.value = op.sel;
        d.wb_we_i.value = op.write ? 1 : 0;
        d.wb_cyc_i.value = 1;
        d.wb_stb_i.value = 1;
      }
    }
    d.tick(1);
    this.cycles++;
  }

  run(cycles: number): void {
    for (let c = 0; c < cycles; c++) this.step();
  }

  /** Nothing waits to enter, nothing is inside (status_busy low), and no frame moved for `quiet` cycles. */
  idle(quiet = 16): boolean {
    return this.cycles - this.lastActivity >= quiet && !this.rxQueue.some((q) => q.length) && !Number(this.dut.status_busy.value);
  }

  /** Runs until nothing is inside the device (status_busy low) and no frame has moved for `quiet` cycles. */
  settle(quiet = 16, limit = 400_000): void {
    const start = this.cycles;
    this.lastActivity = this.cycles;
    while (this.cycles - this.lastActivity < quiet || this.rxQueue.some((q) => q.length) || Number(this.dut.status_busy.value)) {
      if (Number(this.dut.status_busy.value)) this.lastActivity = this.cycles;
      this.step();
      if (this.cycles - start > limit) throw new Error(`device did not settle in ${limit} cycles`);
    }
  }

  // ---- registers ----------------------------------------------------------------------------------

  private access(addr: number, write: boolean, data: number): number {
    const op: Op = { addr, write, data, sel: 0xf, done: false, result: 0 };
    while (this.op) this.step();
    this.op = op;
    while (!op.done) this.step();
    return op.result;
  }

  write(group: string, register: string, value: number | Record<string, number | bigint>, index = 0): void {
    const r = reg(this.map, group, register);
    this.access(address(this.map, group, register, index), true, typeof value === 'number' ? value : packFields(r, value));
  }

  read(group: string, register: string, index = 0): number {
    return this.access(address(this.map, group, register, index), false, 0);
  }

  // ---- frames -----------------------------------------------------------------------------------

  send(port: number, frame: Uint8Array): void {
    for (let at = 0; at < frame.length; at += 8) {
      const chunk = frame.subarray(at, Math.min(frame.length, at + 8));
      this.rxQueue[port]!.push({ data: bytesToBig(chunk), keep: (1 << chunk.length) - 1, last: at + 8 >= frame.length });
    }
  }

  /** Frames the host port has for the host (read through the mailbox). */
  hostReceive(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (;;) {
      const st = this.read('host', 'host_rx_status');
      if (!(st & 1)) return out;
      const len = st >>> 16;
      const b = new Uint8Array(Math.ceil(len / 4) * 4);
      for (let w = 0; w < b.length / 4; w++) {
        const v = this.read('host', 'host_rx_data');
        b[4 * w] = v >>> 24;
        b[4 * w + 1] = (v >>> 16) & 0xff;
        b[4 * w + 2] = (v >>> 8) & 0xff;
        b[4 * w + 3] = v & 0xff;
      }
      out.push(b.subarray(0, len));
    }
  }

  /** Sends a host frame (its 8-byte header included) down through the mailbox. */
  hostSend(frame: Uint8Array): void {
    if (frame.length < HOST_HEADER_BYTES) throw new RangeError('a host frame has an 8-byte header');
    for (let at = 0; at < frame.length; at += 4) {
      const w = ((frame[at]! << 24) | ((frame[at + 1] ?? 0) << 16) | ((frame[at + 2] ?? 0) << 8) | (frame[at + 3] ?? 0)) >>> 0;
      this.write('host', 'host_tx_data', w);
    }
    this.write('host', 'host_tx_commit', frame.length);
  }

  // ---- keys, routes, counters ----------------------------------------------------------------------

  /** Installs a key into a slot (peer x 4 + rx x 2 + parity) and waits until it is in use. */
  installKey(slot: number, key: Uint8Array, generation: number): void {
    for (let w = 0; w < 8; w++) this.write('key', `key${w}`, (key[4 * w]! | (key[4 * w + 1]! << 8) | (key[4 * w + 2]! << 16) | (key[4 * w + 3]! << 24)) >>> 0);
    this.write('key', 'key_generation', generation >>> 0);
    this.write('key', 'key_cmd', { slot, op: KEY_OPS.install });
    while (this.read('key', 'key_status') & 1) this.step();
  }

  retireKey(slot: number): void {
    this.write('key', 'key_cmd', { slot, op: KEY_OPS.retire });
    while (this.read('key', 'key_status') & 1) this.step();
  }

  routeCommand(c: CamCommand): void {
    while (!(this.read('ctrl', 'status') & 1)) this.step();
    this.write('route', 'route_slot', c.slot);
    this.write('route', 'route_key_lo', Number(c.key & 0xffff_ffffn));
    this.write('route', 'route_key_hi', Number(c.key >> 32n));
    this.write('route', 'route_value_lo', Number(c.value & 0xffff_ffffn));
    this.write('route', 'route_value_hi', Number(c.value >> 32n));
    this.write('route', 'route_cmd', CMD_OPS[c.op]);
  }

  counter(bank: CounterBank, index: number, clear = false): { frames: number; bytes: number } {
    this.write('counter', 'counter_cmd', { index, bank: COUNTER_BANKS[bank], clear: clear ? 1 : 0 });
    while (this.read('counter', 'counter_status') & 1) this.step();
    const frames = this.read('counter', 'counter_frames');
    const lo = this.read('counter', 'counter_bytes_lo');
    const hi = this.read('counter', 'counter_bytes_hi');
    return { frames, bytes: hi * 2 ** 32 + lo };
  }

  txCounter(peer: number): number {
    const lo = this.read('peer', 'tx_counter_lo', peer);
    return this.read('peer', 'tx_counter_hi', peer) * 2 ** 32 + lo;
  }
}
