// The hop datagram codec against its documented layout, malformed input (counted, never
// thrown), the engine's configuration checks, and the range set under it.
import { describe, expect, it } from 'vitest';
import { Cls, CREDIT_BYTES, DATA_HEADER_BYTES, DATAGRAM_HEADER_BYTES, HOP_ACK_BYTES, MAX_BUFFER_BYTES, MAX_PACKET_BYTES, SAF_MTU_BYTES, SafMsg } from '../../host/saf/constants.ts';
import { SafEngine } from '../../host/saf/engine.ts';
import { RangeSet } from '../../host/saf/ranges.ts';
import { SAF_DROPS } from '../../host/saf/stats.ts';
import { DatagramWriter, decodeDatagram, SAF_REJECTS, type SafMessage } from '../../host/saf/wire.ts';
import { FRAME_HEADER_BYTES, HOP_CHANNEL, MIN_ROUTE_PACKET_BYTES } from '../../spec/route-wire.ts';
import { VirtualClock } from '../../testbed/virtual-clock.ts';
import { prng } from '../../testbed/sim-saf.ts';

const packet = (route: number, n: number, fill = 7) => {
  const p = new Uint8Array(n).fill(fill);
  new DataView(p.buffer).setUint32(0, route);
  return p;
};

const sample: SafMessage[] = [
  { type: SafMsg.Data, cls: Cls.realtime, offset: 2 ** 40 + 5, packet: packet(0xdeadbeef, 40) },
  { type: SafMsg.HopAck, largest: 0xfffffff0, lo: 0x80000001, hi: 0x12345678 },
  { type: SafMsg.Credit, cls: Cls.bulk, route: 9, freed: 2 ** 47, window: 2 ** 30 },
  { type: SafMsg.Credit, cls: Cls.realtime, route: 0xffffffff, freed: 0, window: 16384 },
  { type: SafMsg.Data, cls: Cls.bulk, offset: 0, packet: packet(5, 1000) },
];

function encode(msgs: SafMessage[], seq = 0xabcdef01): Uint8Array {
  const w = new DatagramWriter(seq);
  for (const m of msgs) if (!w.add(m)) throw new Error('does not fit');
  return w.finish();
}

