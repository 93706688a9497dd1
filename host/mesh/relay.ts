// A node's part in routes it does not originate: it answers Create (becoming the tail of a
// route), extends the route to a neighbour when the source asks (Extend), then switches its
// rule to forwarding and is a relay; the last hop stays the route's end (the destination).
// Hops are removed by teardown, by the loss of a link, or when idle.
import type { SettleReason, Timers } from './api.ts';
import { equalBytes, hex } from '../../spec/bytes.ts';
import { SETUP_BACKOFF, SETUP_RTO } from './constants.ts';
import { CONTROL_CHANNEL, ControlMsg, RefuseReason, ROUTE_CHANNEL, RouteMsg, SETUP_ID_BYTES } from '../../spec/route-wire.ts';
import type { NodeContext } from './context.ts';
import { encodeControl, type Control } from './control.ts';
import { ForwardingTableFullError } from './forwarding.ts';
import { encodeFrame } from './framing.ts';
import { acceptCreateBlob } from './hop-crypto.ts';
import { decodeRouteInner, encodeRouteInner, openRoutePacket, sealRouteFrame, type RouteInner } from './route-packet.ts';
import type { Rule } from './rules.ts';
import { ReplayWindow, type Hop, type NeighbourState, type NextHop } from './state.ts';

type CreateMsg = Extract<Control, { type: typeof ControlMsg.Create }>;
type CreateAnswer = Extract<Control, { type: typeof ControlMsg.Created | typeof ControlMsg.CreateRefused }>;

/** What the relay role needs from the rest of the node. */
export interface RelayHooks {
  /** A stream opens (or re-attaches) at this route end: this node is the destination. */
  onOpen(hop: Hop, m: Extract<RouteInner, { type: typeof RouteMsg.Open }>): void;
  /** Stream data or acknowledgement for a stream ending here. */
  onStreamMessage(carrierId: number, m: RouteInner): void;
  /** A datagram from the source, for a service at this route end. */
  onDatagram(hop: Hop, channel: number, bytes: Uint8Array): void;
  /** The route end `carrierId` is gone: streams stop using it. */
  detachCarrier(carrierId: number): void;
  /** Do what the table says with a packet (used after switching a tail to relay). */
  applyRule(rule: Rule, packet: Uint8Array): void;
}

export interface HopView {
  fIn: number;
  prev: number;
  bOut: number;
  next?: NextHop;
  role: 'relay' | 'end';
}

export class RelayRole {
  private readonly hops = new Set<Hop>();
  /** Create messages already answered, by `${neighbour}:${setupId}`: a repeat gets the same answer. */
  private readonly answeredCreates = new Map<string, { hop: Hop; created: Control }>();
  /** Our own Creates toward next hops, waiting for an answer, by setup ID. */
  private readonly pendingCreates = new Map<string, Hop>();
  private readonly timers: Timers;

  constructor(
    private readonly ctx: NodeContext,
    private readonly hooks: RelayHooks,
  ) {
    this.timers = ctx.timers;
  }

  // ---- Create: becoming a hop --------------------------------------------------------------

