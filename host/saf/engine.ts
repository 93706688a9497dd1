// The store-and-forward engine of one node: every route packet the node sends to a neighbour
// leaves through here, on a store-and-forward lane or on a plain hop.
//
// Store-and-forward hop (per route and class, a lane): the sender keeps each packet until the
// next node's hop acknowledgement names the datagram that carried it (the first
// acknowledgement; a gap in it makes the sender resend at once), and sends only into the
// buffer the next node granted (the second acknowledgement, Credit: how far its buffer for the
// lane is free again, because it forwarded and had acknowledged, or delivered, what it held).
// So a lossy hop costs resends on that hop only, and a full buffer stops the route upstream,
// hop by hop to the source, instead of dropping.
//
// Plain hop: the packet goes out once, as the forwarding plane would send it (one channel-1
// frame). On a paced link it waits in a short queue per class here first.
//
// Per neighbour, one scheduler picks what goes next: real-time work first (store-and-forward
// lanes and plain frames of the real-time class), bulk only when no real-time work waits; a
// datagram carrying real-time packets carries no bulk; lanes of a class take turns, and
// messages of several routes share one datagram (bundling). A pacer releases datagrams no
// faster than the link carries them, so the queue forms here, where priority can act.
//
// Pure logic on an injected clock: no sockets; the same code runs in the simulator and the daemon.
import { MIN_ROUTE_PACKET_BYTES, routeIdOf } from '../../spec/route-wire.ts';
import {
  Cls,
  CLASSES,
  CREDIT_REFRESH_MS,
  DATA_HEADER_BYTES,
  DEFAULT_BUFFER_BYTES,
  INITIAL_WINDOW_BYTES,
  LANE_IDLE_MS,
  MAX_BUFFER_BYTES,
  MAX_DATAGRAMS_PER_FLUSH,
  MAX_INFLIGHT_DATAGRAMS,
  MAX_PACKET_BYTES,
  MIN_BUFFER_BYTES,
  MIN_PLAIN_QUEUE_BYTES,
  PLAIN_QUEUE_MS,
  REORDER_THRESHOLD,
  SAF_MAX_BACKOFF,
  SafMsg,
} from './constants.ts';
import { ackedSeqs, laneKey, Neighbour, type Inflight } from './hop.ts';
import { Holding, InLane, OutLane, type OutMsg } from './lanes.ts';
import { Pacer } from './pacer.ts';
import { newSafStats, type SafStats } from './stats.ts';
import { DatagramWriter, decodeDatagram, type CreditMsg, type DataMsg, type HopAckMsg } from './wire.ts';

/** The clock the engine runs on (host/mesh's Timers fit it). */
export interface SafClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: never): void;
  /** Runs `fn` after the current event at the same time (default: a microtask). */
  defer?(fn: () => void): void;
}

export interface HopIo {
  /** Sends one link payload (whole channel frames) to a neighbour; false when the link cannot take it. */
  transmit(neighbour: number, payload: Uint8Array): boolean;
  /** A route packet that arrived on a store-and-forward lane. The node calls `held.release()` when it is done with it. */
  deliver(neighbour: number, packet: Uint8Array, cls: Cls, held: Holding): void;
  /** This node's buffer for a lane entering from `neighbour`; 0 when the route is unknown here (the packet is dropped). */
  window(neighbour: number, route: number, cls: Cls): number;
  /** A lane, or a paced neighbour's plain queue, that refused a write has room again. */
  writable(neighbour: number): void;
}

export interface NeighbourOptions {
  /** Link rate on the wire, bytes/s, counting each frame's link and UDP overhead (linkWireBytes); omitted: not paced. */
  rateBytesPerSec?: number;
  /** Full datagrams the pacer lets go back to back (default: PACER_SLACK_MS of the rate). */
  burstDatagrams?: number;
}

export interface EngineOptions {
  /** What a source (or a plain-to-store-and-forward relay) holds per lane, bytes, by class. */
  bufferBytes?: Partial<Record<Cls, number>>;
}

