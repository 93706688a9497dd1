// The board self-test top, end to end in Verilator: it must report PASS with a byte count
// matching the core's rate over the UART (decoded here as a terminal would), and FAIL when
// its expected ciphertext is corrupted by one bit.
import { describe, expect, it } from 'vitest';
import { selfTestTop } from '../../rtl-gen/board/selftest.ts';
import { runCycles, simulate } from '../../sim/index.ts';

/** Decodes 8N1 serial data sampled once per clock. */
export function decodeUart(line: ArrayLike<number>, clocksPerBit: number): string {
  let out = '';
  for (let i = 1; i < line.length; i++) {
    if (line[i - 1] === 1 && line[i] === 0) {
      const mid = i + Math.floor(clocksPerBit / 2);
      if (mid + 9 * clocksPerBit >= line.length) break;
      if (line[mid] !== 0) continue; // glitch, not a start bit
      let byte = 0;
      for (let b = 0; b < 8; b++) byte |= (line[mid + (b + 1) * clocksPerBit]! & 1) << b;
      if (line[mid + 9 * clocksPerBit] !== 1) throw new Error(`framing error at cycle ${i}`);
      out += String.fromCharCode(byte);
      i = mid + 9 * clocksPerBit;
    }
  }
  return out;
}

const CPB = 4;
const WINDOW_LOG2 = 12;

describe.each([
  { units: 2, stages: 1, width: 64, fifoRam: 'block', entryReg: false }, // as on the iCE40 HX8K board
  { units: 5, stages: 2, width: 128 },
])('self-test top %o', (core) => {
  it('reports PASS and the payload bytes per window at the core rate', async () => {
    const dut = await simulate(selfTestTop({ ...core, clocksPerBit: CPB, windowLog2: WINDOW_LOG2 }));
    const cycles = 4 * (1 << WINDOW_LOG2) + 2000;
    const out = runCycles(dut, { inputs: {}, outputs: ['uart_tx', 'led'], cycles });
    const text = decodeUart(out.uart_tx as number[], CPB);
    const lines = text.split('\r\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const l of lines) expect(l).toMatch(/^PASS [0-9A-F]{8}$/);
    // From the second window on the core runs flat out: 512 * U / 20 keystream bits per cycle.
    const bytes = parseInt(lines[1]!.slice(5), 16);
    const ideal = ((1 << WINDOW_LOG2) * 512 * core.units) / 20 / 8;
    expect(bytes).toBeGreaterThan(ideal * 0.97);
    expect(bytes).toBeLessThanOrEqual(ideal * 1.01);
    const led = out.led![cycles - 1] as number;
    expect(led & 0b11).toBe(0b01); // pass on, fail off
  });

  it('reports FAIL when the expected ciphertext is off by one bit', async () => {
    const dut = await simulate(selfTestTop({ ...core, clocksPerBit: CPB, windowLog2: WINDOW_LOG2, corrupt: true }));
    const out = runCycles(dut, { inputs: {}, outputs: ['uart_tx', 'led'], cycles: 2 * (1 << WINDOW_LOG2) + 2000 });
    const lines = decodeUart(out.uart_tx as number[], CPB).split('\r\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const l of lines) expect(l).toMatch(/^FAIL [0-9A-F]{8}$/);
  });
});
