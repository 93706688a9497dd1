// Inner IPv4 packets for the tunnel tests, built field by field (the checksum as RFC 1071
// defines it, checked in ipv4.test.ts against a header from outside this project).
import { internetChecksum, PROTO_UDP } from '../../../host/tunnel/ipv4.ts';

/** A UDP packet (the UDP checksum left zero, which IPv4 allows). */
export function udpPacket(src: number, dst: number, sport: number, dport: number, payload: Uint8Array, ttl = 64): Uint8Array {
  const p = new Uint8Array(28 + payload.length);
  const v = new DataView(p.buffer);
  p[0] = 0x45;
  v.setUint16(2, p.length);
  v.setUint16(4, 0x1234);
  v.setUint16(6, 0x4000); // don't fragment
  p[8] = ttl;
  p[9] = PROTO_UDP;
  v.setUint32(12, src);
  v.setUint32(16, dst);
  v.setUint16(10, internetChecksum(p, 0, 20));
  v.setUint16(20, sport);
  v.setUint16(22, dport);
  v.setUint16(24, 8 + payload.length);
  p.set(payload, 28);
  return p;
}
