// Device operations in the order the node asked for them. The link layer's key sink and the
// mesh's forwarding table are synchronous interfaces (a rotation or a route setup does not
// wait for a bus); their device implementations put each operation here, and it runs them one
// after another, so a key is installed before the peer is told it is current and a route
// command never overtakes the one before it. A failure is counted and reported, and later
// operations still run, except after a device stopped answering: then operations are skipped
// (counted) until the owner, having found the device answering again, resumes and writes
// the device's whole state afresh (what was skipped is part of that state).
import { BusTimeoutError } from './bus.ts';

export class DeviceSequencer {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  readonly stats = { ran: 0, failed: 0, skipped: 0 };
  lastError: Error | undefined;
  /** The device did not answer an operation; operations are skipped until resume(). */
  down = false;

  constructor(private readonly onError: (what: string, e: Error) => void = () => {}) {}

  /** Queues `op`; `what` names it in error reports. */
  run(what: string, op: () => Promise<void>): void {
    this.pending++;
    this.tail = this.tail.then(async () => {
      try {
        if (this.down) {
          this.stats.skipped++;
          return;
        }
        await op();
        this.stats.ran++;
      } catch (e) {
        this.stats.failed++;
        this.lastError = e as Error;
        if (e instanceof BusTimeoutError) this.down = true;
        this.onError(what, e as Error);
      } finally {
        this.pending--;
      }
    });
  }

  /** The device answers again; the owner writes its whole state next. */
  resume(): void {
    this.down = false;
  }

  /** Operations queued and not finished. */
  get backlog(): number {
    return this.pending;
  }

  /** Resolves when everything queued so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }
}
