// An end-to-end reliable, in-order byte stream over one or more routes (carriers). Hops that
// run store-and-forward (host/saf) recover their own losses; the stream's acknowledgement is
// what survives a relay that crashes (its buffer is lost): the source keeps every byte until
// the destination has it, and moves it to another route when one fails.
//
// On a route whose every hop is store-and-forward ("hop-reliable") nothing is lost while the
// route lives, so the stream does not treat a late acknowledgement as loss or congestion: no
// congestion window (the first hop's credit is the flow control: a segment goes only when the
// route takes it), no loss detection by later acknowledgements (a hop's resend reorders), and a
// timer resend only as a safety net (HOP_RELIABLE_RTO_MS, never while the route is full).
// Routes with a plain hop lose what a plain hop drops (a full queue: congestion), and keep
// the window and loss detection below.
//
// Sender: bytes are cut into segments at write time and keep their boundaries for life, so
// a retransmission (on any route) is byte-identical. Each route pulls segments while its
// congestion window (congestion.ts) has room, which stripes a stream over routes in
// proportion to what each carries. Acks are cumulative plus selective (SACK), so only
// segments the receiver really lacks are resent: a segment is lost when three segments sent
// after it on the same route were acknowledged and a reordering allowance of the route's RTT
// passed since it was sent (a retransmitted segment only once per RTO), or when its route's
// RTO passes. Lost segments go first on whichever route has room. A failed route's segments
// are simply requeued on the others: nothing written is lost while any route, or a repaired
// one, works.
//
// Receiver: out-of-order segments wait in a map until the gap fills; acks carry the
// cumulative point and up to MAX_SACK_RANGES received ranges above it, go back on the route
// the data came in on, and are coalesced: one per ACK_EVERY_PACKETS data packets or after
// ACK_DELAY_MS, at once only for the end of the stream or when a gap was filled.
import type { MeshStream, StreamStatus } from './api.ts';
import type { Timers, TimerHandle } from './api.ts';
import { RouteControl } from './congestion.ts';
import { ACK_DELAY_MS, ACK_EVERY_PACKETS, DEFAULT_ROUTE_WINDOW_BYTES, DEFAULT_SEND_BUFFER_BYTES, HOP_RELIABLE_RTO_MS, MAX_SACK_RANGES, RECV_WINDOW_BYTES } from './constants.ts';
import { MAX_ROUTE_PACKET_BYTES, MAX_ROUTE_PLAINTEXT_BYTES, ResetReason, RouteMsg } from '../../spec/route-wire.ts';
import { hex } from '../../spec/bytes.ts';
import { Cls } from '../saf/constants.ts';
import type { Holding } from '../saf/lanes.ts';
import { RangeSet } from '../saf/ranges.ts';
import { DATA_HEADER_BYTES, encodeRouteInner, type RouteInner, type SackRange } from './route-packet.ts';

/** Largest stream payload per packet (1331 B with the default MTU). */
export const MAX_SEGMENT_BYTES = MAX_ROUTE_PLAINTEXT_BYTES - DATA_HEADER_BYTES;
/** What a route packet adds to a segment (route ID, counter, tag, the Data header). */
const PACKET_OVERHEAD_BYTES = MAX_ROUTE_PACKET_BYTES - MAX_SEGMENT_BYTES;
/** Duplicate-ack threshold: a segment three sends older than one acknowledged is lost. */
const REORDER_THRESHOLD = 3;
/** Open is repeated this often until the destination answers. */
const OPEN_RETRY_MS = 200;

/** What a Reset from the other end means, in words for the application. */
export function resetText(reason: number, from: 'initiator' | 'acceptor'): string {
  switch (reason) {
    case ResetReason.UnknownStream:
      return 'the destination does not know this stream any more (it restarted)';
    case ResetReason.Aborted:
      return `the ${from === 'initiator' ? 'opening' : 'accepting'} end closed the stream`;
    case ResetReason.NoListener:
      return 'nothing listens on the stream\'s channel at the destination';
    default:
      return `reset by the other end (reason ${reason})`;
  }
}

