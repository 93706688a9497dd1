// The Etherbone client over real UDP sockets on loopback: batching into LiteEth's records,
// answers lost and duplicated, a device that never answers, a batch that must not run twice.
import { createSocket, type Socket } from 'node:dgram';
import { faultyDevice, type Fate } from './support/faulty-device.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { BusTimeoutError, rd, type WordSpace, wr } from '../../host/device/bus.ts';
import { decodePacket } from '../../host/device/etherbone.ts';
import { EtherboneServer } from '../../host/device/etherbone-server.ts';
import { EtherboneUdpBus, planRecords } from '../../host/device/etherbone-udp.ts';

/** A register file that logs every access, so tests see what the device ran and in which order. */
class LoggedSpace implements WordSpace {
  readonly words = new Map<number, number>();
  readonly log: string[] = [];
  read(a: number): number {
    this.log.push(`r${a.toString(16)}`);
    return this.words.get(a) ?? 0;
  }
  write(a: number, v: number): void {
    this.log.push(`w${a.toString(16)}=${v.toString(16)}`);
    this.words.set(a, v);
  }
}

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

describe('planRecords: batches as LiteEth runs them', () => {
  it('one record per run of consecutive writes, reads after them, an ack read when a record only writes', () => {
    const { records, own } = planRecords([wr(0x80, 1), wr(0x84, 2), wr(0x88, 3), rd(0x10), rd(0x10), wr(0x100, 4), wr(0x200, 5), rd(0x200)], 0);
    expect(records).toEqual([
      { writes: { base: 0x80, data: [1, 2, 3] }, reads: { returnBase: 0, addresses: [0x10, 0x10] } },
      { writes: { base: 0x100, data: [4] }, reads: { returnBase: 0, addresses: [0] } },
      { writes: { base: 0x200, data: [5] }, reads: { returnBase: 0, addresses: [0x200] } },
    ]);
    expect(own).toEqual([2, 0, 1]);
  });

  it('keeps every datagram within one Ethernet frame and 255 accesses per count', () => {
    const ops = [...Array.from({ length: 600 }, (_, i) => wr(4 * i, i)), ...Array.from({ length: 600 }, (_, i) => rd(4 * i))];
    const { records } = planRecords(ops, 0);
    for (const r of records) {
      expect(r.writes?.data.length ?? 0).toBeLessThanOrEqual(255);
      expect(r.reads!.addresses.length).toBeLessThanOrEqual(255);
      expect(12 + 4 * ((r.writes ? r.writes.data.length + 1 : 0) + r.reads!.addresses.length + 1)).toBeLessThanOrEqual(1472);
    }
    expect(records.flatMap((r) => r.writes?.data ?? [])).toEqual(ops.slice(0, 600).map((o) => (o.kind === 'write' ? o.value : -1)));
  });
});

