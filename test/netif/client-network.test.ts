// The client's network setup in a namespace of its own, with a mesh neighbour reached through
// a router (so the tunnel's default route would swallow it): the neighbour keeps its way out,
// everything else goes into the TUN, DNS points at the gateway and may leave only through
// the tunnel. Killed with SIGKILL, the process takes its device and nftables table with it;
// the journal undoes the pinned route and the resolver, as the daemon does on its next start.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS_PREFIX, removeStaleNamespaces } from '../../testbed/netns/testbed.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROC = join(ROOT, 'testbed', 'netns', 'client-net-proc.ts');
const NS = `${NS_PREFIX}${process.pid}nif`;
const PEER = `${NS_PREFIX}${process.pid}nifr`;
const NEIGHBOUR = '192.0.2.77';
const ORIGINAL = 'nameserver 10.200.0.2\n';

const sh = (...args: string[]) => spawnSync('ip', ['netns', 'exec', NS, ...args], { encoding: 'utf8' });
const routeVia = (a: string) => sh('ip', '-o', 'route', 'get', a).stdout;

function start(dir: string, resolv: string): Promise<{ p: ChildProcess; out: any }> {
  const opts = { device: 'sktest0', address: '10.98.0.2', peer: '10.98.0.1', mtu: 1300, prefixes: ['0.0.0.0/0'], neighbours: [NEIGHBOUR], resolvConf: resolv, table: 'skywire_tun_test', journal: join(dir, 'journal') };
  const p = spawn('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', PROC, 'up', JSON.stringify(opts)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: p.stdout! }).once('line', (l) => resolve({ p, out: JSON.parse(l) }));
    p.once('exit', (c) => reject(new Error(`client-net-proc exited ${c}`)));
  });
}

describe('client tunnel network (host/netif)', () => {
  let dir: string;
  beforeAll(() => {
    removeStaleNamespaces();
    dir = mkdtempSync(join(tmpdir(), 'skywire-netif-'));
    for (const ns of [NS, PEER]) spawnSync('ip', ['netns', 'add', ns]);
    const ok = (args: string[]) => expect(spawnSync('ip', args, { encoding: 'utf8' }).status, args.join(' ')).toBe(0);
    ok(['-n', NS, 'link', 'set', 'lo', 'up']);
    ok(['-n', NS, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1', 'netns', PEER]);
    ok(['-n', NS, 'addr', 'add', '10.200.0.1/24', 'dev', 'v0']);
    ok(['-n', NS, 'link', 'set', 'v0', 'up']);
    ok(['-n', PEER, 'addr', 'add', '10.200.0.2/24', 'dev', 'v1']);
    ok(['-n', PEER, 'link', 'set', 'v1', 'up']);
    ok(['-n', NS, 'route', 'add', 'default', 'via', '10.200.0.2']);
  });
  afterAll(() => {
    for (const ns of [NS, PEER]) spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('routes everything into the TUN but the neighbour, points DNS at the gateway, and goes down clean', async () => {
    const resolv = join(dir, 'resolv-a.conf');
    writeFileSync(resolv, ORIGINAL);
    const { p, out } = await start(dir, resolv);
    expect(out.pinned).toEqual([`${NEIGHBOUR} via 10.200.0.2 dev v0`]);
    expect(routeVia(NEIGHBOUR)).toMatch(/via 10\.200\.0\.2 dev v0/);
    expect(routeVia('198.51.100.9')).toMatch(/dev sktest0/);
    expect(routeVia('10.200.0.2')).toMatch(/dev v0/); // the local network stays local
    expect(readFileSync(resolv, 'utf8')).toContain('nameserver 10.98.0.1');
    expect(sh('nft', 'list', 'table', 'ip', 'skywire_tun_test').stdout).toMatch(/th dport 53 reject/);
    const exited = new Promise((r) => p.once('exit', r));
    p.stdin!.end();
    await exited;
    expect(sh('ip', 'link', 'show', 'sktest0').status).not.toBe(0);
    expect(routeVia(NEIGHBOUR)).toMatch(/via 10\.200\.0\.2 dev v0/);
    expect(sh('ip', '-o', 'route', 'show').stdout).not.toContain(NEIGHBOUR);
    expect(sh('nft', 'list', 'tables').stdout).not.toContain('skywire');
    expect(readFileSync(resolv, 'utf8')).toBe(ORIGINAL);
  }, 30_000);

  it('after SIGKILL the device and table are gone at once; the journal undoes the pinned route and the resolver', async () => {
    const resolv = join(dir, 'resolv-b.conf');
    writeFileSync(resolv, ORIGINAL);
    const { p } = await start(dir, resolv);
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
    for (let i = 0; i < 50 && (sh('ip', 'link', 'show', 'sktest0').status === 0 || sh('nft', 'list', 'tables').stdout.includes('skywire')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(sh('ip', 'link', 'show', 'sktest0').status).not.toBe(0);
    expect(sh('nft', 'list', 'tables').stdout).not.toContain('skywire');
    // What only the journal can undo is still there...
    expect(sh('ip', '-o', 'route', 'show').stdout).toContain(NEIGHBOUR);
    expect(readFileSync(resolv, 'utf8')).toContain('10.98.0.1');
    // ...until the next start undoes it.
    const undo = spawnSync('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', PROC, 'undo', join(dir, 'journal')], { cwd: ROOT, encoding: 'utf8' });
    expect(undo.status, undo.stderr).toBe(0);
    expect(JSON.parse(undo.stdout)).toHaveLength(2);
    expect(sh('ip', '-o', 'route', 'show').stdout).not.toContain(NEIGHBOUR);
    expect(readFileSync(resolv, 'utf8')).toBe(ORIGINAL);
  }, 30_000);
});
