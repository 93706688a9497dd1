// The one thing the tunnel needs of the route layer: send a message on route r, hear the
// messages that arrive, and learn when a route is gone. Datagram-style, never a byte stream
// (TCP inside a reliable stream would wait behind every lost packet). Today host/mesh's route
// datagrams carry it; a data path with hop-by-hop recovery underneath slots in here.
import type { MeshNodeApi } from '../mesh/api.ts';
import { TUNNEL_CHANNEL } from './wire.ts';

export interface RouteCarrier {
  /** One message to the other end of route end `end`; false when it could not be sent. */
  send(end: number, bytes: Uint8Array, expectsReply: boolean): boolean;
  onMessage(handler: (bytes: Uint8Array, end: number) => void): void;
  onEndClosed(listener: (end: number) => void): void;
}

/** A carrier that serves some ends of a shared channel: those it claims, or all the others. */
export interface SharedCarrier extends RouteCarrier {
  /** Messages on `end` come here from now on (a client's own routes). */
  claim(end: number): void;
  /** Stop hearing anything (the tunnel went down). */
  detach(): void;
}

interface Consumer {
  handler?: (bytes: Uint8Array, end: number) => void;
  closed: Array<(end: number) => void>;
}

/**
 * One node's tunnel channel, shared by its gateway (every route that ends here) and its
 * client (the routes it built and claimed), each of which may come and go: the mesh takes
 * one handler per channel for the node's life.
 */
export class TunnelCarrierHub {
  private readonly owners = new Map<number, Consumer>();
  private readonly consumers = new Set<Consumer>();
  private rest: Consumer | undefined;

  constructor(
    private readonly node: MeshNodeApi,
    private readonly channel = TUNNEL_CHANNEL,
  ) {
    node.onDatagram(channel, (b, from) => (this.owners.get(from.route) ?? this.rest)?.handler?.(b, from.route));
    node.onRouteEndClosed((end) => {
      const owner = this.owners.get(end);
      this.owners.delete(end);
      for (const l of (owner ?? this.rest)?.closed ?? []) l(end);
    });
  }

  /** 'claimed': only the ends it claims; 'rest': every end nobody claimed (one at a time). */
  open(kind: 'claimed' | 'rest'): SharedCarrier {
    const c: Consumer = { closed: [] };
    this.consumers.add(c);
    if (kind === 'rest') {
      if (this.rest) throw new Error('the tunnel channel already has a consumer for unclaimed routes');
      this.rest = c;
    }
    return {
      send: (end, bytes, expectsReply) => this.node.sendDatagram(end, this.channel, bytes, { expectsReply }),
      onMessage: (h) => void (c.handler = h),
      onEndClosed: (l) => void c.closed.push(l),
      claim: (end) => void this.owners.set(end, c),
      detach: () => {
        this.consumers.delete(c);
        if (this.rest === c) this.rest = undefined;
        for (const [end, o] of this.owners) if (o === c) this.owners.delete(end);
        c.handler = undefined;
        c.closed = [];
      },
    };
  }
}

/** The tunnel's carrier on a node that runs one tunnel end only (tests, simple tools). */
export function meshCarrier(node: MeshNodeApi, channel = TUNNEL_CHANNEL): SharedCarrier {
  return new TunnelCarrierHub(node, channel).open('rest');
}

/** Where inner IP packets go: the TUN device (or a test's capture). */
export interface PacketPort {
  write(packet: Uint8Array): void;
}
