// IPv4 header checks and flow keys against packets from outside this code.
import { describe, expect, it } from 'vitest';
import { checkIpv4, flowKey, formatIpv4, inPrefix, internetChecksum, parseIpv4, parsePrefix } from '../../host/tunnel/ipv4.ts';
import { udpPacket } from './support/packets.ts';

const hexBytes = (s: string) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g)!.map((x) => parseInt(x, 16)));

describe('ipv4', () => {
  it('the header checksum of a well-known example header (192.168.0.1 -> 192.168.0.199) is b861', () => {
    const h = hexBytes('4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7');
    expect(internetChecksum(h, 0, 20)).toBe(0xb861);
    h[10] = 0xb8;
    h[11] = 0x61;
    expect(internetChecksum(h, 0, 20)).toBe(0);
  });

  it('addresses and prefixes in text', () => {
    expect(parseIpv4('10.99.0.2')).toBe(0x0a630002);
    expect(formatIpv4(0xc0a800c7)).toBe('192.168.0.199');
    for (const bad of ['10.0.0', '256.1.1.1', '1.2.3.4.5', 'a.b.c.d', '']) expect(parseIpv4(bad)).toBeUndefined();
    expect(parsePrefix('10.99.0.0/24')).toEqual({ address: 0x0a630000, length: 24 });
    expect(parsePrefix('0.0.0.0/0')).toEqual({ address: 0, length: 0 });
    expect(parsePrefix('10.99.0.1/24')).toMatch(/host bits set.*10\.99\.0\.0\/24/);
    expect(parsePrefix('10.0.0.0/33')).toMatch(/not an IPv4 prefix/);
    expect(inPrefix(0x0a6300ff, { address: 0x0a630000, length: 24 })).toBe(true);
    expect(inPrefix(0x0a640001, { address: 0x0a630000, length: 24 })).toBe(false);
  });

  it('checks a packet as a router does: version, header length, total length, checksum', () => {
    const p = udpPacket(0x0a630002, 0xcb007101, 4000, 53, new Uint8Array(10));
    expect(checkIpv4(p)).toBeUndefined();
    expect(checkIpv4(p.subarray(0, 19))).toBe('short');
    const v6 = p.slice();
    v6[0] = 0x65;
    expect(checkIpv4(v6)).toBe('version');
    const ihl = p.slice();
    ihl[0] = 0x44;
    expect(checkIpv4(ihl)).toBe('headerLength');
    expect(checkIpv4(p.subarray(0, p.length - 1))).toBe('totalLength');
    const sum = p.slice();
    sum[8] ^= 1; // TTL changed, checksum not
    expect(checkIpv4(sum)).toBe('checksum');
  });

  it('one flow, one key: ports and addresses tell flows apart, payload and length do not', () => {
    const a = flowKey(udpPacket(1, 2, 1000, 53, new Uint8Array(10)));
    expect(flowKey(udpPacket(1, 2, 1000, 53, new Uint8Array(500).fill(7)))).toBe(a);
    expect(flowKey(udpPacket(1, 2, 1001, 53, new Uint8Array(10)))).not.toBe(a);
    expect(flowKey(udpPacket(1, 3, 1000, 53, new Uint8Array(10)))).not.toBe(a);
  });
});
