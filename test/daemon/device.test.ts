// A daemon with a `device` section: R's two links are on a forwarding plane reached over
// Etherbone (testbed/device-server.ts, the generated CSR block in Verilator with the
// behavioural plane, as a process of its own). While A sends B a file through R with keys
// rotating every 200 ms, R keeps the device in step: its link keys sit in the device's key
// slots (read back from the device by a second driver), the relay's rules are in the
// device's table and leave it with the route; a device killed is reported not answering and
// its links down on it; restarted empty, it is programmed again (token, peers, keys, routes).
// Without `hostPort` in the section the links themselves run in software (the device is
// programmed alongside); test/device/relay.test.ts runs links through the device.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { bytesToHex } from '@noble/hashes/utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from '../../host/daemon/config.ts';
import { ControlClient } from '../../host/daemon/control-client.ts';
import { Daemon } from '../../host/daemon/daemon.ts';
import { Device } from '../../host/device/device.ts';
import { EtherboneUdpBus } from '../../host/device/etherbone-udp.ts';
import { generateIdentity, type Identity } from '../../host/identity/identity.ts';
import { writeKeyFile } from '../../host/identity/keyfile.ts';
import { freePorts } from '../../testbed/netns/daemons.ts';
import { until } from './support/until.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'swdev-'));
const names = ['a', 'r', 'b'];
const ids: Identity[] = names.map(() => generateIdentity());
let daemons: Daemon[] = [];
let devProc: ChildProcess | undefined;
let devPort = 0;

async function startDevice(port: number): Promise<ChildProcess> {
  const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'testbed', 'device-server.ts'), '--space', 'csr', '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
  await new Promise<void>((res, rej) => {
    createInterface({ input: p.stdout! }).once('line', () => res());
    p.once('exit', (c) => rej(new Error(`device server exited with ${c}`)));
  });
  return p;
}

async function call(i: number, method: string, params: Record<string, unknown> = {}): Promise<any> {
  const c = await ControlClient.connect(daemons[i]!.cfg.controlSocket);
  try {
    return await c.request(method, params);
  } finally {
    c.close();
  }
}

/** A second driver on the device, as an operator would look at it. */
async function onDevice<T>(f: (d: Device) => Promise<T>): Promise<T> {
  const bus = await EtherboneUdpBus.open({ host: '127.0.0.1', port: devPort, timeoutMs: 500 });
  try {
    return await f(await Device.open(bus));
  } finally {
    await bus.close();
  }
}

