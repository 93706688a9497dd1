// Datagrams on routes: one message per route packet, sealed end to end like everything else
// on a route, but neither acknowledged nor ordered nor resent. A service that carries its
// own reliability (IP packets with TCP inside them) needs exactly this: a byte stream under
// TCP would hold every flow behind one lost packet (head-of-line blocking) and recover loss
// twice.
//
// Both ends of a route name it by one local id: at the source the route's id (RouteInfo.id),
// at the destination the route end's carrier id. Ids are unique within a node, so a service
// answers with `send(end, ...)` without caring which side it is on, and hears
// `onEndClosed(end)` when the route fails, is deleted or torn down.
import { MAX_DATAGRAM_BYTES, RouteMsg } from '../../spec/route-wire.ts';
import type { DatagramHandler } from './api.ts';
import type { NodeContext } from './context.ts';
import { encodeRouteInner } from './route-packet.ts';
import type { Hop, SourceRoute } from './state.ts';

export interface DatagramHooks {
  /** The up source route with this id. */
  route(id: number): SourceRoute | undefined;
  sendToDestination(r: SourceRoute, inner: Uint8Array, expectsReply: boolean): boolean;
  sendToSource(hop: Hop, inner: Uint8Array): boolean;
}

export class DatagramSet {
  private readonly handlers = new Map<number, DatagramHandler>();
  private readonly closeListeners: Array<(end: number) => void> = [];
  /** Route ends here that datagrams arrived on, by carrier id (the destination's side of a route). */
  private readonly ends = new Map<number, Hop>();

  constructor(
    private readonly ctx: NodeContext,
    private readonly hooks: DatagramHooks,
  ) {}

  register(channel: number, handler: DatagramHandler): void {
    if (this.handlers.has(channel)) throw new RangeError(`datagram channel ${channel} is taken`);
    this.handlers.set(channel, handler);
  }

  onEndClosed(listener: (end: number) => void): void {
    this.closeListeners.push(listener);
  }

  /**
   * Sends `bytes` to the service on `channel` at the other end of route end `end`. False when
   * the end is unknown or down, or the transport refused (the caller counts it as a loss).
   * `expectsReply` arms the source's failure detector (an answer is due within routeFailMs).
   */
  send(end: number, channel: number, bytes: Uint8Array, expectsReply = false): boolean {
    if (bytes.length > MAX_DATAGRAM_BYTES) throw new RangeError(`datagram of ${bytes.length} bytes; at most ${MAX_DATAGRAM_BYTES}`);
    const inner = encodeRouteInner({ type: RouteMsg.Datagram, channel, bytes });
    const r = this.hooks.route(end);
    if (r) return r.state === 'up' && this.hooks.sendToDestination(r, inner, expectsReply);
    const hop = this.ends.get(end);
    return hop !== undefined && !hop.removed && this.hooks.sendToSource(hop, inner);
  }

  /** A datagram from the destination of source route `r`. */
  fromDestination(r: SourceRoute, channel: number, bytes: Uint8Array): void {
    this.dispatch(r.id, channel, bytes);
  }

  /** A datagram from the source of a route ending here. */
  fromSource(hop: Hop, channel: number, bytes: Uint8Array): void {
    if (!this.ends.has(hop.carrierId)) this.ends.set(hop.carrierId, hop);
    this.dispatch(hop.carrierId, channel, bytes);
  }

  private dispatch(end: number, channel: number, bytes: Uint8Array): void {
    const h = this.handlers.get(channel);
    if (!h) {
      this.ctx.counters.unknownChannel++;
      return;
    }
    try {
      h(bytes, { route: end, send: (b, o) => this.send(end, channel, b, o?.expectsReply ?? false) });
    } catch {
      this.ctx.counters.handlerErrors++;
    }
  }

  /** A route (source id) or route end (carrier id) is gone. */
  closed(end: number): void {
    this.ends.delete(end);
    for (const l of this.closeListeners) l(end);
  }
}