export interface LaneView {
  neighbour: number;
  route: number;
  cls: 'realtime' | 'bulk';
  direction: 'out' | 'in';
  /** out: bytes owned and unacknowledged; in: bytes received and not yet released. */
  held: number;
  /**
   * out: bytes sent and not yet below the receiver's freed point; in: the part of the grant in
   * use (highest received − freed). Packets released out of order free memory (held) before
   * they free credit (used).
   */
  used: number;
  /** out: packets never sent; in: 0. */
  queued: number;
  /** out: the receiver's window; in: ours. */
  window: number;
  /** out: offset below which the receiver lets us send; in: offset below which we let the sender send. */
  limit: number;
  /** out: end of the highest packet sent; in: the freed point (everything below was released). */
  offset: number;
}

export interface NeighbourView {
  neighbour: number;
  paced: boolean;
  rateBytesPerSec: number | null;
  burstDatagrams: number;
  inflightDatagrams: number;
  srttMs: number | null;
  rtoMs: number;
  plainQueuedBytes: number;
}

const clsName = (c: Cls) => (c === Cls.realtime ? 'realtime' : 'bulk');

/** Throws a RangeError naming `field` when `v` is no lane buffer of class `cls`. */
export function checkBufferBytes(field: string, v: number, cls: Cls): void {
  const lo = MIN_BUFFER_BYTES[cls];
  if (!Number.isInteger(v) || v < lo || v > MAX_BUFFER_BYTES) throw new RangeError(`${field} must be an integer in [${lo}, ${MAX_BUFFER_BYTES}], got ${v}`);
}

export class SafEngine {
  readonly stats: SafStats = newSafStats();
  private readonly neighbours = new Map<number, Neighbour>();
  private readonly buffer: Record<Cls, number>;
  private readonly dirty = new Set<Neighbour>();
  private flushQueued = false;
  private timer: unknown;
  private timerAt = Infinity;
  private closed = false;
  /** Neighbours whose refused writers wait for room (told after the current event). */
  private readonly wake = new Set<number>();

  constructor(
    private readonly clock: SafClock,
    private readonly io: HopIo,
    options: EngineOptions = {},
  ) {
    this.buffer = { ...DEFAULT_BUFFER_BYTES };
    for (const c of CLASSES) {
      const v = options.bufferBytes?.[c];
      if (v !== undefined) {
        checkBufferBytes(`bufferBytes.${clsName(c)}`, v, c);
        this.buffer[c] = v;
      }
    }
  }

  // ---- neighbours ----------------------------------------------------------------------

  /** A link to `id` is up (a new session: nothing of an earlier one carries over). */
  neighbourUp(id: number, o: NeighbourOptions = {}): void {
    this.neighbourDown(id);
    const rate = o.rateBytesPerSec === undefined ? undefined : o.rateBytesPerSec / 1000;
    const pacer = new Pacer(rate, o.burstDatagrams);
    const limit = rate === undefined ? Infinity : Math.max(MIN_PLAIN_QUEUE_BYTES, rate * PLAIN_QUEUE_MS);
    this.neighbours.set(id, new Neighbour(id, pacer, limit));
  }

  /** The link to `id` is gone: its lanes close and everything held for it is released. */
  neighbourDown(id: number): void {
    const n = this.neighbours.get(id);
    if (!n) return;
    this.neighbours.delete(id);
    this.dirty.delete(n);
    for (const lane of n.out.values()) this.closeOut(n, lane);
    for (const lane of n.in.values()) lane.closed = true;
    for (const f of n.drainPlain()) f.held?.release();
  }

  /**
   * A round trip to `id` measured outside the engine (the node's link probes): it seeds the
   * hop RTO until the engine's own acknowledgements give samples.
   */
  noteRtt(id: number, ms: number): void {
    const n = this.neighbours.get(id);
    if (n && n.smoothedRtt === undefined) n.rttSample(ms);
  }

