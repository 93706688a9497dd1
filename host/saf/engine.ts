// The store-and-forward engine of one node. Pure logic: events come in as method calls
// carrying the current time (`receive` a datagram from a neighbour, `write` application
// bytes, `tick`, `linkUp`), effects go out through `SafIo` (datagrams to a neighbour,
// bytes to the local application). No sockets, no timers, no clock of its own, so the
// same code runs in the deterministic simulator and in the node process.
//
// Per route and hop: the receiver grants credit (its free buffer); the sender never sends
// past it. Two acknowledgements: HopAck says which datagrams arrived (the sender may free
// them; a gap triggers a resend at once), Credit says how far the receiver's route buffer
// has been forwarded and freed downstream. The source keeps every byte until the
// destination's end-to-end point (carried upstream inside Credit) passes it, so a relay
// that crashes costs a resend from the source, not data.
import {
  CONTROL_RETRY_MS,
  CREDIT_REFRESH_MS,
  DATA_HEADER_BYTES,
  EPOCH_MODULUS,
  MAX_INFLIGHT_DATAGRAMS,
  MIN_DATA_CHUNK_BYTES,
  REORDER_THRESHOLD,
  ROUTE_IDLE_MS,
  SAF_MAX_BACKOFF,
  SafMsg,
} from './constants.ts';
import { isLocal, validateSafConfig, type SafConfig } from './config.ts';
import { ackedSeqs, Neighbour, type Inflight, type InflightItem } from './hop.ts';
import { RouteState } from './route.ts';
import { newSafStats, type SafStats } from './stats.ts';
import { DatagramWriter, decodeDatagram, epochNewer, type CreditMsg, type DataMsg, type HopAckMsg, type ResetRequestMsg, type SyncMsg } from './wire.ts';

export interface SafIo {
  /** Send one datagram to a neighbour (the link encrypts it into one frame). */
  transmit(neighbour: number, datagram: Uint8Array): void;
  /** In-order bytes of a route that ends here. */
  deliver(localRoute: number, bytes: Uint8Array): void;
}

/** Cap on datagrams one flush sends to one neighbour, so an unpaced link cannot starve the caller. */
const MAX_DATAGRAMS_PER_FLUSH = 64;

/** What a sender knows about one route on its next hop (the overview's list), for tests and stats. */
export interface SenderView {
  epoch: number;
  receiverBuffer: number;
  predictedOccupancy: number;
  ackedOccupancy: number;
  creditLimit: number;
  unacked: Array<{ seq: number; offset: number; size: number }>;
  /** Bytes this node holds for the route. */
  held: number;
  bufferBytes: number;
  e2e: number;
}

const key = (n: number, r: number) => `${n}:${r}`;

export class SafEngine {
  readonly stats: SafStats = newSafStats();
  private readonly neighbours = new Map<number, Neighbour>();
  private readonly byIn = new Map<string, RouteState>();
  private readonly byOut = new Map<string, RouteState>();
  private readonly locals = new Map<number, RouteState>();
  private readonly routes: RouteState[] = [];

  constructor(
    config: SafConfig,
    private readonly io: SafIo,
  ) {
    validateSafConfig(config);
    for (const n of config.neighbours) this.neighbours.set(n.id, new Neighbour(n));
    for (const rc of config.routes) {
      const r = new RouteState(rc);
      this.routes.push(r);
      if (isLocal(rc.in)) this.locals.set(rc.in.local, r);
      else {
        this.byIn.set(key(rc.in.neighbour, rc.in.route), r);
        this.neighbours.get(rc.in.neighbour)!.inRoutes.push(r);
      }
      if (isLocal(rc.out)) this.locals.set(rc.out.local, r);
      else {
        this.byOut.set(key(rc.out.neighbour, rc.out.route), r);
        const nb = this.neighbours.get(rc.out.neighbour)!;
        (r.qos === 'realtime' ? nb.outRealtime : nb.outBulk).push(r);
      }
    }
  }

