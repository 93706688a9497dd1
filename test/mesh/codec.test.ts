// Channel framing, the channel-0 and route-packet codecs, and the service registry: round
// trips, every truncation, random garbage. Nothing may throw on bad input; it is counted.
import { describe, expect, it } from 'vitest';
import { deterministicRandom } from '../../host/crypto/random.ts';
import { nodeBackend } from '../../host/crypto/backend.ts';
import { ControlMsg, FRAME_HEADER_BYTES, MAX_MESSAGE_BYTES, ROUTE_CHANNEL, RouteMsg } from '../../spec/route-wire.ts';
import { decodeControl, encodeControl, type Control } from '../../host/mesh/control.ts';
import { decodeDatagramFrames, encodeFrame, StreamFrameReader } from '../../host/mesh/framing.ts';
import { decodeRouteInner, encodeRouteInner, forwardFrame, openRoutePacket, routeIdOf, sealRouteFrame, type RouteInner } from '../../host/mesh/route-packet.ts';
import type { MessageCodec } from '../../host/mesh/api.ts';
import { Reader, Writer, decodeWith } from '../../spec/bytes.ts';
import { SimMesh } from '../../testbed/sim-mesh.ts';
import { CREATE_BLOB_BYTES, CREATED_REPLY_BYTES } from '../../host/mesh/hop-crypto.ts';

const rand = deterministicRandom('codec');
const key33 = () => Uint8Array.of(2, ...rand(32));

const controls: Control[] = [
  { type: ControlMsg.Hello, publicKey: key33(), services: ['gateway', 'sync'] },
  { type: ControlMsg.Hello, publicKey: key33(), services: [] },
  { type: ControlMsg.HelloAck },
  { type: ControlMsg.Create, setupId: rand(8), backRoute: 0xdeadbeef, blob: rand(84) },
  { type: ControlMsg.Created, setupId: rand(8), forwardRoute: 7, reply: rand(51) },
  { type: ControlMsg.CreateRefused, setupId: rand(8), reason: 2 },
  { type: ControlMsg.Teardown, routeId: 0xffffffff },
  { type: ControlMsg.TeardownAck, routeId: 1 },
  { type: ControlMsg.DiscoverQuery, queryId: rand(8), ttl: 6, target: { kind: 'service', name: 'gateway' }, path: [] },
  { type: ControlMsg.DiscoverQuery, queryId: rand(8), ttl: 2, target: { kind: 'key', publicKey: key33() }, path: [{ publicKey: key33(), latencyUs: 2500, capacity: 1.25e6 }] },
  { type: ControlMsg.DiscoverQuery, queryId: rand(8), ttl: 1, target: { kind: 'address', address: '2Gk2T6yRGuPdqsoyiFPVMfgqScNnPJ8hgBt' }, path: [] },
  { type: ControlMsg.DiscoverReply, queryId: rand(8), path: [{ publicKey: key33(), latencyUs: 1, capacity: 0 }, { publicKey: key33(), latencyUs: 99, capacity: 3e9 }] },
  { type: ControlMsg.Probe, nonce: 5, sentAt: 1234.5 },
  { type: ControlMsg.ProbeReply, nonce: 0xffffffff, sentAt: 0 },
];

