// Ethernet II, IPv4 and UDP frames: built and read byte by byte in network order, the Internet
// checksum after RFC 1071 (ones' complement sum of 16-bit words, an odd byte padded with zero),
// the UDP checksum over the RFC 768 pseudo-header. Written from the RFCs, not from the RTL: the
// golden model of the forwarding plane's parser and header builder, and what the host uses for
// raw frames through the plane's host port (host/device/host-port.ts).

export const ETHERTYPE_IPV4 = 0x0800;
export const IPPROTO_UDP = 17;

export interface UdpFrameSpec {
  dstMac: Uint8Array;
  srcMac: Uint8Array;
  srcIp: number;
  dstIp: number;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
  ttl?: number;
  tos?: number;
  df?: boolean;
  ipId?: number;
  /** Fill in the UDP checksum (default); false leaves it zero ("not computed", RFC 768). */
  udpChecksum?: boolean;
}

/** RFC 1071: ones' complement of the ones' complement sum of the 16-bit words. */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  for (const b of parts) {
    for (let i = 0; i < b.length; i += 2) sum += (b[i]! << 8) | (i + 1 < b.length ? b[i + 1]! : 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

function u16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}
function u32(b: Uint8Array, at: number, v: number): void {
  u16(b, at, (v >>> 16) & 0xffff);
  u16(b, at + 2, v & 0xffff);
}

export function udpPseudoHeader(srcIp: number, dstIp: number, udpLength: number): Uint8Array {
  const p = new Uint8Array(12);
  u32(p, 0, srcIp);
  u32(p, 4, dstIp);
  p[9] = IPPROTO_UDP;
  u16(p, 10, udpLength);
  return p;
}

/** An Ethernet II frame (no FCS) carrying one UDP datagram in IPv4 without options. */
export function buildUdpFrame(s: UdpFrameSpec): Uint8Array {
  const udpLen = 8 + s.payload.length;
  const ipLen = 20 + udpLen;
  const f = new Uint8Array(14 + ipLen);
  f.set(s.dstMac, 0);
  f.set(s.srcMac, 6);
  u16(f, 12, ETHERTYPE_IPV4);
  f[14] = 0x45;
  f[15] = s.tos ?? 0;
  u16(f, 16, ipLen);
  u16(f, 18, s.ipId ?? 0);
  u16(f, 20, s.df === false ? 0 : 0x4000);
  f[22] = s.ttl ?? 64;
  f[23] = IPPROTO_UDP;
  u32(f, 26, s.srcIp);
  u32(f, 30, s.dstIp);
  u16(f, 24, internetChecksum(f.subarray(14, 34)));
  u16(f, 34, s.srcPort);
  u16(f, 36, s.dstPort);
  u16(f, 38, udpLen);
  f.set(s.payload, 42);
  if (s.udpChecksum !== false) {
    const c = internetChecksum(udpPseudoHeader(s.srcIp, s.dstIp, udpLen), f.subarray(34));
    u16(f, 40, c === 0 ? 0xffff : c);
  }
  return f;
}

/** Pads a frame to Ethernet's 60-byte minimum (without FCS), as a MAC sends it. */
export function padFrame(f: Uint8Array): Uint8Array {
  if (f.length >= 60) return f;
  const out = new Uint8Array(60);
  out.set(f);
  return out;
}

/** A parsed frame: the fields a frame is built from, with what its checksums said. */
export type ParsedUdp = Required<Omit<UdpFrameSpec, 'ipId' | 'udpChecksum'>> & {
  ipChecksumOk: boolean;
  udpChecksumOk: boolean;
};

const rd16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const rd32 = (b: Uint8Array, at: number): number => ((rd16(b, at) << 16) | rd16(b, at + 2)) >>> 0;

/** Reads back a frame built like buildUdpFrame; undefined when it is not one. */
export function parseUdpFrame(f: Uint8Array): ParsedUdp | undefined {
  if (f.length < 42 || rd16(f, 12) !== ETHERTYPE_IPV4 || f[14] !== 0x45 || f[23] !== IPPROTO_UDP) return undefined;
  const ipLen = rd16(f, 16);
  const udpLen = rd16(f, 38);
  if (ipLen < 28 || 14 + ipLen > f.length || udpLen !== ipLen - 20) return undefined;
  const srcIp = rd32(f, 26);
  const dstIp = rd32(f, 30);
  const udp = f.subarray(34, 34 + udpLen);
  return {
    dstMac: f.slice(0, 6), srcMac: f.slice(6, 12), srcIp, dstIp, srcPort: rd16(f, 34), dstPort: rd16(f, 36),
    ttl: f[22]!, tos: f[15]!, df: (f[20]! & 0x40) !== 0,
    ipChecksumOk: internetChecksum(f.subarray(14, 34)) === 0,
    udpChecksumOk: rd16(f, 40) === 0 || internetChecksum(udpPseudoHeader(srcIp, dstIp, udpLen), udp) === 0,
    payload: f.slice(42, 42 + udpLen - 8),
  };
}

export function macBytes(hi16: number, lo32: number): Uint8Array {
  const b = new Uint8Array(6);
  u16(b, 0, hi16);
  u32(b, 2, lo32);
  return b;
}
