// A node as the source of routes: it builds each route one hop at a time (Create to the
// first hop, then Extend through the tail for every further hop), retransmitting each step
// until answered; it talks to any established hop end to end, keeps idle routes alive with
// pings, and declares a route failed when the destination stays silent for routeFailMs while
// an answer is due (or a Teardown comes back), so that streams can move elsewhere.
import type { NeighbourId, PathCandidate, PathHop, RouteInfo, Timers } from './api.ts';
import { equalBytes, hex } from '../../spec/bytes.ts';
import { PING_ATTEMPTS, SETUP_BACKOFF, SETUP_RTO } from './constants.ts';
import { CONTROL_CHANNEL, ControlMsg, MAX_ROUTE_HOPS, ROUTE_CHANNEL, RouteMsg, SETUP_ID_BYTES } from '../../spec/route-wire.ts';
import { MeshError, type NodeContext } from './context.ts';
import { encodeControl, type Control } from './control.ts';
import { encodeFrame } from './framing.ts';
import { completeHop, makeCreateBlob, type HopKeys } from './hop-crypto.ts';
import { decodeRouteInner, encodeRouteInner, openRoutePacket, sealRouteFrame, type RouteInner } from './route-packet.ts';
import { newReplayWindows, type PendingPing, type SourceRoute } from './state.ts';
import { RttEstimator } from '../link/rtt.ts';

/** Failed routes kept for `routes()` and status before the oldest are forgotten. */
const FAILED_ROUTES_KEPT = 32;

type CreateAnswer = Extract<Control, { type: typeof ControlMsg.Created | typeof ControlMsg.CreateRefused }>;

export interface SourceHooks {
  /** An end-to-end stream message from the destination of route `r`. */
  onStreamMessage(r: SourceRoute, m: RouteInner): void;
  /** A datagram from the destination of route `r`. */
  onDatagram(r: SourceRoute, channel: number, bytes: Uint8Array): void;
  /** Route `r` failed; its streams were using it (`repair`: try to replace it). */
  onRouteFailed(r: SourceRoute, repair: boolean): void;
  /** Route `r` was deleted by its owner: its streams stop using it. */
  onRouteDeleted(r: SourceRoute): void;
}

export class SourceRole {
  private readonly routes = new Map<number, SourceRoute>();
  /** Our Creates to first hops waiting for an answer, by setup ID. */
  private readonly pendingCreates = new Map<string, SourceRoute>();
  private readonly timers: Timers;

  constructor(
    private readonly ctx: NodeContext,
    private readonly hooks: SourceHooks,
  ) {
    this.timers = ctx.timers;
  }

  get(id: number): SourceRoute | undefined {
    return this.routes.get(id);
  }

  all(): SourceRoute[] {
    return [...this.routes.values()];
  }

  // ---- building ------------------------------------------------------------------------------

  add(path: PathCandidate | { firstNeighbour: NeighbourId; hops: PathHop[] }, options: { qos?: boolean } = {}): Promise<RouteInfo> {
    const ctx = this.ctx;
    if (path.hops.length < 1 || path.hops.length > MAX_ROUTE_HOPS) return Promise.reject(new MeshError(`a route has 1 to ${MAX_ROUTE_HOPS} hops, got ${path.hops.length}`));
    const n = ctx.neighbour(path.firstNeighbour);
    if (!n?.up) return Promise.reject(new MeshError(`neighbour ${path.firstNeighbour} is not up`));
    if (n.publicKey && !equalBytes(n.publicKey, path.hops[0].publicKey)) return Promise.reject(new MeshError(`neighbour ${path.firstNeighbour} is not the path's first hop`));
    const now = this.timers.now();
    const r: SourceRoute = {
      kind: 'source',
      id: ctx.nextLocalId(),
      state: 'building',
      hops: path.hops.map((h) => ({ publicKey: Uint8Array.from(h.publicKey), address: h.address })),
      firstNeighbour: path.firstNeighbour,
      firstRouteId: 0,
      backIn: ctx.rules.allocateId(),
      qos: options.qos ?? false,
      keys: [],
      rx: newReplayWindows(path.hops.length),
      txCounters: new Array<number>(path.hops.length).fill(0),
      startedAt: now,
      rtt: new RttEstimator(SETUP_RTO),
      lastHeard: now,
      lastSent: now,
      streams: new Set(),
      pings: new Map(),
      bytesSent: 0,
      bytesReceived: 0,
      packetsSent: 0,
      packetsReceived: 0,
    };
    this.routes.set(r.id, r);
    this.pruneFailed();
    return new Promise<RouteInfo>((resolve, reject) => {
      r.settle = { resolve: () => resolve(this.info(r)), reject };
      try {
        ctx.rules.install(r.backIn, r.firstNeighbour, { kind: 'local', channel: ROUTE_CHANNEL, qos: r.qos }, r, now);
      } catch (e) {
        return this.fail(r, (e as Error).message, false);
      }
      this.startStep(r, 0);
    });
  }

