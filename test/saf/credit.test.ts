// Credit: a sender never sends past the buffer its next hop granted, so a full buffer stops
// the route upstream instead of dropping. Checked against the arithmetic of the buffers.
import { describe, expect, it } from 'vitest';
import { chainConfigs, patternBytes, pump, SafSim } from '../../testbed/sim-saf.ts';
import { equalBytes } from '../../spec/bytes.ts';

const HOPS = 3;
const RELAY_BUF = 16 * 1024;
const DEST_BUF = 24 * 1024;
const SRC_BUF = 128 * 1024;

function setup(loss: number, seed: number) {
  const { configs, links } = chainConfigs({ hops: HOPS, loss, bufferBytes: RELAY_BUF, sourceBufferBytes: SRC_BUF });
  configs[HOPS].routes[0].bufferBytes = DEST_BUF;
  const sim = new SafSim(configs, links, seed);
  sim.linksUp();
  const violations: string[] = [];
  sim.onStep = (s) => {
    for (let i = 0; i < HOPS; i++) {
      const v = s.engines[i].senderView(i + 1, 100 + i)!;
      const granted = i + 1 === HOPS ? DEST_BUF : RELAY_BUF;
      // Never past the credit, never more outstanding than the receiver's buffer.
      if (v.predictedOccupancy > v.receiverBuffer && v.receiverBuffer > 0) violations.push(`t=${s.now} node ${i}: predicted ${v.predictedOccupancy} > ${v.receiverBuffer}`);
      if (v.receiverBuffer !== 0 && v.receiverBuffer !== granted) violations.push(`node ${i}: window ${v.receiverBuffer}`);
      for (const u of v.unacked) if (u.offset + u.size > v.creditLimit) violations.push(`node ${i}: unacked beyond credit`);
    }
    for (const e of s.engines) for (const o of e.occupancies()) if (o.held > o.bufferBytes) violations.push(`overrun ${JSON.stringify(o)}`);
  };
  return { sim, violations };
}

describe('credit', () => {
  it.each([0, 0.05])('a receiver that stalls for 10 s fills every buffer exactly, stops the source, and loses nothing (loss %f)', (loss) => {
    const { sim, violations } = setup(loss, 21);
    const data = patternBytes(600_000, 21);
    const p = pump(sim, 1, data);
    sim.run(500);
    sim.engines[HOPS].pause(1);
    const deliveredAtPause = sim.receivedBytes(HOPS, 1);
    sim.run(10_500);
    // While stalled: nothing more delivered; the destination and each relay hold exactly their
    // buffer; the source holds exactly its buffer (what the destination has not delivered).
    expect(sim.receivedBytes(HOPS, 1)).toBe(deliveredAtPause);
    expect(sim.engines[HOPS].occupancies()[0].held).toBe(DEST_BUF);
    for (let i = 1; i < HOPS; i++) expect(sim.engines[i].occupancies()[0].held).toBe(RELAY_BUF);
    expect(p.written() - deliveredAtPause).toBe(SRC_BUF);
    expect(sim.engines[0].space(1)).toBe(0);
    const sentWhileFull = sim.engines[0].stats.dataBytesSent;
    sim.run(10_400);
    // A full route does not keep transmitting data: only refreshes and probes.
    expect(sim.engines[0].stats.dataBytesSent - sentWhileFull).toBeLessThan(4 * 1400);
    sim.engines[HOPS].resume(1, sim.now);
    sim.runUntil(() => sim.receivedBytes(HOPS, 1) >= data.length, 60_000);
    expect(equalBytes(sim.received(HOPS, 1), data)).toBe(true);
    expect(violations).toEqual([]);
    for (const e of sim.engines) expect(e.stats.dropped.overCredit).toBe(0);
  });

  it('the credit a sender holds never exceeds what its next hop has free', () => {
    const { sim } = setup(0.05, 5);
    pump(sim, 1, patternBytes(400_000, 5));
    sim.at(1500, () => sim.engines[HOPS].pause(1));
    let checked = 0;
    const prev = sim.onStep!;
    sim.onStep = (s) => {
      prev(s);
      for (let i = 0; i < HOPS; i++) {
        const v = s.engines[i].senderView(i + 1, 100 + i)!;
        const rv = s.engines[i + 1].receiverView(i, 100 + i)!;
        if (!v.receiverBuffer) continue;
        // Credit is the receiver's base (a past value, never ahead) plus its buffer.
        expect(v.creditLimit).toBeLessThanOrEqual(rv.grantLimit);
        expect(rv.grantLimit - rv.base).toBe(v.receiverBuffer);
        checked++;
      }
    };
    sim.run(4000);
    expect(checked).toBeGreaterThan(1000);
  });
});