  /** Whether sends to `id` are paced (a link rate is known). */
  paced(id: number): boolean {
    return this.neighbours.get(id)?.pacer.paced ?? false;
  }

  // ---- sending -------------------------------------------------------------------------

  /**
   * Queues a route packet on the store-and-forward lane (neighbour, its route ID, class).
   * `held`: the incoming lane's hold (a relay forwarding); the packet then counts against that
   * lane and is always taken. Without it the lane owns the packet, within its buffer: false
   * when full (the writer is told by `writable` when there is room). The caller must not
   * change `packet` afterwards.
   */
  sendSaf(neighbour: number, cls: Cls, packet: Uint8Array, held?: Holding): boolean {
    const n = this.neighbours.get(neighbour);
    if (!n || this.closed) return false;
    if (packet.length < MIN_ROUTE_PACKET_BYTES || packet.length > MAX_PACKET_BYTES) throw new RangeError(`route packet of ${packet.length} B; a lane carries ${MIN_ROUTE_PACKET_BYTES}..${MAX_PACKET_BYTES}`);
    const route = routeIdOf(packet)!;
    const key = laneKey(route, cls);
    let lane = n.out.get(key);
    if (!lane) {
      lane = new OutLane(neighbour, route, cls, this.buffer[cls]);
      n.out.set(key, lane);
    }
    if (!held && lane.own + packet.length > lane.buffer) {
      lane.blocked = true;
      return false;
    }
    lane.enqueue(packet, held);
    this.markPending(n, lane);
    this.schedule(n);
    return true;
  }

  /**
   * Bytes a lane takes from its owner now (a source's backpressure). When that is less than a
   * full packet, the asker is told by `writable` once acknowledgements make room.
   */
  room(neighbour: number, route: number, cls: Cls): number {
    const n = this.neighbours.get(neighbour);
    if (!n) return 0;
    const lane = n.out.get(laneKey(route, cls));
    if (!lane) return this.buffer[cls];
    if (lane.room < MAX_PACKET_BYTES) lane.blocked = true;
    return lane.room;
  }

  /** Bytes a plain hop to `neighbour` takes now (Infinity on an unpaced link); as `room`, a short answer is followed by `writable`. */
  plainRoom(neighbour: number): number {
    const n = this.neighbours.get(neighbour);
    if (!n) return 0;
    if (!n.pacer.paced) return Infinity;
    const room = Math.max(0, n.plainLimit - n.plainBytes);
    if (room < MAX_PACKET_BYTES) n.plainBlocked = true;
    return room;
  }

  /**
   * Sends a whole channel-1 frame on a plain hop: at once on an unpaced link, else through the
   * neighbour's paced queue of its class (false, and dropped, when that is full). `held` is
   * released once the frame is on the wire.
   */
  sendPlain(neighbour: number, cls: Cls, frame: Uint8Array, held?: Holding): boolean {
    const n = this.neighbours.get(neighbour);
    if (!n || this.closed) {
      held?.release();
      return false;
    }
    if (!n.pacer.paced) {
      this.stats.plainSent++;
      const ok = this.io.transmit(neighbour, frame);
      held?.release();
      return ok;
    }
    if (n.plainBytes + frame.length > n.plainLimit) {
      this.stats.dropped.plainQueueFull++;
      if (!held) n.plainBlocked = true;
      held?.release();
      return false;
    }
    n.pushPlain(cls, { frame, held });
    this.schedule(n);
    return true;
  }

  /** A frame the node sent to `neighbour` directly (control): the pacer counts it. */
  charge(neighbour: number, bytes: number): void {
    this.neighbours.get(neighbour)?.pacer.consume(bytes, this.clock.now());
  }

  /**
   * A route's lanes on one hop close: 'in', packets arriving from `neighbour` with our route ID
   * `route`; 'out', packets we send it with its route ID `route`. What they held is released.
   */
  dropLanes(neighbour: number, route: number, direction: 'in' | 'out'): void {
    const n = this.neighbours.get(neighbour);
    if (!n) return;
    for (const c of CLASSES) {
      const key = laneKey(route, c);
      if (direction === 'out') {
        const out = n.out.get(key);
        if (out) this.closeOut(n, out);
      } else {
        const inl = n.in.get(key);
        if (inl) {
          inl.closed = true;
          n.in.delete(key);
        }
      }
    }
  }

