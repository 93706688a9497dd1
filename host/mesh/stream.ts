// An end-to-end reliable, in-order byte stream over one or more routes (carriers). This is
// the mesh's own acknowledgement layer, not host/saf: routes here come and go at run time
// (setup, repair, striping) while the saf engine's routes are fixed at construction.
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
import { ACK_DELAY_MS, ACK_EVERY_PACKETS, DEFAULT_ROUTE_WINDOW_BYTES, DEFAULT_SEND_BUFFER_BYTES, MAX_SACK_RANGES, RECV_WINDOW_BYTES } from './constants.ts';
import { MAX_ROUTE_PLAINTEXT_BYTES, ResetReason, RouteMsg } from '../../spec/route-wire.ts';
import { hex } from '../../spec/bytes.ts';
import { DATA_HEADER_BYTES, encodeRouteInner, type RouteInner, type SackRange } from './route-packet.ts';

/** Largest stream payload per packet (1347 B with the default MTU). */
export const MAX_SEGMENT_BYTES = MAX_ROUTE_PLAINTEXT_BYTES - DATA_HEADER_BYTES;
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
  /** Sends one end-to-end message on the route; `expectsReply` feeds the source's failure detector. */
  send(inner: Uint8Array, expectsReply: boolean): boolean;
}

interface Segment {
  offset: number;
  bytes: Uint8Array;
  fin: boolean;
  acked: boolean;
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
}

export interface StreamHooks {
  timers: Timers;
  /** Counted into the node's counters. */
  onRetransmit(): void;
  /** The stream closed itself or was closed: the node forgets it. */
  onClosed(stream: StreamEndpoint): void;
}

const segLen = (s: Segment) => (s.fin ? 1 : s.bytes.length);

export class StreamEndpoint implements MeshStream {
  readonly id: string;
  private readonly carriers = new Map<number, CarrierState>();
  private rr = 0;

