// The generated CSR block in Verilator, against the register map it was printed from: every
// rw register reads back what was written and drives its cfg_ outputs; byte selects write
// only their lanes; constants read their values; ro fields read their inputs; wo fields read
// zero but reach the hardware; command registers strobe exactly one cycle with the written
// fields; pop registers strobe once per read; w1c bits set on an event and clear on a 1;
// a latching read captures the high word; unmapped addresses read zero; reset restores.
import { beforeAll, describe, expect, it } from 'vitest';
import { fpRegisterMap } from '../../spec/forwarding/registers.ts';
import { type FieldDef, type RegInstance, address, registerInstances } from '../../spec/forwarding/regmap.ts';
import { csrSignalName } from '../../rtl-gen/regmap/csr.ts';
import { fpCsr } from '../../rtl-gen/regmap/designs.ts';
import { type SimDut, Rng, simulate } from '../../sim/index.ts';
import { WishboneMaster } from '../../sim/drivers/wishbone.ts';

const map = fpRegisterMap();
const insts = registerInstances(map);
const mask = (f: FieldDef): number => Number(((1n << BigInt(f.width)) - 1n) << BigInt(f.lsb)) >>> 0;
const fieldVal = (word: number, f: FieldDef): number => Number((BigInt(word >>> 0) >> BigInt(f.lsb)) & ((1n << BigInt(f.width)) - 1n));
const portOf = (it: RegInstance, f: FieldDef, prefix: string): string => `${prefix}_${csrSignalName(it.group, it.index, it.reg, f)}`;

describe('forwarding-plane CSR block (Wishbone)', () => {
  let dut: SimDut;
  let wb: WishboneMaster;
  const rng = new Rng(7);
  beforeAll(async () => {
    dut = await simulate(fpCsr());
    wb = new WishboneMaster(dut);
  });
  const reset = (): void => {
    dut.rst.value = 1;
    dut.tick(2);
    dut.rst.value = 0;
  };

  it('comes out of reset with the map\'s reset values and constants', () => {
    reset();
    // Live inputs at zero: every register reads its reset and constant fields.
    for (const [name, s] of dut.signals) if (name.startsWith('status_') || name.startsWith('event_')) s.value = 0;
    for (const it of insts) {
      const want = it.reg.fields.reduce((w, f) => {
        const v = f.value ?? (f.access === 'rw' || f.access === 'w1c' ? f.reset : 0n);
        return w | Number(v << BigInt(f.lsb));
      }, 0) >>> 0;
      expect(wb.read(it.address), it.path).toBe(want);
    }
    expect(Number(dut.cfg_peer0_ip_opts_ttl.value)).toBe(64);
    expect(Number(dut.cfg_peer0_ip_opts_df.value)).toBe(1);
  });

  it('reads back every rw field, drives its output, and reads live ro inputs', () => {
    reset();
    const ro = new Map<string, number>();
    for (const it of insts) for (const f of it.reg.fields) {
      if (f.access !== 'ro' || f.value !== undefined) continue;
      const v = Number(rng.bits(f.width));
      ro.set(portOf(it, f, 'status'), v);
      dut.signal(portOf(it, f, 'status')).value = v;
    }
    const wrote = new Map<string, number>();
    for (const it of insts) {
      if (it.reg.kind !== 'plain') continue;
      if (!it.reg.fields.some((f) => f.access === 'rw' || f.access === 'wo')) continue;
      const v = Number(rng.bits(32)) >>> 0;
      wb.write(it.address, v);
      wrote.set(it.path, v);
    }
    for (const it of insts) {
      if (it.reg.kind !== 'plain') continue; // lo comes before hi: reading it latches hi
      const v = wrote.get(it.path) ?? 0;
      let want = 0;
      for (const f of it.reg.fields) {
        if (f.access === 'rw') want |= v & mask(f);
        if (f.access === 'ro') want |= Number(BigInt(f.value ?? BigInt(ro.get(portOf(it, f, 'status'))!)) << BigInt(f.lsb)) >>> 0;
        if (f.access === 'rw' || f.access === 'wo') expect(Number(dut.signal(portOf(it, f, 'cfg')).value), `${it.path}.${f.name} output`).toBe(fieldVal(v, f));
      }
      expect(wb.read(it.address), it.path).toBe(want >>> 0);
    }
  });

  it('writes only the byte lanes a write selects', () => {
    reset();
    const a = address(map, 'id', 'scratch');
    wb.write(a, 0x11223344);
    wb.write(a, 0xaabbccdd, 0b0101);
    expect(wb.read(a)).toBe(0x11bb33dd);
    wb.write(a, 0xeeff0000, 0b1000);
    expect(wb.read(a)).toBe(0xeebb33dd);
  });

  it('strobes a command exactly one cycle with the written fields, and a pop once per read', () => {
    reset();
    const seen: Array<[number, number]> = [];
    wb.onCycle = () => {
      if (Number(dut.cmd_route_route_cmd_valid.value)) seen.push([wb.cycles, Number(dut.cmd_route_route_cmd.value)]);
    };
    wb.write(address(map, 'route', 'route_cmd'), 2);
    dut.tick(3);
    expect(seen.length).toBe(1);
    expect(seen[0]![1]).toBe(2);
    expect(wb.read(address(map, 'route', 'route_cmd'))).toBe(0);
    let pops = 0;
    wb.onCycle = () => {
      pops += Number(dut.pop_host_host_rx_data.value);
    };
    dut.status_host_host_rx_data.value = 0xcafef00d;
    expect(wb.read(address(map, 'host', 'host_rx_data'))).toBe(0xcafef00d);
    wb.read(address(map, 'host', 'host_rx_status'));
    expect(pops).toBe(1);
    wb.onCycle = undefined;
  });

  it('sets sticky w1c bits on events and clears only the bits written with 1', () => {
    reset();
    const a = address(map, 'ctrl', 'errors');
    dut.event_ctrl_errors_key_overrun.value = 1;
    dut.event_ctrl_errors_host_tx_bad.value = 1;
    dut.tick(1);
    dut.event_ctrl_errors_key_overrun.value = 0;
    dut.event_ctrl_errors_host_tx_bad.value = 0;
    expect(wb.read(a)).toBe(0b1010);
    wb.write(a, 0b0010);
    expect(wb.read(a)).toBe(0b1000);
    wb.write(a, 0);
    expect(wb.read(a)).toBe(0b1000);
  });

  it('latches the high counter word when the low one is read', () => {
    reset();
    dut.status_peer5_tx_counter_lo.value = 0x89abcdef;
    dut.status_peer5_tx_counter_hi.value = 0x12345;
    expect(wb.read(address(map, 'peer', 'tx_counter_lo', 5))).toBe(0x89abcdef);
    dut.status_peer5_tx_counter_hi.value = 0x54321;
    expect(wb.read(address(map, 'peer', 'tx_counter_hi', 5))).toBe(0x12345);
  });

  it('reads zero at unmapped addresses and ignores writes there, without hanging', () => {
    reset();
    const used = new Set(insts.map((i) => i.address));
    let n = 0;
    for (let a = 0; a < map.bytes && n < 200; a += 4 * (1 + rng.int(0, 7))) {
      if (used.has(a)) continue;
      wb.write(a, 0xffffffff);
      expect(wb.read(a), `0x${a.toString(16)}`).toBe(0);
      n++;
    }
    expect(wb.read(address(map, 'id', 'scratch'))).toBe(0);
  });
});
