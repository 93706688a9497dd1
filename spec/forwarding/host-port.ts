// The host port: how frames pass between the forwarding plane and the host that runs the
// control plane. Both directions are AXI-Stream frames of 64-bit beats whose first 8 bytes are
// this metadata header (big-endian), then the frame itself. On a board the CSR block bridges
// the port to a mailbox in the register map (`host` registers), 32-bit words, first byte in
// bits 31:24.
//
// Up (device to host):
//   kind u8 | reason u8 | ingress port u8 | peer u8 (0xff: none) | length u16 | zero u16
//   raw:    the Ethernet frame as received (no FCS)
//   opened: a transport frame the device authenticated and decrypted: the 20-byte link header,
//           then the inner message without its padding (inner type u8 | length u16 | payload).
//           Its counter is already marked in the peer's replay window; the host must not
//           decrypt it again (it holds no ciphertext).
// Down (host to device):
//   kind u8 | zero u8 | egress port u8 | peer u8 | length u16 | zero u16
//   raw:  an Ethernet frame sent as is out of `egress port` (handshakes, ARP, anything)
//   seal: an inner message without its padding (inner type u8 | length u16 | payload, the form
//         `opened` hands up); the device pads it with the peer's granule, seals it under the
//         peer's current transmit key and next counter, and sends it in the peer's header
//         template, so each key has one counter space shared by forwarded and host frames.

export const HOST_HEADER_BYTES = 8;
export const NO_PEER = 0xff;

export const HostKind = { raw: 1, opened: 2, seal: 3 } as const;
export type HostKind = keyof typeof HostKind;

/** Why a frame went to the host (the `reason` byte). */
export const HostReason = {
  /** Not one unfragmented IPv4/UDP datagram to the node's address and port: ARP, ICMP, options, fragments, other ports. */
  other: 1,
  /** UDP to the node's port from an address that belongs to no peer. */
  unknownSource: 2,
  /** A HandshakeInit or HandshakeResp (raw). */
  handshake: 3,
  /** Opened under a receive key the host has not marked current yet: the session must see the peer's switch. */
  nextKey: 4,
  /** An authenticated Keepalive, rotation message or unknown inner type. */
  notData: 5,
  /** A Data message that is not exactly one channel-1 route packet (control channel, services, several frames, bad framing). */
  notRoute: 6,
  /** A route packet whose (peer, route ID) has no rule. */
  routeMiss: 7,
  /** A route packet whose rule delivers it here. */
  local: 8,
  /** Forwarding is switched off (CTRL.forward_enable = 0): every frame goes up raw. */
  passThrough: 9,
} as const;
export type HostReason = keyof typeof HostReason;

export interface HostHeader {
  readonly kind: HostKind;
  readonly reason?: HostReason;
  readonly port: number;
  readonly peer: number;
  readonly length: number;
}

const kindName = new Map<number, HostKind>(Object.entries(HostKind).map(([k, v]) => [v, k as HostKind]));
const reasonName = new Map<number, HostReason>(Object.entries(HostReason).map(([k, v]) => [v, k as HostReason]));

export function encodeHostHeader(h: HostHeader): Uint8Array {
  if (!Number.isInteger(h.length) || h.length < 0 || h.length > 0xffff) throw new RangeError(`host frame length ${h.length} must be a u16`);
  if (!Number.isInteger(h.port) || h.port < 0 || h.port > 0xff) throw new RangeError(`port ${h.port} must be a u8`);
  if (!Number.isInteger(h.peer) || h.peer < 0 || h.peer > 0xff) throw new RangeError(`peer ${h.peer} must be a u8`);
  const b = new Uint8Array(HOST_HEADER_BYTES);
  b[0] = HostKind[h.kind];
  b[1] = h.reason ? HostReason[h.reason] : 0;
  b[2] = h.port;
  b[3] = h.peer;
  b[4] = h.length >> 8;
  b[5] = h.length & 0xff;
  return b;
}

/** The header of a host-port frame; a string naming the problem when it is not one. */
export function decodeHostHeader(b: Uint8Array): HostHeader | string {
  if (b.length < HOST_HEADER_BYTES) return `host frame of ${b.length} bytes is shorter than its ${HOST_HEADER_BYTES}-byte header`;
  const kind = kindName.get(b[0]!);
  if (!kind) return `unknown host frame kind ${b[0]}`;
  const reason = b[1] ? reasonName.get(b[1]) : undefined;
  if (b[1] && !reason) return `unknown host frame reason ${b[1]}`;
  const length = (b[4]! << 8) | b[5]!;
  if (length !== b.length - HOST_HEADER_BYTES) return `host frame says ${length} bytes follow its header; ${b.length - HOST_HEADER_BYTES} do`;
  return { kind, ...(reason ? { reason } : {}), port: b[2]!, peer: b[3]!, length };
}