  // ---- application -------------------------------------------------------------------

  /** Bytes the source route `local` accepts right now. */
  space(local: number): number {
    const r = this.locals.get(local);
    if (!r || r.role !== 'source') return 0;
    return r.grantLimit - r.contiguous;
  }

  /** Writes application bytes on a source route; returns how many it took (backpressure). */
  write(local: number, bytes: Uint8Array, now: number): number {
    const r = this.locals.get(local);
    if (!r || r.role !== 'source') return 0;
    const n = Math.min(bytes.length, r.grantLimit - r.contiguous);
    if (n <= 0) return 0;
    r.ring.write(r.contiguous, n === bytes.length ? bytes : bytes.subarray(0, n));
    r.unsent.add(r.contiguous, r.contiguous + n);
    r.contiguous += n;
    r.lastActive = now;
    this.flush(now);
    return n;
  }

  /** Stops delivering on a route that ends here: its buffer fills and upstream stops. */
  pause(local: number): void {
    const r = this.locals.get(local);
    if (r?.role === 'destination') r.paused = true;
  }

  resume(local: number, now: number): void {
    const r = this.locals.get(local);
    if (r?.role !== 'destination') return;
    r.paused = false;
    this.deliverReady(r);
    this.flush(now);
  }

  // ---- network -----------------------------------------------------------------------

  /** One datagram from a neighbour. Never throws on bad input; it is counted. */
  receive(neighbour: number, datagram: Uint8Array, now: number): void {
    const nb = this.neighbours.get(neighbour);
    if (!nb) {
      this.stats.dropped.unknownNeighbour++;
      return;
    }
    const d = decodeDatagram(datagram);
    if (typeof d === 'string') {
      this.stats.dropped[d]++;
      return;
    }
    this.stats.datagramsReceived++;
    if (d.ackEliciting) nb.noteReceived(d.seq, now);
    for (const m of d.messages) {
      switch (m.type) {
        case SafMsg.Data:
          this.onData(nb, m, now);
          break;
        case SafMsg.HopAck:
          this.onHopAck(nb, m, now);
          break;
        case SafMsg.Credit:
          this.onCredit(nb, m);
          break;
        case SafMsg.Sync:
          this.onSync(nb, m, now);
          break;
        case SafMsg.ResetRequest:
          this.onResetRequest(nb, m);
          break;
      }
    }
    this.flush(now);
  }

  /**
   * The link to `neighbour` (re)established a session: the neighbour may have restarted and
   * lost its buffers, or the session was merely renewed. Datagrams in flight are resent,
   * and every route leaving through it asks the neighbour (Sync with the verify flag)
   * whether it still holds the route's epoch; only a neighbour that lost it makes the
   * route restart from the source's end-to-end point.
   */
  linkUp(neighbour: number, now: number): void {
    const nb = this.neighbours.get(neighbour);
    if (!nb) return;
    for (const rec of [...nb.inflight.values()]) this.lost(nb, rec, false);
    nb.resetReceive();
    nb.backoff = 0;
    for (const r of [...nb.outRealtime, ...nb.outBulk]) {
      if (r.mode === 'saf' && r.epoch >= 0 && r.downSynced) {
        r.verifyPending = true;
        r.syncSentAt = -Infinity;
      }
    }
    this.flush(now);
  }

  /** Runs timers: retransmission timeouts, delayed acks, credit refresh, pacing. */
  tick(now: number): void {
    for (const nb of this.neighbours.values()) {
      const first = nb.inflight.values().next().value as Inflight | undefined;
      if (first && now - first.sentAt >= nb.rto) {
        // Nothing acknowledged for a whole RTO: everything that old is lost (tail loss).
        const rto = nb.rto;
        for (const rec of [...nb.inflight.values()]) if (now - rec.sentAt >= rto) this.lost(nb, rec, true);
        nb.backoff = Math.min(nb.backoff + 1, SAF_MAX_BACKOFF);
        this.stats.timeouts++;
      }
    }
    this.flush(now);
  }