describe('hop datagram', () => {
  it('round-trips every message type inside one channel-2 frame', () => {
    const frame = encode(sample);
    expect(frame[4] * 256 + frame[5]).toBe(HOP_CHANNEL);
    const body = frame.subarray(FRAME_HEADER_BYTES);
    expect(new DataView(frame.buffer, frame.byteOffset).getUint32(0)).toBe(body.length);
    expect(body.length).toBe(DATAGRAM_HEADER_BYTES + 2 * DATA_HEADER_BYTES + 1040 + HOP_ACK_BYTES + 2 * CREDIT_BYTES);
    const d = decodeDatagram(body);
    if (typeof d === 'string') throw new Error(d);
    expect(d.seq).toBe(0xabcdef01);
    expect(d.ackEliciting).toBe(true);
    expect(d.messages).toEqual(sample);
  });

  it('lays the Data header out as documented (big-endian, offset u48, the packet whole)', () => {
    const body = encode([sample[0]]).subarray(FRAME_HEADER_BYTES);
    const v = new DataView(body.buffer, body.byteOffset);
    const p = DATAGRAM_HEADER_BYTES;
    expect(body[p]).toBe(SafMsg.Data);
    expect(body[p + 1]).toBe(1); // real time
    expect(v.getUint16(p + 2) * 2 ** 32 + v.getUint32(p + 4)).toBe(2 ** 40 + 5);
    expect(v.getUint16(p + 8)).toBe(40);
    expect(v.getUint32(p + 10)).toBe(0xdeadbeef); // the route packet's own route ID
  });

  it('takes the largest route packet alone, and refuses what does not fit the MTU', () => {
    const w = new DatagramWriter(1);
    expect(w.add({ type: SafMsg.Data, cls: Cls.bulk, offset: 0, packet: packet(1, MAX_PACKET_BYTES) })).toBe(true);
    expect(w.length).toBe(SAF_MTU_BYTES);
    expect(w.add({ type: SafMsg.HopAck, largest: 1, lo: 0, hi: 0 })).toBe(false);
  });

  it.each([
    ['truncated', new Uint8Array([2, 0, 0])],
    ['badVersion', new Uint8Array([9, 0, 0, 0, 0, 0])],
    ['badFlags', new Uint8Array([2, 0x80, 0, 0, 0, 0])],
    ['badType', new Uint8Array([2, 0, 0, 0, 0, 0, 99])],
    ['truncated', new Uint8Array([2, 0, 0, 0, 0, 0, SafMsg.Credit, 0])],
    ['badLength', Uint8Array.from([2, 1, 0, 0, 0, 0, SafMsg.Data, 0, 0, 0, 0, 0, 0, 0, 0, 50, 1, 2])],
    ['badLength', Uint8Array.from([2, 1, 0, 0, 0, 0, SafMsg.Data, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4])],
    ['badFlags', encode([sample[1]]).subarray(FRAME_HEADER_BYTES).map((b, i) => (i === 1 ? 1 : b))], // asks an ack for no data
    ['oversized', new Uint8Array(SAF_MTU_BYTES + 1).fill(2)],
  ])('rejects %s input', (reason, bytes) => {
    expect(decodeDatagram(bytes)).toBe(reason);
  });

  it('an engine never throws on random or mutated input, and counts every rejection', () => {
    const rand = prng(99);
    const clock = new VirtualClock();
    const engine = new SafEngine(clock, { transmit: () => true, deliver: (_n, _p, _c, held) => held.release(), window: () => 65536, writable: () => undefined });
    engine.neighbourUp(1);
    const good = encode(sample).subarray(FRAME_HEADER_BYTES);
    let rejected = 0;
    for (let i = 0; i < 5000; i++) {
      const b = i % 2 ? new Uint8Array((rand() * 200) | 0).map(() => (rand() * 256) | 0) : good.slice(0, (rand() * good.length) | 0);
      if (i % 3 === 0 && b.length) b[(rand() * b.length) | 0] ^= 1 << ((rand() * 8) | 0);
      if (typeof decodeDatagram(b) === 'string') rejected++;
      expect(() => engine.receive(1, b)).not.toThrow();
      expect(() => clock.runUntil(clock.now() + 1)).not.toThrow();
    }
    const counted = SAF_REJECTS.reduce((a, r) => a + engine.stats.dropped[r], 0);
    expect(counted).toBe(rejected);
    expect(engine.stats.dropped.unknownNeighbour).toBe(0);
    engine.receive(2, good);
    expect(engine.stats.dropped.unknownNeighbour).toBe(1);
    expect(SAF_DROPS).toContain('overCredit');
    engine.close();
  });

  it('refuses a configured buffer out of range, naming it', () => {
    const io = { transmit: () => true, deliver: () => undefined, window: () => 0, writable: () => undefined };
    expect(() => new SafEngine(new VirtualClock(), io, { bufferBytes: { [Cls.bulk]: 1000 } })).toThrow(/bufferBytes\.bulk/);
    expect(() => new SafEngine(new VirtualClock(), io, { bufferBytes: { [Cls.realtime]: MAX_BUFFER_BYTES + 1 } })).toThrow(/bufferBytes\.realtime/);
    const e = new SafEngine(new VirtualClock(), io);
    e.neighbourUp(3);
    expect(() => e.sendSaf(3, Cls.bulk, new Uint8Array(MIN_ROUTE_PACKET_BYTES - 1))).toThrow(RangeError);
    e.close();
  });
});

describe('building blocks', () => {
  it('RangeSet agrees with a plain set of offsets', () => {
    const rand = prng(4);
    const rs = new RangeSet();
    const ref = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const s = (rand() * 500) | 0;
      const e = s + ((rand() * 20) | 0);
      if (rand() < 0.7) {
        rs.add(s, e);
        for (let x = s; x < e; x++) ref.add(x);
      } else {
        rs.remove(s, e);
        for (let x = s; x < e; x++) ref.delete(x);
      }
      if (i % 100 === 0) {
        expect(rs.size()).toBe(ref.size);
        for (const [a, b] of rs.ranges()) for (let x = a; x < b; x++) expect(ref.has(x)).toBe(true);
        const m = rs.missing(100, 300).reduce((a, [x, y]) => a + y - x, 0);
        expect(m).toBe([...Array(200).keys()].filter((k) => !ref.has(k + 100)).length);
      }
    }
  });
});
