// The AEAD engine and the node's link layer, byte for byte: transport frames sealed by real
// host/link sessions (through a handshake and a key rotation) are opened by the 10G engine,
// and frames the engine seals are opened and delivered by the receiving host/link session.
// Same header as AAD, nonce 0^32 ‖ LE64(counter), padded inner message (docs/protocol.md).
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeInner, encodeInner, readFrameHeader, writeFrameHeader } from '../../host/link/frame.ts';
import { AEAD_CONFIGS } from '../../rtl-gen/aead/designs.ts';
import { keySlotIndex } from '../../spec/key-slots.ts';
import { FRAME_HEADER_BYTES, InnerType, MessageType } from '../../spec/link-wire.ts';
import { AeadDriver, type AeadPacket } from '../../sim/drivers/aead-engine.ts';
import { Rng } from '../../sim/random.ts';
import { SimNet, checkPayload, numberedPayload } from '../../testbed/sim-link.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('AEAD engine and host/link', () => {
  let drv: AeadDriver;
  let net: SimNet;
  const rng = new Rng(8439);
  const sent: Uint8Array[] = [];
  beforeAll(async () => {
    drv = await AeadDriver.create(AEAD_CONFIGS[0]);
    // Two real sessions (node:crypto on one side, @noble on the other), a handshake, then
    // frames of every size from a to b through a key rotation.
    net = new SimNet({ latencyMs: 5 });
    net.a.start(0);
    net.runUntil(() => net.a.state === 'established' && net.b.state === 'established', 10_000);
    for (let i = 0; i < 120; i++) {
      const p = numberedPayload(i, rng.int(8, 1405));
      sent.push(p);
      net.a.send(p, net.now);
      net.run(net.now + 25);
    }
    net.run(net.now + 200);
  });

  /** a's transport frames on the wire, with their header read. */
  const framesFromA = () => net.wireLog
    .filter((w) => w.from === 'a' && w.bytes[1] === MessageType.Transport)
    .map((w) => ({ frame: w.bytes, header: readFrameHeader(w.bytes) }))
    .flatMap((f) => (typeof f.header === 'string' ? [] : [{ frame: f.frame, header: f.header }]));
  /** a's transmit key of a generation, into the key slot the node's key sinks use (generation & 1 picks it). */
  const loadKey = (generation: number): number => {
    const e = [...net.sinkA.events].reverse().find((x) => x.op === 'publish' && x.direction === 'tx' && x.generation === generation);
    if (!e || e.op !== 'publish') throw new Error(`no transmit key of generation ${generation}`);
    const slot = keySlotIndex({ peer: 0, direction: 'tx', generation });
    drv.writeKey(slot, e.key);
    return slot;
  };

  it('opens every frame a real session sealed, and finds the inner message in it', () => {
    const frames = framesFromA();
    const generations = [...new Set(frames.map((f) => f.header.generation))];
    expect(generations.length).toBeGreaterThanOrEqual(2); // a rotation happened
    const delivered: Uint8Array[] = [];
    // A generation's frames under its key (two generations share a slot, as in the node).
    for (const g of generations) {
      const slot = loadKey(g);
      const group = frames.filter((f) => f.header.generation === g);
      const packets: AeadPacket[] = group.map(({ frame, header }) => ({
        slot, op: 'open', counter: BigInt(header.counter), aad: frame.subarray(0, FRAME_HEADER_BYTES), body: frame.subarray(FRAME_HEADER_BYTES),
      }));
      const r = drv.run(packets, { gaps: rng.pattern(53, 0.2), stalls: rng.pattern(59, 0.2) });
      r.out.forEach((o, i) => {
        expect(o.ok, `generation ${g}, frame ${i}`).toBe(true);
        expect(hex(o.data.subarray(0, FRAME_HEADER_BYTES))).toBe(hex(group[i]!.frame.subarray(0, FRAME_HEADER_BYTES)));
        const inner = decodeInner(o.data.subarray(FRAME_HEADER_BYTES));
        expect(inner, `generation ${g}, frame ${i}: inner message`).not.toBeNull();
        if (inner!.innerType === InnerType.Data) delivered.push(inner!.payload);
      });
    }
    expect(delivered.map(hex)).toEqual(sent.map(hex));
  });

  it('seals frames a real session opens and delivers', () => {
    const last = framesFromA().at(-1)!.header;
    const slot = loadKey(last.generation);
    const before = net.delivered.b.length;
    const payloads = Array.from({ length: 40 }, (_, i) => numberedPayload(1000 + i, rng.int(0, 1405)));
    const packets: AeadPacket[] = payloads.map((p, i) => {
      const header = new Uint8Array(FRAME_HEADER_BYTES);
      writeFrameHeader(header, { receiver: last.receiver, generation: last.generation, counter: last.counter + 1 + i });
      return { slot, op: 'seal', counter: BigInt(last.counter + 1 + i), aad: header, body: encodeInner(InnerType.Data, p, 16) };
    });
    const r = drv.run(packets, { stalls: rng.pattern(41, 0.3) });
    expect(r.out.every((o) => o.ok)).toBe(true);
    for (const o of r.out) net.inject('b', o.data);
    const got = net.delivered.b.slice(before);
    expect(got.map(hex)).toEqual(payloads.map(hex));
    expect(got.every((g) => checkPayload(g) !== null)).toBe(true);
    expect(net.b.stats.rejected.badTag).toBe(0);
  });
});