  /** Earliest time `tick` has something to do. */
  nextDeadline(now: number): number {
    let t = Infinity;
    for (const nb of this.neighbours.values()) {
      if (nb.ackPending) t = Math.min(t, nb.ackNow ? now : nb.ackDeadline);
      const first = nb.inflight.values().next().value as Inflight | undefined;
      if (first) t = Math.min(t, first.sentAt + nb.rto);
      if (this.hasData(nb)) t = Math.min(t, nb.pacer.readyAt(now));
      for (const r of nb.inRoutes) {
        if (r.epoch >= 0 && this.routeActive(r, now)) t = Math.min(t, r.lastCreditSentAt + CREDIT_REFRESH_MS);
        if (r.resetPending) t = Math.min(t, r.resetSentAt + CONTROL_RETRY_MS);
      }
      for (const r of [...nb.outRealtime, ...nb.outBulk]) if (this.needsSync(r)) t = Math.min(t, r.syncSentAt + CONTROL_RETRY_MS);
    }
    return Math.max(t, now);
  }

  // ---- views for tests and stats -----------------------------------------------------

  /** The sender's view of a route leaving through `neighbour` with hop route ID `route`. */
  senderView(neighbour: number, route: number): SenderView | undefined {
    const r = this.byOut.get(key(neighbour, route));
    const nb = this.neighbours.get(neighbour);
    if (!r || !nb) return undefined;
    const unacked: SenderView['unacked'] = [];
    for (const rec of nb.inflight.values()) {
      for (const it of rec.items) if (it.route === r && !it.sync && it.epoch === r.epoch) unacked.push({ seq: rec.seq, offset: it.offset, size: it.len });
    }
    return {
      epoch: r.epoch,
      receiverBuffer: r.downWindow,
      predictedOccupancy: r.sendHigh - r.downFreed,
      ackedOccupancy: r.ackedPrefix - r.downFreed,
      creditLimit: r.creditLimit,
      unacked,
      held: r.occupancy,
      bufferBytes: r.size,
      e2e: r.e2e,
    };
  }

  /** The receiving side of a route entering through `neighbour` with hop route ID `route`. */
  receiverView(neighbour: number, route: number): { epoch: number; base: number; contiguous: number; held: number; grantLimit: number; delivered: number } | undefined {
    const r = this.byIn.get(key(neighbour, route));
    if (!r) return undefined;
    return { epoch: r.epoch, base: r.base, contiguous: r.contiguous, held: r.occupancy, grantLimit: r.grantLimit, delivered: r.delivered };
  }

  /** Bytes held for every route at this node (never above its configured buffer). */
  occupancies(): Array<{ route: string; held: number; bufferBytes: number }> {
    return this.routes.map((r) => ({ route: isLocal(r.cfg.in) ? `local:${r.cfg.in.local}` : key(r.cfg.in.neighbour, r.cfg.in.route), held: r.occupancy, bufferBytes: r.size }));
  }

  smoothedRtt(neighbour: number): number | undefined {
    return this.neighbours.get(neighbour)?.smoothedRtt;
  }

  inflightDatagrams(neighbour: number): number {
    return this.neighbours.get(neighbour)?.inflight.size ?? 0;
  }

  // ---- receive handlers --------------------------------------------------------------

