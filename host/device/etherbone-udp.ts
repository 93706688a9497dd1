// The Etherbone client: a RegisterBus over UDP, to a LiteEth board or to the simulated device.
//
// A batch is cut into records the way LiteEth runs them: a record writes one run of
// consecutive addresses and then reads any addresses, at most 255 of each and one Ethernet
// frame in all; a write to a non-consecutive address, or a write after a read, starts the next
// record. LiteEth takes one record per datagram (`recordsPerPacket`, default 1). Every record
// reads at least once, so every datagram is answered: a record of writes only gets a read of
// `ackAddress` behind its writes, and its answer says the writes were done. Datagrams go one
// at a time (stop and wait), so the device sees the batch's accesses in order even when one
// is lost and sent again. An answer is matched by the return address of its record, a fresh
// number per datagram, so a late or duplicated answer is never taken for the current one.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { type BusOp, type BusStats, BusTimeoutError, emptyBusStats, type RegisterBus, type RunOptions } from './bus.ts';
import { decodePacket, encodePacket, ETHERBONE_PORT, type EtherboneRecord, MAX_DATAGRAM_BYTES, MAX_RECORD_OPS, PACKET_HEADER_BYTES, recordBytes } from './etherbone.ts';

export interface EtherboneUdpOptions {
  readonly host: string;
  /** Default 1234, the LiteX convention. */
  readonly port?: number;
  /** Local address to bind (default: any). */
  readonly bindHost?: string;
  /** Wait for an answer before sending again, ms (default 200; doubled per resend up to 2 s). */
  readonly timeoutMs?: number;
  /** Sends per datagram before giving up (default 5). */
  readonly attempts?: number;
  /** Records per datagram: 1 for LiteEth (default); the simulated device takes up to 16. */
  readonly recordsPerPacket?: number;
  /** Read behind a record of writes only, to have it acknowledged (default 0: the first register). */
  readonly ackAddress?: number;
}

/** Cuts a batch into records (see the file comment). */
export function planRecords(ops: readonly BusOp[], ackAddress: number): { records: EtherboneRecord[]; own: number[] } {
  const records: EtherboneRecord[] = [];
  const own: number[] = [];
  let base = 0;
  let data: number[] = [];
  let addrs: number[] = [];
  const flush = (): void => {
    if (!data.length && !addrs.length) return;
    own.push(addrs.length);
    if (!addrs.length) addrs.push(ackAddress);
    records.push({ ...(data.length ? { writes: { base, data } } : {}), reads: { returnBase: 0, addresses: addrs } });
    data = [];
    addrs = [];
  };
  const room = (w: number, r: number): boolean => w <= MAX_RECORD_OPS && Math.max(r, 1) <= MAX_RECORD_OPS && PACKET_HEADER_BYTES + recordBytes({ writes: w, reads: Math.max(r, 1) }) <= MAX_DATAGRAM_BYTES;
  for (const op of ops) {
    if (op.kind === 'write') {
      const follows = data.length > 0 && !addrs.length && op.address === (base + 4 * data.length) >>> 0;
      if (!follows || !room(data.length + 1, 0)) {
        flush();
        base = op.address;
      }
      data.push(op.value >>> 0);
    } else {
      if (!room(data.length, addrs.length + 1)) flush();
      addrs.push(op.address);
    }
  }
  flush();
  return { records, own };
}

export class EtherboneUdpBus implements RegisterBus {
  readonly stats: BusStats = emptyBusStats();
  readonly describe: string;
  private tag = (Math.random() * 0x1_0000_0000) >>> 0;
  private queue: Promise<unknown> = Promise.resolve();
  private waiting: { tags: number[]; resolve: (values: number[][]) => void; reject: (e: Error) => void } | undefined;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly perPacket: number;
  private readonly ackAddress: number;

  private constructor(
    private readonly socket: Socket,
    private readonly address: string,
    private readonly port: number,
    o: EtherboneUdpOptions,
  ) {
    this.describe = `etherbone udp ${address}:${port}`;
    this.timeoutMs = o.timeoutMs ?? 200;
    this.attempts = o.attempts ?? 5;
    this.perPacket = o.recordsPerPacket ?? 1;
    this.ackAddress = o.ackAddress ?? 0;
    if (!Number.isInteger(this.attempts) || this.attempts < 1) throw new RangeError(`attempts ${this.attempts} must be at least 1`);
    if (!Number.isInteger(this.perPacket) || this.perPacket < 1 || this.perPacket > 16) throw new RangeError(`recordsPerPacket ${this.perPacket} must be 1 to 16`);
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    socket.on('error', () => {});
  }