/** A route as a stream sees it. */
export interface Carrier {
  readonly id: number;
  /**
   * Sends one end-to-end message on the route in class `cls`; `expectsReply` feeds the source's
   * failure detector. False when the route did not take it (full, or down).
   */
  send(inner: Uint8Array, expectsReply: boolean, cls: Cls): boolean;
  /** Bytes of route packets of class `cls` the route takes now (Infinity: no limit here). */
  room(cls: Cls): number;
  /** Every hop runs store-and-forward (see the top of this file). */
  readonly hopReliable: boolean;
  /**
   * Data sent on this route was acknowledged (the acknowledgement may have come back on another
   * route of the stream): the route carries to the destination, so its source need not wait
   * for an answer on it.
   */
  delivered?(): void;
}

interface Segment {
  offset: number;
  bytes: Uint8Array;
  fin: boolean;
  acked: boolean;
  /** Waiting to be sent (never sent, or declared lost). */
  queued: boolean;
  /** Where and when it was last sent (undefined while queued). */
  carrier?: CarrierState;
  seq: number;
  sentAt: number;
  retransmitted: boolean;
}

interface CarrierState {
  carrier: Carrier;
  open: boolean;
  openSentAt: number;
  openRetried: boolean;
  inflight: number;
  sendSeq: number;
  highestAckedSeq: number;
  /** RTT, RTO with backoff, congestion window. */
  cc: RouteControl;
  /** When acks last showed a segment of this route lost (-Infinity: not lately). */
  lastAckLossAt: number;
  /**
   * What was sent on this route, in send order, with the route sequence it was sent as; an
   * entry whose segment was acknowledged, requeued or sent again since is stale and skipped.
   * Only the front is ever examined for loss (`flightHead` moves past finished entries).
   */
  flight: Segment[];
  flightSeq: number[];
  flightHead: number;
  /** Hop-reliable route: when it last held us back for credit (its safety timer counts from here). */
  lastHeldBackAt: number;
}

export interface StreamHooks {
  timers: Timers;
  /** Counted into the node's counters. */
  onRetransmit(): void;
  /** The stream closed itself or was closed: the node forgets it. */
  onClosed(stream: StreamEndpoint): void;
}

const segLen = (s: Segment) => (s.fin ? 1 : s.bytes.length);

/** A Data message that arrived while the stream was paused, with its hop's hold on it. */
interface HeldMessage {
  cs: CarrierState;
  m: Extract<RouteInner, { type: typeof RouteMsg.Data }>;
  held: Holding | undefined;
}

export class StreamEndpoint implements MeshStream {
  readonly id: string;
  private readonly carriers = new Map<number, CarrierState>();
  private rr = 0;

  // sender: every segment not yet acknowledged, by offset, from `segHead`; those from `fresh`
  // on were never sent. Segments declared lost wait in `lost` (by offset) and go first.
  private segs: Segment[] = [];
  private segHead = 0;
  private fresh = 0;
  private readonly lost: Segment[] = [];
  private written = 0;
  private acked = 0;
  private ended = false;
  private finAcked = false;
  private retransmits = 0;
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private spaceWaiters: Array<() => void> = [];
  private resolveFinished!: () => void;
  private rejectFinished!: (e: Error) => void;
  readonly finished: Promise<void>;
  repairs = 0;

