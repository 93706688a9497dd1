// The place-and-route wrapper must still connect the core: shift a quarter round's inputs
// in, load them, let the 4-stage core work, load its outputs and shift them out, and the
// result is the golden quarter round's.
import { describe, expect, it } from 'vitest';
import { quarterRound } from '../../rtl-gen/chacha/quarter-round.ts';
import { quarterRound as goldenQr } from '../../sim/golden/chacha20.ts';
import { Rng, simulate } from '../../sim/index.ts';
import { ioWrapper } from '../../synth/io-wrapper.ts';

describe('place-and-route I/O wrapper', () => {
  it('carries inputs in and outputs out through its shift registers', async () => {
    const dut = await simulate(ioWrapper(quarterRound({ stages: 4 })));
    const rng = new Rng(7);
    for (let trial = 0; trial < 3; trial++) {
      const words = [0, 1, 2, 3].map(() => Number(rng.bits(32)));
      // Inputs a, b, c, d from bit 0 up: the chain shifts upward, so the last bit in is bit 0.
      const bits = words.flatMap((w) => Array.from({ length: 32 }, (_, i) => (w >>> i) & 1));
      dut.load.value = 0;
      for (let i = bits.length - 1; i >= 0; i--) {
        dut.sin.value = bits[i]!;
        dut.tick();
      }
      dut.load.value = 1;
      dut.tick();
      dut.load.value = 0;
      dut.tick(8);
      dut.load.value = 1;
      dut.tick();
      dut.load.value = 0;
      const out: number[] = [];
      for (let i = 0; i < 128; i++) {
        out.push(Number(dut.sout.value));
        dut.tick();
      }
      const got = [0, 1, 2, 3].map((k) => out.slice(32 * k, 32 * k + 32).reduce((acc, b, i) => (acc | (b << i)) >>> 0, 0));
      expect(got).toEqual(goldenQr(words[0]!, words[1]!, words[2]!, words[3]!));
    }
  });
});
