// Starting a node with a config that cannot work (issue 16, defects 1 and 9): the daemon says
// which field is wrong, exits 2 and leaves nothing behind (no bound port without a control
// socket); host names of UDP neighbours are resolved, so a link to `localhost:<port>` comes up.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../host/daemon/config.ts';
import { Daemon } from '../../host/daemon/daemon.ts';
import { freePorts } from '../../testbed/demo/launcher.ts';
import { generateIdentity } from '../../host/identity/identity.ts';
import { writeKeyFile } from '../../host/identity/keyfile.ts';
import { PROJECT_ROOT } from '../../testbed/daemons.ts';
import { until } from './support/until.ts';

const dir = mkdtempSync(join(tmpdir(), 'swstart-'));
const id = generateIdentity();
writeKeyFile(join(dir, 'n.key'), id);
const peer = bytesToHex(generateIdentity().publicKey);
const isRoot = process.geteuid?.() === 0;

/** `skywire --config <cfg> node start` with a config of `fields` over a good one; resolves when the process exits. */
async function start(fields: Record<string, unknown>): Promise<{ code: number | null; stderr: string; ms: number }> {
  const [port] = await freePorts(1);
  const cfg = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    cfg,
    JSON.stringify({
      name: 'n',
      identityFile: 'n.key',
      listen: [{ transport: 'udp', address: `127.0.0.1:${port}` }],
      controlSocket: join(dir, 'n.sock'),
      inbox: join(dir, 'inbox'),
      neighbours: [{ publicKey: peer, address: '127.0.0.1:9' }],
      ...fields,
    }),
  );
  const t0 = Date.now();
  const p = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'host/cli/skywire.ts'), '--config', cfg, 'node', 'start'], { cwd: PROJECT_ROOT });
  let stderr = '';
  p.stderr.on('data', (d) => (stderr += d));
  const killer = setTimeout(() => p.kill('SIGKILL'), 15_000); // a daemon that keeps running fails the test
  const code = await new Promise<number | null>((r) => p.on('close', (c) => r(c)));
  clearTimeout(killer);
  return { code, stderr, ms: Date.now() - t0 };
}

describe('a node that cannot start says why and leaves nothing running', { timeout: 60_000 }, () => {
  it.each([
    ['an inbox that names a file', () => ({ inbox: join(dir, 'a-file') }), /^skywire: inbox: .*a-file exists and is not a folder\n$/],
    ['an inbox that is a symlink', () => ({ inbox: join(dir, 'a-link') }), /^skywire: inbox: .*a-link is a symlink; refusing to follow it/],
    ['a listen host that does not resolve', () => ({ listen: [{ transport: 'udp', address: 'nosuchhost.invalid:7700' }] }), /^skywire: listen\[0\]\.address: cannot resolve host name 'nosuchhost\.invalid': ENOTFOUND\n$/],
    ['a UDP neighbour whose name does not resolve', () => ({ neighbours: [{ publicKey: peer, address: 'nosuchhost.invalid:7700' }] }), /^skywire: neighbours\[0\]\.address: cannot resolve host name 'nosuchhost\.invalid'/],
    ['its own key as a neighbour', () => ({ neighbours: [{ publicKey: bytesToHex(id.publicKey), address: '127.0.0.1:9' }] }), /^skywire: neighbours\[0\]\.publicKey: is this node's own key \(/],
    ['two neighbours at one address', () => ({ neighbours: [{ publicKey: peer, address: '127.0.0.1:9' }, { publicKey: bytesToHex(generateIdentity().publicKey), address: '127.0.0.1:9' }] }), /^skywire: neighbours\[1\]\.address: udp 127\.0\.0\.1:9 is also neighbours\[0\]'s address/],
    ['a control socket in a folder others can write to', () => ({ controlSocket: join(dir, 'shared', 'n.sock') }), /^skywire: controlSocket: .*shared: other users can write to it \(mode 1777\)/],
  ])('%s', async (_what, fields, message) => {
    writeFileSync(join(dir, 'a-file'), 'x');
    mkdirSync(join(dir, 'real-inbox'), { recursive: true, mode: 0o700 });
    try {
      symlinkSync(join(dir, 'real-inbox'), join(dir, 'a-link'));
    } catch {
      // exists from an earlier case
    }
    mkdirSync(join(dir, 'shared'), { recursive: true });
    chmodSync(join(dir, 'shared'), 0o1777);
    const r = await start(fields());
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });

  it.skipIf(!isRoot)('refuses a runtime folder or inbox another user created first (root daemon, squatted folders)', async () => {
    const squatted = join(dir, 'squatted');
    mkdirSync(squatted, { mode: 0o700 });
    chownSync(squatted, 65534, 65534); // "nobody" made it before the daemon started
    const r = await start({ controlSocket: join(squatted, 'n.sock') });
    expect(r.stderr).toMatch(new RegExp(`^skywire: controlSocket: ${squatted} belongs to uid 65534, not to us \\(uid 0\\); someone else created it\\n$`));
    expect(r.code).toBe(2);
    const r2 = await start({ inbox: squatted });
    expect(r2.stderr).toMatch(/^skywire: inbox: .* belongs to uid 65534/);
  });
});

describe('host names of UDP neighbours', { timeout: 30_000 }, () => {
  const daemons: Daemon[] = [];
  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
  });

  it('are resolved when the node starts, so a link to localhost:<port> comes up (issue 16, defect 9)', async () => {
    const ports = await freePorts(2);
    const ids = [generateIdentity(), generateIdentity()];
    for (let i = 0; i < 2; i++) {
      writeKeyFile(join(dir, `h${i}.key`), ids[i]);
      const cfg = validateConfig(
        {
          name: `h${i}`,
          identityFile: `h${i}.key`,
          listen: [{ transport: 'udp', address: `localhost:${ports[i]}` }],
          controlSocket: `h${i}.sock`,
          inbox: `h${i}-inbox`,
          neighbours: [{ publicKey: bytesToHex(ids[1 - i].publicKey), address: `localhost:${ports[1 - i]}` }],
          rotationIntervalMs: 200,
        },
        dir,
      );
      daemons.push(await Daemon.start(cfg));
    }
    await until('both links up', () => daemons.every((d) => d.links.isUp(0)), 10_000);
    expect(daemons[0].cfg.neighbours[0].address.host).toBe('127.0.0.1');
  });
});