  static async open(o: EtherboneUdpOptions): Promise<EtherboneUdpBus> {
    const address = isIP(o.host) ? o.host : (await lookup(o.host, { family: 4 })).address;
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, o.bindHost, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new EtherboneUdpBus(socket, address, o.port ?? ETHERBONE_PORT, o);
  }

  run(ops: readonly BusOp[], opts: RunOptions = {}): Promise<number[]> {
    const next = this.queue.then(() => this.runNow(ops, opts.resend ?? true));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Sends a probe (PF) and waits for the answer (PR): is an Etherbone endpoint there? */
  probe(): Promise<boolean> {
    const next = this.queue.then(async () => {
      const got = new Promise<boolean>((resolve) => {
        const t = setTimeout(() => {
          this.socket.off('message', on);
          resolve(false);
        }, this.timeoutMs * this.attempts);
        const on = (msg: Buffer): void => {
          const p = decodePacket(new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
          if (typeof p !== 'string' && p.probeReply) {
            clearTimeout(t);
            this.socket.off('message', on);
            resolve(true);
          }
        };
        this.socket.on('message', on);
      });
      for (let i = 0; i < this.attempts; i++) {
        this.send(encodePacket({ probe: true, records: [], padding: 4 }));
        const ok = await Promise.race([got, new Promise<undefined>((r) => setTimeout(r, this.timeoutMs))]);
        if (ok !== undefined) return ok;
      }
      return got;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiting?.reject(new Error(`${this.describe}: closed`));
    await new Promise<void>((r) => this.socket.close(() => r()));
  }

  private async runNow(ops: readonly BusOp[], resend: boolean): Promise<number[]> {
    if (this.closed) throw new Error(`${this.describe}: closed`);
    const { records, own } = planRecords(ops, this.ackAddress);
    const out: number[] = [];
    const writes = ops.some((o) => o.kind === 'write');
    for (let i = 0; i < records.length; i += this.perPacket) {
      const group = records.slice(i, i + this.perPacket);
      const values = await this.exchange(group, resend, writes || !resend);
      values.forEach((v, k) => out.push(...v.slice(0, own[i + k])));
    }
    this.stats.ops += ops.length;
    return out;
  }

  /** One datagram of records, sent until answered; the values each record read. */
  private async exchange(group: EtherboneRecord[], resend: boolean, sideEffects: boolean): Promise<number[][]> {
    const tags = group.map(() => (this.tag = (this.tag + 1) >>> 0));
    const packet = encodePacket({ records: group.map((r, k) => ({ ...r, reads: { returnBase: tags[k]!, addresses: r.reads!.addresses } })) });
    const counts = group.map((r) => r.reads!.addresses.length);
    let wait = this.timeoutMs;
    const attempts = resend ? this.attempts : 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const answer = new Promise<number[][]>((resolve, reject) => {
        this.waiting = { tags, resolve, reject };
      });
      if (attempt > 1) this.stats.resends++;
      this.stats.requests++;
      this.send(packet);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<undefined>((r) => {
        timer = setTimeout(() => r(undefined), wait);
      });
      const got = await Promise.race([answer, timedOut]);
      clearTimeout(timer);
      this.waiting = undefined;
      if (got) {
        if (got.every((v, k) => v.length === counts[k])) return got;
        this.stats.badReplies++;
      } else this.stats.timeouts++;
      wait = Math.min(wait * 2, 2000);
    }
    // The datagram went out: the device may have run it and only its answer been lost
    // (which matters only when it writes or pops).
    throw new BusTimeoutError(this.describe, attempts, sideEffects);
  }

  private send(packet: Uint8Array): void {
    this.socket.send(packet, this.port, this.address);
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    if (rinfo.address !== this.address || rinfo.port !== this.port) {
      this.stats.foreignReplies++;
      return;
    }
    const p = decodePacket(new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
    if (typeof p === 'string') {
      this.stats.badReplies++;
      return;
    }
    if (p.probeReply) return; // answered to probe(), which listens itself
    const w = this.waiting;
    const recs = p.records;
    if (!w || recs.length !== w.tags.length || !recs.every((r, k) => r.writes?.base === w.tags[k])) {
      this.stats.staleReplies++;
      return;
    }
    this.waiting = undefined;
    w.resolve(recs.map((r) => [...r.writes!.data]));
  }
}
