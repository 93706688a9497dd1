// The one small interface between the device driver and a way of reaching the device's
// registers: Etherbone over UDP (etherbone-udp.ts) to a board or to the simulated device, an
// in-process register space (tests, the `sim` backend), and later a PCIe BAR (for example
// litepcie's character device on a part with a hard PCIe block; ECP5 has none). A bus runs a
// batch of 32-bit accesses in order and returns what the reads saw.

export interface WriteOp {
  readonly kind: 'write';
  readonly address: number;
  readonly value: number;
}
export interface ReadOp {
  readonly kind: 'read';
  readonly address: number;
}
export type BusOp = WriteOp | ReadOp;

export const wr = (address: number, value: number): WriteOp => ({ kind: 'write', address, value: value >>> 0 });
export const rd = (address: number): ReadOp => ({ kind: 'read', address });

export interface RunOptions {
  /**
   * The batch may be sent again when its answer does not come (it is idempotent: plain
   * register writes and reads). Default true. A batch that must not run twice (a command
   * with a side effect, a FIFO push or pop) passes false, and a lost answer then fails with
   * BusTimeoutError whose `maybeApplied` says the device may have run it; the caller checks
   * the device's state before trying again.
   */
  readonly resend?: boolean;
}

export interface BusStats {
  /** Accesses run (reads and writes). */
  ops: number;
  /** Datagrams or transactions sent, first tries and resends. */
  requests: number;
  resends: number;
  timeouts: number;
  /** Answers to a request no longer waited for (late or duplicated), dropped. */
  staleReplies: number;
  /** Answers that were not well-formed, or did not match their request's shape, dropped. */
  badReplies: number;
  /** Datagrams from an address other than the device's, dropped. */
  foreignReplies: number;
}

export const emptyBusStats = (): BusStats => ({ ops: 0, requests: 0, resends: 0, timeouts: 0, staleReplies: 0, badReplies: 0, foreignReplies: 0 });

export interface RegisterBus {
  /** Runs `ops` in order; resolves with the value of every read, in order. */
  run(ops: readonly BusOp[], opts?: RunOptions): Promise<number[]>;
  close(): Promise<void>;
  readonly stats: BusStats;
  /** What this bus reaches, for messages: `etherbone udp 127.0.0.1:1234`. */
  readonly describe: string;
}

export class BusTimeoutError extends Error {
  constructor(
    readonly describe: string,
    readonly attempts: number,
    /** Some request of the batch may have reached the device and run. */
    readonly maybeApplied: boolean,
  ) {
    super(`${describe}: no answer after ${attempts} attempt${attempts === 1 ? '' : 's'}${maybeApplied ? ' (the device may have run the batch)' : ''}`);
    this.name = 'BusTimeoutError';
  }
}

/** A register space the device side answers from: the simulated device's CSR block, or a model. */
export interface WordSpace {
  read(address: number): number;
  write(address: number, value: number): void;
}

/** A bus straight onto a word space in this process (no wire; nothing is ever lost). */
export class LocalBus implements RegisterBus {
  readonly stats = emptyBusStats();
  readonly describe: string;
  constructor(
    private readonly space: WordSpace,
    name = 'local register space',
  ) {
    this.describe = name;
  }
  async run(ops: readonly BusOp[]): Promise<number[]> {
    const out: number[] = [];
    this.stats.requests++;
    for (const op of ops) {
      this.stats.ops++;
      if (op.kind === 'write') this.space.write(op.address, op.value);
      else out.push(this.space.read(op.address) >>> 0);
    }
    return out;
  }
  async close(): Promise<void> {}
}
