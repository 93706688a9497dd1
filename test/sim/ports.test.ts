// Every port width moves both ways: numbers up to 32 bits, BigInts above, at the edges of
// Verilator's storage classes; out-of-range values and unknown ports are clear errors.
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, type SimDut, runCycles, simulate } from '../../sim/index.ts';
import { PORT_WIDTHS, loopback } from '../fixtures/designs.ts';

describe('port access', () => {
  let dut: SimDut;
  beforeAll(async () => {
    dut = await simulate(loopback());
  });

  it.each(PORT_WIDTHS)('moves %i-bit values in and out', (w) => {
    const rng = new Rng(w);
    const max = (1n << BigInt(w)) - 1n;
    const values = [0n, 1n, max, max >> 1n, 1n << BigInt(w - 1), ...Array.from({ length: 200 }, () => rng.bits(w))];
    for (const v of values) {
      const asValue = w <= 32 ? Number(v) : v;
      dut.signal(`in_w${w}`).value = asValue;
      const out = dut.signal(`out_w${w}`).value;
      expect(typeof out).toBe(w <= 32 ? 'number' : 'bigint');
      expect(out).toBe(asValue);
    }
  });

  it('registers every width through a clock edge', () => {
    const rng = new Rng(99);
    const vals = PORT_WIDTHS.map((w) => rng.bits(w));
    PORT_WIDTHS.forEach((w, i) => (dut.signal(`in_w${w}`).value = w <= 32 ? Number(vals[i]) : vals[i]!));
    dut.tick();
    PORT_WIDTHS.forEach((w, i) => expect(dut.signal(`q_w${w}`).big).toBe(vals[i]));
  });

  it('moves every width through the batched path', () => {
    const rng = new Rng(5);
    const cycles = 50;
    const inputs: Record<string, bigint[]> = {};
    for (const w of PORT_WIDTHS) inputs[`in_w${w}`] = Array.from({ length: cycles }, () => rng.bits(w));
    const out = runCycles(dut, { inputs, outputs: PORT_WIDTHS.flatMap((w) => [`out_w${w}`, `q_w${w}`]), cycles });
    for (const w of PORT_WIDTHS) {
      for (let c = 0; c < cycles; c++) {
        expect(BigInt(out[`out_w${w}`]![c]!)).toBe(inputs[`in_w${w}`]![c]);
        if (c > 0) expect(BigInt(out[`q_w${w}`]![c]!)).toBe(inputs[`in_w${w}`]![c - 1]);
      }
    }
  });

  it('rejects a value too wide for its port, naming module and port', () => {
    expect(() => (dut.in_w7.value = 128)).toThrow(/port_loopback\.in_w7: 128 does not fit in 7 bits/);
    expect(() => (dut.in_w65.value = 1n << 65n)).toThrow(/port_loopback\.in_w65: 0x2000+ does not fit in 65 bits/);
    expect(() => (dut.in_w8.value = -1)).toThrow(/not a non-negative integer/);
    expect(() => (dut.in_w64.value = 2 ** 60)).toThrow(/not exact; pass a BigInt/);
  });

  it('rejects unknown ports and writes to outputs', () => {
    expect(() => dut.no_such_port).toThrow(/port_loopback has no port "no_such_port"; ports: clk, in_w1/);
    expect(() => dut.signal('nope')).toThrow(/port_loopback has no port "nope"/);
    expect(() => (dut.out_w8.value = 1)).toThrow(/port "out_w8" is an output/);
    expect(() => runCycles(dut, { inputs: { out_w8: [1] }, outputs: [], cycles: 1 })).toThrow(/"out_w8" is an output/);
  });
});
