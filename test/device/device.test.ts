// The Device over Etherbone over UDP, against the generated CSR block in Verilator with a
// behavioural plane behind it (testbed/csr-device.ts): registers by name with read-back, the
// build ID check, key installs (and one whose answer is lost), route commands from host/table's
// manager (the table the device ends up holding answers as the manager's shadow does),
// counters, the host-port mailbox both ways, peers and link status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WordSpace } from '../../host/device/bus.ts';
import { Device, DeviceError } from '../../host/device/device.ts';
import { decodePacket } from '../../host/device/etherbone.ts';
import { EtherboneServer } from '../../host/device/etherbone-server.ts';
import { EtherboneUdpBus } from '../../host/device/etherbone-udp.ts';
import { TableManager } from '../../host/table/manager.ts';
import { encodeHostHeader, HOST_HEADER_BYTES } from '../../spec/forwarding/host-port.ts';
import { peerCounterIndex } from '../../spec/forwarding/counters.ts';
import { routeKey, routeValueLayout, ROUTE_KEY_BITS, ROUTE_VALUE_BITS } from '../../spec/forwarding/route-key.ts';
import { HashGeometry } from '../../spec/route-table/geometry.ts';
import { decodeAction } from '../../spec/route-table/layout.ts';
import { CsrDevice } from '../../testbed/csr-device.ts';
import { faultyDevice, type Fate } from './support/faulty-device.ts';

let dev: CsrDevice;
let server: EtherboneServer;
let bus: EtherboneUdpBus;
let device: Device;

beforeAll(async () => {
  dev = await CsrDevice.create();
  server = await EtherboneServer.listen(dev);
  bus = await EtherboneUdpBus.open({ host: '127.0.0.1', port: server.address.port });
  device = await Device.open(bus);
});
afterAll(async () => {
  await bus?.close();
  await server?.close();
});

const key = (seed: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => (seed * 31 + i * 7) & 0xff);