  private closeOut(n: Neighbour, lane: OutLane): void {
    lane.closed = true;
    n.out.delete(laneKey(lane.route, lane.cls));
    for (const m of lane.drain()) if (!m.acked) m.held?.release();
    for (const rec of n.inflight.values()) {
      for (const m of rec.msgs) {
        if (m.lane !== lane || m.acked) continue;
        m.acked = true;
        m.held?.release();
      }
    }
  }

  private markPending(n: Neighbour, lane: OutLane): void {
    if (lane.pending) return;
    lane.pending = true;
    n.pending[lane.cls].push(lane);
  }

  // ---- receiving -----------------------------------------------------------------------

  /** One hop datagram (the payload of a channel-2 frame) from a neighbour. Never throws on bad input. */
  receive(neighbour: number, datagram: Uint8Array): void {
    const n = this.neighbours.get(neighbour);
    if (!n || this.closed) {
      this.stats.dropped.unknownNeighbour++;
      return;
    }
    const d = decodeDatagram(datagram);
    if (typeof d === 'string') {
      this.stats.dropped[d]++;
      return;
    }
    const now = this.clock.now();
    this.stats.datagramsReceived++;
    if (d.ackEliciting) n.noteReceived(d.seq, now);
    for (const m of d.messages) {
      if (m.type === SafMsg.Data) this.onData(n, m, now);
      else if (m.type === SafMsg.HopAck) this.onHopAck(n, m, now);
      else this.onCredit(n, m);
    }
    this.schedule(n);
    this.wakeWriters();
  }

  private onData(n: Neighbour, m: DataMsg, now: number): void {
    const route = routeIdOf(m.packet)!;
    const key = laneKey(route, m.cls);
    let lane = n.in.get(key);
    if (!lane) {
      const w = this.io.window(n.id, route, m.cls);
      if (!(w > 0)) {
        this.stats.dropped.unknownRoute++;
        return;
      }
      lane = new InLane(n.id, route, m.cls, Math.max(w, INITIAL_WINDOW_BYTES[m.cls]));
      n.in.set(key, lane);
    }
    lane.lastActive = now;
    const verdict = lane.accept(m.offset, m.packet.length);
    if (verdict === 'duplicate') {
      this.stats.duplicates++;
      return;
    }
    if (verdict === 'overCredit') {
      this.stats.dropped.overCredit++;
      return;
    }
    this.stats.packetsReceived++;
    this.io.deliver(n.id, m.packet, m.cls, new Holding(lane, m.offset, m.packet.length, this.onRelease));
  }

  private readonly onRelease = (lane: InLane): void => {
    const n = this.neighbours.get(lane.neighbour);
    if (!n) return;
    lane.grewAt = this.clock.now();
    this.schedule(n);
  };

  private onHopAck(n: Neighbour, m: HopAckMsg, now: number): void {
    const largest = m.largest >>> 0;
    let progressed = false;
    for (const seq of ackedSeqs(m)) {
      const rec = n.inflight.get(seq);
      if (!rec) continue;
      n.inflight.delete(seq);
      progressed = true;
      if (seq === largest) n.rttSample(now - rec.sentAt);
      for (const msg of rec.msgs) this.complete(n, msg);
    }
    if (progressed) n.backoff = 0;
    // The gap rule: a datagram REORDER_THRESHOLD older than one acknowledged is lost.
    // (Deleting the entry being visited is safe while iterating a Map.)
    for (const rec of n.inflight.values()) {
      const d = (largest - rec.seq) >>> 0;
      if (d >= 2 ** 31 || d < REORDER_THRESHOLD) break;
      this.lost(n, rec, true);
    }
  }