describe('EtherboneUdpBus', () => {
  it('runs a batch in order in one datagram and returns only its own reads', async () => {
    const space = new LoggedSpace();
    const dev = await faultyDevice(space, () => 'deliver');
    closers.push(() => void dev.socket.close());
    const bus = await EtherboneUdpBus.open({ host: '127.0.0.1', port: dev.port });
    closers.push(() => bus.close());
    expect(await bus.run([wr(0x20, 0xcafe), wr(0x24, 0xf00d), rd(0x24), rd(0x20)])).toEqual([0xf00d, 0xcafe]);
    expect(space.log).toEqual(['w20=cafe', 'w24=f00d', 'r24', 'r20']);
    expect(dev.datagrams).toHaveLength(1);
    expect(await bus.run([wr(0x30, 1)])).toEqual([]); // acknowledged by a read of address 0
    expect(space.log.slice(4)).toEqual(['w30=1', 'r0']);
  });

  it('sends again when a request or an answer is lost, and takes a late or duplicated answer for nothing', async () => {
    const space = new LoggedSpace();
    space.words.set(0x40, 41);
    const fates: Fate[] = ['drop-request', 'drop-answer', 'deliver', 'duplicate-answer', { delayMs: 150 }, 'deliver', 'deliver'];
    const dev = await faultyDevice(space, (n) => fates[n] ?? 'deliver');
    closers.push(() => void dev.socket.close());
    const bus = await EtherboneUdpBus.open({ host: '127.0.0.1', port: dev.port, timeoutMs: 100, attempts: 4 });
    closers.push(() => bus.close());
    expect(await bus.run([rd(0x40)])).toEqual([41]); // third try
    space.words.set(0x40, 42);
    expect(await bus.run([rd(0x40)])).toEqual([42]); // answered twice
    space.words.set(0x40, 43);
    expect(await bus.run([rd(0x40)])).toEqual([43]); // the duplicate of the previous answer arrived first: dropped as stale
    space.words.set(0x40, 44);
    expect(await bus.run([rd(0x40)])).toEqual([44]); // answer delayed past the timeout; the resend is answered, the late one dropped
    await new Promise((r) => setTimeout(r, 200));
    expect(bus.stats.resends).toBe(3);
    expect(bus.stats.timeouts).toBe(3);
    expect(bus.stats.staleReplies).toBeGreaterThanOrEqual(2); // the duplicate and the late answers
  });

  it('a batch that must not run twice is sent once, and a lost answer says the device may have run it', async () => {
    const space = new LoggedSpace();
    const dev = await faultyDevice(space, () => 'drop-answer');
    closers.push(() => void dev.socket.close());
    const bus = await EtherboneUdpBus.open({ host: '127.0.0.1', port: dev.port, timeoutMs: 50, attempts: 5 });
    closers.push(() => bus.close());
    const err = await bus.run([wr(0x100, 7)], { resend: false }).catch((e) => e);
    expect(err).toBeInstanceOf(BusTimeoutError);
    expect(err.maybeApplied).toBe(true);
    expect(space.log).toEqual(['w100=7', 'r0']);
    expect(dev.datagrams).toHaveLength(1);
  });

  it('gives up after its attempts when nothing answers, naming the device', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    closers.push(() => void silent.close());
    const bus = await EtherboneUdpBus.open({ host: '127.0.0.1', port: silent.address().port, timeoutMs: 30, attempts: 3 });
    closers.push(() => bus.close());
    const t0 = Date.now();
    await expect(bus.run([rd(0)])).rejects.toThrow(/etherbone udp 127\.0\.0\.1:\d+: no answer after 3 attempts/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(30 + 60 + 120 - 10);
    expect(await bus.probe()).toBe(false);
  });

  it('probes, and drops answers from other addresses and garbage', async () => {
    const space = new LoggedSpace();
    const server = await EtherboneServer.listen(space);
    closers.push(() => server.close());
    const bus = await EtherboneUdpBus.open({ host: '127.0.0.1', port: server.address.port, recordsPerPacket: 4 });
    closers.push(() => bus.close());
    expect(await bus.probe()).toBe(true);
    const stranger = createSocket('udp4');
    closers.push(() => void stranger.close());
    const port = (bus as unknown as { socket: Socket }).socket.address().port;
    stranger.send(Buffer.from('4e6f104400000000', 'hex'), port, '127.0.0.1');
    // several records per datagram when the device takes them
    const out = await bus.run([wr(0x10, 1), rd(0x10), wr(0x20, 2), rd(0x20), wr(0x30, 3)]);
    expect(out).toEqual([1, 2]);
    expect(server.stats.packets).toBe(2); // probe + one datagram of three records
    expect(server.stats.records).toBe(3);
    expect(bus.stats.foreignReplies).toBe(1);
    const junk = createSocket('udp4');
    closers.push(() => void junk.close());
    junk.send(Buffer.from('hello'), server.address.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 50));
    expect(server.stats.malformed).toBe(1);
    expect(typeof decodePacket(new Uint8Array([1, 2]))).toBe('string');
  });
});
