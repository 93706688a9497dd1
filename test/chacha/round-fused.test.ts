// The round unit built for ECP5 carry chains (adders 'ecp5': every XOR folded into the next
// addition, rows of b held as pairs) in Verilator, with the CCU2C model, against the golden
// quarter round: random states go in converted to the pair form, and what comes out,
// converted back, must be one round of the golden model, at every stage count.
import { describe, expect, it } from 'vitest';
import { fromFusedForm, round, toFusedForm } from '../../rtl-gen/chacha/round.ts';
import { Rng, simulate } from '../../sim/index.ts';
import { unitModel } from './support/round-model.ts';

const pack = (w: readonly number[]): bigint => w.reduceRight((acc, v) => (acc << 32n) | BigInt(v >>> 0), 0n);
const unpack = (v: bigint): number[] => Array.from({ length: 16 }, (_, i) => Number((v >> BigInt(32 * i)) & 0xffffffffn));

describe.each([1, 2, 4])('fused round unit, %i stage(s)', (stages) => {
  it('is one golden round on states in the pair form (300 states back to back)', async () => {
    const dut = await simulate(round({ stages, metaWidth: 8, tapBits: 1, nextBits: 1, adders: 'ecp5' }));
    const rng = new Rng(stages);
    const states = Array.from({ length: 300 }, () => Array.from({ length: 16 }, () => rng.u32()));
    const got: number[][] = [];
    for (let t = 0; t < states.length + stages; t++) {
      if (t < states.length) {
        dut.state_in.value = pack(toFusedForm(states[t]!));
        dut.meta_in.value = t & 0xff;
      }
      dut.tick();
      if (t + 1 >= stages && got.length < states.length) {
        expect(Number(dut.meta_out.value)).toBe((t + 1 - stages) & 0xff);
        got.push(fromFusedForm(unpack(dut.state_out.big)));
      }
    }
    got.forEach((g, i) => expect(g).toEqual(unitModel(states[i]!)));
  });

  it('converts to the pair form and back exactly', () => {
    const rng = new Rng(99);
    const s = Array.from({ length: 16 }, () => rng.u32());
    expect(fromFusedForm(toFusedForm(s))).toEqual(s);
  });
});
