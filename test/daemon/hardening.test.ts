// Defects of issue 16 seen from outside a running daemon process: what a hostile neighbour's
// datagrams cost it and how they are counted, a burst at its port during a transfer, and
// errors of the receiving disk that must reach both ends. The test process plays a neighbour
// with a real link (host/link over UDP) where it needs to; the rest are real daemons on
// loopback. The mesh-level defects (route shares, discovery floods) are in
// test/mesh/fairness.test.ts; crashes and an on-path attacker in reliability.test.ts.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeBackend } from '../../host/crypto/backend.ts';
import { generateKeyPair } from '../../host/crypto/ecdh.ts';
import { osRandom } from '../../host/crypto/random.ts';
import { roleFor } from '../../host/daemon/links.ts';
import { freePorts } from '../../testbed/demo/launcher.ts';
import { generateIdentity, type Identity } from '../../host/identity/identity.ts';
import { HANDSHAKE_BURST } from '../../host/link/constants.ts';
import { MessageType } from '../../spec/link-wire.ts';
import { SoftwareDatapath } from '../../host/link/datapath.ts';
import { buildInit, INIT_OFFSET, writeInitMacs } from '../../host/link/handshake.ts';
import { Link } from '../../host/link/session.ts';
import { REJECT_REASONS } from '../../host/link/stats.ts';
import { UdpEndpoint } from '../../host/link/udp-transport.ts';
import { cpuMs, Daemons, PROJECT_ROOT } from '../../testbed/daemons.ts';
import { until } from './support/until.ts';

const isRoot = process.geteuid?.() === 0;
const canMount = isRoot && spawnSync('unshare', ['-m', 'true']).status === 0;

let mesh: Daemons | undefined;
let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
  await mesh?.close();
  mesh = undefined;
});

/**
 * One daemon `n` whose only neighbour `x` is this test process: an identity x (the initiator,
 * so the daemon checks x's Inits), a UDP endpoint at x's configured address and a real Link.
 */
async function daemonWithTestNeighbour() {
  const nId = generateIdentity();
  let xId: Identity;
  do xId = generateIdentity();
  while (roleFor(bytesToHex(xId.publicKey), bytesToHex(nId.publicKey)) !== 'initiator');
  const [px, pn] = await freePorts(2);
  mesh = await Daemons.start([{ name: 'n', identity: nId, config: { rotationIntervalMs: 200, neighbours: [{ name: 'x', publicKey: bytesToHex(xId.publicKey), address: `127.0.0.1:${px}` }] } }], [], { ports: [pn] });
  const ep = await UdpEndpoint.bind({ host: '127.0.0.1', port: px });
  const x = { link: undefined as unknown as Link };
  const connect = () => {
    x.link = new Link({ identity: xId, peerPublicKey: nId.publicKey, role: 'initiator', linkId: 0, rotationIntervalMs: 200 }, new SoftwareDatapath(nodeBackend.aead), ep.io({ host: '127.0.0.1', port: pn }, () => {}));
    ep.attach({ host: '127.0.0.1', port: pn }, x.link);
    x.link.start(performance.now());
  };
  connect();
  const timer = setInterval(() => x.link.tick(performance.now()), 5);
  cleanups.push(async () => {
    clearInterval(timer);
    await ep.close();
  });
  await mesh.linksUp();
  const raw = (bytes: Uint8Array) => ep.socket.send(bytes, pn, '127.0.0.1');
  return { mesh, nId, xId, x, connect, raw, status: async () => (await mesh!.call(0, 'status')).links[0] };
}

/** An Init claiming x's key, made for n (valid mac1), signed by nobody. */
function forgedInit(nId: Identity, xId: Identity, i: number): Uint8Array {
  const init = buildInit({ identity: generateIdentity(), responderStatic: nId.publicKey, sender: i, timestamp: Date.now() * 1000 + i, ephemeralPublic: generateKeyPair(nodeBackend.ecdh, osRandom).publicKey });
  init.set(xId.publicKey, INIT_OFFSET.staticKey);
  writeInitMacs(init, nId.publicKey);
  return init;
}

