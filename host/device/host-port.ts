// The forwarding plane's host port as the daemon reaches it: one UDP socket to the device's
// host-port endpoint, each datagram one host frame (spec/forwarding/host-port.ts: the 8-byte
// metadata header, then the frame). `skywire device sim` serves such an endpoint; a board
// would bring the same frames over a second Ethernet MAC or its register mailbox. The device
// sends frames up to the address the host last wrote from, so the host says where it is with
// an empty datagram when it starts and with every poll (a device that restarted learns it
// again).
//
// Frames down are built here: raw (an Ethernet/IPv4/UDP frame the host addressed itself, for
// handshakes) and seal jobs (an inner message the device seals under the peer's current key).
import { createSocket, type Socket } from 'node:dgram';
import { decodeHostHeader, encodeHostHeader, HOST_HEADER_BYTES, type HostHeader } from '../../spec/forwarding/host-port.ts';
import { buildUdpFrame } from '../../spec/ethernet.ts';
import { INNER_HEADER_BYTES } from '../../spec/link-wire.ts';

export interface HostPortStats {
  /** Frames the device sent up, by kind, and by the reason it gave. */
  up: { raw: number; opened: number };
  reasons: Record<string, number>;
  /** Frames sent down, by kind. */
  down: { raw: number; seal: number };
  /** Datagrams from the device that were no host frame (named in lastMalformed). */
  malformed: number;
  lastMalformed?: string;
  sendErrors: number;
}

export class HostPortLink {
  readonly stats: HostPortStats = { up: { raw: 0, opened: 0 }, reasons: {}, down: { raw: 0, seal: 0 }, malformed: 0, sendErrors: 0 };
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly device: { host: string; port: number },
    private readonly onFrame: (h: HostHeader, frame: Uint8Array) => void,
  ) {
    socket.on('message', (msg, r) => {
      if (r.address !== device.host || r.port !== device.port) return;
      const b = new Uint8Array(msg.buffer, msg.byteOffset, msg.length);
      const h = decodeHostHeader(b);
      if (typeof h === 'string' || (h.kind !== 'raw' && h.kind !== 'opened')) {
        this.stats.malformed++;
        this.stats.lastMalformed = typeof h === 'string' ? h : `a ${h.kind} frame came up`;
        return;
      }
      this.stats.up[h.kind]++;
      const why = h.reason ?? 'none';
      this.stats.reasons[why] = (this.stats.reasons[why] ?? 0) + 1;
      this.onFrame(h, b.subarray(HOST_HEADER_BYTES));
    });
  }

  static async open(device: { host: string; port: number }, onFrame: (h: HostHeader, frame: Uint8Array) => void): Promise<HostPortLink> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', () => {});
    const link = new HostPortLink(socket, device, onFrame);
    link.hello();
    return link;
  }

  /** Tells the device where to send frames up (an empty datagram). */
  hello(): void {
    this.sendDatagram(new Uint8Array(0));
  }

  /** Sends one host frame (header included) down. */
  send(frame: Uint8Array): void {
    const kind = frame[0] === 1 ? 'raw' : 'seal';
    this.stats.down[kind]++;
    this.sendDatagram(frame);
  }

  private sendDatagram(b: Uint8Array): void {
    if (this.closed) return;
    this.socket.send(b, this.device.port, this.device.host, (e) => {
      if (e) this.stats.sendErrors++;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((r) => this.socket.close(() => r()));
  }
}

/** A seal job: the inner message (type u8 | length u16 | payload) for the device to seal for `peer`. */
export function sealJob(peer: number, port: number, innerType: number, payload: Uint8Array): Uint8Array {
  const length = INNER_HEADER_BYTES + payload.length;
  const f = new Uint8Array(HOST_HEADER_BYTES + length);
  f.set(encodeHostHeader({ kind: 'seal', port, peer, length }), 0);
  f[HOST_HEADER_BYTES] = innerType;
  f[HOST_HEADER_BYTES + 1] = payload.length >>> 8;
  f[HOST_HEADER_BYTES + 2] = payload.length & 0xff;
  f.set(payload, HOST_HEADER_BYTES + INNER_HEADER_BYTES);
  return f;
}

export interface PortAddress {
  mac: Uint8Array;
  /** IPv4 as a u32. */
  ip: number;
  udpPort: number;
}

/** A raw frame down: `datagram` in Ethernet/IPv4/UDP from the device port's address to `to`. */
export function rawUdpFrame(peer: number, port: number, from: PortAddress, to: { mac: Uint8Array; ip: number; udpPort: number }, datagram: Uint8Array): Uint8Array {
  const frame = buildUdpFrame({ dstMac: to.mac, srcMac: from.mac, srcIp: from.ip, dstIp: to.ip, srcPort: from.udpPort, dstPort: to.udpPort, payload: datagram });
  const f = new Uint8Array(HOST_HEADER_BYTES + frame.length);
  f.set(encodeHostHeader({ kind: 'raw', port, peer, length: frame.length }), 0);
  f.set(frame, HOST_HEADER_BYTES);
  return f;
}
