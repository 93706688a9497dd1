// The generated Poly1305 core in Verilator: RFC 8439 2.5.2 and every A.3 vector, random
// messages against @noble/ciphers under random write gaps, tag comparison both ways, empty
// and short messages, and parameters that cannot be built.
import { poly1305 as noblePoly } from '@noble/ciphers/_poly1305.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { poly1305 } from '../../rtl-gen/poly1305/core.ts';
import { POLY1305_CONFIGS } from '../../rtl-gen/poly1305/designs.ts';
import { poly1305Multiply } from '../../rtl-gen/poly1305/multiply.ts';
import { POLY1305_2_5_2, POLY1305_A_3 } from '../../spec/rfc8439-vectors.ts';
import { Rng } from '../../sim/random.ts';
import { CoreDriver, type CoreConfig, type Message } from '../../sim/drivers/poly1305-core.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The committed cores: one lane (the 10G engine's), two lanes with a short ring, four lanes on ECP5 tiles with a short queue. */
const CONFIGS: CoreConfig[] = POLY1305_CONFIGS.map((c) => ({ ...c }));

describe.each(CONFIGS)('Poly1305 core, $lanes lane(s), $multiplier multiplier', (cfg) => {
  let drv: CoreDriver;
  const rng = new Rng(17 + cfg.lanes);
  beforeAll(async () => {
    drv = await CoreDriver.create(cfg);
  });

  it('computes RFC 8439 2.5.2 and every A.3 vector', () => {
    const vectors = [POLY1305_2_5_2, ...POLY1305_A_3];
    const out = drv.run(vectors.map((v) => ({ key: v.key, msg: v.msg, expect: v.tag })));
    expect(out.map((o) => hex(o.tag))).toEqual(vectors.map((v) => hex(v.tag)));
    expect(out.every((o) => o.match)).toBe(true);
  });

  it('matches @noble/ciphers on random messages under random gaps, and reports which tags match', () => {
    const messages: Message[] = Array.from({ length: 300 }, (_, i) => {
      const key = rng.bytes(32);
      // Lengths weighted to the short end, with edge keys now and then (r and s all ones).
      if (i % 17 === 0) key.fill(0xff);
      const msg = rng.bytes(rng.next() < 0.6 ? rng.int(0, 80) : rng.int(81, 1500));
      const tag = noblePoly(msg, key);
      const expect = i % 3 === 0 ? Uint8Array.from(tag, (b, k) => (k === i % 16 ? b ^ (1 << (i % 8)) : b)) : tag;
      return { key, msg, expect };
    });
    const out = drv.run(messages, rng, 0.3);
    out.forEach((o, i) => {
      expect(hex(o.tag), `message ${i} (${messages[i]!.msg.length} bytes)`).toBe(hex(noblePoly(messages[i]!.msg, messages[i]!.key)));
      expect(o.match, `message ${i}`).toBe(i % 3 !== 0);
    });
  });

  it('keeps many short messages in flight: the ring takes a word every cycle', () => {
    drv.reset();
    const messages = Array.from({ length: 200 }, () => ({ key: rng.bytes(32), msg: rng.bytes(64 * cfg.lanes) }));
    const out = drv.run(messages);
    out.forEach((o, i) => expect(hex(o.tag)).toBe(hex(noblePoly(messages[i]!.msg, messages[i]!.key))));
    // Each message is a key word, four words of blocks and, with four lanes, two passes
    // that make r^3 and r^4; with every slot busy the ring takes one pass per cycle.
    const passes = 1 + Math.max(0, cfg.lanes - 2) + 4;
    const cycles = out[out.length - 1]!.cycle - out[0]!.cycle;
    expect(cycles / (messages.length - 1)).toBeLessThan(passes + 0.5);
  });
});

describe('Poly1305 core parameters', () => {
  it('rejects what cannot be built, naming the parameter', () => {
    expect(() => poly1305({ lanes: 3 })).toThrow(/parameter "lanes" is 3; it must be one of 1, 2, 4/);
    expect(() => poly1305({ multiplier: 'ice40' })).toThrow(/parameter "multiplier" is "ice40": a lane makes 64 limb products of 18 x 18 bits, four SB_MAC16 \(16 x 16\) each, 256 in all; the iCE40UP5K has 8/);
    expect(() => poly1305({ multiplier: 'xilinx' })).toThrow(/parameter "multiplier" is "xilinx"; it must be one of ecp5, fabric, ice40/);
    expect(() => poly1305({ multiplier: 'ecp5', mulStages: 2 })).toThrow(/"mulStages" is 2; a ecp5 limb product has 1 adder level/);
    expect(() => poly1305({ lanes: 1, reduceStages: 12 })).toThrow(/"reduceStages" is 12; with 1 lane\(s\) the reduction has 8 adder levels/);
    expect(() => poly1305({ queueWords: 100 })).toThrow(/"queueWords" is 100; it must be a power of two/);
    expect(() => poly1305Multiply({ metaTap: 9, reduceStages: 8 })).toThrow(/"metaTap" is 9/);
  });
});
