// Datagrams on routes: each message arrives whole or not at all, in either direction, sealed
// end to end (relays see only ciphertext), never resent; the ends hear when the route goes.
import { describe, expect, it } from 'vitest';
import { MAX_DATAGRAM_BYTES, RouteMsg } from '../../spec/route-wire.ts';
import { decodeRouteInner, encodeRouteInner } from '../../host/mesh/route-packet.ts';
import { captureFrames, chainWithRoute, contains, testData } from './support/fixtures.ts';

const CH = 9;

describe('route datagrams', () => {
  it('codec: channel and payload round-trip; a channel below 2 is malformed', () => {
    const bytes = testData(100);
    const m = decodeRouteInner(encodeRouteInner({ type: RouteMsg.Datagram, channel: 4000, bytes }));
    expect(m).toEqual({ type: RouteMsg.Datagram, channel: 4000, bytes });
    expect(decodeRouteInner(Uint8Array.of(RouteMsg.Datagram, 0, 1, 7))).toBeUndefined();
    expect(decodeRouteInner(Uint8Array.of(RouteMsg.Datagram, 0))).toBeUndefined();
  });

  it('carries messages both ways over a 3-hop route, whole and sealed from the relays', async () => {
    const { sim, names, src, route } = await chainWithRoute(4, { latencyMs: 5 });
    const dst = sim.node(names[3]);
    const frames = captureFrames(sim);
    const atDst: Array<{ bytes: Uint8Array; end: number }> = [];
    const atSrc: Array<{ bytes: Uint8Array; end: number }> = [];
    dst.onDatagram(CH, (bytes, from) => {
      atDst.push({ bytes: bytes.slice(), end: from.route });
      from.send(bytes.slice().reverse());
    });
    src.onDatagram(CH, (bytes, from) => atSrc.push({ bytes: bytes.slice(), end: from.route }));
    const sent = [testData(1, 1), testData(MAX_DATAGRAM_BYTES, 2), testData(700, 3)];
    for (const b of sent) expect(src.sendDatagram(route.id, CH, b)).toBe(true);
    await sim.run(200);
    expect(atDst.map((x) => x.bytes)).toEqual(sent);
    expect(atSrc.map((x) => x.bytes)).toEqual(sent.map((b) => b.slice().reverse()));
    expect(new Set(atSrc.map((x) => x.end))).toEqual(new Set([route.id]));
    // Relays forwarded ciphertext only.
    for (const relay of [names[1], names[2]]) for (const f of frames.get(relay)!) expect(contains(f.payload, sent[2].subarray(0, 32))).toBe(false);
    expect(() => src.sendDatagram(route.id, CH, new Uint8Array(MAX_DATAGRAM_BYTES + 1))).toThrow(/at most/);
    expect(src.sendDatagram(9999, CH, sent[0])).toBe(false);
    sim.close();
  });

  it('loses what the links lose and never resends it', async () => {
    const { sim, names, src, route } = await chainWithRoute(3, { latencyMs: 5, loss: 0.2 }, {}, 'lossy');
    const dst = sim.node(names[2]);
    let got = 0;
    dst.onDatagram(CH, () => void got++);
    for (let i = 0; i < 400; i++) {
      src.sendDatagram(route.id, CH, testData(200, i + 1));
      await sim.run(2);
    }
    await sim.run(500);
    // Two links at 20 %: about 64 % arrive; nothing is sent twice.
    expect(got).toBeGreaterThan(200);
    expect(got).toBeLessThan(320);
    expect(src.status().counters.segmentsRetransmitted).toBe(0);
    sim.close();
  });

  it('tells both ends when the route goes, and counts datagrams for a channel nobody serves', async () => {
    const { sim, names, src, route } = await chainWithRoute(3, { latencyMs: 5 });
    const dst = sim.node(names[2]);
    let end = -1;
    dst.onDatagram(CH, (_b, from) => void (end = from.route));
    const closedAtDst: number[] = [];
    const closedAtSrc: number[] = [];
    dst.onRouteEndClosed((e) => closedAtDst.push(e));
    src.onRouteEndClosed((e) => closedAtSrc.push(e));
    src.sendDatagram(route.id, CH, testData(10));
    src.sendDatagram(route.id, CH + 1, testData(10));
    await sim.run(100);
    expect(end).toBeGreaterThan(0);
    expect(dst.status().counters.unknownChannel).toBe(1);
    src.deleteRoute(route.id);
    await sim.run(500);
    expect(closedAtSrc).toContain(route.id);
    expect(closedAtDst).toContain(end);
    expect(dst.sendDatagram(end, CH, testData(10))).toBe(false);
    sim.close();
  });

  it('a datagram that expects an answer fails a route whose far end died, within routeFailMs', async () => {
    const { sim, names, src, route } = await chainWithRoute(3, { latencyMs: 5 }, { routeFailMs: 1000 });
    const closed: number[] = [];
    src.onRouteEndClosed((e) => closed.push(e));
    sim.kill(names[1]);
    src.sendDatagram(route.id, CH, testData(10), { expectsReply: true });
    expect(await sim.runUntil(() => closed.includes(route.id), 2_000)).toBe(true);
    sim.close();
  });
});