  private startStep(r: SourceRoute, index: number): void {
    const ctx = this.ctx;
    const made = makeCreateBlob(ctx.backend, (k) => ctx.random(k), r.hops[index].publicKey, { qos: r.qos });
    if (!made) return this.fail(r, `hop ${index} has an invalid public key`, false);
    const setupId = ctx.random(SETUP_ID_BYTES);
    let payload: Uint8Array;
    let rto: number;
    if (index === 0) {
      payload = encodeFrame(CONTROL_CHANNEL, encodeControl({ type: ControlMsg.Create, setupId, backRoute: r.backIn, blob: made.blob }));
      const n = ctx.neighbour(r.firstNeighbour)!;
      rto = n.rtt.srtt !== undefined ? Math.max(SETUP_RTO.minMs, 2 * n.rtt.srtt) : ctx.limits.setupRtoMs;
      this.pendingCreates.set(hex(setupId), r);
    } else {
      payload = encodeRouteInner({ type: RouteMsg.Extend, setupId, nextKey: r.hops[index].publicKey, blob: made.blob });
      // One more hop than the last step: extrapolate its round trip, and allow twice that.
      rto = r.lastStepRttMs !== undefined ? Math.max(SETUP_RTO.minMs, (2 * r.lastStepRttMs * (index + 1)) / index) : ctx.limits.setupRtoMs;
    }
    r.step = { index, setupId, pending: made.pending, payload, sentAt: this.timers.now(), retries: 0, rto: Math.min(rto, SETUP_RTO.maxMs), retransmitted: false, timer: undefined };
    this.sendStep(r);
  }

  private sendStep(r: SourceRoute): void {
    const s = r.step!;
    if (s.index === 0) this.ctx.sendFrame(r.firstNeighbour, s.payload);
    else this.sendToHop(r, s.index - 1, s.payload, false);
    s.timer = this.timers.setTimeout(() => {
      if (r.step !== s || r.state !== 'building') return;
      if (s.retries >= this.ctx.limits.setupRetries) return this.fail(r, `hop ${s.index} did not answer after ${s.retries} retransmissions`, false);
      s.retries++;
      s.retransmitted = true;
      s.rto = Math.min(SETUP_RTO.maxMs, s.rto * SETUP_BACKOFF);
      this.ctx.counters.setupRetransmits++;
      this.sendStep(r);
    }, s.rto);
  }

  private stepDone(r: SourceRoute, keys: HopKeys): void {
    const s = r.step!;
    if (s.timer !== undefined) this.timers.clearTimeout(s.timer);
    const now = this.timers.now();
    if (!s.retransmitted) r.lastStepRttMs = now - s.sentAt;
    r.keys.push(keys);
    r.step = undefined;
    r.lastHeard = now;
    if (r.keys.length < r.hops.length) return this.startStep(r, r.keys.length);
    r.state = 'up';
    r.setupMs = now - r.startedAt;
    r.settle?.resolve();
    r.settle = undefined;
  }

  /** The first hop's answer to our Create; false when it is not ours. */
  onCreateAnswer(from: number, m: CreateAnswer): boolean {
    const id = hex(m.setupId);
    const r = this.pendingCreates.get(id);
    if (!r) return false;
    const step = r.step;
    if (from !== r.firstNeighbour || !step || step.index !== 0) return true;
    this.pendingCreates.delete(id);
    if (m.type === ControlMsg.CreateRefused) {
      this.fail(r, `first hop refused (reason ${m.reason})`, false);
      return true;
    }
    const keys = completeHop(this.ctx.backend, step.pending, m.reply);
    if (!keys) {
      this.fail(r, 'first hop did not prove its key', false);
      return true;
    }
    r.firstRouteId = m.forwardRoute;
    this.stepDone(r, keys);
    return true;
  }

  // ---- end-to-end traffic ------------------------------------------------------------------------

  /** Sends an end-to-end message from the source to hop `j` of route `r`. */
  sendToHop(r: SourceRoute, j: number, inner: Uint8Array, expectsReply: boolean): boolean {
    const ctx = this.ctx;
    const frame = sealRouteFrame(ctx.backend.aead, r.keys[j].fwd, ++r.txCounters[j], r.firstRouteId, inner);
    const now = this.timers.now();
    r.lastSent = now;
    r.packetsSent++;
    r.bytesSent += frame.length;
    const backRule = ctx.rules.get(r.backIn);
    if (backRule) backRule.lastUsed = now;
    if (expectsReply && r.expectSince === undefined) r.expectSince = now;
    return ctx.sendFrame(r.firstNeighbour, frame);
  }