  onCreate(n: NeighbourState, m: CreateMsg): void {
    const ctx = this.ctx;
    const key = `${n.id}:${hex(m.setupId)}`;
    const answered = this.answeredCreates.get(key);
    if (answered) {
      // Our Created was lost: the same answer again, at no cost to the rate limit.
      ctx.sendControl(n.id, answered.created);
      return;
    }
    const refuse = (reason: number) => ctx.sendControl(n.id, { type: ControlMsg.CreateRefused, setupId: m.setupId, reason });
    const now = this.timers.now();
    if (n.routesFrom >= ctx.limits.maxRoutesPerPeer) {
      ctx.counters.refusedRouteLimit++;
      return void refuse(RefuseReason.RouteLimit);
    }
    if (!n.setupBucket.take(now)) {
      ctx.counters.refusedRateLimit++;
      return void refuse(RefuseReason.RateLimit);
    }
    const accepted = acceptCreateBlob(ctx.backend, (k) => ctx.random(k), ctx.identity.secretKey, ctx.identity.publicKey, m.blob);
    if (!accepted) {
      ctx.counters.badAuth++;
      return void refuse(RefuseReason.BadRequest);
    }
    const fIn = ctx.rules.allocateId();
    const hop: Hop = {
      kind: 'hop',
      fIn,
      prev: n.id,
      bOut: m.backRoute,
      keys: accepted.keys,
      qos: accepted.request.qos,
      rx: new ReplayWindow(),
      txCounter: 0,
      carrierId: ctx.nextLocalId(),
      createKey: key,
      removed: false,
    };
    try {
      ctx.rules.install(fIn, n.id, { kind: 'local', channel: ROUTE_CHANNEL, qos: hop.qos }, hop, now);
    } catch (e) {
      if (e instanceof ForwardingTableFullError) return void refuse(RefuseReason.TableFull);
      throw e;
    }
    this.hops.add(hop);
    n.routesFrom++;
    const created: Control = { type: ControlMsg.Created, setupId: m.setupId, forwardRoute: fIn, reply: accepted.reply };
    this.answeredCreates.set(key, { hop, created });
    ctx.sendControl(n.id, created);
  }

  /** An answer to one of our Creates toward a next hop; false when it is not ours. */
  onCreateAnswer(from: number, m: CreateAnswer): boolean {
    const id = hex(m.setupId);
    const hop = this.pendingCreates.get(id);
    if (!hop) return false;
    const x = hop.extending;
    if (!x || x.neighbour !== from) return true;
    this.pendingCreates.delete(id);
    if (x.timer !== undefined) this.timers.clearTimeout(x.timer);
    if (m.type === ControlMsg.CreateRefused) {
      this.failExtension(hop, m.reason);
      return true;
    }
    // The next hop is there: packets coming back from it go to our previous hop.
    try {
      this.ctx.rules.install(x.bIn, from, { kind: 'forward', port: hop.prev, nextRoute: hop.bOut, qos: hop.qos }, hop, this.timers.now());
    } catch (e) {
      if (e instanceof ForwardingTableFullError) {
        this.failExtension(hop, RefuseReason.TableFull);
        return true;
      }
      throw e;
    }
    hop.extending = undefined;
    hop.pendingNext = { neighbour: from, fOut: m.forwardRoute, bIn: x.bIn };
    const inner = encodeRouteInner({ type: RouteMsg.Extended, setupId: x.sourceSetupId, reply: m.reply });
    hop.lastExtended = { setupId: x.sourceSetupId, inner };
    this.sendToSource(hop, inner);
    return true;
  }

  private failExtension(hop: Hop, reason: number): void {
    const x = hop.extending;
    if (!x) return;
    this.releaseShare(hop);
    if (x.timer !== undefined) this.timers.clearTimeout(x.timer);
    this.pendingCreates.delete(hex(x.createSetupId));
    hop.extending = undefined;
    this.sendToSource(hop, encodeRouteInner({ type: RouteMsg.ExtendFailed, setupId: x.sourceSetupId, reason }));
  }

