// The generated iterative block function in Verilator against the golden model: RFC 8439
// blocks through coroutine drivers with random backpressure, then 10,000 random blocks
// through the batched stream path.
import { beforeAll, describe, expect, it } from 'vitest';
import { blockIterative } from '../../rtl-gen/chacha/block-iterative.ts';
import { block } from '../../sim/golden/chacha20.ts';
import { Rng, Scoreboard, type SimDut, StreamSink, StreamSource, clockCycles, packBeats, risingEdge, runStreams, simulate, unpackBeats } from '../../sim/index.ts';
import { bigToBytes, bytesToBig } from '../../spec/bytes.ts';
import { BLOCKS_A_1, BLOCK_2_3_2 } from '../../spec/rfc8439-vectors.ts';

/** s_axis_tdata for one block: key, 32-bit counter (little-endian), nonce. */
function blockInput(key: Uint8Array, nonce: Uint8Array, counter: number): bigint {
  const ctr = new Uint8Array(4);
  new DataView(ctr.buffer).setUint32(0, counter, true);
  return bytesToBig(Uint8Array.from([...key, ...ctr, ...nonce]));
}

describe('iterative ChaCha20 block function', () => {
  let dut: SimDut;
  beforeAll(async () => {
    dut = await simulate(blockIterative({ rounds: 20 }));
  });

  async function reset(): Promise<void> {
    dut.rst.value = 1;
    dut.s_axis_tvalid.value = 0;
    dut.m_axis_tready.value = 0;
    await clockCycles(dut.clk, 2);
    dut.rst.value = 0;
    await risingEdge(dut.clk);
  }

  it('produces the RFC 8439 2.3.2 and A.1 blocks under random backpressure', async () => {
    await reset();
    const rng = new Rng(11);
    const src = new StreamSource(dut, 's_axis', { idle: 0.4, rng });
    const sink = new StreamSink(dut, 'm_axis', { idle: 0.5, rng });
    const sb = new Scoreboard('keystream', dut.clk);
    sink.onBeat = (beat) => sb.got(bigToBytes(beat.tdata as bigint, 64));
    for (const v of [BLOCK_2_3_2, ...BLOCKS_A_1, BLOCK_2_3_2]) {
      src.send({ tdata: blockInput(v.key, v.nonce, v.counter) });
      sb.expect(v.output);
    }
    for (let i = 0; i < 400 && sb.outstanding > 0; i++) await risingEdge(dut.clk);
    sb.finish();
    expect(sb.matched).toBe(4);
    src.stop();
    sink.stop();
    await risingEdge(dut.clk);
  });

  it('matches the golden model on 10,000 random blocks (batched, random gaps and stalls)', () => {
    const rng = new Rng(12);
    const n = 10_000;
    const cases = Array.from({ length: n }, () => ({ key: rng.bytes(32), nonce: rng.bytes(12), counter: rng.u32() }));
    const beats = packBeats(dut, 's_axis', ['tdata'], cases.map((c) => ({ tdata: blockInput(c.key, c.nonce, c.counter) })));
    const r = runStreams(dut, {
      sources: [{ prefix: 's_axis', fields: ['tdata'], beats, count: n, gaps: rng.pattern(997, 0.3) }],
      sinks: [{ prefix: 'm_axis', fields: ['tdata'], expect: n, stalls: rng.pattern(991, 0.3) }],
      maxCycles: n * 40,
    });
    expect(r.sent[0]).toBe(n);
    expect(r.received[0]).toBe(n);
    const out = unpackBeats(dut, 'm_axis', ['tdata'], r.out[0]!, n);
    for (let i = 0; i < n; i++) {
      const want = block(cases[i]!.key, cases[i]!.nonce, cases[i]!.counter);
      const got = bigToBytes(out[i]!.tdata as bigint, 64);
      if (Buffer.compare(Buffer.from(want), Buffer.from(got)) !== 0) {
        throw new Error(`block #${i}: expected ${Buffer.from(want).toString('hex')}, got ${Buffer.from(got).toString('hex')}`);
      }
    }
    // One block in flight: rounds + 1 cycles of work plus the hand-offs, never faster.
    expect(r.cycles).toBeGreaterThanOrEqual(n * 21);
  });
});
