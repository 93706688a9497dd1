// The datagram codec against its documented layout, malformed input (counted, never thrown),
// and configuration errors that name the field.
import { describe, expect, it } from 'vitest';
import { SafConfigError, validateSafConfig, type SafConfig } from '../../host/saf/config.ts';
import { CREDIT_BYTES, DATA_HEADER_BYTES, DATAGRAM_HEADER_BYTES, HOP_ACK_BYTES, MAX_BUFFER_BYTES, RESET_REQUEST_BYTES, SAF_MTU_BYTES, SafMsg, SYNC_BYTES } from '../../host/saf/constants.ts';
import { SafEngine } from '../../host/saf/engine.ts';
import { RangeSet } from '../../host/saf/ranges.ts';
import { ByteRing } from '../../host/saf/ring.ts';
import { DatagramWriter, decodeDatagram, epochNewer, type SafMessage } from '../../host/saf/wire.ts';
import { prng } from '../../testbed/sim-saf.ts';

const sample: SafMessage[] = [
  { type: SafMsg.Data, plain: false, route: 0xdeadbeef, epoch: 7, offset: 2 ** 40 + 5, bytes: Uint8Array.from([1, 2, 3]) },
  { type: SafMsg.HopAck, largest: 0xfffffff0, lo: 0x80000001, hi: 0x12345678 },
  { type: SafMsg.Credit, unsynced: false, route: 9, epoch: 65535, freed: 2 ** 47, window: 2 ** 30, e2e: 123456789 },
  { type: SafMsg.Sync, verify: true, route: 1, epoch: 3, base: 77 },
  { type: SafMsg.ResetRequest, route: 2, epoch: 4 },
  { type: SafMsg.Data, plain: true, route: 5, epoch: 0, offset: 0, bytes: new Uint8Array(10).fill(9) },
];

describe('saf wire', () => {
  it('round-trips every message type', () => {
    const w = new DatagramWriter(0xabcdef01);
    for (const m of sample) expect(w.add(m)).toBe(true);
    const b = w.finish();
    expect(b.length).toBe(DATAGRAM_HEADER_BYTES + 2 * DATA_HEADER_BYTES + 13 + HOP_ACK_BYTES + CREDIT_BYTES + SYNC_BYTES + RESET_REQUEST_BYTES);
    const d = decodeDatagram(b);
    if (typeof d === 'string') throw new Error(d);
    expect(d.seq).toBe(0xabcdef01);
    expect(d.ackEliciting).toBe(true);
    expect(d.messages).toEqual(sample);
  });

  it('lays the data header out as documented (big-endian, offset u48)', () => {
    const w = new DatagramWriter(1);
    w.add(sample[0]);
    const b = w.finish();
    const v = new DataView(b.buffer);
    expect(b[DATAGRAM_HEADER_BYTES]).toBe(SafMsg.Data);
    expect(v.getUint32(DATAGRAM_HEADER_BYTES + 2)).toBe(0xdeadbeef);
    expect(v.getUint16(DATAGRAM_HEADER_BYTES + 6)).toBe(7);
    expect(v.getUint16(DATAGRAM_HEADER_BYTES + 8) * 2 ** 32 + v.getUint32(DATAGRAM_HEADER_BYTES + 10)).toBe(2 ** 40 + 5);
    expect(v.getUint16(DATAGRAM_HEADER_BYTES + 14)).toBe(3);
  });

  it('refuses what does not fit the MTU', () => {
    const w = new DatagramWriter(1);
    expect(w.add({ type: SafMsg.Data, plain: false, route: 1, epoch: 0, offset: 0, bytes: new Uint8Array(SAF_MTU_BYTES) })).toBe(false);
    expect(w.empty).toBe(true);
  });

  it.each([
    ['truncated', new Uint8Array([1, 0, 0])],
    ['badVersion', new Uint8Array([9, 0, 0, 0, 0, 0])],
    ['badFlags', new Uint8Array([1, 0x80, 0, 0, 0, 0])],
    ['badType', new Uint8Array([1, 0, 0, 0, 0, 0, 99])],
    ['truncated', new Uint8Array([1, 0, 0, 0, 0, 0, SafMsg.Credit, 0])],
    ['badLength', Uint8Array.from([1, 1, 0, 0, 0, 0, SafMsg.Data, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 50, 1, 2])],
    ['oversized', new Uint8Array(SAF_MTU_BYTES + 1).fill(1)],
  ])('rejects %s input', (reason, bytes) => {
    expect(decodeDatagram(bytes)).toBe(reason);
  });

  it('never throws on random or mutated input, and counts every rejection', () => {
    const rand = prng(99);
    const engine = new SafEngine({ neighbours: [{ id: 1 }], routes: [{ in: { neighbour: 1, route: 5 }, out: { local: 1 }, bufferBytes: 4096 }] }, { transmit: () => {}, deliver: () => {} });
    const good = (() => {
      const w = new DatagramWriter(3);
      for (const m of sample) w.add(m);
      return w.finish();
    })();
    let rejected = 0;
    for (let i = 0; i < 5000; i++) {
      const b = i % 2 ? new Uint8Array((rand() * 200) | 0).map(() => (rand() * 256) | 0) : good.slice(0, (rand() * good.length) | 0);
      if (i % 3 === 0 && b.length) b[(rand() * b.length) | 0] ^= 1 << ((rand() * 8) | 0);
      if (typeof decodeDatagram(b) === 'string') rejected++;
      expect(() => engine.receive(1, b, i)).not.toThrow();
      expect(() => engine.tick(i)).not.toThrow();
    }
    const counted = Object.entries(engine.stats.dropped)
      .filter(([k]) => ['truncated', 'oversized', 'badVersion', 'badFlags', 'badType', 'badLength', 'badOffset'].includes(k))
      .reduce((a, [, v]) => a + v, 0);
    expect(counted).toBe(rejected);
    expect(engine.stats.dropped.unknownNeighbour).toBe(0);
  });

  it('compares epochs in serial arithmetic', () => {
    expect(epochNewer(1, 0)).toBe(true);
    expect(epochNewer(0, 65535)).toBe(true);
    expect(epochNewer(65535, 0)).toBe(false);
    expect(epochNewer(5, 5)).toBe(false);
  });
});

