// The streams of a node, both ends: opening them over source routes, accepting them at
// route ends here, dispatching their messages, and repair: when a route of a stream fails,
// its segments move to the stream's other routes at once, and a replacement route to the
// same destination (found by discovery, avoiding the failed route's relays) joins it.
import type { DiscoverOptions, DiscoverTarget, MeshStream, OpenStreamOptions, PathCandidate, RouteInfo, StreamStatus } from './api.ts';
import { equalBytes, hex } from '../../spec/bytes.ts';
import { ResetReason, RouteMsg, STREAM_ID_BYTES } from '../../spec/route-wire.ts';
import { MeshError, type NodeContext } from './context.ts';
import { avoiding } from './discovery.ts';
import { encodeRouteInner, type RouteInner } from './route-packet.ts';
import type { Hop, SourceRoute } from './state.ts';
import { StreamEndpoint, type Carrier } from './stream.ts';

/** A stream whose route failed tries this many replacement paths per repair round... */
const REPAIR_CANDIDATES = 3;
/** ...and this many rounds, routeFailMs apart, before it gives the destination up. */
const REPAIR_ROUNDS = 10;
/** A stream with nothing unacknowledged and no traffic for this long is closed and forgotten. */
const STREAM_IDLE_MS = 300_000;

export interface StreamSetHooks {
  discover(target: DiscoverTarget, options: DiscoverOptions): Promise<PathCandidate[]>;
  addRoute(path: PathCandidate): Promise<RouteInfo>;
  route(id: number): SourceRoute | undefined;
  /** Source side: an end-to-end message to the destination of `r`. */
  sendToDestination(r: SourceRoute, inner: Uint8Array, expectsReply: boolean): boolean;
  /** Destination side: an end-to-end message back to the source of `hop`'s route. */
  sendToSource(hop: Hop, inner: Uint8Array): boolean;
}

interface Repair {
  dest: Uint8Array;
  mode: 'rediscover' | 'none';
  running: boolean;
}

export class StreamSet {
  private readonly streams = new Map<string, StreamEndpoint>();
  private readonly repairs = new Map<StreamEndpoint, Repair>();
  private readonly listeners = new Map<number, (s: MeshStream) => void>();
  private closed = false;

  constructor(
    private readonly ctx: NodeContext,
    private readonly hooks: StreamSetHooks,
  ) {}

  listen(channel: number, onStream: (stream: MeshStream) => void): void {
    this.listeners.set(channel, onStream);
  }

  private create(streamId: Uint8Array, role: 'initiator' | 'acceptor', channel: number, sendBufferBytes?: number): StreamEndpoint {
    const s = new StreamEndpoint(
      streamId,
      role,
      channel,
      {
        timers: this.ctx.timers,
        onRetransmit: () => void this.ctx.counters.segmentsRetransmitted++,
        onClosed: (x) => {
          this.streams.delete(x.id);
          this.repairs.delete(x);
          for (const id of x.carrierIds()) this.hooks.route(id)?.streams.delete(x);
        },
      },
      sendBufferBytes,
    );
    this.streams.set(s.id, s);
    return s;
  }

  private routeCarrier(r: SourceRoute): Carrier {
    return { id: r.id, send: (inner, expects) => r.state === 'up' && this.hooks.sendToDestination(r, inner, expects) };
  }

  private hopCarrier(hop: Hop): Carrier {
    return { id: hop.carrierId, send: (inner) => this.hooks.sendToSource(hop, inner) };
  }

  private attachRoute(s: StreamEndpoint, r: SourceRoute): void {
    r.streams.add(s);
    s.attach(this.routeCarrier(r));
  }

  // ---- source side ---------------------------------------------------------------------------

  open(options: OpenStreamOptions): Promise<MeshStream> {
    const routes = options.routes.map((id) => this.hooks.route(id));
    if (routes.length === 0 || routes.some((r) => !r || r.state !== 'up')) return Promise.reject(new MeshError('openStream needs at least one route, all up'));
    const up = routes as SourceRoute[];
    const dest = up[0].hops[up[0].hops.length - 1].publicKey;
    if (up.some((r) => !equalBytes(r.hops[r.hops.length - 1].publicKey, dest))) return Promise.reject(new MeshError('all routes of a stream must end at the same node'));
    const s = this.create(this.ctx.random(STREAM_ID_BYTES), 'initiator', options.channel, options.sendBufferBytes);
    this.repairs.set(s, { dest, mode: options.repair ?? 'rediscover', running: false });
    for (const r of up) this.attachRoute(s, r);
    const timers = this.ctx.timers;
    return new Promise((resolve, reject) => {
      const deadline = timers.now() + Math.max(this.ctx.limits.routeFailMs, 4 * this.ctx.limits.setupRtoMs);
      const poll = () => {
        if (s.hasOpenCarrier()) return resolve(s);
        if (s.isClosed || timers.now() >= deadline) {
          s.close();
          return reject(new MeshError('the destination did not accept the stream'));
        }
        timers.setTimeout(poll, 5);
      };
      poll();
    });
  }

  /** A stream message from the destination of source route `r`. */
  onRouteMessage(r: SourceRoute, m: RouteInner): void {
    if (m.type !== RouteMsg.OpenOk && m.type !== RouteMsg.Data && m.type !== RouteMsg.Ack && m.type !== RouteMsg.Reset) return;
    const s = this.streams.get(hex(m.streamId));
    if (s && r.streams.has(s)) s.onMessage(r.id, m);
  }

