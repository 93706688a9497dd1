// The skywire CLI as a user runs it (a separate process): errors are one line on stderr
// with a nonzero exit and no stack trace; --json prints exactly what the daemon answered.
// The daemon here is a stand-in control server with canned replies, so what the CLI prints
// is compared with data the test wrote, not with anything the CLI computed.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlServer } from '../../host/daemon/control-server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'swcli-'));

function run(args: string[], via: 'tsx' | 'bin' = 'tsx', env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = via === 'tsx' ? ['--import', 'tsx', join(ROOT, 'host/cli/skywire.ts'), ...args] : [join(ROOT, 'bin/skywire.mjs'), ...args];
  const p = spawn(process.execPath, argv, { cwd: ROOT, env: { ...process.env, SKYWIRE_SOCKET: '', ...env } });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d) => (stdout += d));
  p.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

const STATUS = {
  node: { name: 'n1', address: 'ADDR1', publicKey: '02ab', pid: 1, uptimeMs: 1500, services: ['gateway'], listen: ['udp 127.0.0.1:1'], controlSocket: 'x' },
  links: [{ index: 0, name: 'n2', transport: 'tcp', address: '127.0.0.1:2', up: true, state: 'established', keyGeneration: 7, rotations: 7, srttMs: 1.5, txFrames: 10, rxFrames: 11, rejected: 0, emulatedDrops: 0 }],
  routes: [{ id: 3, state: 'up', hops: [{ address: 'RELAYADDRESS1' }, { address: 'DESTADDRESS22' }], setupMs: 4.2, rttMs: 1.1, bytesSent: 2048, bytesReceived: 10 }],
  rules: [{ routeId: 77, from: 0, action: { kind: 'forward', port: 1, nextRoute: 88, qos: false }, bytes: 999, packets: 3, idleMs: 5 }],
  streams: [],
  buffers: { streamBytes: 4096, inboxTransfers: 0 },
  counters: { messagesReceived: 5, malformed: 0 },
};
const DISCOVERED = { service: 'gateway', candidates: [{ firstNeighbour: 0, hops: [{ address: 'GWADDRESS0000' }], hopCount: 1, latencyMs: 0.5, capacityBytesPerSec: 1250000, measuredRttMs: 2 }] };

