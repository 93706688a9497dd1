// The datapath of links through the device's host port (host/device/host-datapath.ts) and the
// host-port frames it makes, against the layout spec/forwarding/host-port.ts documents and
// against frames sealed by the node's own software datapath.
import { describe, expect, it } from 'vitest';
import { decodeHostHeader, HOST_HEADER_BYTES } from '../../spec/forwarding/host-port.ts';
import { parseUdpFrame } from '../../spec/ethernet.ts';
import { FRAME_HEADER_BYTES, InnerType } from '../../spec/link-wire.ts';
import { nodeBackend } from '../../host/crypto/backend.ts';
import { SoftwareDatapath } from '../../host/link/datapath.ts';
import { readFrameHeader } from '../../host/link/frame.ts';
import { HostPortDatapath, splitOpened } from '../../host/device/host-datapath.ts';
import { rawUdpFrame, sealJob } from '../../host/device/host-port.ts';
import { parseDeviceSimConfig } from '../../testbed/device-sim.ts';

const key = Uint8Array.from({ length: 32 }, (_, i) => i + 1);

describe('host-port frames', () => {
  it('a seal job is kind 3, its egress port and peer, the length, then type u8 | length u16 | payload', () => {
    const payload = Uint8Array.from([9, 8, 7, 6, 5]);
    const job = sealJob(2, 1, InnerType.Data, payload);
    expect([...job.subarray(0, HOST_HEADER_BYTES)]).toEqual([3, 0, 1, 2, 0, 8, 0, 0]);
    expect([...job.subarray(HOST_HEADER_BYTES)]).toEqual([InnerType.Data, 0, 5, 9, 8, 7, 6, 5]);
    expect(decodeHostHeader(job)).toEqual({ kind: 'seal', port: 1, peer: 2, length: 8 });
  });

  it('a raw frame carries the datagram in Ethernet/IPv4/UDP from the port to the neighbour', () => {
    const from = { mac: Uint8Array.from([2, 0, 0, 0, 0, 1]), ip: 0x7f000001, udpPort: 7100 };
    const to = { mac: new Uint8Array(6), ip: 0x0a000002, udpPort: 4000 };
    const d = Uint8Array.from([1, 1, 0, 0, 42]);
    const f = rawUdpFrame(0, 1, from, to, d);
    expect(decodeHostHeader(f)).toEqual({ kind: 'raw', port: 1, peer: 0, length: f.length - HOST_HEADER_BYTES });
    const u = parseUdpFrame(f.subarray(HOST_HEADER_BYTES))!;
    expect(u).toMatchObject({ srcIp: from.ip, dstIp: to.ip, srcPort: 7100, dstPort: 4000, ipChecksumOk: true, udpChecksumOk: true });
    expect([...u.payload]).toEqual([...d]);
  });
});

describe('HostPortDatapath', () => {
  it('hands out seal jobs only while a transmit key is current, and knows them from other bytes', () => {
    const dp = new HostPortDatapath((peer) => peer + 1, () => 17);
    expect(dp.seal(0, 5, InnerType.Keepalive, new Uint8Array(0), 16)).toBe('noKey');
    dp.publish({ peer: 0, direction: 'tx', generation: 3, key, role: 'next' });
    expect(dp.seal(0, 5, InnerType.Keepalive, new Uint8Array(0), 16)).toBe('noKey');
    dp.publish({ peer: 0, direction: 'tx', generation: 3, key, role: 'current' });
    const job = dp.seal(0, 5, InnerType.Keepalive, new Uint8Array(0), 16) as Uint8Array;
    expect(decodeHostHeader(job)).toEqual({ kind: 'seal', port: 1, peer: 0, length: 3 });
    expect(dp.isJob(job)).toBe(true);
    expect(dp.isJob(Uint8Array.from(job))).toBe(false);
    expect(dp.txCounter(0)).toBe(17);
    dp.retire({ peer: 0, direction: 'tx', generation: 2 });
    expect(dp.seal(0, 5, InnerType.Keepalive, new Uint8Array(0), 16)).not.toBe('noKey');
    dp.retire({ peer: 0, direction: 'tx', generation: 3 });
    expect(dp.seal(0, 5, InnerType.Keepalive, new Uint8Array(0), 16)).toBe('noKey');
  });

  it('returns what the device opened for its stand-in, and refuses a transport frame the device did not open', () => {
    // A real frame, sealed by the node's software datapath; the device's `opened` form of it.
    const sw = new SoftwareDatapath(nodeBackend.aead);
    sw.publish({ peer: 0, direction: 'tx', generation: 7, key, role: 'current' });
    const payload = Uint8Array.from({ length: 40 }, (_, i) => i * 3);
    const frame = sw.seal(0, 0x1234, InnerType.Data, payload, 16) as Uint8Array;
    const body = new Uint8Array([...frame.subarray(0, FRAME_HEADER_BYTES), InnerType.Data, 0, payload.length, ...payload]);
    const parts = splitOpened(body);
    if (typeof parts === 'string') throw new Error(parts);
    expect(parts.header).toEqual(readFrameHeader(frame));
    expect(parts.innerType).toBe(InnerType.Data);
    expect([...parts.payload]).toEqual([...payload]);

    const dp = new HostPortDatapath(() => 0);
    dp.handUp(0, parts);
    expect(dp.open(0, parts.standIn, parts.header)).toEqual({ innerType: InnerType.Data, payload: parts.payload, generation: 7 });
    // Once only; and the real ciphertext is refused (the device holds the replay window).
    expect(dp.open(0, parts.standIn, parts.header)).toBe('wrongGeneration');
    expect(dp.open(0, frame, readFrameHeader(frame) as never)).toBe('wrongGeneration');
    expect(dp.stats).toMatchObject({ handedUp: 1, refusedUnopened: 2 });
  });

  it('names what is wrong with a malformed opened frame', () => {
    expect(splitOpened(new Uint8Array(10))).toMatch(/shorter than a link header/);
    const h = new Uint8Array(FRAME_HEADER_BYTES + 3);
    expect(splitOpened(h)).toMatch(/link header is bad \(badVersion\)/);
    const sw = new SoftwareDatapath(nodeBackend.aead);
    sw.publish({ peer: 0, direction: 'tx', generation: 1, key, role: 'current' });
    const frame = sw.seal(0, 1, InnerType.Data, new Uint8Array(4), 16) as Uint8Array;
    const body = new Uint8Array([...frame.subarray(0, FRAME_HEADER_BYTES), InnerType.Data, 0, 9, 1, 2, 3, 4]);
    expect(splitOpened(body)).toMatch(/says 9 payload bytes; 4 follow/);
  });
});

describe('the device sim config', () => {
  it('names the field that is wrong', () => {
    const ok = { management: '127.0.0.1:7000', hostPort: '127.0.0.1:7001', ports: ['127.0.0.1:7100'] };
    expect(parseDeviceSimConfig(JSON.stringify(ok))).toMatchObject({ management: { host: '127.0.0.1', port: 7000 }, ports: [{ port: 7100 }], statusMs: 0 });
    expect(() => parseDeviceSimConfig('{')).toThrow(/not JSON/);
    expect(() => parseDeviceSimConfig(JSON.stringify({ ...ok, ports: [] }))).toThrow(/ports must list 1 to 2 addresses/);
    expect(() => parseDeviceSimConfig(JSON.stringify({ ...ok, hostPort: 'localhost:1' }))).toThrow(/hostPort must be "a.b.c.d:port"/);
    expect(() => parseDeviceSimConfig(JSON.stringify({ ...ok, statusMs: -1 }))).toThrow(/statusMs/);
  });
});