describe('a hostile neighbour at a running daemon', { timeout: 60_000 }, () => {
  it('every refused datagram is counted by reason in node status --json (issue 16, defect 10)', async () => {
    const t = await daemonWithTestNeighbour();
    const sent = { truncated: 3, badVersion: 4, badType: 5, oversized: 2, hsMalformed: 6, hsBadMac: 7 };
    const init = forgedInit(t.nId, t.xId, 1);
    const wrongMac = init.slice();
    wrongMac[INIT_OFFSET.mac1] ^= 1;
    const send = (n: number, b: Uint8Array) => Array.from({ length: n }, () => t.raw(b));
    send(sent.truncated, Uint8Array.of(1));
    send(sent.badVersion, Uint8Array.of(7, 3, 0, 0));
    send(sent.badType, Uint8Array.of(1, 9, 0, 0));
    send(sent.oversized, Uint8Array.of(1, MessageType.Transport, ...new Uint8Array(1600)));
    send(sent.hsMalformed, Uint8Array.of(1, MessageType.HandshakeInit, 0, 0, 1, 2, 3));
    send(sent.hsBadMac, wrongMac);
    await until('all counted', async () => (await t.status()).rejected >= 27, 5000);
    // Through the CLI, as an operator reads it.
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'host/cli/skywire.ts'), '--socket', t.mesh.nodes[0].socket, 'node', 'status', '--json'], { encoding: 'utf8', cwd: PROJECT_ROOT });
    expect(r.status).toBe(0);
    const link = JSON.parse(r.stdout).links[0];
    expect(Object.keys(link.rejects).sort()).toEqual([...REJECT_REASONS].sort()); // every reason docs/protocol.md lists, zeros too
    for (const [k, n] of Object.entries(sent)) expect(link.rejects[k], k).toBe(n);
    expect(link.rejected).toBe(27);
  });

  it('a flood of forged-signature handshakes from the neighbour\'s address costs little CPU, and a real restart of the neighbour relinks at once (issue 16, defect 6)', async () => {
    const t = await daemonWithTestNeighbour();
    const pid = t.mesh.pid(0);
    const pool = Array.from({ length: 40 }, (_, i) => forgedInit(t.nId, t.xId, i));
    // Baseline: what the daemon spends in 2 s with its link idle.
    const c0 = cpuMs(pid);
    await new Promise((r) => setTimeout(r, 2000));
    const idle = cpuMs(pid) - c0;
    // 1,000 forged Inits at 500 per second (the issue saw about 200 per second, 30 KB/s);
    // x restarts half-way through.
    const c1 = cpuMs(pid);
    let sent = 0;
    let restartedAt = 0;
    let relinkedAt = 0;
    await new Promise<void>((resolve) => {
      const flood = setInterval(() => {
        for (let k = 0; k < 5; k++) {
          const f = pool[sent % pool.length];
          new DataView(f.buffer).setUint32(INIT_OFFSET.timestamp + 4, (Date.now() * 1000 + sent) >>> 0);
          writeInitMacs(f, t.nId.publicKey);
          t.raw(f);
          sent++;
        }
        if (sent === 500) {
          restartedAt = performance.now();
          t.connect(); // a new session: the real neighbour restarted
        }
        if (restartedAt && !relinkedAt && t.x.link.state === 'established') relinkedAt = performance.now();
        if (sent >= 1000) {
          clearInterval(flood);
          resolve();
        }
      }, 10);
    });
    const flood = cpuMs(pid) - c1;
    await until('relinked', () => t.x.link.state === 'established', 5000);
    relinkedAt ||= performance.now();
    const relinkMs = relinkedAt - restartedAt;
    const st = await t.status();
    // A signature check costs about 1.5 ms here: checking all 1,000 would cost 1.5 s or more.
    // Only the first burst is checked (and what the budget refills if the flood pauses, as it
    // may on a loaded machine); the rest cost a MAC each and a cookie reply.
    expect(st.rejects.hsBadSignature).toBeLessThanOrEqual(3 * HANDSHAKE_BURST);
    expect(st.rejects.hsUnderLoad + st.rejects.hsReplay).toBeGreaterThan(900);
    expect(flood - idle).toBeLessThan(600);
    // The real neighbour went through the cookie round trip, well within a second (the issue:
    // about 50 s).
    expect(relinkMs).toBeLessThan(1000);
    expect(t.x.link.stats.cookiesReceived).toBeGreaterThanOrEqual(1);
    await until('the daemon sees the new session', async () => (await t.status()).sessions >= 2 && (await t.status()).up, 5000);
  });
});

