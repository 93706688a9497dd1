// The round unit's fixed wiring (rtl-gen/chacha/round.ts) lets identical units do column
// and diagonal rounds in turn. Checked here on the wiring function itself, against the
// golden permutation, before any Verilog is involved.
import { describe, expect, it } from 'vitest';
import { roundWiring } from '../../rtl-gen/chacha/round.ts';
import { permute } from '../../sim/golden/chacha20.ts';
import { Rng } from '../../sim/random.ts';
import { unitModel } from './support/round-model.ts';

describe('round unit wiring', () => {
  it('is a permutation of each row and its own inverse', () => {
    for (let r = 0; r < 4; r++) {
      const image = [0, 1, 2, 3].map((c) => roundWiring(r, c));
      expect([...image].sort()).toEqual([0, 1, 2, 3]);
      for (let c = 0; c < 4; c++) expect(roundWiring(r, roundWiring(r, c))).toBe(c);
    }
  });

  it('makes a chain of identical units equal the ChaCha permutation for 2 to 20 rounds', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 50; trial++) {
      const state = Array.from({ length: 16 }, () => rng.u32());
      let x = state;
      // After an odd number of rounds the words sit in the wired layout (internal to the
      // ring); after an even number they are back in order, which the golden model sees.
      for (let rounds = 2; rounds <= 20; rounds += 2) {
        x = unitModel(unitModel(x));
        expect(x).toEqual(permute(state, rounds));
      }
    }
  });
});
