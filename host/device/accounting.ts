// Per-rule accounting from the forwarding plane's counters. The device counts the route
// packets each rule forwards (bank `rule`, index = the rule's counter); the host never sees
// them, so this reader brings the counts to the rule book as if the software relay had
// counted them (MeshNode.creditRule), which also keeps busy rules from expiring idle.
//
// It reads without clearing and credits the difference from the previous read (counters wrap
// at 32 bits of frames and 48 of bytes), so a lost answer is simply read again and nothing is
// counted twice. A rule's baseline is read before its route is written; after its delete is
// written its last count is read, credited (to its settled record when the rule is gone) and
// only then is its counter index free for another rule.
import { COUNTER_BYTE_BITS, COUNTER_FRAME_BITS } from '../../spec/forwarding/counters.ts';
import type { Counter, Device } from './device.ts';
import type { DeviceSequencer } from './sequencer.ts';

const FRAME_WRAP = 2 ** COUNTER_FRAME_BITS;
const BYTE_WRAP = 2 ** COUNTER_BYTE_BITS;

export interface AccountingSink {
  /** Counts carried for a rule since the last credit; false when the rule is unknown (counted as late). */
  credit(routeId: number, bytes: number, packets: number): boolean;
}

export class DeviceAccounting {
  /** Counter index and last value read, by route ID. */
  private readonly live = new Map<number, { counter: number; last: Counter | undefined }>();
  readonly stats = { polls: 0, reads: 0, creditedBytes: 0, creditedPackets: 0, late: 0, readErrors: 0 };
  /** Set by the owner: gives a counter index back once its last count is read. */
  release: (counter: number) => void = () => {};

  constructor(
    private readonly device: Device,
    private readonly seq: DeviceSequencer,
    private readonly sink: AccountingSink,
  ) {}

  /** A rule got `counter`: read its baseline (queued before the rule's route write). */
  assigned(routeId: number, counter: number): void {
    const entry = { counter, last: undefined as Counter | undefined };
    this.live.set(routeId, entry);
    this.seq.run(`baseline of rule counter ${counter}`, async () => {
      entry.last = await this.device.counter('rule', counter);
      this.stats.reads++;
    });
  }

  /** A rule's delete was queued: read its last count after it, credit it, free the index. */
  removed(routeId: number, counter: number): void {
    const entry = this.live.get(routeId);
    this.live.delete(routeId);
    this.seq.run(`last count of rule counter ${counter}`, async () => {
      try {
        if (entry) await this.readAndCredit(routeId, entry);
      } finally {
        this.release(counter);
      }
    });
  }

  /**
   * Reads every live rule's counter and credits what it carried since the last read. Runs in
   * the device's sequence, so no other counter command comes between a read and its result.
   */
  poll(): Promise<void> {
    this.stats.polls++;
    this.seq.run('rule counters', async () => {
      for (const [routeId, entry] of [...this.live]) {
        try {
          await this.readAndCredit(routeId, entry);
        } catch {
          this.stats.readErrors++;
        }
      }
    });
    return this.seq.idle();
  }

  /** The device restarted (its counters are zero again): read every baseline afresh. What it counted since the last poll is lost. */
  rebaseline(): void {
    for (const entry of this.live.values()) {
      entry.last = undefined;
      this.seq.run(`baseline of rule counter ${entry.counter}`, async () => {
        entry.last = await this.device.counter('rule', entry.counter);
      });
    }
  }

  /** Rules whose counters are being read. */
  get rules(): number {
    return this.live.size;
  }

  counterOf(routeId: number): number | undefined {
    return this.live.get(routeId)?.counter;
  }

  private async readAndCredit(routeId: number, entry: { counter: number; last: Counter | undefined }): Promise<void> {
    const now = await this.device.counter('rule', entry.counter);
    this.stats.reads++;
    const last = entry.last;
    entry.last = now;
    if (!last) return;
    const packets = (now.frames - last.frames + FRAME_WRAP) % FRAME_WRAP;
    const bytes = (now.bytes - last.bytes + BYTE_WRAP) % BYTE_WRAP;
    if (!packets && !bytes) return;
    this.stats.creditedBytes += bytes;
    this.stats.creditedPackets += packets;
    if (!this.sink.credit(routeId, bytes, packets)) this.stats.late++;
  }
}
