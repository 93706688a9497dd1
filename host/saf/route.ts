// One route at one node: its buffer (a ring of `bufferBytes`, addressed by end-to-end
// offset) with the receive side (what arrived from upstream or the application) and the
// send side (what the next hop has acknowledged and how much credit it granted).
//
// Offsets along the buffer, lowest first:
//   base <= ackedPrefix <= contiguous <= (out-of-order `present` ranges) < base + size
//   base        oldest byte still held (relay: acknowledged by the next hop; source: by the
//               destination, end to end; destination: delivered to the application)
//   ackedPrefix every byte below it was hop-acknowledged by the next node
//   unsent      bytes held but never sent in this epoch (relays forward out-of-order bytes
//               too, so a loss upstream does not leave the next link idle)
//   sendHigh    end of the highest byte sent in this epoch
//   contiguous  end of the bytes held without a gap
// The sender view the overview lists: receiver buffer size = downWindow; predicted
// occupancy (acked + unacked) = sendHigh - downFreed; acked occupancy = ackedPrefix - downFreed;
// each unacked message's offset, size and datagram sequence is in the neighbour's in-flight list.
import type { ForwardMode, Qos, RouteConfig } from './config.ts';
import { isLocal } from './config.ts';
import { RangeSet } from './ranges.ts';
import { ByteRing } from './ring.ts';

export type RouteRole = 'source' | 'relay' | 'destination';

export class RouteState {
  readonly role: RouteRole;
  readonly qos: Qos;
  readonly mode: ForwardMode;
  readonly size: number;
  readonly ring: ByteRing;

  /** Current epoch; -1 before this node learned one (fresh start or restart). */
  epoch = -1;

  // ---- buffer / receive side ----
  base = 0;
  contiguous = 0;
  readonly present = new RangeSet();

  // ---- credit we grant upstream ----
  /** Set when what we would advertise changed; the credit goes out soon after. */
  creditDirty = false;
  lastCreditSentAt = -Infinity;
  /** Data for this route arrived while we had no state: tell upstream we are unsynced. */
  reportUnsynced = false;
  /** The epoch of that data (the unsynced credit names it, so stale reports are ignored). */
  unsyncedEpoch = 0;
  /** What the last credit we sent said (a credit is due when it would say something new). */
  creditSentFreed = -1;
  creditSentE2e = -1;
  creditSentEpoch = -2;
  /** Relay: asked upstream to restart the route (our downstream lost state). */
  resetPending = false;
  resetSentAt = -Infinity;
  lastActive = -Infinity;
  /** When the grant we advertise last grew (keeps the credit refreshed for a while). */
  grantGrewAt = -Infinity;

  // ---- send side ----
  readonly unsent = new RangeSet();
  sendHigh = 0;
  ackedPrefix = 0;
  readonly hopAcked = new RangeSet();
  readonly retx = new RangeSet();
  /** The next hop confirmed our epoch (its credit carries it); no data goes out before. */
  downSynced = false;
  syncSentAt = -Infinity;
  /** A link session to the next hop restarted: ask it whether it still holds our epoch. */
  verifyPending = false;
  downFreed = 0;
  downWindow = 0;
  /** End-to-end point learned from downstream (destination: what it delivered). */
  e2e = 0;

  // ---- plain forwarding (relay): messages waiting for the pacer, bytes queued ----
  readonly plainQueue: Array<{ offset: number; bytes: Uint8Array }> = [];
  plainQueued = 0;

  // ---- destination ----
  delivered = 0;
  paused = false;

  constructor(readonly cfg: RouteConfig) {
    this.role = isLocal(cfg.in) ? 'source' : isLocal(cfg.out) ? 'destination' : 'relay';
    this.qos = cfg.qos ?? 'bulk';
    this.mode = cfg.mode ?? 'saf';
    this.size = cfg.bufferBytes;
    this.ring = new ByteRing(this.size);
    // The source owns the epoch: it starts at 0 and must sync its next hop first.
    if (this.role === 'source') this.epoch = 0;
  }

