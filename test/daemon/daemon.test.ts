// Three daemons in this process, joined a -udp- b -tcp- c, driven only through their control
// sockets: links come up authenticated (key generations advance), discovery finds the
// gateway, routes are added, limited and torn down, ping answers, a file arrives identical,
// and a stopped neighbour is noticed.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../host/daemon/config.ts';
import { ControlClient } from '../../host/daemon/control-client.ts';
import { Daemon } from '../../host/daemon/daemon.ts';
import { freePorts } from '../../testbed/demo/launcher.ts';
import { generateIdentity, type Identity } from '../../host/identity/identity.ts';
import { writeKeyFile } from '../../host/identity/keyfile.ts';
import { until } from './support/until.ts';

const dir = mkdtempSync(join(tmpdir(), 'swd-'));
const names = ['a', 'b', 'c'];
const ids: Identity[] = names.map(() => generateIdentity());
let daemons: Daemon[] = [];

async function call(i: number, method: string, params: Record<string, unknown> = {}): Promise<any> {
  const c = await ControlClient.connect(daemons[i].cfg.controlSocket);
  try {
    return await c.request(method, params);
  } finally {
    c.close();
  }
}


describe('node daemons over UDP and TCP', { timeout: 30_000 }, () => {
  beforeAll(async () => {
    const ports = await freePorts(3);
    const edge = (i: number, j: number, transport: 'udp' | 'tcp') => ({ name: names[j], publicKey: bytesToHex(ids[j].publicKey), transport, address: `127.0.0.1:${ports[j]}` });
    const raw = [
      // a gives a transfer up after 2 s without progress (the last test stops its destination).
      { neighbours: [edge(0, 1, 'udp')], listen: [{ transport: 'udp', address: `127.0.0.1:${ports[0]}` }], limits: { transferStallMs: 2000 } },
      { neighbours: [edge(1, 0, 'udp'), edge(1, 2, 'tcp')], listen: [{ transport: 'udp', address: `127.0.0.1:${ports[1]}` }, { transport: 'tcp', address: `127.0.0.1:${ports[1]}` }], limits: { maxRoutesPerNeighbour: 1 } },
      { neighbours: [edge(2, 1, 'tcp')], listen: [{ transport: 'tcp', address: `127.0.0.1:${ports[2]}` }], services: ['gateway'] },
    ];
    daemons = await Promise.all(
      raw.map((r, i) => {
        writeKeyFile(join(dir, `${names[i]}.key`), ids[i]);
        const cfg = validateConfig({ name: names[i], identityFile: `${names[i]}.key`, controlSocket: `${names[i]}.sock`, inbox: `${names[i]}-in`, rotationIntervalMs: 200, ...r }, dir);
        return Daemon.start(cfg);
      }),
    );
    await until('links up', async () => (await Promise.all([0, 1, 2].map((i) => call(i, 'status')))).every((s) => s.links.every((l: any) => l.up)), 8000);
  });
  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
  });

  it('status shows each node, its links with transport and advancing key generations', async () => {
    await new Promise((r) => setTimeout(r, 500)); // a few 200 ms rotations
    const b = await call(1, 'status');
    expect(b.node.address).toBe(ids[1].address);
    expect(b.links.map((l: any) => [l.name, l.transport, l.publicKey, l.state])).toEqual([
      ['a', 'udp', bytesToHex(ids[0].publicKey), 'established'],
      ['c', 'tcp', bytesToHex(ids[2].publicKey), 'established'],
    ]);
    for (const l of b.links) expect(l.keyGeneration).toBeGreaterThanOrEqual(1);
    expect(b.links[1].services).toEqual(['gateway']);
    expect(b.transports.tcp.framingErrors).toBe(0);
  });

  it('discovers the gateway two hops away, adds a route, enforces the per-neighbour limit, tears down', async () => {
    const d = await call(0, 'discover', { service: 'gateway' });
    expect(d.candidates.map((c: any) => c.hops.map((h: any) => h.address))).toEqual([[ids[1].address, ids[2].address]]);
    const added = await call(0, 'route.add', { address: ids[2].address });
    expect(added.routes).toHaveLength(1);
    const list = await call(0, 'route.list');
    expect(list.routes.map((r: any) => [r.id, r.state])).toEqual([[added.routes[0].id, 'up']]);
    // b relays it: a rule from a (its neighbour 0) towards c (its neighbour 1), and one back.
    const rules = (await call(1, 'status')).rules.filter((r: any) => r.action.kind === 'forward');
    expect(rules.map((r: any) => [r.from, r.action.port]).sort()).toEqual([[0, 1], [1, 0]]);
    // b accepts one route from a at a time (limits.maxRoutesPerNeighbour = 1).
    await expect(call(0, 'route.add', { address: ids[2].address })).rejects.toThrow();
    await call(0, 'route.del', { id: added.routes[0].id });
    await until('b forgets the route', async () => (await call(1, 'status')).rules.length === 0, 8000);
    await expect(call(0, 'route.del', { id: 999 })).rejects.toThrow('no route 999 (see skywire route list)');
  });

  it('pings over a route and carries a file intact', async () => {
    const p = await call(0, 'ping', { address: ids[2].address, count: 3, intervalMs: 10 });
    expect(p.received).toBe(3);
    const content = randomBytes(300_000);
    const src = join(dir, 'payload.bin');
    writeFileSync(src, content);
    const out = join(dir, 'received.bin');
    const recv = call(2, 'recv', { out, timeoutMs: 20_000 });
    const sent = await call(0, 'send', { address: ids[2].address, path: src });
    const got = await recv;
    const sha = createHash('sha256').update(content).digest('hex');
    expect(sent.sha256).toBe(sha);
    expect(got).toMatchObject({ name: 'payload.bin', bytes: content.length, sha256: sha, verified: true, path: out });
    expect(readFileSync(out).equals(content)).toBe(true);
  });

  it('notices a neighbour that stops', async () => {
    await daemons[2].stop();
    await until('b sees c down', async () => !(await call(1, 'status')).links[1].up, 5000);
    await expect(call(0, 'send', { address: ids[2].address, path: join(dir, 'payload.bin'), routes: 1 })).rejects.toThrow();
  });
});