const inners: RouteInner[] = [
  { type: RouteMsg.Extend, setupId: rand(8), nextKey: key33(), blob: rand(CREATE_BLOB_BYTES) },
  { type: RouteMsg.Extended, setupId: rand(8), reply: rand(CREATED_REPLY_BYTES) },
  { type: RouteMsg.ExtendAck, setupId: rand(8) },
  { type: RouteMsg.ExtendFailed, setupId: rand(8), reason: 4 },
  { type: RouteMsg.Data, streamId: rand(16), offset: 2 ** 40 + 3, fin: false, bytes: rand(1000) },
  { type: RouteMsg.Data, streamId: rand(16), offset: 0, fin: true, bytes: new Uint8Array(0) },
  { type: RouteMsg.Ack, streamId: rand(16), cumulative: 4096, fin: false, duplicate: false, ranges: [[5000, 6000], [7000, 2 ** 47]] },
  { type: RouteMsg.Ack, streamId: rand(16), cumulative: 0, fin: true, duplicate: true, ranges: [] },
  { type: RouteMsg.Ping, nonce: 3, sentAt: 99.25 },
  { type: RouteMsg.Pong, nonce: 3, sentAt: 99.25 },
  { type: RouteMsg.Open, streamId: rand(16), channel: 65535, rejoin: false },
  { type: RouteMsg.Open, streamId: rand(16), channel: 5, rejoin: true },
  { type: RouteMsg.OpenOk, streamId: rand(16) },
  { type: RouteMsg.Reset, streamId: rand(16), reason: 1 },
];

describe('channel framing', () => {
  it('round-trips frames in a datagram and through a byte stream cut at every offset', () => {
    const frames = [
      { channel: 0, payload: rand(10) },
      { channel: 1, payload: rand(0) },
      { channel: 65535, payload: rand(300) },
    ];
    const wire = new Uint8Array(frames.reduce((n, f) => n + FRAME_HEADER_BYTES + f.payload.length, 0));
    let o = 0;
    for (const f of frames) {
      const e = encodeFrame(f.channel, f.payload);
      expect([...e.subarray(0, 6)]).toEqual([(f.payload.length >>> 24) & 255, (f.payload.length >>> 16) & 255, (f.payload.length >>> 8) & 255, f.payload.length & 255, f.channel >> 8, f.channel & 255]);
      wire.set(e, o);
      o += e.length;
    }
    const d = decodeDatagramFrames(wire);
    expect(d.error).toBeUndefined();
    expect(d.frames.map((f) => [f.channel, [...f.payload]])).toEqual(frames.map((f) => [f.channel, [...f.payload]]));
    for (let cut = 0; cut <= wire.length; cut++) {
      for (const cut2 of [cut, Math.min(wire.length, cut + 7)]) {
        const r = new StreamFrameReader();
        const got = [...r.push(wire.subarray(0, cut)).frames, ...r.push(wire.subarray(cut, cut2)).frames, ...r.push(wire.subarray(cut2)).frames];
        expect(got.map((f) => [f.channel, [...f.payload]])).toEqual(frames.map((f) => [f.channel, [...f.payload]]));
        expect(r.pendingBytes).toBe(0);
      }
    }
  });

  it('reports truncated and oversized frames, keeping the whole frames before them', () => {
    const good = encodeFrame(3, rand(5));
    const bad = encodeFrame(4, rand(20)).subarray(0, 15);
    const both = new Uint8Array([...good, ...bad]);
    const d = decodeDatagramFrames(both);
    expect(d.frames).toHaveLength(1);
    expect(d.error).toBe('truncated');
    const huge = new Uint8Array(FRAME_HEADER_BYTES);
    new DataView(huge.buffer).setUint32(0, MAX_MESSAGE_BYTES + 1);
    expect(decodeDatagramFrames(huge).error).toBe('oversized');
    const r = new StreamFrameReader();
    expect(r.push(huge).error).toBe('oversized');
    expect(r.isCorrupt).toBe(true);
    expect(r.push(good).frames).toHaveLength(0); // a corrupt stream stays closed
  });
});