  /** The next hop has `msg`: release it (relay) or free its place in the lane (owner). */
  private complete(n: Neighbour, msg: OutMsg): void {
    if (msg.acked) return;
    msg.acked = true;
    const lane = msg.lane;
    if (msg.held) msg.held.release();
    else if (!lane.closed) {
      lane.own -= msg.packet.length;
      if (lane.blocked) {
        lane.blocked = false;
        this.wake.add(n.id);
      }
    }
  }

  private lost(n: Neighbour, rec: Inflight, count: boolean): void {
    n.inflight.delete(rec.seq);
    if (count) this.stats.datagramsDeclaredLost++;
    for (const msg of rec.msgs) {
      if (msg.acked || msg.lane.closed) continue;
      msg.lane.retx.push(msg);
      this.markPending(n, msg.lane);
    }
  }

  private onCredit(n: Neighbour, m: CreditMsg): void {
    const lane = n.out.get(laneKey(m.route, m.cls));
    if (!lane) return; // a lane we closed; its credit no longer matters
    if (m.freed > lane.downFreed) lane.downFreed = m.freed;
    lane.downWindow = m.window;
    if (!lane.idle) this.markPending(n, lane);
  }

  private wakeWriters(): void {
    if (!this.wake.size) return;
    const ids = [...this.wake];
    this.wake.clear();
    for (const id of ids) this.io.writable(id);
  }

  // ---- timers and the scheduler ----------------------------------------------------------

  private schedule(n: Neighbour): void {
    this.dirty.add(n);
    if (this.flushQueued) return;
    this.flushQueued = true;
    // After the current event: packets queued together (one datagram's messages forwarded,
    // a burst of writes) leave bundled.
    if (this.clock.defer) this.clock.defer(this.flushNow);
    else queueMicrotask(this.flushNow);
  }

  private readonly flushNow = (): void => this.flush();

  /** Sends what is due to every neighbour marked since the last flush, then re-arms the timer. */
  flush(): void {
    this.flushQueued = false;
    if (this.closed) return;
    const now = this.clock.now();
    const list = [...this.dirty];
    this.dirty.clear();
    for (const n of list) if (this.neighbours.get(n.id) === n) this.sendTo(n, now);
    this.wakeWriters();
    this.arm(now);
  }

