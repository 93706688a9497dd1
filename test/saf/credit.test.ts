// Credit: a sender never sends past the buffer its next hop granted, so a full buffer stops
// the route upstream, hop by hop to the source, instead of dropping. A receiver that stops
// reading for ten seconds fills every buffer on the route to the brim, the source stops, and
// nothing is lost or resent; checked against the arithmetic of the buffers.
import { describe, expect, it } from 'vitest';
import { MAX_ROUTE_PACKET_BYTES } from '../../spec/route-wire.ts';
import { equalBytes } from '../../spec/bytes.ts';
import { patternBytes, SafChain } from '../../testbed/sim-saf.ts';

const HOPS = 3;
const BUF = 96 * 1024;
const SRC_BUF = 128 * 1024;
const CH = 13;

async function setup(loss: number, seed: string) {
  const c = await SafChain.create({ hops: HOPS, loss, bufferBytes: BUF, sourceBufferBytes: SRC_BUF, seed });
  const route = await c.route();
  const sink = c.sink(CH);
  const violations: string[] = [];
  // After every event: no lane holds more than its buffer, and no sender's limit passes what
  // its receiver granted.
  const check = () => {
    for (let i = 0; i < HOPS; i++) {
      const out = c.node(i).status().saf.lanes.find((l) => l.direction === 'out' && l.cls === 'bulk');
      const inl = c.node(i + 1).status().saf.lanes.find((l) => l.direction === 'in' && l.cls === 'bulk');
      if (!out || !inl) continue;
      if (out.limit > inl.limit) violations.push(`hop ${i}: sender's limit ${out.limit} > receiver's grant ${inl.limit}`);
      if (out.offset > inl.limit) violations.push(`hop ${i}: sent to ${out.offset}, granted ${inl.limit}`);
    }
    for (let i = 0; i <= HOPS; i++) for (const l of c.node(i).status().saf.lanes) if (l.direction === 'in' && l.held > l.window) violations.push(`n${i} overrun ${JSON.stringify(l)}`);
    c.sim.clock.setTimeout(check, 5);
  };
  check();
  return { c, route, sink, violations };
}

describe('credit', () => {
  it.each([0, 0.05])('a receiver that stalls for 10 s fills every buffer to the brim, stops the source, and loses nothing (loss %f)', async (loss) => {
    const { c, route, sink, violations } = await setup(loss, `stall-${loss}`);
    const data = patternBytes(1_500_000, 21);
    const stream = await c.send([route.id], CH, data);
    await c.run(500);
    sink.stream!.pause();
    const deliveredAtPause = sink.bytes;
    await c.run(10_000);
    // While stalled: nothing more delivered; every hop's sender has used up its credit (to
    // within one packet), and every receiver's grant is in use to within one packet while it
    // holds at most its buffer; the source's first hop holds its buffer to within one packet.
    expect(sink.bytes).toBe(deliveredAtPause);
    for (let i = 0; i < HOPS; i++) {
      const out = c.node(i).status().saf.lanes.find((l) => l.direction === 'out' && l.cls === 'bulk')!;
      const inl = c.node(i + 1).status().saf.lanes.find((l) => l.direction === 'in' && l.cls === 'bulk')!;
      expect(out.limit - out.offset).toBeLessThan(MAX_ROUTE_PACKET_BYTES);
      expect(inl.held).toBeLessThanOrEqual(BUF);
      expect(inl.used).toBeLessThanOrEqual(BUF);
      expect(inl.used).toBeGreaterThan(BUF - MAX_ROUTE_PACKET_BYTES);
    }
    const out = c.src.status().saf.lanes.find((l) => l.direction === 'out' && l.cls === 'bulk')!;
    expect(out.held).toBeLessThanOrEqual(SRC_BUF);
    expect(out.held).toBeGreaterThan(SRC_BUF - MAX_ROUTE_PACKET_BYTES);
    // A full route does not keep transmitting data.
    const sentWhileFull = c.src.status().saf.stats.packetsSent;
    await c.run(500);
    expect(c.src.status().saf.stats.packetsSent - sentWhileFull).toBeLessThan(4);
    // The route is alive all along (its pings go in the real-time lane, past the full one).
    expect(c.src.routes()[0].state).toBe('up');
    sink.stream!.resume();
    await c.runUntil(() => sink.ended, 60_000);
    expect(equalBytes(sink.received(), data)).toBe(true);
    expect(violations.slice(0, 5)).toEqual([]);
    expect(stream.status().retransmits).toBe(0);
    for (let i = 0; i <= HOPS; i++) expect(c.node(i).status().saf.stats.dropped.overCredit).toBe(0);
    c.close();
  }, 60_000);
});