  /** A packet on our back route: from whichever hop sealed it. */
  onPacket(r: SourceRoute, packet: Uint8Array): void {
    const ctx = this.ctx;
    // Any established hop may speak (the tail during setup, the destination after): try the
    // destination's key first, it is by far the most common sender.
    for (let j = r.keys.length - 1; j >= 0; j--) {
      const opened = openRoutePacket(ctx.backend.aead, r.keys[j].bwd, packet);
      if (!opened) continue;
      if (r.rx[j].check(opened.counter) !== 'fresh') {
        ctx.counters.replays++;
        return;
      }
      r.rx[j].commit(opened.counter);
      const m = decodeRouteInner(opened.inner);
      if (!m) {
        ctx.counters.malformed++;
        return;
      }
      r.packetsReceived++;
      r.bytesReceived += packet.length;
      if (j === r.hops.length - 1) {
        r.lastHeard = this.timers.now();
        r.expectSince = undefined;
      }
      return this.onMessage(r, j, m);
    }
    ctx.counters.badAuth++;
  }

  private onMessage(r: SourceRoute, j: number, m: RouteInner): void {
    const step = r.step;
    switch (m.type) {
      case RouteMsg.Extended: {
        if (!step || step.index !== j + 1 || !equalBytes(step.setupId, m.setupId)) return;
        const keys = completeHop(this.ctx.backend, step.pending, m.reply);
        if (!keys) return this.fail(r, `hop ${j + 1} did not prove its key`, false);
        this.sendToHop(r, j, encodeRouteInner({ type: RouteMsg.ExtendAck, setupId: m.setupId }), false);
        this.stepDone(r, keys);
        return;
      }
      case RouteMsg.ExtendFailed:
        if (step && step.index === j + 1 && equalBytes(step.setupId, m.setupId)) this.fail(r, `hop ${j + 1} unreachable from hop ${j} (reason ${m.reason})`, false);
        return;
      case RouteMsg.Pong: {
        const p = r.pings.get(m.nonce);
        if (!p) return;
        r.pings.delete(m.nonce);
        this.timers.clearTimeout(p.timer);
        if (p.retry !== undefined) this.timers.clearTimeout(p.retry);
        // The Pong echoes the send time of the Ping it answers (authenticated end to end),
        // so an answer to a repeated Ping still measures one round trip.
        const rtt = this.timers.now() - (m.sentAt <= this.timers.now() && m.sentAt >= p.sentAt ? m.sentAt : p.sentAt);
        r.rtt.sample(rtt);
        p.resolve(rtt);
        return;
      }
      case RouteMsg.OpenOk:
      case RouteMsg.Data:
      case RouteMsg.Ack:
      case RouteMsg.Reset:
        if (j === r.hops.length - 1) this.hooks.onStreamMessage(r, m);
        return;
      case RouteMsg.Datagram:
        if (j === r.hops.length - 1) this.hooks.onDatagram(r, m.channel, m.bytes);
        return;
    }
  }

  ping(routeId: number, timeoutMs: number): Promise<number> {
    const r = this.routes.get(routeId);
    if (!r || r.state !== 'up') return Promise.reject(new MeshError(`route ${routeId} is not up`));
    return new Promise((resolve, reject) => this.sendPing(r, timeoutMs, resolve, reject));
  }

  /**
   * A ping (also the keepalive): repeated every retry interval until a Pong comes or
   * `timeoutMs` passes, so one lost Ping or Pong costs a retry, not the route. Whether the
   * route is dead is the failure detector's call (maintain: silence for routeFailMs), which
   * the repeats give every chance to hear an answer first.
   */
  private sendPing(r: SourceRoute, timeoutMs: number, resolve: (ms: number) => void, reject: (e: Error) => void): void {
    const b = this.ctx.random(4);
    const nonce = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
    const firstSentAt = this.timers.now();
    const timer = this.timers.setTimeout(() => {
      const p = r.pings.get(nonce);
      if (!p) return;
      r.pings.delete(nonce);
      if (p.retry !== undefined) this.timers.clearTimeout(p.retry);
      reject(new MeshError(`ping on route ${r.id} timed out after ${timeoutMs} ms (${p.attempts} attempts)`));
    }, timeoutMs);
    const entry: PendingPing = { resolve, reject, timer, sentAt: firstSentAt, attempts: 0, retry: undefined };
    r.pings.set(nonce, entry);
    // PING_ATTEMPTS spread over the timeout, the last leaving time for its answer; never
    // faster than twice the route's RTT.
    const interval = Math.max(2 * (r.rtt.srtt ?? 0), timeoutMs / (PING_ATTEMPTS + 1));
    const attempt = () => {
      entry.retry = undefined;
      if (r.pings.get(nonce) !== entry || r.state !== 'up') return;
      entry.attempts++;
      this.sendToHop(r, r.hops.length - 1, encodeRouteInner({ type: RouteMsg.Ping, nonce, sentAt: this.timers.now() }), true);
      if (entry.attempts < PING_ATTEMPTS) entry.retry = this.timers.setTimeout(attempt, interval);
    };
    attempt();
  }

