import { describe, expect, it } from 'vitest';
import { nobleAead } from '../../host/crypto/aead.ts';
import { AeadDriver, type AeadPacket } from '../../sim/drivers/aead-engine.ts';
import { Rng } from '../../sim/random.ts';
import { expectedAead } from '../../testbed/aead-golden.ts';
const hex = (b?: Uint8Array) => (b ? Buffer.from(b).toString('hex') : 'undefined');
describe('smoke', () => {
  it('seals and opens', async () => {
    const drv = await AeadDriver.create({ width: 128, units: 5, keySlots: 4, reduceStages: 9, queueWords: 32, outDepth: 64 });
    const rng = new Rng(1);
    drv.writeKey(1, rng.bytes(32));
    const ps: AeadPacket[] = [];
    for (let i = 0; i < 6; i++) {
      const aad = rng.bytes([20, 0, 5, 16, 33, 1][i]!);
      const pt = rng.bytes([28, 0, 17, 64, 100, 3][i]!);
      ps.push({ slot: 1, op: 'seal', counter: BigInt(i), aad, body: pt });
    }
    const r = drv.run(ps);
    r.out.forEach((o, i) => {
      const e = expectedAead(nobleAead, drv.keys[1]!, ps[i]!);
      expect(hex(o.data), `packet ${i}`).toBe(hex(e.data));
      expect(o.ok).toBe(true);
    });
    const opens = ps.map((p, i) => ({ ...p, op: 'open' as const, body: r.out[i]!.data.subarray(p.aad.length) }));
    const r2 = drv.run(opens);
    r2.out.forEach((o, i) => {
      expect(hex(o.data), `open ${i}`).toBe(hex(new Uint8Array([...ps[i]!.aad, ...ps[i]!.body])));
      expect(o.ok, `open ${i}`).toBe(true);
    });
  });
});
