// `skywire device info` and `counters` against the simulated CSR device over Etherbone.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtherboneServer } from '../../host/device/etherbone-server.ts';
import { Device } from '../../host/device/device.ts';
import { EtherboneUdpBus } from '../../host/device/etherbone-udp.ts';
import { peerCounterIndex } from '../../spec/forwarding/counters.ts';
import { CsrDevice } from '../../testbed/csr-device.ts';
import { ROOT } from './support/litex.ts';

const run = promisify(execFile);
let dev: CsrDevice;
let server: EtherboneServer;
const skywire = async (...a: string[]) => (await run(process.execPath, [join(ROOT, 'bin', 'skywire.mjs'), ...a])).stdout;

beforeAll(async () => {
  dev = await CsrDevice.create();
  server = await EtherboneServer.listen(dev);
  const bus = await EtherboneUdpBus.open({ host: '127.0.0.1', port: server.address.port });
  const d = await Device.open(bus);
  await d.configurePeer(2, { session: true, up: true, pad32: false, port: 1, localId: 1, remoteId: 2, mac: new Uint8Array(6), ip: '10.1.2.3', udpPort: 7700 });
  await d.installKey({ peer: 2, direction: 'tx', generation: 3, key: new Uint8Array(32).fill(1) });
  await d.setKeysInUse(2, { txValid: true, txSlot: 1, rxValid: false, rxSlot: 0 });
  await bus.close();
});
afterAll(async () => {
  await server?.close();
});

describe('skywire device', () => {
  it('info shows the build, the peers with a session and the key slots in use', async () => {
    const r = JSON.parse(await skywire('device', 'info', '--address', `127.0.0.1:${server.address.port}`, '--json'));
    expect(r.buildId).toBe(`0x${dev.read(8).toString(16).padStart(8, '0')}`);
    expect(r.peers).toEqual([{ peer: 2, up: true, port: 1, ip: '10.1.2.3', udpPort: 7700, txSlot: 1, rxSlot: null, txCounter: 0 }]);
    expect(r.keySlotsInUse).toEqual([{ slot: 9, generation: 3 }]);
    const text = await skywire('device', 'info', '--address', `127.0.0.1:${server.address.port}`);
    expect(text).toMatch(/2 ports, 16 peers, 4096 \+ 4 route slots/);
  });

  it('counters lists what is not zero', async () => {
    dev.count('peer', peerCounterIndex(2, 'badTag'), 100, 2);
    const rows = JSON.parse(await skywire('device', 'counters', '--address', `127.0.0.1:${server.address.port}`, '--peer', '2', '--json'));
    expect(rows).toEqual([{ bank: 'peer', index: 2, name: 'badTag', frames: 2, bytes: 100 }]);
  });

  it('names a device that does not answer, exit code 1', async () => {
    const e = await skywire('device', 'info', '--address', '127.0.0.1:9', '--timeout', '10').catch((x) => x);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/^skywire: etherbone udp 127\.0\.0\.1:9: no answer after 5 attempts\n$/);
  });
});