  private onData(nb: Neighbour, m: DataMsg, now: number): void {
    const r = this.byIn.get(key(nb.id, m.route));
    if (!r) {
      this.stats.dropped.unknownRoute++;
      return;
    }
    r.lastActive = now;
    if (r.mode === 'plain') return this.onPlainData(r, m);
    if (r.epoch < 0) {
      this.stats.dropped.unsynced++;
      r.reportUnsynced = true;
      r.unsyncedEpoch = m.epoch;
      return;
    }
    if (m.epoch !== r.epoch) {
      this.stats.dropped.staleEpoch++;
      return;
    }
    let bytes = m.bytes;
    const room = r.grantLimit - m.offset;
    if (bytes.length > room) {
      this.stats.dropped.overCredit++;
      if (room <= 0) return;
      bytes = bytes.subarray(0, room);
    }
    const added = r.store(m.offset, bytes);
    this.stats.duplicateBytes += m.bytes.length - added;
    if (r.role === 'destination') this.deliverReady(r);
  }

  private onPlainData(r: RouteState, m: DataMsg): void {
    if (r.role === 'destination') {
      const end = m.offset + m.bytes.length;
      if (end <= r.delivered) {
        this.stats.duplicateBytes += m.bytes.length;
        return;
      }
      if (m.offset > r.delivered) this.stats.plainGapBytes += m.offset - r.delivered;
      const from = Math.max(m.offset, r.delivered);
      r.delivered = r.base = r.contiguous = end;
      this.stats.deliveredBytes += end - from;
      this.io.deliver((r.cfg.out as { local: number }).local, m.bytes.slice(from - m.offset));
      return;
    }
    // Relay: forward once; the queue is bounded by the route's buffer.
    if (r.plainQueued + m.bytes.length > r.size) {
      this.stats.dropped.plainQueueFull++;
      return;
    }
    r.plainQueue.push({ offset: m.offset, bytes: m.bytes.slice() });
    r.plainQueued += m.bytes.length;
  }

  private onHopAck(nb: Neighbour, m: HopAckMsg, now: number): void {
    const largest = m.largest >>> 0;
    let progressed = false;
    for (const seq of ackedSeqs(m)) {
      const rec = nb.inflight.get(seq);
      if (!rec) continue;
      nb.inflight.delete(seq);
      progressed = true;
      if (seq === largest) nb.rttSample(now - rec.sentAt);
      for (const it of rec.items) if (!it.sync && it.epoch === it.route.epoch) this.hopAcked(it.route, it);
    }
    if (progressed) nb.backoff = 0;
    // The gap rule: a datagram REORDER_THRESHOLD older than one acknowledged is lost.
    // (Deleting the entry being visited is safe while iterating a Map.)
    for (const rec of nb.inflight.values()) {
      const d = (largest - rec.seq) >>> 0;
      if (d >= 2 ** 31 || d < REORDER_THRESHOLD) break;
      this.lost(nb, rec, true);
    }
  }

  private hopAcked(r: RouteState, it: InflightItem): void {
    r.hopAck(it.offset, it.len);
    if (r.role === 'relay' && r.ackedPrefix > r.base) r.base = r.ackedPrefix;
  }

  private lost(nb: Neighbour, rec: Inflight, count: boolean): void {
    nb.inflight.delete(rec.seq);
    if (count) this.stats.datagramsDeclaredLost++;
    for (const it of rec.items) {
      const r = it.route;
      if (it.epoch !== r.epoch) continue;
      if (it.sync) r.syncSentAt = -Infinity;
      else if (it.offset + it.len > r.ackedPrefix) r.retx.add(Math.max(it.offset, r.ackedPrefix), it.offset + it.len);
    }
  }

  private onCredit(nb: Neighbour, m: CreditMsg): void {
    const r = this.byOut.get(key(nb.id, m.route));
    if (!r) {
      this.stats.dropped.unknownRoute++;
      return;
    }
    if (r.mode === 'plain') return;
    if (m.epoch !== r.epoch || r.epoch < 0) {
      this.stats.dropped.staleEpoch++;
      return;
    }
    if (m.unsynced) {
      // The next hop has no state for this epoch (it restarted): the route must restart.
      if (r.downSynced) this.downstreamLost(r);
      return;
    }
    r.downSynced = true;
    r.verifyPending = false;
    r.downFreed = Math.max(r.downFreed, m.freed);
    r.downWindow = m.window;
    if (m.e2e > r.e2e) {
      r.e2e = m.e2e;
      if (r.role === 'source') r.base = Math.max(r.base, Math.min(r.e2e, r.contiguous));
    }
  }

