// Hop acknowledgements: the receiver reports which datagrams arrived; a gap makes the sender
// resend at once (after the overview's "A infers that the 512 KB was not received"), well
// before any timeout.
import { describe, expect, it } from 'vitest';
import { SafMsg } from '../../host/saf/constants.ts';
import { decodeDatagram, type Datagram } from '../../host/saf/wire.ts';
import { chainConfigs, patternBytes, pump, SafSim } from '../../testbed/sim-saf.ts';
import { equalBytes } from '../../spec/bytes.ts';

function decoded(sim: SafSim, from: number, to: number) {
  return sim.wire.filter((w) => w.from === from && w.to === to).map((w) => ({ ...w, d: decodeDatagram(w.bytes) as Datagram }));
}

describe('hop acknowledgement', () => {
  it('a datagram lost in a stream is resent on the gap, one RTT later, without a timeout', () => {
    const { configs, links } = chainConfigs({ hops: 1, delayMs: 10 });
    const sim = new SafSim(configs, links, 1);
    sim.recordWire = true;
    let dataSeen = 0;
    let droppedSeq = -1;
    sim.filter = (from, _to, bytes) => {
      const d = decodeDatagram(bytes) as Datagram;
      if (from !== 0 || !d.messages.some((m) => m.type === SafMsg.Data)) return true;
      if (++dataSeen === 5) {
        droppedSeq = d.seq;
        return false;
      }
      return true;
    };
    sim.linksUp();
    const data = patternBytes(100_000, 2);
    pump(sim, 1, data);
    sim.runUntil(() => sim.receivedBytes(1, 1) >= data.length, 10_000);
    expect(equalBytes(sim.received(1, 1), data)).toBe(true);
    const sent = decoded(sim, 0, 1);
    const lost = sent.find((w) => w.d.seq === droppedSeq)!;
    const lostMsg = lost.d.messages.find((m) => m.type === SafMsg.Data)!;
    if (lostMsg.type !== SafMsg.Data) throw new Error('unreachable');
    const resend = sent.find((w) => w.at > lost.at && w.d.messages.some((m) => m.type === SafMsg.Data && m.offset === lostMsg.offset))!;
    expect(resend).toBeDefined();
    // The receiver's acknowledgement shows the hole: some HopAck from 1 to 0 has a largest
    // above the lost sequence and the bit for it clear.
    const acks = decoded(sim, 1, 0).flatMap((w) => w.d.messages.filter((m) => m.type === SafMsg.HopAck));
    const showsGap = acks.some((m) => {
      if (m.type !== SafMsg.HopAck) return false;
      const i = m.largest - 1 - droppedSeq;
      return i >= 0 && i < 32 && ((m.lo >>> i) & 1) === 0;
    });
    expect(showsGap).toBe(true);
    // Resent within about one round trip (2 x 10 ms + a few datagram times), long before the
    // initial 200 ms timeout; no timeout fired.
    expect(resend.at - lost.at).toBeLessThan(40);
    expect(sim.engines[0].stats.timeouts).toBe(0);
    expect(sim.engines[0].stats.retransmittedBytes).toBe(lostMsg.bytes.length);
  });

  it('a lost tail (nothing sent after it) is recovered by the timeout', () => {
    const { configs, links } = chainConfigs({ hops: 1 });
    const sim = new SafSim(configs, links, 1);
    let drop = true;
    sim.filter = (from, _to, bytes) => {
      const d = decodeDatagram(bytes) as Datagram;
      if (from === 0 && drop && d.messages.some((m) => m.type === SafMsg.Data)) {
        drop = false;
        return false;
      }
      return true;
    };
    sim.linksUp();
    sim.run(100);
    const msg = patternBytes(500, 9);
    expect(sim.engines[0].write(1, msg, sim.now)).toBe(500);
    sim.run(1000);
    expect(equalBytes(sim.received(1, 1), msg)).toBe(true);
    expect(sim.engines[0].stats.timeouts).toBeGreaterThan(0);
  });

  it('the sender frees what the hop acknowledged: a relay holds only unacknowledged bytes', () => {
    const { configs, links } = chainConfigs({ hops: 2 });
    const sim = new SafSim(configs, links, 4);
    sim.linksUp();
    const data = patternBytes(50_000, 4);
    pump(sim, 1, data);
    sim.runUntil(() => sim.receivedBytes(2, 1) >= data.length, 10_000);
    sim.run(sim.now + 200);
    expect(sim.engines[1].occupancies()[0].held).toBe(0);
    expect(sim.engines[1].senderView(2, 101)!.unacked).toEqual([]);
    // The source frees only on the end-to-end acknowledgement, which has arrived by now.
    expect(sim.engines[0].senderView(1, 100)!.e2e).toBe(data.length);
    expect(sim.engines[0].occupancies()[0].held).toBe(0);
  });
});
