// The two ends of a store-and-forward hop for one route and class (a lane).
//
// Sender (OutLane): route packets get consecutive hop offsets as they are queued; a packet is
// sent only below the receiver's credit (freed + window) and kept until the receiver's
// datagram acknowledgement names it, then resent on loss. What a lane keeps is owned either
// by an incoming lane of the same route at this node (a relay: the packet counts against
// that lane's buffer, so the upstream stops when it is full) or by the lane itself (a source,
// or a packet that came in over a plain hop), bounded by the lane's buffer.
//
// Receiver (InLane): it accepts packets inside the credit it granted, drops duplicates (a
// resend whose first copy arrived), and holds each packet until the node is done with it:
// forwarded and acknowledged by the next hop, sent on a plain hop, or taken by the route end.
// Packets are released in any order; `freed` is the offset below which all are released, and
// the credit it sends upstream (freed + window) is what the sender may fill.
import { RangeSet } from './ranges.ts';
import { INITIAL_WINDOW_BYTES, type Cls } from './constants.ts';

/** A received packet the node still holds; `release` frees its place in the lane's buffer. */
export class Holding {
  private done = false;

  constructor(
    readonly lane: InLane,
    readonly offset: number,
    readonly len: number,
    private readonly onRelease: (lane: InLane) => void,
  ) {}

  release(): void {
    if (this.done) return;
    this.done = true;
    if (this.lane.release(this.offset, this.len)) this.onRelease(this.lane);
  }
}

export class InLane {
  /** Offsets received above `freed` (anything else that arrives again is a duplicate). */
  private readonly received = new RangeSet();
  private readonly released = new RangeSet();
  /** Every offset below this was received and released. */
  freed = 0;
  /** Bytes received and not yet released (never above `window`). */
  held = 0;
  /** End of the highest packet received: [freed, top) is the part of the grant in use. */
  top = 0;
  // ---- the credit we send ----
  creditSentFreed = -1;
  creditSentWindow = -1;
  lastCreditAt = -Infinity;
  /** When data last arrived, and when our grant last grew (the credit is refreshed for a while after either). */
  lastActive = -Infinity;
  grewAt = -Infinity;
  closed = false;

  constructor(
    readonly neighbour: number,
    readonly route: number,
    readonly cls: Cls,
    /** This node's buffer for the lane: what the upstream may have here unreleased. */
    readonly window: number,
  ) {}

  get grantLimit(): number {
    return this.freed + this.window;
  }

  /** A packet at [offset, offset + len): 'ok', or why it is not taken. */
  accept(offset: number, len: number): 'ok' | 'duplicate' | 'overCredit' {
    const end = offset + len;
    if (end <= this.freed || this.received.covers(offset, end)) return 'duplicate';
    if (end > this.grantLimit) return 'overCredit';
    // Offsets are the sender's, packet by packet: a new packet never overlaps an old one.
    this.received.add(offset, end);
    this.held += len;
    if (end > this.top) this.top = end;
    return 'ok';
  }

  /** Releases [offset, offset + len); true when `freed` moved (a credit is worth sending). */
  release(offset: number, len: number): boolean {
    if (this.closed) return false;
    this.held -= len;
    this.released.add(offset, offset + len);
    const f = this.released.extend(this.freed);
    if (f === this.freed) return false;
    this.freed = f;
    this.released.trimBelow(f);
    this.received.trimBelow(f);
    return true;
  }
}

/** One route packet in an outgoing lane. */
export interface OutMsg {
  readonly lane: OutLane;
  readonly packet: Uint8Array;
  readonly offset: number;
  /** The incoming lane's hold on the packet (relay); undefined: the lane owns it. */
  readonly held: Holding | undefined;
  acked: boolean;
  /** Sent at least once (a later send is a retransmission). */
  sent: boolean;
}

export class OutLane {
  /** Packets never sent, in offset order (`head` is the next). */
  private queue: OutMsg[] = [];
  private head = 0;
  /** Packets declared lost, to go before anything new. */
  readonly retx: OutMsg[] = [];
  nextOffset = 0;
  /** End of the highest packet sent so far. */
  sentHigh = 0;
  /** What the receiver granted: send only below downFreed + downWindow. */
  downFreed = 0;
  downWindow: number;
  /** Bytes of packets the lane owns (not held by an incoming lane), unacknowledged. */
  own = 0;
  /** A writer found the lane full: tell it when there is room. */
  blocked = false;
  /** On the neighbour's list of lanes with something to send. */
  pending = false;
  closed = false;

  constructor(
    readonly neighbour: number,
    readonly route: number,
    readonly cls: Cls,
    /** Most the lane owns at once (a source's buffer for the route). */
    readonly buffer: number,
  ) {
    this.downWindow = INITIAL_WINDOW_BYTES[cls];
  }

  get creditLimit(): number {
    return this.downFreed + this.downWindow;
  }

  get room(): number {
    return Math.max(0, this.buffer - this.own);
  }

  get queued(): number {
    return this.queue.length - this.head;
  }

  enqueue(packet: Uint8Array, held: Holding | undefined): OutMsg {
    const m: OutMsg = { lane: this, packet, offset: this.nextOffset, held, acked: false, sent: false };
    this.nextOffset += packet.length;
    if (!held) this.own += packet.length;
    this.queue.push(m);
    return m;
  }

  /** The next packet to send, if credit allows: lost ones first. Removes it from its queue. */
  take(maxBytes: number): OutMsg | undefined {
    while (this.retx.length && this.retx[0].acked) this.retx.shift();
    const r = this.retx[0];
    if (r) {
      if (r.packet.length > maxBytes) return undefined;
      return this.retx.shift();
    }
    const m = this.queue[this.head];
    if (!m || m.packet.length > maxBytes || m.offset + m.packet.length > this.creditLimit) return undefined;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return m;
  }

  /** Anything to send now (credit permitting)? */
  sendable(): boolean {
    for (const r of this.retx) if (!r.acked) return true;
    const m = this.queue[this.head];
    return m !== undefined && m.offset + m.packet.length <= this.creditLimit;
  }

  /** Anything waiting at all (sent or not, credit or not)? */
  get idle(): boolean {
    return this.head >= this.queue.length && this.retx.every((r) => r.acked);
  }

  /** Everything still queued (for release when the lane closes). */
  drain(): OutMsg[] {
    const out = [...this.queue.slice(this.head), ...this.retx];
    this.queue = [];
    this.head = 0;
    this.retx.length = 0;
    return out;
  }
}