  private onSync(nb: Neighbour, m: SyncMsg, now: number): void {
    const r = this.byIn.get(key(nb.id, m.route));
    if (!r) {
      this.stats.dropped.unknownRoute++;
      return;
    }
    r.lastActive = now;
    if (m.verify) {
      // Do we still hold this epoch? Yes: answer with our credit. No (we restarted): say so.
      if (r.epoch >= 0 && m.epoch === r.epoch) r.creditSentEpoch = -2;
      else {
        r.reportUnsynced = true;
        r.unsyncedEpoch = m.epoch;
      }
      return;
    }
    if (r.epoch < 0 || epochNewer(m.epoch, r.epoch)) {
      if (r.role === 'destination') {
        // The application's stream goes on: bytes below what was delivered arrive as duplicates.
        r.resetTo(m.epoch, Math.max(m.base, r.delivered));
      } else r.resetTo(m.epoch, m.base);
    }
    if (m.epoch === r.epoch) r.creditSentEpoch = -2; // answer at once, even a repeated Sync
  }

  private onResetRequest(nb: Neighbour, m: ResetRequestMsg): void {
    const r = this.byOut.get(key(nb.id, m.route));
    if (!r) {
      this.stats.dropped.unknownRoute++;
      return;
    }
    if (m.epoch !== r.epoch) return; // already restarted
    if (r.downSynced || r.role === 'source') this.downstreamLost(r);
  }

  /** Someone at or below our next hop lost the route's buffer. */
  private downstreamLost(r: RouteState): void {
    if (r.mode === 'plain' || r.epoch < 0) return;
    if (r.role === 'source') {
      r.restartSend((r.epoch + 1) % EPOCH_MODULUS);
      this.stats.epochsStarted++;
    } else if (!r.resetPending) {
      r.resetPending = true;
      r.resetSentAt = -Infinity;
      r.downSynced = false;
    }
  }

  private deliverReady(r: RouteState): void {
    if (r.paused || r.contiguous <= r.delivered) return;
    const bytes = r.ring.read(r.delivered, r.contiguous - r.delivered);
    r.delivered = r.base = r.e2e = r.contiguous;
    this.stats.deliveredBytes += bytes.length;
    this.io.deliver((r.cfg.out as { local: number }).local, bytes);
  }

  // ---- sending -----------------------------------------------------------------------

  /**
   * A route's credit is refreshed while data flows, while it holds bytes, and for a while
   * after its grant last grew: the upstream may be blocked waiting for exactly that credit,
   * and a single lost update must not leave it waiting forever.
   */
  private routeActive(r: RouteState, now: number): boolean {
    return now - Math.max(r.lastActive, r.grantGrewAt) < ROUTE_IDLE_MS || r.occupancy > 0;
  }

  private needsSync(r: RouteState): boolean {
    return r.mode === 'saf' && r.epoch >= 0 && (!r.downSynced || r.verifyPending) && !r.resetPending;
  }

  private creditDue(r: RouteState, now: number): 'now' | 'piggyback' | null {
    if (r.mode === 'plain') return null;
    if (r.reportUnsynced) return 'now';
    if (r.epoch < 0) return null;
    if (r.creditSentEpoch !== r.epoch) return 'now';
    const changed = r.base !== r.creditSentFreed || r.e2e !== r.creditSentE2e;
    if (r.base !== r.creditSentFreed && r.grantGrewAt < now) r.grantGrewAt = now;
    // Urgent once an eighth of the buffer was freed: upstream may be waiting on it.
    if (changed && r.base - r.creditSentFreed >= r.size / 8) return 'now';
    if (this.routeActive(r, now) && now - r.lastCreditSentAt >= CREDIT_REFRESH_MS) return 'now';
    return changed ? 'piggyback' : null;
  }

