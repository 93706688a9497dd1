// The `sim` backend's word space: the Verilated forwarding plane (rtl-gen/forwarding/top.ts,
// driven by testbed/forwarding/device.ts one clock cycle at a time, traffic and register
// accesses interleaved) seen as the register space a bus reaches. Put it behind a LocalBus
// for the driver in this process, or behind an EtherboneServer for the driver, fpctl or
// litex_server over UDP: the same Device code then programs the real plane.
import { registerInstances } from '../spec/forwarding/regmap.ts';
import type { WordSpace } from '../host/device/bus.ts';
import type { FpDevice } from './forwarding/device.ts';

export class PlaneSpace implements WordSpace {
  private readonly byAddress = new Map<number, { group: string; reg: string; index: number }>();

  constructor(readonly plane: FpDevice) {
    for (const it of registerInstances(plane.map)) this.byAddress.set(it.address, { group: it.group.name, reg: it.reg.name, index: it.index });
  }

  read(address: number): number {
    const r = this.byAddress.get(address);
    // Unmapped words read zero, as the CSR block answers them.
    return r ? this.plane.read(r.group, r.reg, r.index) : 0;
  }

  write(address: number, value: number): void {
    const r = this.byAddress.get(address);
    if (r) this.plane.write(r.group, r.reg, value >>> 0, r.index);
  }
}