describe('channel 0 codec', () => {
  it.each(controls.map((m) => [ControlMsg[Object.keys(ControlMsg).find((k) => ControlMsg[k as keyof typeof ControlMsg] === m.type) as keyof typeof ControlMsg], m] as const))('%s round-trips and rejects every truncation and an extra byte', (_n, m) => {
    const b = encodeControl(m);
    expect(decodeControl(b)).toEqual(m);
    for (let n = 0; n < b.length; n++) expect(decodeControl(b.subarray(0, n))).toBeUndefined();
    expect(decodeControl(new Uint8Array([...b, 0]))).toBeUndefined();
  });

  it('rejects unknown types, bad service names and zero route IDs', () => {
    expect(decodeControl(Uint8Array.of(200))).toBeUndefined();
    const hello = encodeControl({ type: ControlMsg.Hello, publicKey: key33(), services: ['ok'] });
    hello[hello.length - 1] = 0x07; // a control character in a name
    expect(decodeControl(hello)).toBeUndefined();
    expect(decodeControl(encodeControl({ type: ControlMsg.Create, setupId: rand(8), backRoute: 0, blob: rand(4) }))).toBeUndefined();
  });
});

describe('route packets', () => {
  it.each(inners.map((m) => [m.type, m] as const))('inner type %i round-trips and rejects truncation', (_t, m) => {
    const b = encodeRouteInner(m);
    expect(decodeRouteInner(b)).toEqual(m);
    // Data's payload is "the rest", so only cuts inside the header must fail.
    const header = m.type === RouteMsg.Data ? 24 : b.length;
    for (let n = 0; n < header; n++) expect(decodeRouteInner(b.subarray(0, n))).toBeUndefined();
  });

  it('seals, forwards by route ID without the key, and opens only under the right key', () => {
    const key = rand(32);
    const inner = encodeRouteInner(inners[4]);
    const frame = sealRouteFrame(nodeBackend.aead, key, 42, 0x01020304, inner);
    const d = decodeDatagramFrames(frame);
    expect(d.frames[0].channel).toBe(ROUTE_CHANNEL);
    const packet = d.frames[0].payload;
    expect(routeIdOf(packet)).toBe(0x01020304);
    const fwd = decodeDatagramFrames(forwardFrame(packet, 0xa0b0c0d0)).frames[0].payload;
    expect(routeIdOf(fwd)).toBe(0xa0b0c0d0);
    expect([...fwd.subarray(4)]).toEqual([...packet.subarray(4)]); // only the ID changed
    const opened = openRoutePacket(nodeBackend.aead, key, fwd)!;
    expect(opened.counter).toBe(42);
    expect([...opened.inner]).toEqual([...inner]);
    expect(openRoutePacket(nodeBackend.aead, rand(32), fwd)).toBeUndefined();
    const flipped = fwd.slice();
    flipped[20] ^= 1;
    expect(openRoutePacket(nodeBackend.aead, key, flipped)).toBeUndefined();
    expect(routeIdOf(fwd.subarray(0, 10))).toBeUndefined();
  });
});

describe('bytes', () => {
  it('writes and reads every width, growing past the first buffer', () => {
    const w = new Writer(2).u8(1).u16(0x0203).u32(0x04050607).u48(2 ** 47 + 9).f64(-1.5).bytes(Uint8Array.of(9, 9)).shortString('gw');
    const r = new Reader(w.finish());
    expect([r.u8(), r.u16(), r.u32(), r.u48(), r.f64(), [...r.bytes(2)], r.shortString(8)]).toEqual([1, 0x0203, 0x04050607, 2 ** 47 + 9, -1.5, [9, 9], 'gw']);
    expect(decodeWith(Uint8Array.of(1), (x) => x.u16())).toBeUndefined();
  });
});