  // receiver
  private delivered = 0;
  private readonly ooo = new Map<number, Uint8Array>();
  /** The offsets held out of order, as ranges (what the acks' SACK blocks report). */
  private readonly oooRanges = new RangeSet();
  private oooBytes = 0;
  private finOffset: number | undefined;
  private peerEnded = false;
  private ackCarrier: CarrierState | undefined;
  private unackedPackets = 0;
  /** Data we already had arrived since the last ack (told to the sender: its resend was needless). */
  private sawDuplicate = false;
  private ackTimer: TimerHandle | undefined;
  private pendingData: Uint8Array[] = [];
  private dataHandler: ((bytes: Uint8Array) => void) | undefined;
  private endHandler: (() => void) | undefined;
  private endPending = false;
  private closed = false;
  private paused = false;
  private readonly heldMessages: HeldMessage[] = [];
  /** Class of the stream's data (its acknowledgements and Open always go real time). */
  private readonly cls: Cls;
  private reason: string | undefined;
  private closeHandler: ((reason: string) => void) | undefined;
  /** Initiator: some route has carried the stream already, so a later Open is a rejoin. */
  private everOpened = false;
  /** Time of the last write or message (the node closes streams idle for long). */
  lastActivity: number;

  constructor(
    readonly streamId: Uint8Array,
    readonly role: 'initiator' | 'acceptor',
    readonly channel: number,
    private readonly hooks: StreamHooks,
    private readonly sendBufferBytes = DEFAULT_SEND_BUFFER_BYTES,
    private readonly windowBytes = DEFAULT_ROUTE_WINDOW_BYTES,
    qos = false,
  ) {
    this.cls = qos ? Cls.realtime : Cls.bulk;
    this.id = hex(streamId);
    this.finished = new Promise<void>((res, rej) => {
      this.resolveFinished = res;
      this.rejectFinished = rej;
    });
    this.finished.catch(() => undefined); // a closed stream nobody awaited is not an unhandled rejection
    this.lastActivity = hooks.timers.now();
  }

  // ---- application side --------------------------------------------------------------

  get onData(): ((bytes: Uint8Array) => void) | undefined {
    return this.dataHandler;
  }
  set onData(f: ((bytes: Uint8Array) => void) | undefined) {
    this.dataHandler = f;
    if (f && !this.paused && this.pendingData.length) {
      const held = this.pendingData;
      this.pendingData = [];
      for (const b of held) f(b);
    }
    if (f) this.maybeSignalEnd();
  }
  get onEnd(): (() => void) | undefined {
    return this.endHandler;
  }
  set onEnd(f: (() => void) | undefined) {
    this.endHandler = f;
    this.maybeSignalEnd();
  }

  /** Bytes written and not yet acknowledged. */
  get sendBuffered(): number {
    return this.written - this.acked;
  }
  get recvBuffered(): number {
    return this.oooBytes + this.pendingData.reduce((n, b) => n + b.length, 0);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    // What waited in the hop's buffer goes through as if it arrived now; each release lets
    // the hop take more.
    for (const h of this.heldMessages.splice(0)) {
      if (this.closed) h.held?.release();
      else {
        this.onData_(h.cs, h.m.offset, h.m.bytes, h.m.fin);
        h.held?.release();
      }
    }
    if (this.dataHandler && this.pendingData.length) {
      const held = this.pendingData;
      this.pendingData = [];
      for (const b of held) this.dataHandler(b);
    }
    this.maybeSignalEnd();
  }

  write(bytes: Uint8Array): number {
    if (this.closed || this.ended) return 0;
    const n = Math.min(bytes.length, this.sendBufferBytes - this.sendBuffered);
    this.lastActivity = this.hooks.timers.now();
    for (let p = 0; p < n; p += MAX_SEGMENT_BYTES) {
      const chunk = bytes.slice(p, Math.min(n, p + MAX_SEGMENT_BYTES));
      this.addSegment({ offset: this.written, bytes: chunk, fin: false });
      this.written += chunk.length;
    }
    if (n > 0) this.pump();
    return n;
  }

  async writeAll(bytes: Uint8Array): Promise<void> {
    let p = 0;
    while (p < bytes.length) {
      if (this.closed) throw new Error(`stream ${this.id} closed`);
      p += this.write(bytes.subarray(p));
      if (p < bytes.length) await new Promise<void>((res) => this.spaceWaiters.push(res));
    }
  }

  end(): void {
    if (this.ended || this.closed) return;
    this.ended = true;
    this.addSegment({ offset: this.written, bytes: new Uint8Array(0), fin: true });
    this.pump();
  }

