// A Wishbone (classic) master for generated CSR blocks: one access at a time, each clock
// cycle stepped in the model, with an optional look at every cycle (strobes last one cycle).
// The forwarding plane's tests and the host driver's simulated device program registers
// through it, at the byte addresses of spec/forwarding/registers.ts.
import type { Dut } from '../dut.ts';
import { SimError } from '../dut.ts';

export interface WishboneOptions {
  /** Port prefix: `wb` gives wb_adr_i, wb_dat_i, ... */
  prefix?: string;
  /** Longest wait for wb_ack_o before an access counts as hung. */
  timeoutCycles?: number;
  /** Called after every clock edge of an access (to watch strobes). */
  onCycle?: () => void;
}

export class WishboneMaster {
  readonly prefix: string;
  readonly timeoutCycles: number;
  onCycle?: () => void;
  /** Cycles spent in accesses so far. */
  cycles = 0;

  constructor(
    readonly dut: Dut,
    opts: WishboneOptions = {},
  ) {
    this.prefix = opts.prefix ?? 'wb';
    this.timeoutCycles = opts.timeoutCycles ?? 64;
    this.onCycle = opts.onCycle;
    this.idle();
  }

  private sig(name: string) {
    return this.dut.signal(`${this.prefix}_${name}`);
  }

  /** Bus released: cyc and stb low. */
  idle(): void {
    this.sig('cyc_i').value = 0;
    this.sig('stb_i').value = 0;
    this.sig('we_i').value = 0;
  }

  private access(byteAddress: number, write: boolean, data: number, sel: number): number {
    if (byteAddress % 4 !== 0) throw new SimError(`${this.dut.module}: Wishbone address 0x${byteAddress.toString(16)} is not word aligned`);
    this.sig('adr_i').value = byteAddress / 4;
    this.sig('dat_i').value = data >>> 0;
    this.sig('sel_i').value = sel;
    this.sig('we_i').value = write ? 1 : 0;
    this.sig('cyc_i').value = 1;
    this.sig('stb_i').value = 1;
    for (let c = 1; c <= this.timeoutCycles; c++) {
      this.dut.tick(1);
      this.cycles++;
      this.onCycle?.();
      if (Number(this.sig('ack_o').value) === 1) {
        const v = Number(this.sig('dat_o').value) >>> 0;
        this.idle();
        return v;
      }
    }
    this.idle();
    throw new SimError(`${this.dut.module}: no Wishbone ack within ${this.timeoutCycles} cycles at 0x${byteAddress.toString(16)}`);
  }

  write(byteAddress: number, data: number, sel = 0xf): void {
    this.access(byteAddress, true, data, sel);
  }

  read(byteAddress: number): number {
    return this.access(byteAddress, false, 0, 0xf);
  }
}