  /** Tail: the source asked us to extend the route to our neighbour with key `nextKey`. */
  private onExtend(hop: Hop, m: Extract<RouteInner, { type: typeof RouteMsg.Extend }>): void {
    const ctx = this.ctx;
    if (hop.lastExtended && equalBytes(hop.lastExtended.setupId, m.setupId)) {
      this.sendToSource(hop, hop.lastExtended.inner); // our Extended was lost
      return;
    }
    if (hop.extending || hop.pendingNext || hop.next) return; // in progress; the source waits
    const neighbour = ctx.neighbourByKey(m.nextKey);
    const failed = (reason: number) => this.sendToSource(hop, encodeRouteInner({ type: RouteMsg.ExtendFailed, setupId: m.setupId, reason }));
    if (neighbour === undefined || neighbour === hop.prev) return void failed(RefuseReason.NoSuchNeighbour);
    // The next hop limits what it accepts from us as a whole; our upstreams share that fairly,
    // so one of them cannot lock the others out of the path through us (fairness.ts).
    if (!ctx.routeShares.allows(hop.prev, neighbour, ctx.ownRoutesVia(neighbour))) {
      ctx.counters.refusedUpstreamShare++;
      return void failed(RefuseReason.RouteLimit);
    }
    if (!ctx.setupShares.take(hop.prev, neighbour, this.timers.now())) {
      ctx.counters.refusedUpstreamShare++;
      return void failed(RefuseReason.RateLimit);
    }
    ctx.routeShares.add(hop.prev, neighbour, 1);
    hop.shareNext = neighbour;
    // Our own setup ID and back route toward the next hop: nothing links them to the source's.
    const createSetupId = ctx.random(SETUP_ID_BYTES);
    const bIn = ctx.rules.allocateId();
    const create = encodeFrame(CONTROL_CHANNEL, encodeControl({ type: ControlMsg.Create, setupId: createSetupId, backRoute: bIn, blob: m.blob }));
    const n = ctx.neighbour(neighbour)!;
    const rto = n.rtt.srtt !== undefined ? n.rtt.rto : ctx.limits.setupRtoMs;
    hop.extending = { sourceSetupId: m.setupId, createSetupId, neighbour, bIn, create, retries: 0, rto, timer: undefined };
    this.pendingCreates.set(hex(createSetupId), hop);
    ctx.sendFrame(neighbour, create);
    this.armExtendTimer(hop);
  }

  private armExtendTimer(hop: Hop): void {
    const x = hop.extending!;
    x.timer = this.timers.setTimeout(() => {
      if (hop.extending !== x || hop.removed) return;
      if (x.retries >= this.ctx.limits.setupRetries) return this.failExtension(hop, RefuseReason.NoSuchNeighbour);
      x.retries++;
      x.rto = Math.min(SETUP_RTO.maxMs, x.rto * SETUP_BACKOFF);
      this.ctx.counters.setupRetransmits++;
      this.ctx.sendFrame(x.neighbour, x.create);
      this.armExtendTimer(hop);
    }, x.rto);
  }

  /** The route no longer counts toward its next hop's share. */
  private releaseShare(hop: Hop): void {
    if (hop.shareNext === undefined) return;
    this.ctx.routeShares.add(hop.prev, hop.shareNext, -1);
    hop.shareNext = undefined;
  }

  /** Old tail: the source has the extension; from now on we only forward. */
  private switchToRelay(hop: Hop): void {
    const next = hop.pendingNext;
    if (!next) return;
    hop.pendingNext = undefined;
    hop.next = next;
    const rule = this.ctx.rules.get(hop.fIn);
    if (rule) this.ctx.rules.update(rule, { kind: 'forward', port: next.neighbour, nextRoute: next.fOut, qos: hop.qos });
    this.hooks.detachCarrier(hop.carrierId);
  }

  /** Sends an end-to-end message from this hop back to the route's source. */
  sendToSource(hop: Hop, inner: Uint8Array): boolean {
    if (hop.removed) return false;
    return this.ctx.sendFrame(hop.prev, sealRouteFrame(this.ctx.backend.aead, hop.keys.bwd, ++hop.txCounter, hop.bOut, inner));
  }

  // ---- packets for the route end here ------------------------------------------------------