  private controlDue(nb: Neighbour, now: number): boolean {
    for (const r of nb.inRoutes) {
      if (this.creditDue(r, now) === 'now') return true;
      if (r.resetPending && now - r.resetSentAt >= CONTROL_RETRY_MS) return true;
    }
    for (const r of nb.outRealtime) if (this.needsSync(r) && now - r.syncSentAt >= CONTROL_RETRY_MS) return true;
    for (const r of nb.outBulk) if (this.needsSync(r) && now - r.syncSentAt >= CONTROL_RETRY_MS) return true;
    return false;
  }

  private hasData(nb: Neighbour): boolean {
    return nb.outRealtime.some((r) => r.hasSendable()) || nb.outBulk.some((r) => r.hasSendable());
  }

  private flush(now: number): void {
    for (const nb of this.neighbours.values()) this.sendTo(nb, now);
  }

  private sendTo(nb: Neighbour, now: number): void {
    for (let i = 0; i < MAX_DATAGRAMS_PER_FLUSH; i++) {
      const dataOk = nb.inflight.size < MAX_INFLIGHT_DATAGRAMS && this.hasData(nb) && nb.pacer.ready(now);
      if (!dataOk && !nb.ackDue(now) && !this.controlDue(nb, now)) return;
      const w = new DatagramWriter(nb.nextSeq);
      const items: InflightItem[] = [];
      if (nb.ackPending) {
        w.add(nb.takeAck());
        this.stats.hopAcksSent++;
      }
      this.addControl(nb, w, items, now);
      if (dataOk) this.fillData(nb, w, items);
      if (w.empty) return;
      const bytes = w.finish();
      if (w.ackEliciting) {
        nb.inflight.set(nb.nextSeq, { seq: nb.nextSeq, sentAt: now, items });
        nb.nextSeq = (nb.nextSeq + 1) >>> 0;
      }
      nb.pacer.consume(bytes.length, now);
      this.stats.datagramsSent++;
      this.stats.bytesSent += bytes.length;
      this.io.transmit(nb.id, bytes);
      if (!dataOk) return;
    }
  }

  private addControl(nb: Neighbour, w: DatagramWriter, items: InflightItem[], now: number): void {
    for (const r of nb.inRoutes) {
      const due = this.creditDue(r, now);
      if (due && this.addCredit(r, w, now)) this.stats.creditsSent++;
      if (r.resetPending && now - r.resetSentAt >= CONTROL_RETRY_MS) {
        if (w.add({ type: SafMsg.ResetRequest, route: (r.cfg.in as { route: number }).route, epoch: r.epoch & 0xffff })) {
          r.resetSentAt = now;
          this.stats.resetRequestsSent++;
        }
      }
    }
    for (const r of [...nb.outRealtime, ...nb.outBulk]) {
      if (!this.needsSync(r) || now - r.syncSentAt < CONTROL_RETRY_MS) continue;
      if (w.add({ type: SafMsg.Sync, verify: r.downSynced && r.verifyPending, route: (r.cfg.out as { route: number }).route, epoch: r.epoch, base: r.base })) {
        r.syncSentAt = now;
        items.push({ route: r, epoch: r.epoch, offset: r.base, len: 0, sync: true });
        this.stats.syncsSent++;
      }
    }
  }

  private addCredit(r: RouteState, w: DatagramWriter, now: number): boolean {
    const route = (r.cfg.in as { route: number }).route;
    if (r.reportUnsynced) {
      const ok = w.add({ type: SafMsg.Credit, unsynced: true, route, epoch: r.unsyncedEpoch, freed: 0, window: 0, e2e: 0 });
      if (ok) r.reportUnsynced = false;
      return ok;
    }
    const ok = w.add({ type: SafMsg.Credit, unsynced: false, route, epoch: r.epoch, freed: r.base, window: r.size, e2e: r.e2e });
    if (ok) {
      r.creditSentFreed = r.base;
      r.creditSentE2e = r.e2e;
      r.creditSentEpoch = r.epoch;
      r.lastCreditSentAt = now;
    }
    return ok;
  }