describe('skywire CLI', { timeout: 60_000 }, () => {
  let server: ControlServer;
  const sock = join(dir, 'fake.sock');
  const requests: Array<{ method: string; params: unknown }> = [];
  beforeAll(async () => {
    const log = (method: string, reply: (p: Record<string, unknown>) => unknown) => (p: Record<string, unknown>) => {
      requests.push({ method, params: p });
      return reply(p);
    };
    server = await ControlServer.listen(sock, {
      status: log('status', () => STATUS),
      'route.list': log('route.list', () => ({ routes: STATUS.routes, rules: STATUS.rules })),
      discover: log('discover', () => DISCOVERED),
      'route.del': log('route.del', (p) => {
        throw new Error(`no route ${p.id} (see skywire route list)`);
      }),
      ping: log('ping', (p) => ({ address: p.address, route: { id: 1, hops: 2 }, sent: p.count, received: p.count, minMs: 1, avgMs: 1, maxMs: 1 })),
    });
  });
  afterAll(() => server.close());

  it('node status --json prints the daemon reply exactly; without --json a readable table', async () => {
    const r = await run(['--socket', sock, 'node', 'status', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(STATUS);
    const h = await run(['--socket', sock, 'node', 'status']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^node n1 {2}ADDR1/);
    expect(h.stdout).toMatch(/n2 +tcp +127\.0\.0\.1:2 +established +yes +7 /); // key generation 7
    expect(h.stdout).toContain('forward to 1 as 88');
    expect(h.stdout).toContain('streams 4.00 KiB');
    expect(h.stdout).toContain('messagesReceived=5');
    expect(h.stdout).not.toContain('malformed=0'); // zero counters are left out
  });

  it('route list and discover take --json; discover passes its options to the daemon', async () => {
    const r = await run(['--socket', sock, 'route', 'list', '--json']);
    expect(JSON.parse(r.stdout)).toEqual({ routes: STATUS.routes, rules: STATUS.rules });
    const d = await run(['--socket', sock, 'discover', 'gateway', '--max-hops', '3', '--json']);
    expect(JSON.parse(d.stdout)).toEqual(DISCOVERED);
    expect(requests.at(-1)).toEqual({ method: 'discover', params: { service: 'gateway', maxHops: 3 } });
    const h = await run(['--socket', sock, 'discover', 'gateway']);
    expect(h.stdout).toMatch(/1 +1 +0\.50 ms +10\.0 Mb\/s/);
  });

  it('a daemon error is one line and exit 1', async () => {
    const r = await run(['--socket', sock, 'route', 'del', '12']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('skywire: no route 12 (see skywire route list)\n');
    expect(r.stdout).toBe('');
  });

  it.each([
    [['node', 'status'], 2, 'skywire: which node? give --socket <path> or --config <file> (or set SKYWIRE_SOCKET)\n'],
    [['--socket', join(dir, 'none.sock'), 'node', 'status'], 1, `skywire: no node is running with control socket ${join(dir, 'none.sock')} (start one with: skywire node start --config <file>)\n`],
    [['--socket', 'x', 'ping', 'addr', '--count', 'lots'], 2, "skywire: --count must be an integer in [1, 1000], got 'lots'\n"],
    [['node', 'start'], 2, 'skywire: node start needs --config <file>\n'],
    [['--config', join(dir, 'missing.json'), 'node', 'start'], 2, `skywire: cannot read config ${join(dir, 'missing.json')}: ENOENT\n`],
  ])('%j exits %i with one clear line', async (args, code, stderr) => {
    const r = await run(args as string[]);
    expect(r.stderr).toBe(stderr);
    expect(r.code).toBe(code);
  });

  it('`ping <address> -c 3` as the README writes it: -c after the command is its count, not the global --config (issue 16, defect 10)', async () => {
    const r = await run(['--socket', sock, 'ping', 'ADDR', '-c', '3']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(requests.at(-1)).toEqual({ method: 'ping', params: { address: 'ADDR', count: 3, intervalMs: 200 } });
    // --socket and --config may also follow the command.
    const after = await run(['ping', 'ADDR', '-c', '2', '--socket', sock, '--json']);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout).sent).toBe(2);
  });

  it('recv --out into a folder that does not exist is a clear usage error before anything waits (issue 16, defect 8)', async () => {
    const r = await run(['--socket', sock, 'recv', '--out', join(dir, 'missing', 'x.bin')]);
    expect(r.stderr).toBe(`skywire: --out ${join(dir, 'missing', 'x.bin')}: the folder ${join(dir, 'missing')} does not exist\n`);
    expect(r.code).toBe(2);
  });

  it('refuses to talk to a control socket in a folder others can write to: it may be an impostor (issue 16, defect 1)', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'swshared-'));
    chmodSync(shared, 0o1777); // like /tmp: anyone may create a socket named like ours there first
    const impostorSock = join(shared, 'a.sock');
    const impostor = await ControlServer.listen(impostorSock, { status: () => ({ fake: true }) });
    try {
      const r = await run(['--socket', impostorSock, 'node', 'status', '--json']);
      expect(r.stderr).toBe(`skywire: refusing control socket ${impostorSock}: ${shared} can be written by other users (mode 1777), so anyone could have put a socket there\n`);
      expect(r.code).toBe(1);
    } finally {
      await impostor.close();
    }
  });

  it('a config error names the field; unknown commands are usage errors; the bin launcher works', async () => {
    const cfg = join(dir, 'bad.json');
    writeFileSync(cfg, JSON.stringify({ name: 'x', identityFile: 'k', listen: [{ address: '127.0.0.1:1' }], neighbours: [{ publicKey: '02abc', address: '127.0.0.1:2' }] }));
    const r = await run(['--config', cfg, 'node', 'start']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('skywire: neighbours[0].publicKey: expected 33-byte compressed secp256k1 key in hex\n');
    const u = await run(['frobnicate'], 'bin');
    expect(u.code).toBe(2);
    expect(u.stderr).toContain("error: unknown command 'frobnicate'");
    expect(u.stderr).not.toMatch(/\n\s+at /);
    const s = await run(['node', 'status', '--json'], 'bin', { SKYWIRE_SOCKET: sock });
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toEqual(STATUS);
  });
});