  /** Aborts the stream; the other end is told (Reset) unless both directions had finished. */
  close(): void {
    this.closeWith('closed by this end', true);
  }

  /**
   * Ends the stream for `reason`. `tellPeer`: send Reset on every open route first, so the
   * other end stops waiting now rather than when its own timers give up.
   */
  closeWith(reason: string, tellPeer: boolean): void {
    if (this.closed) return;
    // Orderly: what we sent is all acknowledged (or we sent nothing) and what we received
    // ended (or nothing came). Anything else leaves the other end waiting, so it is told.
    const sendDone = this.ended ? this.finAcked : this.written === 0;
    const recvDone = this.peerEnded || (this.delivered === 0 && this.ooo.size === 0);
    const clean = sendDone && recvDone;
    if (tellPeer && !clean) {
      const reset = encodeRouteInner({ type: RouteMsg.Reset, streamId: this.streamId, reason: ResetReason.Aborted });
      for (const cs of this.carriers.values()) if (cs.open) cs.carrier.send(reset, false, Cls.realtime);
    }
    this.closed = true;
    this.reason = reason;
    if (this.timer !== undefined) this.hooks.timers.clearTimeout(this.timer);
    if (this.ackTimer !== undefined) this.hooks.timers.clearTimeout(this.ackTimer);
    this.segs = [];
    this.segHead = this.fresh = 0;
    this.lost.length = 0;
    for (const h of this.heldMessages.splice(0)) h.held?.release();
    if (!this.finAcked) this.rejectFinished(new Error(`stream ${this.id} ${reason}`));
    for (const w of this.spaceWaiters.splice(0)) w();
    this.hooks.onClosed(this);
    this.closeHandler?.(reason);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Why the stream closed (undefined while open). */
  get closeReason(): string | undefined {
    return this.reason;
  }

  get onClose(): ((reason: string) => void) | undefined {
    return this.closeHandler;
  }
  set onClose(f: ((reason: string) => void) | undefined) {
    this.closeHandler = f;
    if (f && this.closed) f(this.reason!);
  }

  status(): StreamStatus {
    return {
      id: this.id,
      role: this.role,
      channel: this.channel,
      routes: [...this.carriers.keys()],
      bytesWritten: this.written,
      bytesAcked: this.acked,
      bytesReceived: this.delivered,
      sendBuffered: this.sendBuffered,
      recvBuffered: this.recvBuffered,
      retransmits: this.retransmits,
      repairs: this.repairs,
    };
  }

  // ---- carriers ----------------------------------------------------------------------

  /** Adds a route. The initiator first opens the stream on it (Open until OpenOk). */
  attach(carrier: Carrier): void {
    if (this.closed || this.carriers.has(carrier.id)) return;
    const cs: CarrierState = {
      carrier,
      open: this.role === 'acceptor',
      openSentAt: -Infinity,
      openRetried: false,
      inflight: 0,
      sendSeq: 0,
      highestAckedSeq: 0,
      cc: new RouteControl(MAX_SEGMENT_BYTES, this.windowBytes),
      lastAckLossAt: -Infinity,
      flight: [],
      flightSeq: [],
      flightHead: 0,
      lastHeldBackAt: -Infinity,
    };
    this.carriers.set(carrier.id, cs);
    if (!cs.open) this.sendOpen(cs);
    this.pump();
  }

  /** Removes a route (failed or torn down); what it had in flight goes to the others. */
  detach(carrierId: number): void {
    const cs = this.carriers.get(carrierId);
    if (!cs) return;
    this.carriers.delete(carrierId);
    for (let k = cs.flightHead; k < cs.flight.length; k++) if (this.live(cs, k)) this.requeue(cs.flight[k], false);
    if (this.ackCarrier === cs) this.ackCarrier = undefined;
    this.pump();
  }

  carrierIds(): number[] {
    return [...this.carriers.keys()];
  }

  hasOpenCarrier(): boolean {
    for (const c of this.carriers.values()) if (c.open) return true;
    return false;
  }

  /**
   * An end-to-end message for this stream arrived on `carrierId`. True when the stream keeps
   * `held` (paused: the data stays in the hop's buffer, and the stream releases it later).
   */
  onMessage(carrierId: number, m: RouteInner, held?: Holding): boolean {
    const cs = this.carriers.get(carrierId);
    if (!cs || this.closed) return false;
    const now = this.hooks.timers.now();
    this.lastActivity = now;
    if (m.type === RouteMsg.Data && this.paused && held) {
      this.heldMessages.push({ cs, m, held });
      return true;
    }
    switch (m.type) {
      case RouteMsg.Reset:
        this.closeWith(resetText(m.reason, this.role === 'initiator' ? 'acceptor' : 'initiator'), false);
        return false;
      case RouteMsg.OpenOk:
        if (!cs.open) {
          cs.open = true;
          this.everOpened = true;
          if (!cs.openRetried) cs.cc.sample(now - cs.openSentAt);
          this.pump();
        }
        break;
      case RouteMsg.Data:
        this.onData_(cs, m.offset, m.bytes, m.fin);
        break;
      case RouteMsg.Ack:
        this.onAck(m.cumulative, m.ranges, m.fin, now);
        // A needless resend: the route that declared a segment lost by acks most recently
        // (within a round trip) reorders more than it allowed for.
        if (m.duplicate) this.spuriousLoss(now);
        break;
    }
    return false;
  }

  // ---- sender internals ----------------------------------------------------------------

  private addSegment(s: { offset: number; bytes: Uint8Array; fin: boolean }): void {
    this.segs.push({ ...s, acked: false, queued: true, seq: 0, sentAt: 0, retransmitted: false });
  }

  private sendOpen(cs: CarrierState): void {
    const now = this.hooks.timers.now();
    if (cs.openSentAt === -Infinity) cs.openSentAt = now;
    else cs.openRetried = true; // Karn: an answer to a repeated Open is no RTT sample
    cs.carrier.send(encodeRouteInner({ type: RouteMsg.Open, streamId: this.streamId, channel: this.channel, rejoin: this.everOpened }), true, Cls.realtime);
    this.hooks.timers.setTimeout(() => {
      if (!this.closed && !cs.open && this.carriers.get(cs.carrier.id) === cs) this.sendOpen(cs);
    }, OPEN_RETRY_MS);
  }

  /** Entry k of a route's flight still stands for a segment in flight there. */
  private live(cs: CarrierState, k: number): boolean {
    const s = cs.flight[k];
    return !s.acked && !s.queued && s.carrier === cs && s.seq === cs.flightSeq[k];
  }

  private requeue(s: Segment, lost: boolean): void {
    if (s.carrier) s.carrier.inflight -= segLen(s);
    s.carrier = undefined;
    s.queued = true;
    s.retransmitted = true;
    if (lost) {
      this.retransmits++;
      this.hooks.onRetransmit();
    }
    // Lost segments go before anything never sent, in offset order among themselves.
    let lo = 0;
    let hi = this.lost.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.lost[mid].offset < s.offset) lo = mid + 1;
      else hi = mid;
    }
    this.lost.splice(lo, 0, s);
  }

  /** The next segment to send: a lost one first, else the first never sent. */
  private nextQueued(): Segment | undefined {
    while (this.lost.length && this.lost[0].acked) this.lost.shift();
    if (this.lost.length) return this.lost[0];
    return this.segs[this.fresh];
  }

  private takeQueued(s: Segment): void {
    if (this.lost[0] === s) this.lost.shift();
    else this.fresh++;
  }

  /** A route has room again (its first hop's lane or queue drained): send what waits. */
  kick(): void {
    if (this.nextQueued()) this.pump();
  }

  /** Sends queued segments on every open route with room (window and first hop), round robin. */
  private pump(): void {
    if (this.closed) return;
    const open = [...this.carriers.values()].filter((c) => c.open);
    if (open.length) {
      const now = this.hooks.timers.now();
      let idle = 0;
      for (let s = this.nextQueued(); s && idle < open.length; s = this.nextQueued()) {
        const cs = open[this.rr++ % open.length];
        if (!cs.carrier.hopReliable && cs.inflight >= cs.cc.window) {
          idle++;
          continue;
        }
        if (cs.carrier.room(this.cls) < s.bytes.length + PACKET_OVERHEAD_BYTES) {
          if (cs.carrier.hopReliable) cs.lastHeldBackAt = now;
          idle++;
          continue;
        }
        const inner = encodeRouteInner({ type: RouteMsg.Data, streamId: this.streamId, offset: s.offset, fin: s.fin, bytes: s.bytes });
        if (!cs.carrier.send(inner, !cs.carrier.hopReliable, this.cls)) {
          idle++;
          continue;
        }
        idle = 0;
        this.takeQueued(s);
        s.queued = false;
        s.carrier = cs;
        s.seq = ++cs.sendSeq;
        s.sentAt = now;
        cs.inflight += segLen(s);
        cs.flight.push(s);
        cs.flightSeq.push(s.seq);
      }
    }
    this.armTimer();
  }

  /** Index of the first segment at or after `segHead` whose offset is at least `offset`. */
  private segAt(offset: number): number {
    let lo = this.segHead;
    let hi = this.segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.segs[mid].offset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private onAck(cumulative: number, ranges: SackRange[], fin: boolean, now: number): void {
    if (cumulative > this.written) return; // acknowledges bytes never sent: ignore
    const newly: Segment[] = [];
    const mark = (s: Segment) => {
      if (s.acked || (s.queued && s.retransmitted === false)) return; // (never sent: cannot be acknowledged)
      s.acked = true;
      newly.push(s);
    };
    // The cumulative point, then each selective range; the end of stream by its flag.
    for (let i = this.segHead; i < this.segs.length; i++) {
      const s = this.segs[i];
      if (s.fin || s.offset + s.bytes.length > cumulative) break;
      mark(s);
    }
    for (const [a, b] of ranges) {
      for (let i = this.segAt(a); i < this.segs.length; i++) {
        const s = this.segs[i];
        if (s.fin || s.offset + s.bytes.length > b) break;
        mark(s);
      }
    }
    const last = this.segs[this.segs.length - 1];
    if (fin && last?.fin && last.offset <= cumulative) mark(last);
    // One RTT sample per route and ack, from the newest segment it acknowledges (older ones
    // in the same ack waited for the ack, which would bias the estimate and hide the jitter);
    // never from a resent segment (Karn: its ack is ambiguous).
    const newest = new Map<CarrierState, Segment>();
    const reached = new Set<CarrierState>();
    for (const s of newly) {
      if (s.queued) s.queued = false; // declared lost meanwhile: dropped from `lost` when reached
      else if (s.carrier) {
        const cs = s.carrier;
        cs.inflight -= segLen(s);
        cs.cc.onAcked(segLen(s));
        cs.highestAckedSeq = Math.max(cs.highestAckedSeq, s.seq);
        if (!s.retransmitted && s.seq > (newest.get(cs)?.seq ?? 0)) newest.set(cs, s);
        reached.add(cs);
      }
      if (s.fin) this.finAcked = true;
    }
    for (const [cs, s] of newest) cs.cc.sample(now - s.sentAt);
    for (const cs of reached) cs.carrier.delivered?.();
    this.detectLosses(now);
    while (this.segHead < this.segs.length && this.segs[this.segHead].acked) this.segHead++;
    if (this.segHead > 1024 && this.segHead * 2 > this.segs.length) {
      this.segs = this.segs.slice(this.segHead);
      this.fresh -= this.segHead;
      this.segHead = 0;
    }
    this.acked = this.segHead < this.segs.length ? Math.min(this.written, this.segs[this.segHead].offset) : this.written;
    if (newly.length) for (const w of this.spaceWaiters.splice(0)) w();
    if (this.ended && this.finAcked && this.acked === this.written) this.resolveFinished();
    this.pump();
  }

  /**
   * When an in-flight segment counts as lost by later acks on its route: three later sends
   * acknowledged, and the route's loss delay passed (a first send: about an RTT plus the
   * jitter) or a whole RTO (a segment already resent: at most one resend per RTO).
   * Infinity: not (yet) by acks.
   */
  private sackLossAt(s: Segment, cs: CarrierState): number {
    if (cs.carrier.hopReliable || s.seq + REORDER_THRESHOLD > cs.highestAckedSeq) return Infinity;
    return s.sentAt + (s.retransmitted ? cs.cc.rto : cs.cc.lossDelay);
  }

  /**
   * When a segment sent on `cs` is resent by timer. On a hop-reliable route, a full route
   * (credit exhausted back to us) is not a lost one: the timer counts from the later of the
   * send and the last time the route held us back.
   */
  private timeoutAt(s: Segment, cs: CarrierState): number {
    if (!cs.carrier.hopReliable) return s.sentAt + cs.cc.rto;
    return Math.max(s.sentAt, cs.lastHeldBackAt) + Math.max(cs.cc.rto, HOP_RELIABLE_RTO_MS);
  }

  /** A hop-reliable route that holds us back for credit is full, not losing: its timer waits. */
  private heldBack(cs: CarrierState): boolean {
    return cs.carrier.hopReliable && cs.carrier.room(this.cls) < MAX_ROUTE_PACKET_BYTES;
  }

  private spuriousLoss(now: number): void {
    let latest: CarrierState | undefined;
    for (const cs of this.carriers.values()) if (cs.lastAckLossAt > (latest?.lastAckLossAt ?? -Infinity)) latest = cs;
    if (latest && now - latest.lastAckLossAt <= 2 * (latest.cc.srtt ?? 0) + latest.cc.lossDelay) {
      latest.cc.onSpuriousLoss();
      latest.lastAckLossAt = -Infinity;
    }
  }

  /**
   * Requeues segments that later acks or their route's RTO show lost; one congestion event
   * per route and cause. Walks each route's flight from its oldest entry: past entries no
   * longer in flight, and past segments three or more sends older than the newest
   * acknowledged (the only ones acks can show lost); stops at the first younger one, whose
   * timer is later than every later one's.
   */
  private detectLosses(now: number): void {
    for (const cs of this.carriers.values()) {
      if (this.heldBack(cs)) cs.lastHeldBackAt = now;
      let timedOut = -1;
      for (let k = cs.flightHead; k < cs.flight.length; k++) {
        if (!this.live(cs, k)) {
          if (k === cs.flightHead) cs.flightHead++;
          continue;
        }
        const s = cs.flight[k];
        if (now >= this.timeoutAt(s, cs)) {
          timedOut = Math.max(timedOut, s.seq);
          this.requeue(s, true);
        } else if (!cs.carrier.hopReliable && s.seq + REORDER_THRESHOLD <= cs.highestAckedSeq) {
          if (now >= this.sackLossAt(s, cs)) {
            cs.cc.onLoss(s.seq, cs.sendSeq);
            cs.lastAckLossAt = now;
            this.requeue(s, true);
          }
        } else break;
        if (k === cs.flightHead && !this.live(cs, k)) cs.flightHead++;
      }
      if (timedOut >= 0) cs.cc.onTimeout(timedOut, cs.sendSeq);
      if (cs.flightHead > 1024 && cs.flightHead * 2 > cs.flight.length) {
        cs.flight = cs.flight.slice(cs.flightHead);
        cs.flightSeq = cs.flightSeq.slice(cs.flightHead);
        cs.flightHead = 0;
      }
    }
  }

  /** The earliest time a segment in flight on `cs` may be declared lost. */
  private lossDeadline(cs: CarrierState): number {
    let at = Infinity;
    for (let k = cs.flightHead; k < cs.flight.length; k++) {
      if (!this.live(cs, k)) continue;
      const s = cs.flight[k];
      at = Math.min(at, this.timeoutAt(s, cs));
      if (cs.carrier.hopReliable || s.seq + REORDER_THRESHOLD > cs.highestAckedSeq) break;
      at = Math.min(at, this.sackLossAt(s, cs));
    }
    return at;
  }

  private armTimer(): void {
    const now = this.hooks.timers.now();
    let at = Infinity;
    for (const cs of this.carriers.values()) at = Math.min(at, this.lossDeadline(cs));
    if (at === this.timerAt) return;
    if (this.timer !== undefined) this.hooks.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = this.hooks.timers.setTimeout(() => this.onTimer(), Math.max(1, at - now));
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.closed) return;
    this.detectLosses(this.hooks.timers.now());
    this.pump();
  }

  // ---- receiver internals ----------------------------------------------------------------

  private onData_(cs: CarrierState, offset: number, bytes: Uint8Array, fin: boolean): void {
    // Paused with nothing to hold it back (a plain last hop): keep at most a receive window,
    // drop the rest unacknowledged (the sender resends it).
    if (this.paused && this.recvBuffered >= RECV_WINDOW_BYTES) return;
    this.ackCarrier = cs;
    if (fin) this.finOffset = offset;
    const end = offset + bytes.length;
    let filledGap = false;
    if (!fin && (end <= this.delivered || this.ooo.has(offset))) this.sawDuplicate = true;
    if (!fin && end > this.delivered && offset < this.delivered + RECV_WINDOW_BYTES) {
      if (offset <= this.delivered) {
        this.deliver(bytes.subarray(this.delivered - offset));
        filledGap = this.drainOoo();
      } else if (!this.ooo.has(offset)) {
        this.ooo.set(offset, bytes.slice());
        this.oooRanges.add(offset, end);
        this.oooBytes += bytes.length;
      }
    }
    this.maybeSignalEnd();
    this.unackedPackets++;
    // Coalesced: the sender's loss detection works per route from SACK ranges, so segments
    // that overtook each other across striped routes need no ack of their own.
    if (fin || filledGap || this.unackedPackets >= ACK_EVERY_PACKETS) this.sendAck();
    else if (this.ackTimer === undefined) this.ackTimer = this.hooks.timers.setTimeout(() => this.sendAck(), ACK_DELAY_MS);
  }

  /** Delivers what waited for the bytes just delivered; true when anything did. */
  private drainOoo(): boolean {
    let any = false;
    for (;;) {
      const next = this.ooo.get(this.delivered);
      if (!next) return any;
      this.ooo.delete(this.delivered);
      this.oooBytes -= next.length;
      this.deliver(next);
      any = true;
    }
  }

  private deliver(bytes: Uint8Array): void {
    this.delivered += bytes.length;
    const copy = bytes.slice();
    if (this.dataHandler && !this.paused) this.dataHandler(copy);
    else this.pendingData.push(copy);
  }

  private maybeSignalEnd(): void {
    if (this.finOffset !== undefined && this.delivered === this.finOffset && !this.peerEnded) {
      this.peerEnded = true;
      this.endPending = true;
    }
    if (this.endPending && this.endHandler && this.pendingData.length === 0 && !this.paused) {
      this.endPending = false;
      this.endHandler();
    }
  }

  private sendAck(): void {
    if (this.ackTimer !== undefined) this.hooks.timers.clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    this.unackedPackets = 0;
    const cs = this.ackCarrier ?? [...this.carriers.values()][0];
    if (!cs || this.closed) return;
    this.oooRanges.trimBelow(this.delivered);
    const ranges: SackRange[] = this.oooRanges.ranges(MAX_SACK_RANGES);
    const fin = this.finOffset !== undefined && this.delivered === this.finOffset;
    const duplicate = this.sawDuplicate;
    this.sawDuplicate = false;
    cs.carrier.send(encodeRouteInner({ type: RouteMsg.Ack, streamId: this.streamId, cumulative: this.delivered, fin, duplicate, ranges }), false, Cls.realtime);
  }
}