  // sender
  private readonly segments: Segment[] = []; // unacked, by offset
  private readonly queue: Segment[] = []; // to send, lost ones first
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
  ) {
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
    if (f && this.pendingData.length) {
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
      for (const cs of this.carriers.values()) if (cs.open) cs.carrier.send(reset, false);
    }
    this.closed = true;
    this.reason = reason;
    if (this.timer !== undefined) this.hooks.timers.clearTimeout(this.timer);
    if (this.ackTimer !== undefined) this.hooks.timers.clearTimeout(this.ackTimer);
    this.segments.length = 0;
    this.queue.length = 0;
    if (!this.finAcked) this.rejectFinished(new Error(`stream ${this.id}: ${reason}`));
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
    for (const s of this.segments) if (s.carrier === cs && !s.acked && !s.queued) this.requeue(s, false);
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

  /** An end-to-end message for this stream arrived on `carrierId`. */
  onMessage(carrierId: number, m: RouteInner): void {
    const cs = this.carriers.get(carrierId);
    if (!cs || this.closed) return;
    const now = this.hooks.timers.now();
    this.lastActivity = now;
    switch (m.type) {
      case RouteMsg.Reset:
        this.closeWith(resetText(m.reason, this.role === 'initiator' ? 'acceptor' : 'initiator'), false);
        return;
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
  }

  // ---- sender internals ----------------------------------------------------------------

  private addSegment(s: { offset: number; bytes: Uint8Array; fin: boolean }): void {
    const seg: Segment = { ...s, acked: false, queued: true, seq: 0, sentAt: 0, retransmitted: false };
    this.segments.push(seg);
    this.queue.push(seg);
  }

  private sendOpen(cs: CarrierState): void {
    const now = this.hooks.timers.now();
    if (cs.openSentAt === -Infinity) cs.openSentAt = now;
    else cs.openRetried = true; // Karn: an answer to a repeated Open is no RTT sample
    cs.carrier.send(encodeRouteInner({ type: RouteMsg.Open, streamId: this.streamId, channel: this.channel, rejoin: this.everOpened }), true);
    this.hooks.timers.setTimeout(() => {
      if (!this.closed && !cs.open && this.carriers.get(cs.carrier.id) === cs) this.sendOpen(cs);
    }, OPEN_RETRY_MS);
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
    let i = 0;
    while (i < this.queue.length && this.queue[i].retransmitted && this.queue[i].offset < s.offset) i++;
    this.queue.splice(i, 0, s);
  }

  /** Sends queued segments on every open route with window room, round robin. */
  private pump(): void {
    if (this.closed) return;
    const open = [...this.carriers.values()].filter((c) => c.open);
    if (open.length) {
      const now = this.hooks.timers.now();
      let idle = 0;
      while (this.queue.length && idle < open.length) {
        const cs = open[this.rr++ % open.length];
        if (cs.inflight >= cs.cc.window) {
          idle++;
          continue;
        }
        idle = 0;
        const s = this.queue.shift()!;
        s.queued = false;
        s.carrier = cs;
        s.seq = ++cs.sendSeq;
        s.sentAt = now;
        cs.inflight += segLen(s);
        cs.carrier.send(encodeRouteInner({ type: RouteMsg.Data, streamId: this.streamId, offset: s.offset, fin: s.fin, bytes: s.bytes }), true);
      }
    }
    this.armTimer();
  }

  private onAck(cumulative: number, ranges: SackRange[], fin: boolean, now: number): void {
    if (cumulative > this.written) return; // acknowledges bytes never sent: ignore
    const newly: Segment[] = [];
    for (const s of this.segments) {
      if (s.acked) continue;
      const end = s.offset + s.bytes.length;
      const covered = s.fin ? fin : end <= cumulative || ranges.some(([a, b]) => s.offset >= a && end <= b);
      if (!covered) continue;
      s.acked = true;
      newly.push(s);
    }
    // One RTT sample per route and ack, from the newest segment it acknowledges (older ones
    // in the same ack waited for the ack, which would bias the estimate and hide the jitter);
    // never from a resent segment (Karn: its ack is ambiguous).
    const newest = new Map<CarrierState, Segment>();
    for (const s of newly) {
      if (s.queued) {
        const i = this.queue.indexOf(s);
        if (i >= 0) this.queue.splice(i, 1);
        s.queued = false;
      } else if (s.carrier) {
        const cs = s.carrier;
        cs.inflight -= segLen(s);
        cs.cc.onAcked(segLen(s));
        cs.highestAckedSeq = Math.max(cs.highestAckedSeq, s.seq);
        if (!s.retransmitted && s.seq > (newest.get(cs)?.seq ?? 0)) newest.set(cs, s);
      }
      if (s.fin) this.finAcked = true;
    }
    for (const [cs, s] of newest) cs.cc.sample(now - s.sentAt);
    this.detectLosses(now);
    let drop = 0;
    while (drop < this.segments.length && this.segments[drop].acked) drop++;
    if (drop) this.segments.splice(0, drop);
    this.acked = this.segments.length ? Math.min(this.written, this.segments[0].offset) : this.written;
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
    if (s.seq + REORDER_THRESHOLD > cs.highestAckedSeq) return Infinity;
    return s.sentAt + (s.retransmitted ? cs.cc.rto : cs.cc.lossDelay);
  }

  private spuriousLoss(now: number): void {
    let latest: CarrierState | undefined;
    for (const cs of this.carriers.values()) if (cs.lastAckLossAt > (latest?.lastAckLossAt ?? -Infinity)) latest = cs;
    if (latest && now - latest.lastAckLossAt <= 2 * (latest.cc.srtt ?? 0) + latest.cc.lossDelay) {
      latest.cc.onSpuriousLoss();
      latest.lastAckLossAt = -Infinity;
    }
  }

  /** Requeues segments that later acks or their route's RTO show lost; one congestion event per route and cause. */
  private detectLosses(now: number): void {
    const timedOut = new Map<CarrierState, number>();
    for (const s of [...this.segments]) {
      if (s.acked || s.queued || !s.carrier) continue;
      const cs = s.carrier;
      if (now >= s.sentAt + cs.cc.rto) {
        timedOut.set(cs, Math.max(timedOut.get(cs) ?? 0, s.seq));
        this.requeue(s, true);
      } else if (now >= this.sackLossAt(s, cs)) {
        cs.cc.onLoss(s.seq, cs.sendSeq);
        cs.lastAckLossAt = now;
        this.requeue(s, true);
      }
    }
    for (const [cs, seq] of timedOut) cs.cc.onTimeout(seq, cs.sendSeq);
  }

  private armTimer(): void {
    let at = Infinity;
    for (const s of this.segments) {
      if (s.acked || s.queued || !s.carrier) continue;
      at = Math.min(at, s.sentAt + s.carrier.cc.rto, this.sackLossAt(s, s.carrier));
    }
    if (at === this.timerAt) return;
    if (this.timer !== undefined) this.hooks.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = this.hooks.timers.setTimeout(() => this.onTimer(), Math.max(1, at - this.hooks.timers.now()));
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
    if (this.dataHandler) this.dataHandler(copy);
    else this.pendingData.push(copy);
  }

  private maybeSignalEnd(): void {
    if (this.finOffset !== undefined && this.delivered === this.finOffset && !this.peerEnded) {
      this.peerEnded = true;
      this.endPending = true;
    }
    if (this.endPending && this.endHandler && this.pendingData.length === 0) {
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
    const ranges: SackRange[] = [];
    const keys = [...this.ooo.keys()].sort((a, b) => a - b);
    for (const k of keys) {
      const e = k + this.ooo.get(k)!.length;
      const last = ranges[ranges.length - 1];
      if (last && last[1] === k) last[1] = e;
      else if (ranges.length < MAX_SACK_RANGES) ranges.push([k, e]);
      else break;
    }
    const fin = this.finOffset !== undefined && this.delivered === this.finOffset;
    const duplicate = this.sawDuplicate;
    this.sawDuplicate = false;
    cs.carrier.send(encodeRouteInner({ type: RouteMsg.Ack, streamId: this.streamId, cumulative: this.delivered, fin, duplicate, ranges }), false);
  }
}