describe('a burst at the relay during a transfer (issue 16, defect 7)', { timeout: 120_000 }, () => {
  it('20,000 datagrams at once: the transfer arrives intact, no link goes down, the kernel\'s drops are counted', async () => {
    mesh = await Daemons.start([{ name: 's' }, { name: 'r' }, { name: 'd' }], [[0, 1], [1, 2]]);
    await mesh.linksUp();
    const content = randomBytes(8 << 20);
    const src = mesh.file('burst.bin');
    writeFileSync(src, content);
    const recv = mesh.call(2, 'recv', { out: mesh.file('burst.out'), timeoutMs: 90_000 });
    const send = mesh.call(0, 'send', { address: mesh.nodes[2].identity.address, path: src, routes: 1 });
    await until('under way', async () => (await mesh!.call(2, 'status')).inbox.transfers.some((x: any) => x.bytes > 1 << 20), 30_000);
    const junk = await UdpEndpoint.bind({ host: '127.0.0.1', port: 0 });
    const g = randomBytes(1400);
    for (let i = 0; i < 20_000; i++) junk.socket.send(g, mesh.nodes[1].port, '127.0.0.1');
    const [s, r] = await Promise.all([send, recv]);
    await junk.close();
    expect(s.sha256).toBe(r.sha256);
    expect(r.verified).toBe(true);
    for (const n of mesh.nodes) expect(n.log.filter((l) => /link \S+ down/.test(l))).toEqual([]);
    const udp = (await mesh.call(1, 'status')).transports.udp;
    expect(udp.kernelDrops).toEqual(expect.any(Number));
    expect(udp.recvBufferBytes).toBeGreaterThan(1 << 20);
    expect(udp.unknownSource).toBeGreaterThan(0);
  });
});

describe.skipIf(!canMount)('errors of the receiving disk reach both ends (issue 16, defect 8; root: a tmpfs in a mount namespace)', { timeout: 60_000 }, () => {
  /** s - d with d's inbox on a tmpfs mounted with `options`, in d's own mount namespace. */
  async function pairWithInbox(options: string) {
    mesh = await Daemons.start(
      [
        { name: 's', config: { limits: { transferStallMs: 5000 } } },
        {
          name: 'd',
          wrap: (argv) => {
            const inbox = join(mesh?.dir ?? '', 'd-inbox');
            return ['unshare', '-m', '--propagation', 'private', 'sh', '-c', `mkdir -p -m 700 "$0" && mount -t tmpfs -o ${options},mode=0700 tmpfs "$0" && shift && exec "$@"`, inbox, 'x', ...argv];
          },
        },
      ],
      [[0, 1]],
      { start: false },
    );
    mkdirSync(mesh.nodes[1].inbox, { recursive: true, mode: 0o700 });
    await mesh.startNode(0);
    await mesh.startNode(1);
    await mesh.linksUp();
    return mesh;
  }

  async function transfer(m: Daemons, bytes: number) {
    const src = m.file('f.bin');
    writeFileSync(src, randomBytes(bytes));
    const recv = m.call(1, 'recv', { timeoutMs: 30_000 }).then(
      () => 'ok',
      (e: Error) => e.message,
    );
    const send = m.call(0, 'send', { address: m.nodes[1].identity.address, path: src, routes: 1 }).then(
      () => 'ok',
      (e: Error) => e.message,
    );
    return Promise.all([send, recv]);
  }

  it('a read-only inbox: the sender hears why, and so does recv at the receiver', async () => {
    const m = await pairWithInbox('ro');
    const [send, recv] = await transfer(m, 100_000);
    expect(send).toMatch(/^the receiver could not take the file: cannot create a file in the inbox .*: the file system is read-only \(EROFS\)$/);
    expect(recv).toMatch(/^transfer of f\.bin failed: cannot create a file in the inbox .*\(EROFS\)$/);
  });

  it('a full disk: the sender hears why, and so does recv at the receiver', async () => {
    const m = await pairWithInbox('size=512k');
    const [send, recv] = await transfer(m, 3 << 20);
    expect(send).toMatch(/^the receiver could not take the file: cannot write .*f\.bin\.[0-9a-f]{32}\.part: no space left on the device \(ENOSPC\) \(after \d+ of 3145728 bytes\)$/);
    expect(recv).toMatch(/^transfer of f\.bin failed: cannot write .*: no space left on the device \(ENOSPC\)/);
  });
});