  /** Bytes held in the buffer (never above `size`). */
  get occupancy(): number {
    const top = Math.max(this.contiguous, this.present.lastEnd(0));
    return top - this.base;
  }

  /** Highest offset the next hop lets us send below. */
  get creditLimit(): number {
    return this.downFreed + this.downWindow;
  }

  /** Highest offset we let our upstream send below. */
  get grantLimit(): number {
    return this.base + this.size;
  }

  /** Plain routes hold nothing; SAF routes wait for the next hop's sync confirmation. */
  get canSend(): boolean {
    return this.mode === 'plain' || (this.downSynced && this.epoch >= 0);
  }

  /** The first range of new (never sent) bytes the next hop will accept, or null. */
  newSendable(): [number, number] | null {
    if (!this.canSend) return null;
    const f = this.unsent.first();
    if (!f) return null;
    const limit = this.mode === 'plain' ? f[1] : Math.min(f[1], this.creditLimit);
    return limit > f[0] ? [f[0], limit] : null;
  }

  hasSendable(): boolean {
    if (this.mode === 'plain' && this.role === 'relay') return this.plainQueue.length > 0;
    return this.canSend && (!this.retx.empty || this.newSendable() !== null);
  }

  /** Source only: restart sending in a new epoch from the end-to-end point; written bytes stay. */
  restartSend(epoch: number): void {
    this.epoch = epoch;
    this.base = Math.max(this.base, this.e2e);
    this.sendHigh = this.ackedPrefix = this.base;
    this.unsent.clear();
    this.unsent.add(this.base, this.contiguous);
    this.hopAcked.clear();
    this.retx.clear();
    this.downSynced = this.mode === 'plain';
    this.syncSentAt = -Infinity;
    this.verifyPending = false;
    this.downFreed = this.base;
    this.downWindow = 0;
  }

  /** Starts (or restarts) the route from `base` in `epoch`: everything held above is dropped. */
  resetTo(epoch: number, base: number): void {
    this.epoch = epoch;
    this.base = this.contiguous = this.sendHigh = this.ackedPrefix = base;
    this.present.clear();
    this.unsent.clear();
    this.hopAcked.clear();
    this.retx.clear();
    this.downSynced = this.mode === 'plain';
    this.syncSentAt = -Infinity;
    this.verifyPending = false;
    this.downFreed = base;
    this.downWindow = 0;
    this.e2e = Math.max(this.e2e, base);
    this.resetPending = false;
    this.reportUnsynced = false;
    this.creditDirty = true;
  }

  /** Stores bytes at `offset` (already clipped to the grant); returns how many were new. */
  store(offset: number, bytes: Uint8Array): number {
    let start = offset;
    let b = bytes;
    if (start < this.contiguous) {
      b = b.subarray(Math.min(b.length, this.contiguous - start));
      start = this.contiguous;
    }
    if (!b.length) return 0;
    const end = start + b.length;
    this.ring.write(start, b);
    let added = 0;
    for (const [s, e] of this.present.missing(start, end)) {
      added += e - s;
      this.unsent.add(s, e);
    }
    this.present.add(start, end);
    const c = this.present.extend(this.contiguous);
    if (c > this.contiguous) {
      this.contiguous = c;
      this.present.trimBelow(c);
    }
    return added;
  }

  /** The next hop acknowledged [offset, offset + n) in the current epoch. */
  hopAck(offset: number, n: number): void {
    this.hopAcked.add(offset, offset + n);
    const p = this.hopAcked.extend(this.ackedPrefix);
    if (p > this.ackedPrefix) {
      this.ackedPrefix = p;
      this.hopAcked.trimBelow(p);
      this.retx.trimBelow(p);
      this.unsent.trimBelow(p);
    }
  }
}