  onTailPacket(hop: Hop, rule: Rule, packet: Uint8Array): void {
    const ctx = this.ctx;
    const opened = openRoutePacket(ctx.backend.aead, hop.keys.fwd, packet);
    if (!opened) {
      if (hop.pendingNext) {
        // Not for us: the source is already talking to the hop we added, so it has our
        // Extended (this is the acknowledgement when ExtendAck was lost). Forward it.
        this.switchToRelay(hop);
        this.hooks.applyRule(rule, packet);
        return;
      }
      ctx.counters.badAuth++;
      return;
    }
    if (hop.rx.check(opened.counter) !== 'fresh') {
      ctx.counters.replays++;
      return;
    }
    hop.rx.commit(opened.counter);
    const m = decodeRouteInner(opened.inner);
    if (!m) {
      ctx.counters.malformed++;
      return;
    }
    switch (m.type) {
      case RouteMsg.Extend:
        return this.onExtend(hop, m);
      case RouteMsg.ExtendAck:
        if (hop.lastExtended && equalBytes(hop.lastExtended.setupId, m.setupId)) this.switchToRelay(hop);
        return;
      case RouteMsg.Ping:
        this.sendToSource(hop, encodeRouteInner({ type: RouteMsg.Pong, nonce: m.nonce, sentAt: m.sentAt }));
        return;
      case RouteMsg.Open:
        return this.hooks.onOpen(hop, m);
      case RouteMsg.Data:
      case RouteMsg.Ack:
      case RouteMsg.Reset:
        return this.hooks.onStreamMessage(hop.carrierId, m);
      case RouteMsg.Datagram:
        // Only the route's end hears datagrams: an old tail already switched to relay never
        // opens packets for the hops behind it.
        return this.hooks.onDatagram(hop, m.channel, m.bytes);
      default:
        ctx.counters.malformed++;
    }
  }

  // ---- removal ----------------------------------------------------------------------------------

  /** A Teardown for one of this hop's rules: pass it on in the direction it travels. */
  onTeardown(hop: Hop, routeId: number): void {
    this.remove(hop, hop.fIn === routeId ? 'downstream' : 'upstream', 'teardown');
  }

  /** Drops this node's part of a route and tells the neighbour in `direction` (if any) to do the same. */
  remove(hop: Hop, direction: 'downstream' | 'upstream' | 'silent', reason: SettleReason): void {
    if (hop.removed) return;
    hop.removed = true;
    this.hops.delete(hop);
    const ctx = this.ctx;
    const next = hop.next ?? hop.pendingNext;
    if (direction === 'downstream' && next) ctx.sendTeardown(next.neighbour, next.fOut);
    if (direction === 'upstream') ctx.sendTeardown(hop.prev, hop.bOut);
    if (hop.extending) {
      if (hop.extending.timer !== undefined) this.timers.clearTimeout(hop.extending.timer);
      this.pendingCreates.delete(hex(hop.extending.createSetupId));
    }
    this.releaseShare(hop);
    ctx.rules.remove(hop.fIn, reason);
    if (next) ctx.rules.remove(next.bIn, reason);
    this.answeredCreates.delete(hop.createKey);
    const n = ctx.neighbour(hop.prev);
    if (n) n.routesFrom--;
    this.hooks.detachCarrier(hop.carrierId);
  }

  /** Every route through a lost link is broken: tell the other side, drop our part. */
  linkDown(neighbour: number): void {
    for (const hop of [...this.hops]) {
      if (hop.prev === neighbour) this.remove(hop, 'downstream', 'link down');
      else if (hop.next?.neighbour === neighbour || hop.pendingNext?.neighbour === neighbour) this.remove(hop, 'upstream', 'link down');
      else if (hop.extending?.neighbour === neighbour) this.failExtension(hop, RefuseReason.NoSuchNeighbour);
    }
  }

  /** Idle expiry: a hop whose rules matched nothing for ruleIdleMs is forgotten. */
  expire(now: number): void {
    for (const hop of [...this.hops]) {
      const f = this.ctx.rules.get(hop.fIn);
      const next = hop.next ?? hop.pendingNext;
      const b = next ? this.ctx.rules.get(next.bIn) : undefined;
      const last = Math.max(f?.lastUsed ?? -Infinity, b?.lastUsed ?? -Infinity);
      if (now - last > this.ctx.limits.ruleIdleMs) {
        this.ctx.counters.rulesExpired += b ? 2 : 1;
        this.remove(hop, 'silent', 'expired');
      }
    }
  }

  views(): HopView[] {
    return [...this.hops].map((h) => ({ fIn: h.fIn, prev: h.prev, bOut: h.bOut, next: h.next, role: h.next ? 'relay' : 'end' }));
  }

  close(): void {
    for (const h of this.hops) if (h.extending?.timer !== undefined) this.timers.clearTimeout(h.extending.timer);
  }
}
