// What the node does with a frame arriving on one port, as the forwarding plane's ingress
// parser must decide it: the Ethernet/IPv4/UDP checks a host stack makes (written from the
// RFCs, spec/ethernet.ts), the UDP transport's peer lookup by source address and port
// (host/link/udp-transport.ts), then the link layer's own code: version and type as
// host/link/session.ts receive() checks them, readFrameHeader (host/link/frame.ts) for the
// transport header, the session and receiver checks of onTransport, and the key lookup of
// KeyRamModel (host/link/key-ram.ts), the software's model of the key RAM.
import { MessageType, PROTOCOL_VERSION } from '../../spec/link-wire.ts';
import type { PeerCounter, PortCounter } from '../../spec/forwarding/counters.ts';
import type { HostReason } from '../../spec/forwarding/host-port.ts';
import { readFrameHeader } from '../../host/link/frame.ts';
import { KeyRamModel } from '../../host/link/key-ram.ts';
import { internetChecksum, udpPseudoHeader } from '../../spec/ethernet.ts';

export interface PortConfig {
  index: number;
  mac: Uint8Array;
  ip: number;
  udpPort: number;
  forwardEnable: boolean;
}

export interface PeerConfig {
  enabled: boolean;
  session: boolean;
  port: number;
  ip: number;
  udpPort: number;
  localId: number;
  rxValid: boolean;
  rxSlot: number;
  /** Receive key slots by generation parity. */
  rxKeys: [{ valid: boolean; gen: number }, { valid: boolean; gen: number }];
}

export interface ModelDescriptor {
  action: 'drop' | 'host' | 'open';
  reason?: keyof typeof HostReason;
  drop?: { bank: 'peer'; kind: PeerCounter } | { bank: 'port'; kind: PortCounter };
  peer?: number;
  frameBytes: number;
  dgramBytes?: number;
  parity?: number;
  nextKey?: boolean;
  counter?: bigint;
}

const rd16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const rd32 = (b: Uint8Array, at: number): number => ((rd16(b, at) << 16) | rd16(b, at + 2)) >>> 0;

export function classifyFrame(f: Uint8Array, port: PortConfig, peers: readonly PeerConfig[]): ModelDescriptor {
  const base = { frameBytes: f.length };
  const drop = (kind: PortCounter): ModelDescriptor => ({ ...base, action: 'drop', drop: { bank: 'port', kind } });
  const host = (reason: keyof typeof HostReason, extra: Partial<ModelDescriptor> = {}): ModelDescriptor => ({ ...base, action: 'host', reason, ...extra });
  if (!port.forwardEnable) return host('passThrough');
  if (f.length < 14) return drop('badHeader');
  const dstMac = f.subarray(0, 6);
  const ours = dstMac.every((b, i) => b === port.mac[i]);
  if (!ours && (dstMac[0]! & 1) === 0) return drop('otherMac');
  if (rd16(f, 12) !== 0x0800) return host('other');
  if (f.length < 34) return drop('badHeader');
  const ver = f[14]! >> 4;
  const ihl = f[14]! & 15;
  if (ver !== 4 || ihl < 5) return drop('badHeader');
  if (ihl !== 5) return host('other');
  if (internetChecksum(f.subarray(14, 34)) !== 0) return drop('ipChecksum');
  const total = rd16(f, 16);
  if (total < 20 || total > f.length - 14) return drop('badHeader');
  if ((rd16(f, 20) & 0x3fff) !== 0) return host('other');
  if (f[23] !== 17) return host('other');
  if (rd32(f, 30) !== port.ip) return host('other');
  const ulen = total >= 28 ? rd16(f, 38) : 0;
  if (total < 28 || ulen < 8 || ulen > total - 20) return drop('badHeader');
  if (rd16(f, 36) !== port.udpPort) return host('other');
  const srcIp = rd32(f, 26);
  if (rd16(f, 40) !== 0 && internetChecksum(udpPseudoHeader(srcIp, rd32(f, 30), ulen), f.subarray(34, 34 + ulen)) !== 0) return drop('udpChecksum');
  const srcPort = rd16(f, 34);
  const peer = peers.findIndex((p) => p.enabled && p.port === port.index && p.ip === srcIp && p.udpPort === srcPort);
  if (peer < 0) return host('unknownSource');
  const d = f.subarray(42, 42 + ulen - 8);
  const withPeer = { ...base, peer, dgramBytes: d.length };
  const reject = (kind: PeerCounter): ModelDescriptor => ({ ...withPeer, action: 'drop', drop: { bank: 'peer', kind } });
  // host/link/session.ts receive():
  if (d.length < 2 || d[0] !== PROTOCOL_VERSION) return reject(d.length < 2 ? 'truncated' : 'badVersion');
  if (d[1] === MessageType.HandshakeInit || d[1] === MessageType.HandshakeResp) return { ...withPeer, action: 'host', reason: 'handshake' };
  if (d[1] !== MessageType.Transport) return reject('badType');
  // onTransport():
  const header = readFrameHeader(d);
  if (typeof header === 'string') return reject(header);
  const p = peers[peer]!;
  if (!p.session) return reject('noSession');
  if (header.receiver !== p.localId) return reject('wrongPeer');
  const ram = new KeyRamModel(peers.length);
  p.rxKeys.forEach((k, parity) => {
    if (k.valid && (k.gen & 1) === parity) ram.publish({ peer, direction: 'rx', generation: k.gen, key: new Uint8Array(32), role: 'current' });
  });
  if (!ram.lookup(peer, 'rx', header.generation)) return reject('wrongGeneration');
  const parity = header.generation & 1;
  return { ...withPeer, action: 'open', parity, nextKey: !(p.rxValid && p.rxSlot === parity), counter: BigInt(header.counter) };
}