  // ---- failure, deletion, upkeep -------------------------------------------------------------------

  /** Marks a route failed, tells its first hop, and hands its streams to the node (`repair`). */
  fail(r: SourceRoute, why: string, repair: boolean): void {
    if (r.state === 'failed' || r.state === 'closed') return;
    const wasUp = r.state === 'up';
    r.state = 'failed';
    this.ctx.counters.routesFailed++;
    this.stopTimers(r, new MeshError(`route ${r.id}: ${why}`));
    if (r.step) this.pendingCreates.delete(hex(r.step.setupId));
    r.step = undefined;
    this.ctx.rules.remove(r.backIn, 'failed');
    // Relays still alive are told now; the ones beyond a dead one expire when idle.
    if (r.firstRouteId !== 0) this.ctx.sendTeardown(r.firstNeighbour, r.firstRouteId);
    this.hooks.onRouteFailed(r, wasUp || repair);
    r.streams.clear();
  }

  delete(id: number): void {
    const r = this.routes.get(id);
    if (!r) throw new MeshError(`no route ${id}`);
    this.routes.delete(id);
    if (r.state === 'failed' || r.state === 'closed') return;
    r.state = 'closed';
    this.stopTimers(r, new MeshError(`route ${id} deleted`));
    this.ctx.rules.remove(r.backIn, 'deleted');
    if (r.firstRouteId !== 0) this.ctx.sendTeardown(r.firstNeighbour, r.firstRouteId);
    this.hooks.onRouteDeleted(r);
    r.streams.clear();
  }

  private stopTimers(r: SourceRoute, why: Error): void {
    if (r.step?.timer !== undefined) this.timers.clearTimeout(r.step.timer);
    r.settle?.reject(why);
    r.settle = undefined;
    for (const p of r.pings.values()) {
      this.timers.clearTimeout(p.timer);
      if (p.retry !== undefined) this.timers.clearTimeout(p.retry);
      p.reject(why);
    }
    r.pings.clear();
  }

  private pruneFailed(): void {
    const failed = [...this.routes.values()].filter((r) => r.state === 'failed');
    for (const r of failed.slice(0, Math.max(0, failed.length - FAILED_ROUTES_KEPT))) this.routes.delete(r.id);
  }

  /** The first hop's link is gone: every route through it failed. */
  linkDown(neighbour: number): void {
    for (const r of [...this.routes.values()]) if (r.firstNeighbour === neighbour && (r.state === 'up' || r.state === 'building')) this.fail(r, 'first link down', false);
  }

  /** Failure detection and keepalives. */
  maintain(now: number): void {
    const { routeFailMs, keepaliveMs } = this.ctx.limits;
    for (const r of [...this.routes.values()]) {
      if (r.state !== 'up') continue;
      if (r.expectSince !== undefined && now - r.expectSince > routeFailMs) {
        this.fail(r, `no answer from the destination for ${Math.round(now - r.expectSince)} ms`, true);
        continue;
      }
      if (now - r.lastSent >= keepaliveMs) this.sendPing(r, routeFailMs, () => undefined, () => undefined);
    }
  }

  info(r: SourceRoute): RouteInfo {
    return {
      id: r.id,
      state: r.state,
      hops: r.hops,
      firstNeighbour: r.firstNeighbour,
      firstRouteId: r.firstRouteId,
      setupMs: r.setupMs,
      rttMs: r.rtt.srtt,
      streams: r.streams.size,
      bytesSent: r.bytesSent,
      bytesReceived: r.bytesReceived,
      packetsSent: r.packetsSent,
      packetsReceived: r.packetsReceived,
    };
  }

  close(): void {
    for (const r of this.routes.values()) {
      if (r.step?.timer !== undefined) this.timers.clearTimeout(r.step.timer);
      for (const p of r.pings.values()) {
        this.timers.clearTimeout(p.timer);
        if (p.retry !== undefined) this.timers.clearTimeout(p.retry);
      }
    }
  }
}