describe('services and bad input at a node', () => {
  type Chat = { kind: 'say'; text: string } | { kind: 'ack'; n: number };
  const chatCodec: MessageCodec<Chat> = {
    encode: (m) => (m.kind === 'say' ? new Writer().u8(1).shortString(m.text).finish() : new Writer().u8(2).u32(m.n).finish()),
    decode: (b) =>
      decodeWith(b, (r) => {
        const t = r.u8();
        const m: Chat = t === 1 ? { kind: 'say', text: r.shortString(64) } : t === 2 ? { kind: 'ack', n: r.u32() } : r.fail();
        r.end();
        return m;
      }),
  };

  it('delivers typed messages to the service on their channel and answers through the context', async () => {
    const sim = new SimMesh('services');
    const a = sim.addNode('a');
    const b = sim.addNode('b');
    sim.link('a', 'b');
    const heardAtB: Chat[] = [];
    const heardAtA: Chat[] = [];
    b.registerService<Chat>({ name: 'chat', channel: 7, codec: chatCodec, handle: (m, ctx) => (heardAtB.push(m), ctx.reply(ctx.from, chatCodec.encode({ kind: 'ack', n: heardAtB.length }))) });
    a.registerService<Chat>({ name: 'chat', channel: 7, codec: chatCodec, handle: (m) => void heardAtA.push(m) });
    expect(() => a.registerService<Chat>({ name: 'again', channel: 7, codec: chatCodec, handle: () => undefined })).toThrow(/taken/);
    expect(() => a.registerService<Chat>({ name: 'daemon', channel: 0, codec: chatCodec, handle: () => undefined })).toThrow(/channel/);
    a.sendService(sim.neighbourId('a', 'b'), 7, chatCodec.encode({ kind: 'say', text: 'hello' }));
    await sim.run(50);
    expect(heardAtB).toEqual([{ kind: 'say', text: 'hello' }]);
    expect(heardAtA).toEqual([{ kind: 'ack', n: 1 }]);
  });

  it('counts unknown channels, malformed messages and throwing handlers, and never throws', async () => {
    const sim = new SimMesh('garbage');
    const a = sim.addNode('a');
    const b = sim.addNode('b');
    sim.link('a', 'b');
    b.registerService<Chat>({ name: 'boom', channel: 9, codec: chatCodec, handle: () => { throw new Error('handler bug'); } });
    await sim.run(20);
    const toB = sim.neighbourId('a', 'b');
    const before = { ...b.status().counters };
    a.sendService(toB, 4242, Uint8Array.of(1, 2, 3)); // nobody on 4242
    a.sendService(toB, 9, Uint8Array.of(77)); // not a Chat
    a.sendService(toB, 9, chatCodec.encode({ kind: 'say', text: 'x' })); // handler throws
    a.sendService(toB, 0, Uint8Array.of(ControlMsg.Create, 1, 2)); // truncated control
    a.sendService(toB, ROUTE_CHANNEL, Uint8Array.of(0, 0, 0, 9)); // too short for a route packet
    a.sendService(toB, ROUTE_CHANNEL, rand(60)); // a route ID nobody installed
    await sim.run(20);
    const c = b.status().counters;
    expect(c.unknownChannel - before.unknownChannel).toBe(1);
    expect(c.malformed - before.malformed).toBe(3);
    expect(c.handlerErrors - before.handlerErrors).toBe(1);
    expect(c.unknownRoute - before.unknownRoute).toBe(1);
    // A fuzz of raw bytes straight into receive (as a datagram link and as a stream link).
    const fuzz = deterministicRandom('fuzz');
    const nb = sim.neighbourId('b', 'a');
    for (let i = 0; i < 3000; i++) {
      const len = fuzz(1)[0] % 80;
      const bytes = fuzz(len);
      if (len >= 6 && i % 2 === 0) {
        // make the frame length consistent so the payload reaches the decoders
        new DataView(bytes.buffer).setUint32(0, len - 6);
        bytes[4] = 0;
        bytes[5] = i % 4 === 0 ? 0 : 1;
      }
      expect(() => b.receive(nb, bytes)).not.toThrow();
    }
    b.linkUp(nb, { kind: 'stream', publicKey: a.publicKey });
    for (let i = 0; i < 500; i++) expect(() => b.receive(nb, fuzz(fuzz(1)[0] % 40))).not.toThrow();
    b.receive(99, Uint8Array.of(1)); // a neighbour that was never attached
    expect(b.status().counters.unknownNeighbour).toBe(1);
    expect(b.status().counters.handlerErrors - before.handlerErrors).toBe(1);
  });
});