describe('saf config', () => {
  const base = (): SafConfig => ({
    neighbours: [{ id: 1, rateBytesPerSec: 1e6 }, { id: 2 }],
    routes: [{ in: { neighbour: 1, route: 10 }, out: { neighbour: 2, route: 20 }, bufferBytes: 65536 }],
  });
  it.each<[string, (c: SafConfig) => void, string]>([
    ['buffer too small', (c) => (c.routes[0].bufferBytes = 100), 'routes[0].bufferBytes'],
    ['buffer too large', (c) => (c.routes[0].bufferBytes = MAX_BUFFER_BYTES + 1), 'routes[0].bufferBytes'],
    ['route ID 0', (c) => (c.routes[0].in = { neighbour: 1, route: 0 }), 'routes[0].in.route'],
    ['unknown neighbour', (c) => (c.routes[0].out = { neighbour: 7, route: 3 }), 'routes[0].out.neighbour'],
    ['duplicate in', (c) => c.routes.push({ ...c.routes[0], out: { neighbour: 2, route: 21 } }), 'routes[1].in'],
    ['duplicate out', (c) => c.routes.push({ ...c.routes[0], in: { neighbour: 1, route: 11 } }), 'routes[1].out'],
    ['local to local', (c) => (c.routes[0] = { in: { local: 1 }, out: { local: 2 }, bufferBytes: 65536 }), 'routes[0]'],
    ['bad qos', (c) => ((c.routes[0] as { qos: string }).qos = 'gold'), 'routes[0].qos'],
    ['bad mode', (c) => ((c.routes[0] as { mode: string }).mode = 'fast'), 'routes[0].mode'],
    ['bad rate', (c) => (c.neighbours[0].rateBytesPerSec = -1), 'neighbours[0].rateBytesPerSec'],
    ['duplicate neighbour', (c) => (c.neighbours[1].id = 1), 'neighbours[1].id'],
  ])('rejects %s naming the field', (_name, mutate, field) => {
    const c = base();
    mutate(c);
    try {
      validateSafConfig(c);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(SafConfigError);
      expect((e as SafConfigError).field).toBe(field);
      expect((e as Error).message).toContain(field);
    }
  });
  it('accepts a valid table', () => expect(() => validateSafConfig(base())).not.toThrow());
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

  it('ByteRing wraps and reads back by absolute offset', () => {
    const ring = new ByteRing(10);
    ring.write(7, Uint8Array.from([1, 2, 3, 4, 5]));
    expect([...ring.read(7, 5)]).toEqual([1, 2, 3, 4, 5]);
    expect([...ring.read(10, 2)]).toEqual([4, 5]);
  });
});
