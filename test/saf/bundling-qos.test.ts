// Bundling (messages of several routes to the same next node share one datagram) and the
// two QoS classes (real time first; bulk only when no real-time data waits).
import { describe, expect, it } from 'vitest';
import { SAF_MTU_BYTES, SafMsg, DEFAULT_LINK_OVERHEAD_BYTES } from '../../host/saf/constants.ts';
import { decodeDatagram, type Datagram } from '../../host/saf/wire.ts';
import { chainConfigs, patternBytes, pump, SafSim } from '../../testbed/sim-saf.ts';
import { equalBytes } from '../../spec/bytes.ts';

describe('bundling', () => {
  it('small messages of three routes to the same next node travel in shared datagrams up to the MTU', () => {
    // A fourth route keeps the link busy, so the small messages wait for the pacer together.
    const { configs, links } = chainConfigs({ hops: 2, routes: [{}, {}, {}, {}] });
    const sim = new SafSim(configs, links, 2);
    sim.recordWire = true;
    sim.linksUp();
    const filler = patternBytes(200_000, 4);
    pump(sim, 4, filler);
    const msgs = [1, 2, 3].map((k) => patternBytes(300, k));
    for (let round = 0; round < 20; round++) {
      sim.at(50 + round * 5, () => msgs.forEach((m, k) => expect(sim.engines[0].write(k + 1, m, sim.now)).toBe(300)));
    }
    sim.run(3000);
    for (let k = 0; k < 3; k++) {
      const expected = new Uint8Array(300 * 20);
      for (let r = 0; r < 20; r++) expected.set(msgs[k], r * 300);
      expect(equalBytes(sim.received(2, k + 1), expected)).toBe(true);
    }
    expect(equalBytes(sim.received(2, 4), filler)).toBe(true);
    const routesIn = (from: number, to: number) =>
      sim.wire
        .filter((w) => w.from === from && w.to === to)
        .map((w) => new Set((decodeDatagram(w.bytes) as Datagram).messages.flatMap((m) => (m.type === SafMsg.Data ? [m.route] : []))).size);
    expect(Math.max(...routesIn(0, 1))).toBeGreaterThanOrEqual(3);
    // The relay bundles too when it forwards.
    expect(Math.max(...routesIn(1, 2))).toBeGreaterThanOrEqual(3);
    for (const w of sim.wire) expect(w.bytes.length).toBeLessThanOrEqual(SAF_MTU_BYTES);
  });
});

describe('quality of service', () => {
  const HOPS = 3;
  const RATE = 125; // bytes per ms: 1 Mb/s, so one datagram takes about 12 ms
  const datagramMs = (SAF_MTU_BYTES + DEFAULT_LINK_OVERHEAD_BYTES) / RATE;

  function rtLatencies(withBulk: boolean): number[] {
    const { configs, links } = chainConfigs({ hops: HOPS, rate: RATE, routes: [{ qos: 'bulk', bufferBytes: 64 * 1024 }, { qos: 'realtime', bufferBytes: 16 * 1024 }] });
    const sim = new SafSim(configs, links, 8);
    sim.linksUp();
    if (withBulk) pump(sim, 1, patternBytes(2_000_000, 1));
    const sentAt: number[] = [];
    for (let k = 0; k < 40; k++) {
      sim.at(2000 + k * 97, () => {
        const m = new Uint8Array(64);
        new DataView(m.buffer).setUint32(0, k);
        sentAt.push(sim.now);
        expect(sim.engines[0].write(2, m, sim.now)).toBe(64);
      });
    }
    const lat: number[] = [];
    let seen = 0;
    const prev = sim.onStep;
    sim.onStep = (s) => {
      prev?.(s);
      const got = s.received(HOPS, 2);
      while ((seen + 1) * 64 <= got.length) {
        const k = new DataView(got.buffer, seen * 64).getUint32(0);
        lat.push(s.now - sentAt[k]);
        seen++;
      }
    };
    sim.run(2000 + 40 * 97 + 1000);
    if (withBulk) expect(sim.receivedBytes(HOPS, 1)).toBeGreaterThan(0.8 * RATE * 5000); // bulk really saturates
    return lat;
  }

  it('real-time latency under saturating bulk stays within idle latency + one datagram time per hop', () => {
    const idle = rtLatencies(false);
    const busy = rtLatencies(true);
    expect(idle.length).toBe(40);
    expect(busy.length).toBe(40);
    const bound = Math.max(...idle) + HOPS * datagramMs;
    expect(Math.max(...busy)).toBeLessThanOrEqual(bound + 0.01);
    // And bulk really was in the way: without priority a 64 KB queue would cost seconds.
    expect(Math.max(...busy)).toBeGreaterThan(Math.max(...idle));
  });

  it('a datagram carries waiting real-time data before any bulk data', () => {
    const { configs, links } = chainConfigs({ hops: 1, rate: RATE, routes: [{ qos: 'bulk' }, { qos: 'realtime' }] });
    const sim = new SafSim(configs, links, 8);
    sim.recordWire = true;
    sim.linksUp();
    pump(sim, 1, patternBytes(300_000, 1));
    sim.at(500, () => sim.engines[0].write(2, patternBytes(5000, 2), sim.now));
    sim.run(1500);
    const d = sim.wire.filter((w) => w.from === 0 && w.at >= 500).map((w) => decodeDatagram(w.bytes) as Datagram);
    // Until the 5000 real-time bytes are out, no datagram carries bulk bytes.
    let rtLeft = 5000;
    for (const g of d) {
      const rt = g.messages.filter((m) => m.type === SafMsg.Data && m.route === 200).reduce((a, m) => a + (m.type === SafMsg.Data ? m.bytes.length : 0), 0);
      const bulk = g.messages.some((m) => m.type === SafMsg.Data && m.route === 100);
      if (rtLeft > rt) expect(bulk).toBe(false);
      // Within a datagram, real-time messages come first.
      const kinds = g.messages.filter((m) => m.type === SafMsg.Data).map((m) => (m.type === SafMsg.Data ? m.route : 0));
      expect(kinds.join(',')).toBe([...kinds].sort((a, b) => b - a).join(','));
      rtLeft -= rt;
      if (rtLeft <= 0) break;
    }
    expect(rtLeft).toBeLessThanOrEqual(0);
  });
});
