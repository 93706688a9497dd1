// Hop acknowledgements: the receiver reports which datagrams arrived; a gap makes the sender
// resend at once (after the overview's "A infers that the 512 KB was not received"), well
// before any timeout; a lost tail is recovered by the hop's timeout; and what a hop
// acknowledged leaves the sender's buffer.
import { describe, expect, it } from 'vitest';
import { decodeDatagramFrames } from '../../host/mesh/framing.ts';
import { SafMsg } from '../../host/saf/constants.ts';
import { decodeDatagram, type Datagram } from '../../host/saf/wire.ts';
import { HOP_CHANNEL } from '../../spec/route-wire.ts';
import { equalBytes } from '../../spec/bytes.ts';
import type { WireEvent } from '../../testbed/sim-mesh.ts';
import { patternBytes, SafChain } from '../../testbed/sim-saf.ts';

const CH = 11;

function hopDatagram(e: WireEvent): Datagram | undefined {
  for (const f of decodeDatagramFrames(e.bytes).frames) {
    if (f.channel !== HOP_CHANNEL) continue;
    const d = decodeDatagram(f.payload);
    if (typeof d !== 'string') return d;
  }
  return undefined;
}

const hasData = (d: Datagram | undefined) => d?.messages.some((m) => m.type === SafMsg.Data) ?? false;

describe('hop acknowledgement', () => {
  it('a datagram lost in a flow is resent on the gap, about one round trip later, without a timeout', async () => {
    const c = await SafChain.create({ hops: 1, latencyMs: 10, seed: 'gap' });
    const route = await c.route();
    const sink = c.sink(CH);
    const wire = c.recordHopDatagrams();
    let dataSeen = 0;
    let droppedSeq = -1;
    c.sim.dropRules.push((e) => {
      const d = hopDatagram(e);
      if (e.from !== 'n0' || !hasData(d)) return false;
      if (++dataSeen === 15) {
        droppedSeq = d!.seq;
        return true;
      }
      return false;
    });
    const data = patternBytes(100_000, 2);
    await c.send([route.id], CH, data);
    await c.runUntil(() => sink.ended, 10_000);
    expect(equalBytes(sink.received(), data)).toBe(true);
    const sent = wire.filter((w) => w.from === 'n0' && w.to === 'n1');
    const lost = sent.find((w) => w.d.seq === droppedSeq && !w.delivered)!;
    const lostMsg = lost.d.messages.find((m) => m.type === SafMsg.Data)!;
    if (lostMsg.type !== SafMsg.Data) throw new Error('unreachable');
    const resend = sent.find((w) => w.at > lost.at && w.d.messages.some((m) => m.type === SafMsg.Data && m.cls === lostMsg.cls && m.offset === lostMsg.offset))!;
    expect(resend).toBeDefined();
    // The receiver's acknowledgement shows the hole: a HopAck from n1 with a largest above the
    // lost sequence and the bit for it clear.
    const acks = wire.filter((w) => w.from === 'n1').flatMap((w) => w.d.messages.filter((m) => m.type === SafMsg.HopAck));
    const showsGap = acks.some((m) => {
      if (m.type !== SafMsg.HopAck) return false;
      const i = m.largest - 1 - droppedSeq;
      return i >= 0 && i < 32 && ((m.lo >>> i) & 1) === 0;
    });
    expect(showsGap).toBe(true);
    // Resent within about one round trip (2 x 10 ms and a few datagram times), long before a
    // timeout; none fired, and exactly the lost packet was resent.
    expect(resend.at - lost.at).toBeLessThan(40);
    const s = c.src.status().saf.stats;
    expect(s.timeouts).toBe(0);
    expect(s.packetsRetransmitted).toBe(1);
    expect(s.bytesRetransmitted).toBe(lostMsg.packet.length);
    c.close();
  });

  it('a lost tail (nothing sent after it) is recovered by the hop timeout', async () => {
    const c = await SafChain.create({ hops: 1, seed: 'tail' });
    const route = await c.route();
    await c.run(100);
    let drop = true;
    c.sim.dropRules.push((e) => {
      if (e.from === 'n0' && drop && hasData(hopDatagram(e))) {
        drop = false;
        return true;
      }
      return false;
    });
    const got: Uint8Array[] = [];
    c.dst.onDatagram(CH, (b) => void got.push(b.slice()));
    const msg = patternBytes(500, 9);
    expect(c.src.sendDatagram(route.id, CH, msg)).toBe(true);
    await c.run(1000);
    expect(got).toHaveLength(1);
    expect(equalBytes(got[0], msg)).toBe(true);
    expect(c.src.status().saf.stats.timeouts).toBeGreaterThan(0);
    c.close();
  });

  it('the sender frees what the hop acknowledged: after a transfer no lane holds anything', async () => {
    const c = await SafChain.create({ hops: 2, seed: 'free' });
    const route = await c.route();
    const sink = c.sink(CH);
    const data = patternBytes(50_000, 4);
    await c.send([route.id], CH, data);
    await c.runUntil(() => sink.ended, 10_000);
    await c.run(200);
    expect(equalBytes(sink.received(), data)).toBe(true);
    for (let i = 0; i <= 2; i++) {
      const lanes = c.node(i).status().saf.lanes;
      expect(lanes.length).toBeGreaterThan(0);
      for (const l of lanes) expect([i, l.direction, l.cls, l.held, l.queued]).toEqual([i, l.direction, l.cls, 0, 0]);
    }
    c.close();
  });
});