describe('Device over Etherbone, against the Verilated CSR block', () => {
  it('reads its identity and builds the map of its parameters', () => {
    expect(device.identity.magic).toBe(0x534b5957);
    expect(device.params).toMatchObject({ ports: 2, peers: 16, routeEntries: 4096, routeWays: 4, routeStash: 4, ruleCounters: 4096 });
  });

  it('refuses a device whose build ID is not its map, and one that is no forwarding plane', async () => {
    const lie = (at: number, v: number): WordSpace => ({ read: (a) => (a === at ? v : dev.read(a)), write: (a, x) => dev.write(a, x) });
    for (const [space, msg] of [
      [lie(0x8, 0x12345678), /build ID 0x12345678 is not the register map of its parameters/],
      [lie(0x0, 0), /id.magic reads 0x0, not "SKYW"/],
    ] as const) {
      const s = await EtherboneServer.listen(space);
      const b = await EtherboneUdpBus.open({ host: '127.0.0.1', port: s.address.port });
      await expect(Device.open(b)).rejects.toThrow(msg);
      await b.close();
      await s.close();
    }
  });

  it('writes registers by name and reads them back; names the map does not have are errors', async () => {
    await device.write('id.scratch', 0xa5a5_0001);
    expect(await device.read('id.scratch')).toBe(0xa5a5_0001);
    await device.setForwarding(true);
    expect(await device.readFields('ctrl.ctrl')).toEqual({ forward_enable: 1 });
    expect(() => device.regs.ref('peer[16].ctrl')).toThrow(/peer\[16\] is outside its 16 elements/);
    expect(() => device.regs.ref('id.nosuch')).toThrow(/no register "nosuch"/);
    expect(() => device.regs.write('peer[0].ctrl', { port: 16 })).toThrow(/ctrl.port = 16 does not fit 4 bits/);
  });

  it('configures a peer, marks its keys in use and reports port links', async () => {
    await device.configurePeer(3, { session: true, up: true, pad32: false, port: 1, localId: 0x1111, remoteId: 0x2222, mac: Uint8Array.of(2, 0, 0, 0, 0, 9), ip: '10.9.0.2', udpPort: 7700 });
    await device.setKeysInUse(3, { txValid: true, txSlot: 1, rxValid: true, rxSlot: 0 });
    expect(await device.readFields('peer[3].ctrl')).toEqual({ session: 1, up: 1, pad32: 0, tx_valid: 1, tx_slot: 1, rx_valid: 1, rx_slot: 0, enabled: 1, port: 1 });
    expect(Number(dev.dut.signal('cfg_peer3_ip').value) >>> 0).toBe(0x0a090002);
    expect(Number(dev.dut.signal('cfg_peer3_ctrl_port').value)).toBe(1);
    dev.setLink(1, false);
    expect(await device.linkStatus()).toEqual([true, false]);
    dev.setLink(1, true);
    dev.txCounters[3] = 2 ** 33 + 5;
    expect(await device.txCounter(3)).toBe(2 ** 33 + 5);
  });

  it('installs and retires keys in the slots of spec/key-slots.ts', async () => {
    await device.installKey({ peer: 3, direction: 'rx', generation: 5, key: key(5) });
    await device.installKey({ peer: 3, direction: 'tx', generation: 4, key: key(4) });
    expect(dev.keySlots[15]).toEqual({ valid: true, generation: 5, key: key(5) });
    expect(dev.keySlots[12]).toEqual({ valid: true, generation: 4, key: key(4) });
    const slots = await device.keySlots();
    expect(slots.filter((s) => s.valid).map((s) => [s.slot, s.generation])).toEqual([[12, 4], [15, 5]]);
    await device.retireKey({ peer: 3, direction: 'rx', generation: 5 });
    expect(dev.keySlots[15]!.valid).toBe(false);
    expect(dev.keySlots[15]!.key).toEqual(new Uint8Array(32));
    await expect(device.installKey({ peer: 16, direction: 'tx', generation: 0, key: key(0) })).rejects.toThrow(/peer 16 is outside/);
  });

  it('writes the table manager\'s commands; the device then answers every lookup as the manager\'s shadow does', async () => {
    const p = device.params;
    const mgr = new TableManager(new HashGeometry(p.routeEntries, p.routeWays, p.routeStash, ROUTE_KEY_BITS, ROUTE_VALUE_BITS), routeValueLayout(p));
    const keys: bigint[] = [];
    const cmds = [];
    for (let i = 0; i < 300; i++) {
      const k = routeKey(i % 16, (i * 2654435761) >>> 0 || 1);
      keys.push(k);
      cmds.push(...mgr.insertRoute(k, { kind: 'forward', port: (i + 1) % 16, nextRoute: BigInt(1000 + i), qos: false, counter: i }));
    }
    for (const k of keys.slice(0, 50)) cmds.push(...mgr.delete(k));
    await device.routeCommands(cmds);
    expect(dev.routeCommands).toHaveLength(cmds.length);
    for (const [i, k] of keys.entries()) {
      const v = dev.lookup(k);
      if (i < 50) expect(v).toBeUndefined();
      else expect(decodeAction(mgr.layout, v!)).toEqual({ kind: 'forward', port: (i + 1) % 16, nextRoute: BigInt(1000 + i), qos: false, counter: i });
    }
  });

  it('reads counters as they stand, and clears them in the same step', async () => {
    dev.count('rule', 7, 1300);
    dev.count('rule', 7, 2 ** 33);
    dev.count('peer', peerCounterIndex(3, 'badTag'), 80);
    expect(await device.counter('rule', 7)).toEqual({ frames: 2, bytes: 2 ** 33 + 1300 });
    expect(await device.counter('rule', 7, { clear: true })).toEqual({ frames: 2, bytes: 2 ** 33 + 1300 });
    expect(await device.counter('rule', 7)).toEqual({ frames: 0, bytes: 0 });
    const pc = await device.peerCounters(3);
    expect(pc.badTag).toEqual({ frames: 1, bytes: 80 });
    expect(pc.replay).toEqual({ frames: 0, bytes: 0 });
  });

  it('passes frames through the host-port mailbox both ways', async () => {
    expect(await device.receiveHostFrame()).toBeUndefined();
    const body = Uint8Array.from({ length: 1203 }, (_, i) => (i * 13) & 0xff);
    const up = new Uint8Array(HOST_HEADER_BYTES + body.length);
    up.set(encodeHostHeader({ kind: 'opened', reason: 'local', port: 1, peer: 3, length: body.length }));
    up.set(body, HOST_HEADER_BYTES);
    dev.frameToHost(up);
    dev.frameToHost(up.subarray(0, HOST_HEADER_BYTES + 5).map((x, i) => (i === 5 ? 5 : x)));
    expect(await device.receiveHostFrame()).toEqual(up);
    expect((await device.receiveHostFrame())!.length).toBe(HOST_HEADER_BYTES + 5);
    expect(await device.receiveHostFrame()).toBeUndefined();
    const down = new Uint8Array(HOST_HEADER_BYTES + 61);
    down.set(encodeHostHeader({ kind: 'raw', port: 0, peer: 0xff, length: 61 }));
    down.fill(0x42, HOST_HEADER_BYTES);
    await device.sendHostFrame(down);
    expect(dev.fromHost.at(-1)).toEqual(down);
    const bad = Uint8Array.from(down);
    bad[5] = 60; // header says 60 bytes follow; 61 do
    await expect(device.sendHostFrame(bad)).rejects.toThrow(/host_tx_bad/);
  });

  it('a key install whose answer is lost is found installed and not run again', async () => {
    // The fate of the datagram that stages a key and issues key_cmd (writes from key.key0).
    const installs = (b: Uint8Array): boolean => {
      const p = decodePacket(b);
      return typeof p !== 'string' && p.records[0]?.writes?.base === device.regs.addr('key.key0');
    };
    let lose = false;
    const fd = await faultyDevice(dev, (_n, b): Fate => (lose && installs(b) ? ((lose = false), 'drop-answer') : 'deliver'));
    const b = await EtherboneUdpBus.open({ host: '127.0.0.1', port: fd.port, timeoutMs: 50 });
    const d = await Device.open(b);
    const before = dev.keyLog.length;
    lose = true;
    await d.installKey({ peer: 5, direction: 'tx', generation: 9, key: key(9) });
    expect(dev.keyLog.slice(before)).toEqual([{ op: 'install', slot: 21, generation: 9 }]);
    expect(d.recovered.keyInstalls).toBe(1);
    // and one whose request is lost is run once it is known it did not run
    let drop = true;
    const fd2 = await faultyDevice(dev, (_n, b): Fate => (drop && installs(b) ? ((drop = false), 'drop-request') : 'deliver'));
    const b2 = await EtherboneUdpBus.open({ host: '127.0.0.1', port: fd2.port, timeoutMs: 50 });
    const d2 = await Device.open(b2);
    const before2 = dev.keyLog.length;
    drop = true;
    await d2.installKey({ peer: 5, direction: 'rx', generation: 10, key: key(10) });
    expect(dev.keyLog.slice(before2)).toEqual([{ op: 'install', slot: 22, generation: 10 }]);
    expect(d2.recovered.keyInstalls).toBe(1);
    for (const x of [b, b2]) await x.close();
    for (const x of [fd, fd2]) x.socket.close();
  });

  it('names a device that does not answer', async () => {
    const b = await EtherboneUdpBus.open({ host: '127.0.0.1', port: 9, timeoutMs: 20, attempts: 2 });
    await expect(Device.open(b)).rejects.toThrow(/no answer after 2 attempts/);
    await b.close();
    expect(DeviceError.name).toBe('DeviceError');
  });
});
