// IPv4 as far as the tunnel needs it: addresses and prefixes in text and as numbers, the
// header checks the gateway makes before a client's packet reaches its kernel (RFC 791:
// version, header length, total length, header checksum), and the flow a packet belongs to,
// so one flow stays on one route.

/** An IPv4 address as an unsigned 32-bit number. */
export type Ipv4 = number;

export interface Prefix {
  address: Ipv4;
  length: number;
}

/** "a.b.c.d" -> number; undefined when it is not a dotted quad of 0..255. */
export function parseIpv4(text: string): Ipv4 | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function formatIpv4(a: Ipv4): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

export function maskOf(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

/** "a.b.c.d/n" (host bits must be zero) -> Prefix; a reason string when malformed. */
export function parsePrefix(text: string): Prefix | string {
  const [addr, len, extra] = text.split('/');
  const a = parseIpv4(addr ?? '');
  const n = len === undefined ? 32 : /^\d{1,2}$/.test(len) ? Number(len) : NaN;
  if (a === undefined || extra !== undefined || !(n >= 0 && n <= 32)) return `"${text}" is not an IPv4 prefix like 10.0.0.0/8`;
  if (((a & ~maskOf(n)) >>> 0) !== 0) return `"${text}" has host bits set (did you mean ${formatIpv4((a & maskOf(n)) >>> 0)}/${n}?)`;
  return { address: a, length: n };
}

export function formatPrefix(p: Prefix): string {
  return `${formatIpv4(p.address)}/${p.length}`;
}

export function inPrefix(a: Ipv4, p: Prefix): boolean {
  return ((a & maskOf(p.length)) >>> 0) === p.address;
}

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const IPV4_MIN_HEADER_BYTES = 20;

/** Why a packet is not a well-formed IPv4 packet (the gateway counts each reason). */
export type Ipv4Problem = 'short' | 'version' | 'headerLength' | 'totalLength' | 'checksum';

/** The internet checksum (RFC 1071) of `b[from, to)`; 0 over a header that carries a correct one. */
export function internetChecksum(b: Uint8Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i + 1 < to; i += 2) sum += (b[i] << 8) | b[i + 1];
  if ((to - from) & 1) sum += b[to - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Checks an IPv4 packet as a router would before forwarding it; undefined when it is sound. */
export function checkIpv4(p: Uint8Array): Ipv4Problem | undefined {
  if (p.length < IPV4_MIN_HEADER_BYTES) return 'short';
  if (p[0] >> 4 !== 4) return 'version';
  const ihl = (p[0] & 15) * 4;
  if (ihl < IPV4_MIN_HEADER_BYTES || ihl > p.length) return 'headerLength';
  // The datagram is exactly one IP packet: its total length is what arrived.
  if (((p[2] << 8) | p[3]) !== p.length) return 'totalLength';
  if (internetChecksum(p, 0, ihl) !== 0) return 'checksum';
  return undefined;
}

export function sourceOf(p: Uint8Array): Ipv4 {
  return ((p[12] << 24) | (p[13] << 16) | (p[14] << 8) | p[15]) >>> 0;
}

export function destinationOf(p: Uint8Array): Ipv4 {
  return ((p[16] << 24) | (p[17] << 16) | (p[18] << 8) | p[19]) >>> 0;
}

/**
 * A 32-bit key of the packet's flow: protocol, addresses, and for TCP and UDP the ports (ICMP
 * echo: the identifier), from the first fragment on. Later fragments carry no ports and
 * hash by addresses and protocol alone; they are rare inside a tunnel whose MTU TCP learns.
 * Only equality matters (FNV-1a over the fields).
 */
export function flowKey(p: Uint8Array): number {
  let h = 0x811c9dc5;
  const mix = (b: number) => {
    h ^= b;
    h = Math.imul(h, 0x01000193);
  };
  const proto = p[9];
  mix(proto);
  for (let i = 12; i < 20; i++) mix(p[i]);
  const ihl = (p[0] & 15) * 4;
  const firstFragment = (((p[6] & 0x1f) << 8) | p[7]) === 0;
  if (firstFragment && (proto === PROTO_TCP || proto === PROTO_UDP) && p.length >= ihl + 4) for (let i = ihl; i < ihl + 4; i++) mix(p[i]);
  if (firstFragment && proto === PROTO_ICMP && p.length >= ihl + 6) for (let i = ihl + 4; i < ihl + 6; i++) mix(p[i]);
  return h >>> 0;
}