  private onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.closed) return;
    const now = this.clock.now();
    for (const n of this.neighbours.values()) {
      const first = n.inflight.values().next().value as Inflight | undefined;
      // (Deadlines are compared as `now >= t + d`, the form nextDeadline adds them in, so a
      // timer set for a deadline always finds it due.)
      if (first && now >= first.sentAt + n.rto) {
        // Nothing acknowledged for a whole RTO: everything that old is lost (tail loss).
        const rto = n.rto;
        for (const rec of [...n.inflight.values()]) if (now >= rec.sentAt + rto) this.lost(n, rec, true);
        n.backoff = Math.min(n.backoff + 1, SAF_MAX_BACKOFF);
        this.stats.timeouts++;
      }
      this.sendTo(n, now);
    }
    this.wakeWriters();
    this.arm(now);
  };

  private arm(now: number): void {
    const t = this.nextDeadline(now);
    if (t >= this.timerAt) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer as never);
    this.timerAt = t;
    this.timer = t === Infinity ? undefined : this.clock.setTimeout(this.onTimer, Math.max(0, t - now));
  }

  /** Earliest time the engine has something to do (Infinity: nothing). */
  nextDeadline(now: number): number {
    let t = Infinity;
    for (const n of this.neighbours.values()) {
      if (n.ackPending) t = Math.min(t, n.ackNow ? now : n.ackDeadline);
      const first = n.inflight.values().next().value as Inflight | undefined;
      if (first) t = Math.min(t, first.sentAt + n.rto);
      if (this.readyClass(n) >= 0) t = Math.min(t, n.pacer.readyAt(now));
      for (const lane of n.in.values()) {
        const due = this.creditDue(lane, now);
        if (due === 'now') t = Math.min(t, now);
        else if (this.active(lane, now)) t = Math.min(t, lane.lastCreditAt + CREDIT_REFRESH_MS);
      }
    }
    return Math.max(t, now);
  }

  /** The class with work that may go now (credit permitting), real time first; -1: none. */
  private readyClass(n: Neighbour): Cls | -1 {
    for (const c of CLASSES) if (n.plainQueued(c) > 0 || this.lanesSendable(n, c)) return c;
    return -1;
  }

  private lanesSendable(n: Neighbour, c: Cls): boolean {
    for (const lane of n.pending[c]) if (!lane.closed && lane.sendable()) return true;
    return false;
  }

  private sendTo(n: Neighbour, now: number): void {
    for (let i = 0; i < MAX_DATAGRAMS_PER_FLUSH; i++) {
      const c = this.readyClass(n);
      if (c >= 0 && n.pacer.ready(now) && n.inflight.size < MAX_INFLIGHT_DATAGRAMS) {
        const c2 = c as Cls;
        const lanes = this.lanesSendable(n, c2);
        if (n.plainQueued(c2) > 0 && (!lanes || !n.plainTurn[c2])) {
          n.plainTurn[c2] = lanes;
          this.sendPlainFrame(n, c2, now);
        } else {
          n.plainTurn[c2] = false;
          this.sendDatagram(n, c2, now);
        }
        continue;
      }
      if (n.ackDue(now) || this.controlDue(n, now)) this.sendDatagram(n, -1, now);
      return;
    }
    // More than one flush's worth: carry on after other work had its turn.
    this.schedule(n);
  }

  private sendPlainFrame(n: Neighbour, c: Cls, now: number): void {
    const f = n.shiftPlain(c)!;
    n.pacer.consume(f.frame.length, now);
    this.stats.plainSent++;
    this.io.transmit(n.id, f.frame);
    f.held?.release();
    if (n.plainBlocked && n.plainBytes * 2 <= n.plainLimit) {
      n.plainBlocked = false;
      this.wake.add(n.id);
    }
  }

  /** One datagram: the acknowledgement we owe, credits, and packets of class `c` (-1: none). */
  private sendDatagram(n: Neighbour, c: Cls | -1, now: number): void {
    const w = new DatagramWriter(n.nextSeq);
    if (n.ackPending) {
      w.add(n.takeAck());
      this.stats.hopAcksSent++;
    }
    this.addCredits(n, w, now, 'now');
    const msgs: OutMsg[] = [];
    if (c >= 0) this.fillData(n, c as Cls, w, msgs);
    this.addCredits(n, w, now, 'piggyback');
    if (w.empty) return;
    const frame = w.finish();
    if (w.ackEliciting) {
      n.inflight.set(n.nextSeq, { seq: n.nextSeq, sentAt: now, msgs });
      n.nextSeq = (n.nextSeq + 1) >>> 0;
    }
    n.pacer.consume(frame.length, now);
    this.stats.datagramsSent++;
    this.io.transmit(n.id, frame);
  }

  /** Packets of class `c` from its lanes in turn, as many as fit. */
  private fillData(n: Neighbour, c: Cls, w: DatagramWriter, msgs: OutMsg[]): void {
    const list = n.pending[c];
    let idle = 0;
    while (list.length && idle < list.length && w.room > DATA_HEADER_BYTES + MIN_ROUTE_PACKET_BYTES) {
      const i = n.rr[c] % list.length;
      n.rr[c] = (i + 1) % list.length;
      const lane = list[i];
      const m = lane.closed ? undefined : lane.take(w.room - DATA_HEADER_BYTES);
      if (!m) {
        idle++;
        continue;
      }
      idle = 0;
      w.add({ type: SafMsg.Data, cls: c, offset: m.offset, packet: m.packet });
      msgs.push(m);
      lane.sentHigh = Math.max(lane.sentHigh, m.offset + m.packet.length);
      this.stats.packetsSent++;
      this.stats.bytesSent += m.packet.length;
      if (m.sent) {
        this.stats.packetsRetransmitted++;
        this.stats.bytesRetransmitted += m.packet.length;
      }
      m.sent = true;
    }
    // Lanes with nothing left leave the list until they have something again.
    let k = 0;
    for (const lane of list) {
      if (!lane.closed && !lane.idle) list[k++] = lane;
      else lane.pending = false;
    }
    list.length = k;
  }

  /** A lane's credit is due 'now' (the upstream may be waiting), worth adding when there is room, or not. */
  private creditDue(lane: InLane, now: number): 'now' | 'piggyback' | null {
    if (lane.closed) return null;
    if (lane.creditSentFreed < 0) return 'now';
    const changed = lane.freed !== lane.creditSentFreed || lane.window !== lane.creditSentWindow;
    // Urgent once an eighth of the buffer was freed: the upstream may be waiting on it.
    if (changed && lane.freed - lane.creditSentFreed >= lane.window / 8) return 'now';
    if (this.active(lane, now) && now >= lane.lastCreditAt + CREDIT_REFRESH_MS) return 'now';
    return changed ? 'piggyback' : null;
  }

  /**
   * A lane's credit is refreshed while it holds packets and for a while after data arrived or
   * its grant grew: the upstream may be blocked waiting for exactly that credit, and one lost
   * update must not leave it waiting.
   */
  private active(lane: InLane, now: number): boolean {
    return lane.held > 0 || now - Math.max(lane.lastActive, lane.grewAt) < LANE_IDLE_MS;
  }

  private controlDue(n: Neighbour, now: number): boolean {
    for (const lane of n.in.values()) if (this.creditDue(lane, now) === 'now') return true;
    return false;
  }

  private addCredits(n: Neighbour, w: DatagramWriter, now: number, want: 'now' | 'piggyback'): void {
    for (const lane of n.in.values()) {
      const due = this.creditDue(lane, now);
      if (!due || (want === 'now' && due !== 'now')) continue;
      if (!w.add({ type: SafMsg.Credit, cls: lane.cls, route: lane.route, freed: lane.freed, window: lane.window })) return;
      lane.creditSentFreed = lane.freed;
      lane.creditSentWindow = lane.window;
      lane.lastCreditAt = now;
      this.stats.creditsSent++;
    }
  }

  // ---- views -----------------------------------------------------------------------------

  lanes(): LaneView[] {
    const out: LaneView[] = [];
    for (const n of this.neighbours.values()) {
      for (const l of n.out.values()) out.push({ neighbour: n.id, route: l.route, cls: clsName(l.cls), direction: 'out', held: l.own, used: l.sentHigh - l.downFreed, queued: l.queued, window: l.downWindow, limit: l.creditLimit, offset: l.sentHigh });
      for (const l of n.in.values()) out.push({ neighbour: n.id, route: l.route, cls: clsName(l.cls), direction: 'in', held: l.held, used: Math.max(0, l.top - l.freed), queued: 0, window: l.window, limit: l.grantLimit, offset: l.freed });
    }
    return out;
  }

  neighbourViews(): NeighbourView[] {
    return [...this.neighbours.values()].map((n) => ({
      neighbour: n.id,
      paced: n.pacer.paced,
      rateBytesPerSec: n.pacer.paced ? n.pacer.bytesPerMs * 1000 : null,
      burstDatagrams: n.pacer.burstDatagrams,
      inflightDatagrams: n.inflight.size,
      srttMs: n.smoothedRtt ?? null,
      rtoMs: n.rto,
      plainQueuedBytes: n.plainBytes,
    }));
  }

  /** The time one full datagram takes on the link to `neighbour`, ms (0 when unpaced). */
  datagramMs(neighbour: number): number {
    return this.neighbours.get(neighbour)?.pacer.datagramMs() ?? 0;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer as never);
    this.timer = undefined;
    for (const id of [...this.neighbours.keys()]) this.neighbourDown(id);
  }
}

