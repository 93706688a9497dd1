// What one round unit computes, from the golden quarter round: quarter rounds on the
// columns of its input, then the unit's wiring (rtl-gen/chacha/round.ts).
import { roundWiring } from '../../../rtl-gen/chacha/round.ts';
import { quarterRound } from '../../../sim/golden/chacha20.ts';

export function unitModel(x: readonly number[]): number[] {
  const out = new Array<number>(16);
  for (let c = 0; c < 4; c++) {
    const q = quarterRound(x[c]!, x[4 + c]!, x[8 + c]!, x[12 + c]!);
    for (let r = 0; r < 4; r++) out[4 * r + roundWiring(r, c)] = q[r]!;
  }
  return out;
}