  /**
   * Real-time routes first; bulk only when no real-time data waits. A datagram that carries
   * real-time bytes carries no bulk: it stays short, so the real-time message is not made
   * to wait for a full datagram of bulk serialised around it at every hop. Round robin
   * within a class.
   */
  private fillData(nb: Neighbour, w: DatagramWriter, items: InflightItem[]): void {
    const before = items.length;
    this.fillClass(nb.outRealtime, 'rrRealtime', nb, w, items);
    if (items.length > before || nb.outRealtime.some((r) => r.hasSendable())) return;
    this.fillClass(nb.outBulk, 'rrBulk', nb, w, items);
  }

  private fillClass(list: RouteState[], rr: 'rrRealtime' | 'rrBulk', nb: Neighbour, w: DatagramWriter, items: InflightItem[]): void {
    if (!list.length) return;
    let idle = 0;
    while (idle < list.length && w.room > DATA_HEADER_BYTES) {
      const r = list[nb[rr] % list.length];
      nb[rr] = (nb[rr] + 1) % list.length;
      if (r.hasSendable() && this.sendChunk(r, w, items)) idle = 0;
      else idle++;
    }
  }

  /** Puts one Data message of route `r` into `w`; false when nothing (more) fits. */
  private sendChunk(r: RouteState, w: DatagramWriter, items: InflightItem[]): boolean {
    const max = w.room - DATA_HEADER_BYTES;
    const route = (r.cfg.out as { route: number }).route;
    if (r.mode === 'plain' && r.role === 'relay') {
      const q = r.plainQueue[0];
      if (q.bytes.length > max) return false;
      r.plainQueue.shift();
      r.plainQueued -= q.bytes.length;
      w.add({ type: SafMsg.Data, plain: true, route, epoch: 0, offset: q.offset, bytes: q.bytes });
      this.stats.dataBytesSent += q.bytes.length;
      return true;
    }
    let offset = -1;
    let len = 0;
    let retx = false;
    while (!r.retx.empty) {
      const [s0, e] = r.retx.first()!;
      const s = Math.max(s0, r.ackedPrefix);
      if (e <= s) {
        r.retx.remove(s0, e);
        continue;
      }
      const a = r.hopAcked.extend(s);
      if (a > s) {
        r.retx.remove(s0, a);
        continue;
      }
      offset = s;
      len = Math.min(e - s, max, r.hopAcked.nextStartAfter(s) - s);
      retx = true;
      break;
    }
    if (offset < 0) {
      const f = r.newSendable();
      if (!f) return false;
      offset = f[0];
      len = Math.min(f[1] - f[0], max);
    }
    // A sliver is not worth a header, unless it is all there is.
    if (len < MIN_DATA_CHUNK_BYTES && len === max && max < MIN_DATA_CHUNK_BYTES) return false;
    if (len <= 0) return false;
    if (retx) r.retx.remove(offset, offset + len);
    else {
      r.unsent.remove(offset, offset + len);
      r.sendHigh = Math.max(r.sendHigh, offset + len);
    }
    const plain = r.mode === 'plain';
    w.add({ type: SafMsg.Data, plain, route, epoch: r.epoch & 0xffff, offset, bytes: r.ring.read(offset, len) });
    if (plain) r.base = r.unsent.first()?.[0] ?? r.contiguous;
    else items.push({ route: r, epoch: r.epoch, offset, len });
    this.stats.dataBytesSent += len;
    if (retx) this.stats.retransmittedBytes += len;
    return true;
  }
}
