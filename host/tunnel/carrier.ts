// The one thing the tunnel needs of the route layer: send a message on route r, hear the
// messages that arrive, and learn when a route is gone. Datagram-style, never a byte stream
// (TCP inside a reliable stream would wait behind every lost packet). Today host/mesh's route
// datagrams carry it; a data path with hop-by-hop recovery underneath slots in here.
import type { MeshNodeApi, Timers } from '../mesh/api.ts';
import { TUNNEL_CHANNEL } from './wire.ts';

export interface RouteCarrier {
  /** One message to the other end of route end `end`; false when it could not be sent. */
  send(end: number, bytes: Uint8Array, expectsReply: boolean): boolean;
  onMessage(handler: (bytes: Uint8Array, end: number) => void): void;
  onEndClosed(listener: (end: number) => void): void;
}

/** The tunnel's carrier on a mesh node: route datagrams on TUNNEL_CHANNEL. */
export function meshCarrier(node: MeshNodeApi, channel = TUNNEL_CHANNEL): RouteCarrier {
  return {
    send: (end, bytes, expectsReply) => node.sendDatagram(end, channel, bytes, expectsReply),
    onMessage: (h) => node.onDatagram(channel, h),
    onEndClosed: (l) => node.onRouteEndClosed(l),
  };
}

/** Where inner IP packets go: the TUN device (or a test's capture). */
export interface PacketPort {
  write(packet: Uint8Array): void;
}

export type { Timers };