describe('a daemon with a forwarding plane', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    const ports = await freePorts(4);
    devPort = ports[3]!;
    devProc = await startDevice(devPort);
    const edge = (j: number) => ({ name: names[j], publicKey: bytesToHex(ids[j]!.publicKey), address: `127.0.0.1:${ports[j]}` });
    const raw = [
      { neighbours: [edge(1)] },
      { neighbours: [edge(0), edge(2)], device: { kind: 'etherbone', address: `127.0.0.1:${devPort}`, links: { a: 0, b: 1 }, pollMs: 100, timeoutMs: 100 } },
      { neighbours: [edge(1)] },
    ];
    daemons = await Promise.all(
      raw.map((r, i) => {
        writeKeyFile(join(dir, `${names[i]}.key`), ids[i]!);
        const cfg = validateConfig({ name: names[i], identityFile: `${names[i]}.key`, controlSocket: `${names[i]}.sock`, inbox: `${names[i]}-in`, rotationIntervalMs: 200, listen: [{ transport: 'udp', address: `127.0.0.1:${ports[i]}` }], ...r }, dir);
        return Daemon.start(cfg);
      }),
    );
    await until('links up', async () => (await Promise.all([0, 1, 2].map((i) => call(i, 'status')))).every((s) => s.links.every((l: any) => l.up)), 10_000);
  });
  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    devProc?.kill();
  });

  it('refuses a device section that names no neighbour, or a TCP link', () => {
    const base = { name: 'x', identityFile: 'x.key', listen: [{ transport: 'udp', address: '127.0.0.1:1' }], neighbours: [{ name: 'n', publicKey: bytesToHex(ids[0]!.publicKey), address: '127.0.0.1:2' }] };
    expect(() => validateConfig({ ...base, device: { kind: 'etherbone', address: '127.0.0.1', links: { m: 0 } } }, dir)).toThrow(/device.links.m: no neighbour is named "m" \(neighbours: n\)/);
    expect(() => validateConfig({ ...base, device: { kind: 'pcie', address: '127.0.0.1', links: {} } }, dir)).toThrow(ConfigError);
    expect(() => validateConfig({ ...base, device: { kind: 'etherbone', address: '127.0.0.1', links: { n: 9 } } }, dir)).toThrow(/device.links.n: expected an integer in \[0, 3\]/);
    expect(validateConfig({ ...base, device: { kind: 'etherbone', address: '10.0.0.9', links: { n: 1 } } }, dir).device).toMatchObject({ address: { host: '10.0.0.9', port: 1234 }, links: new Map([[0, 1]]) });
  });

  it("keeps R's rotating link keys in the device's key slots and its relay rules in the device's table", async () => {
    const content = randomBytes(400_000);
    const src = join(dir, 'payload.bin');
    writeFileSync(src, content);
    const recv = call(2, 'recv', { out: join(dir, 'got.bin'), timeoutMs: 30_000 });
    const sent = await call(0, 'send', { address: ids[2]!.address, path: src });
    const got = await recv;
    expect(got.sha256).toBe(createHash('sha256').update(content).digest('hex'));
    expect(sent.sha256).toBe(got.sha256);

    const r = await call(1, 'status');
    expect(r.device).toMatchObject({ reachable: true, ports: 2, peers: 16, restarts: 0 });
    expect(r.device.operations.failed).toBe(0);
    expect(r.device.links).toEqual([
      { neighbour: 'a', peer: 0, port: 0, up: true },
      { neighbour: 'b', peer: 1, port: 1, up: true },
    ]);
    const relayRules = r.rules.filter((x: any) => x.action.kind === 'forward');
    expect(relayRules.length).toBeGreaterThanOrEqual(2);
    expect(r.device.table.rules).toBe(relayRules.length);

    // The device holds each link's transmit key of the generation R's session is at (give or
    // take the rotation under way between the two reads: keys rotate every 200 ms).
    const rotations = r.links.map((l: any) => l.rotations);
    expect(Math.min(...rotations)).toBeGreaterThan(3);
    await until('device keys follow the sessions', async () => {
      const slots = await onDevice((d) => d.keySlots());
      const s = await call(1, 'status');
      return s.links.every((l: any, p: number) => slots.some((x) => x.valid && x.slot >> 2 === p && (x.slot & 2) === 0 && Math.abs(x.generation - l.keyGeneration) <= 1));
    }, 15_000);
    const perPeer = await onDevice(async (d) => {
      const slots = await d.keySlots();
      return [0, 1].map((p) => slots.filter((x) => x.valid && x.slot >> 2 === p).length);
    });
    for (const n of perPeer) expect(n).toBeGreaterThanOrEqual(2);

    // The route goes: its rules leave the device's table.
    for (const route of (await call(0, 'route.list')).routes) await call(0, 'route.del', { id: route.id });
    await until('relay rules gone from the device', async () => (await call(1, 'status')).device.table.rules === 0, 5000);
  });

  it('reports a device that stops answering, and programs it again when it comes back empty', async () => {
    devProc!.kill('SIGKILL');
    const killedAt = Date.now();
    await until('device down', async () => !(await call(1, 'status')).device.reachable, 10_000);
    expect(Date.now() - killedAt).toBeLessThan(5000);
    const down = await call(1, 'status');
    expect(down.device.links.map((l: any) => l.up)).toEqual([false, false]);
    devProc = await startDevice(devPort);
    await until('device back and reprogrammed', async () => {
      const s = (await call(1, 'status')).device;
      return s.reachable && s.restarts === 1 && s.operations.backlog === 0;
    }, 10_000);
    const st = await call(1, 'status');
    expect(st.device.links.map((l: any) => l.up)).toEqual([true, true]);
    const dev = await onDevice(async (d) => ({ slots: (await d.keySlots()).filter((x) => x.valid).length, up: await Promise.all([0, 1].map((p) => d.readFields(`peer[${p}].ctrl`))) }));
    expect(dev.slots).toBeGreaterThanOrEqual(4);
    for (const c of dev.up) expect(c).toMatchObject({ session: 1, up: 1, tx_valid: 1, rx_valid: 1 });
    // The peers carry the sessions' IDs (the receiver fields of the link frames), as R's links have them.
    const ids = await onDevice((d) => Promise.all([0, 1].map(async (p) => [await d.read(`peer[${p}].local_id`), await d.read(`peer[${p}].remote_id`)])));
    ids.forEach(([local, remote], p) => expect({ local, remote }).toEqual(daemons[1]!.links.sessionIds(p)));
  });
});