  routeFailed(r: SourceRoute, repair: boolean): void {
    for (const s of [...r.streams]) {
      s.detach(r.id);
      if (repair) this.repair(s, r);
    }
  }

  routeDeleted(r: SourceRoute): void {
    for (const s of r.streams) s.detach(r.id);
  }

  /** Moves a stream whose route failed onto a new route to the same destination. */
  private repair(s: StreamEndpoint, failed: SourceRoute): void {
    const meta = this.repairs.get(s);
    if (!meta || meta.mode === 'none' || meta.running || s.isClosed) return;
    meta.running = true;
    const routeFailMs = this.ctx.limits.routeFailMs;
    const avoid = new Set(failed.hops.slice(0, -1).map((h) => hex(h.publicKey)));
    const inUse = new Set<string>();
    for (const id of s.carrierIds()) for (const h of this.hooks.route(id)?.hops.slice(0, -1) ?? []) inUse.add(hex(h.publicKey));
    const attempt = async (): Promise<boolean> => {
      // Short and small: the stream is waiting (its other routes, if any, carry it meanwhile).
      const found = await this.hooks.discover({ publicKey: meta.dest }, { timeoutMs: Math.max(200, routeFailMs), maxResults: 8 });
      // Best: disjoint from the failed route and the stream's other routes; then from the failed
      // one; last, through the failed route's relays again (discovery just found that path
      // alive: a relay or the destination that restarted, a link that came back).
      const fresh = avoiding(found, new Set([...avoid, ...inUse]));
      const fallback = avoiding(found, avoid);
      const order = [...fresh, ...fallback.filter((c) => !fresh.includes(c)), ...found.filter((c) => !fallback.includes(c))];
      for (const c of order.slice(0, REPAIR_CANDIDATES)) {
        if (s.isClosed) return true;
        try {
          const info = await this.hooks.addRoute(c);
          const r = this.hooks.route(info.id);
          if (!r || r.state !== 'up') continue;
          this.attachRoute(s, r);
          s.repairs++;
          this.ctx.counters.routesRepaired++;
          return true;
        } catch {
          // try the next candidate
        }
      }
      return false;
    };
    let rounds = 0;
    const retry = () => {
      if (++rounds >= REPAIR_ROUNDS) {
        meta.running = false;
        // Nothing reaches the destination any more: a stream with no route left is over.
        if (s.carrierIds().length === 0) s.closeWith(`no route to the destination after ${REPAIR_ROUNDS} repair rounds`, false);
        return;
      }
      this.ctx.timers.setTimeout(run, routeFailMs);
    };
    const run = () => {
      if (this.closed || s.isClosed) return;
      attempt().then((ok) => {
        if (ok || this.closed) meta.running = false;
        else retry();
      }, retry);
    };
    run();
  }

  // ---- destination side --------------------------------------------------------------------------

  /** Open at a route end here: a new stream for a listener, or a repaired route joining one. */
  onOpen(hop: Hop, m: Extract<RouteInner, { type: typeof RouteMsg.Open }>): void {
    let s = this.streams.get(hex(m.streamId));
    if (s && (s.role !== 'acceptor' || s.channel !== m.channel)) return;
    const reset = (reason: number) => {
      this.ctx.counters.streamsReset++;
      this.hooks.sendToSource(hop, encodeRouteInner({ type: RouteMsg.Reset, streamId: m.streamId, reason }));
    };
    if (!s) {
      // A rejoin of a stream we do not know: this node restarted (or forgot the stream) and
      // the bytes before the source's acknowledged point are gone. A new stream here would
      // wait for offset 0 forever while the source resent its window; say so instead.
      if (m.rejoin) return reset(ResetReason.UnknownStream);
      const listener = this.listeners.get(m.channel);
      if (!listener) {
        this.ctx.counters.unknownChannel++;
        return reset(ResetReason.NoListener);
      }
      s = this.create(m.streamId, 'acceptor', m.channel);
      s.attach(this.hopCarrier(hop));
      listener(s);
    } else s.attach(this.hopCarrier(hop));
    this.hooks.sendToSource(hop, encodeRouteInner({ type: RouteMsg.OpenOk, streamId: m.streamId }));
  }

  /** Data or Ack arriving at a route end here (the stream ignores carriers it does not use). */
  onHopMessage(carrierId: number, m: RouteInner): void {
    if (m.type !== RouteMsg.Data && m.type !== RouteMsg.Ack && m.type !== RouteMsg.Reset) return;
    this.streams.get(hex(m.streamId))?.onMessage(carrierId, m);
  }

  detachCarrier(carrierId: number): void {
    for (const s of this.streams.values()) s.detach(carrierId);
  }

  // ---- upkeep ----------------------------------------------------------------------------------------

  sweep(now: number): void {
    for (const s of [...this.streams.values()]) if (s.sendBuffered === 0 && now - s.lastActivity > STREAM_IDLE_MS) s.close();
  }

  statuses(): StreamStatus[] {
    return [...this.streams.values()].map((s) => s.status());
  }

  close(): void {
    this.closed = true;
    for (const s of [...this.streams.values()]) s.close();
  }
}
