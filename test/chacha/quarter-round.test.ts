// The generated quarter round, every stage count, in Verilator against the golden model:
// the RFC 8439 2.1.1 vector and 10,000 random inputs pushed through in one batch.
import { beforeAll, describe, expect, it } from 'vitest';
import { quarterRound } from '../../rtl-gen/chacha/quarter-round.ts';
import { quarterRound as goldenQr } from '../../sim/golden/chacha20.ts';
import { Rng, type SimDut, runCycles, simulate } from '../../sim/index.ts';
import { QR_2_1_1 } from '../../spec/rfc8439-vectors.ts';

const OUTS = ['a_out', 'b_out', 'c_out', 'd_out'];

describe('combinational quarter round (stages 0)', () => {
  it('computes RFC 8439 2.1.1 and 10,000 random inputs', async () => {
    const dut = await simulate(quarterRound({ stages: 0 }));
    [dut.a, dut.b, dut.c, dut.d].forEach((s, i) => (s.value = QR_2_1_1.input[i]!));
    expect(OUTS.map((o) => dut.signal(o).value)).toEqual(QR_2_1_1.output);
    const rng = new Rng(7);
    for (let i = 0; i < 10_000; i++) {
      const x = [rng.u32(), rng.u32(), rng.u32(), rng.u32()] as const;
      [dut.a, dut.b, dut.c, dut.d].forEach((s, k) => (s.value = x[k]));
      expect(OUTS.map((o) => dut.signal(o).value)).toEqual(goldenQr(...x));
    }
  });
});

describe.each([1, 2, 4])('pipelined quarter round, %i stage(s)', (stages) => {
  let dut: SimDut;
  beforeAll(async () => {
    dut = await simulate(quarterRound({ stages }));
  });

  it(`has a latency of ${stages} cycle(s) and matches the golden model on RFC 8439 2.1.1 and 10,000 random inputs`, () => {
    const rng = new Rng(100 + stages);
    const n = 10_000;
    const inputs: Record<string, number[]> = { a: [], b: [], c: [], d: [] };
    for (let i = 0; i < n + stages; i++) {
      const x = i === 0 ? QR_2_1_1.input : [rng.u32(), rng.u32(), rng.u32(), rng.u32()];
      (['a', 'b', 'c', 'd'] as const).forEach((k, j) => inputs[k]!.push(x[j]!));
    }
    const out = runCycles(dut, { inputs, outputs: OUTS, cycles: n + stages });
    for (let i = 0; i < n; i++) {
      const want = goldenQr(inputs.a![i]!, inputs.b![i]!, inputs.c![i]!, inputs.d![i]!);
      const got = OUTS.map((o) => out[o]![i + stages]);
      if (got.some((g, k) => g !== want[k])) {
        throw new Error(`input #${i} (cycle ${i}): expected ${want.map((w) => w.toString(16))}, got ${got.map((g) => g!.toString(16))} at cycle ${i + stages}`);
      }
    }
    expect(OUTS.map((o) => out[o]![stages])).toEqual(QR_2_1_1.output);
  });
});
