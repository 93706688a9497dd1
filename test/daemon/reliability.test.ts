// The reliability suite (issue 16), in the manner of WireGuard's netns tests: real daemon
// processes on loopback, a sender s, a relay r and a destination d, with an on-path attacker
// between s and r (support/udp-proxy.ts). While a file crosses the chain the attacker throws
// garbage, truncated and bit-flipped copies, replays and bursts at both ends; then each role
// is killed (SIGKILL) mid-transfer and restarted. Every transfer must arrive with the sender's
// SHA-256 or fail with a reason at both ends, nothing silently lost, and nothing may hang past
// the bound below. CI runs the short form; RELIABILITY_LONG=1 runs bigger files and every
// crash twice.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../testbed/demo/launcher.ts';
import { Daemons } from '../../testbed/daemons.ts';
import { UdpProxy } from '../../testbed/udp-proxy.ts';
import { until } from './support/until.ts';

const LONG = process.env.RELIABILITY_LONG === '1';
const MIB = 1 << 20;
const FILE_BYTES = (LONG ? 32 : 4) * MIB;
/** A transfer that neither arrives nor fails within this is a hang. */
const BOUND_MS = LONG ? 180_000 : 60_000;
/** What the daemons run with: fast rotation and failure detection, a short stall bound. */
const CONFIG = { rotationIntervalMs: 200, limits: { routeFailMs: 800, transferStallMs: 10_000 } };
const S = 0;
const R = 1;
const D = 2;

let mesh: Daemons;
let proxy: UdpProxy;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Starts `recv` at d and `send` at s; resolves both outcomes (never throws) within BOUND_MS. */
async function transfer(name: string, bytes = FILE_BYTES) {
  const content = randomBytes(bytes);
  const src = mesh.file(name);
  writeFileSync(src, content);
  const out = mesh.file(`${name}.out`);
  const t0 = Date.now();
  const recv = mesh.call(D, 'recv', { out, timeoutMs: BOUND_MS });
  const send = mesh.call(S, 'send', { address: mesh.nodes[D].identity.address, path: src, routes: 1 });
  return { content, src, out, t0, recv: settle(recv), send: settle(send) };
}

function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T; ms: number } | { ok: false; error: string; ms: number }> {
  const t0 = Date.now();
  const bound = new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`no outcome within ${BOUND_MS} ms (a hang)`)), BOUND_MS).unref());
  return Promise.race([p, bound]).then(
    (value) => ({ ok: true as const, value, ms: Date.now() - t0 }),
    (e) => ({ ok: false as const, error: (e as Error).message, ms: Date.now() - t0 }),
  );
}

/** Bytes d holds of the transfer in progress. */
async function receivedAtD(): Promise<number> {
  const s = await mesh.call(D, 'status');
  return s.inbox.transfers.filter((t: any) => t.state === 'receiving').reduce((n: number, t: any) => Math.max(n, t.bytes), 0);
}

function linkDowns(i: number): string[] {
  return mesh.nodes[i].log.filter((l) => /"line":"link \S+ down"/.test(l));
}

describe('reliability: a chain of daemons under attack and under crashes', { timeout: 8 * BOUND_MS }, () => {
  beforeAll(async () => {
    const [ps, pr, pd, pa, pb] = await freePorts(5);
    proxy = await UdpProxy.open(ps, pr, pa, pb);
    mesh = await Daemons.start(
      [
        { name: 's', config: CONFIG },
        { name: 'r', config: CONFIG },
        { name: 'd', config: CONFIG, services: ['sink'] },
      ],
      [
        [S, R],
        [R, D],
      ],
      // s and r reach each other through the attacker.
      { ports: [ps, pr, pd], address: (from, to) => (from === S && to === R ? `127.0.0.1:${pa}` : from === R && to === S ? `127.0.0.1:${pb}` : undefined) },
    );
    await mesh.linksUp();
  });
  afterAll(async () => {
    if (process.env.RELIABILITY_LOGS) for (const n of mesh?.nodes ?? []) console.log(`--- ${n.name}\n${n.log.join('\n')}`);
    await mesh?.close();
    await proxy?.close();
  });

  it('a transfer arrives intact through garbage, truncations, bit flips, replays and bursts at both ends of a link', async () => {
    const downsBefore = [linkDowns(S).length, linkDowns(R).length];
    const t = await transfer('attacked.bin');
    let rounds = 0;
    const attack = setInterval(() => {
      rounds++;
      for (const side of ['a', 'b'] as const) {
        proxy.garbage(side, 40);
        proxy.truncate(side, 40);
        proxy.flip(side, 40);
        proxy.replay(side, 40);
      }
      // Every second a burst: 5,000 replays and garbage, unpaced, at the relay.
      if (rounds % 10 === 5) {
        proxy.replay('a', 3000);
        proxy.garbage('a', 2000);
      }
    }, 100);
    const [recv, send] = await Promise.all([t.recv, t.send]).finally(() => clearInterval(attack));
    expect(send, JSON.stringify(send)).toMatchObject({ ok: true });
    expect(recv, JSON.stringify(recv)).toMatchObject({ ok: true });
    if (!recv.ok || !send.ok) return;
    expect((send.value as any).sha256).toBe(sha(t.content));
    expect((recv.value as any).sha256).toBe(sha(t.content));
    expect(sha(readFileSync(t.out))).toBe(sha(t.content));
    // Everything injected was refused and counted by reason, at both ends; no link went down.
    expect(proxy.counts.injected).toBeGreaterThan(10_000);
    const atR = (await mesh.call(R, 'status')).links.find((l: any) => l.name === 's');
    const atS = (await mesh.call(S, 'status')).links.find((l: any) => l.name === 'r');
    for (const l of [atR, atS]) {
      expect(l.rejects.replay + l.rejects.tooOld).toBeGreaterThan(0);
      expect(l.rejects.badTag).toBeGreaterThan(0);
      expect(l.rejects.truncated).toBeGreaterThan(0);
      expect(l.rejected).toBe(Object.values(l.rejects as Record<string, number>).reduce((a, b) => a + b, 0));
    }
    expect([linkDowns(S).length, linkDowns(R).length]).toEqual(downsBefore);
  });

  it.each([
    ['the receiver', D],
    ['the relay', R],
    ['the sender', S],
  ])('%s killed mid-transfer and restarted: the transfer resumes and arrives intact, nothing hangs', async (_role, victim) => {
    for (let round = 0; round < (LONG ? 2 : 1); round++) {
      const name = `crash-${victim}-${round}.bin`;
      const t = await transfer(name);
      await until('a quarter received', async () => (await receivedAtD()) >= FILE_BYTES / 4, BOUND_MS);
      const heldBefore = await receivedAtD();
      await mesh.kill(victim);
      await new Promise((r) => setTimeout(r, 300));
      await mesh.startNode(victim);
      let recv = t.recv;
      let send = t.send;
      if (victim === D) {
        // The recv request died with its daemon (and says so); a new one claims the resumed transfer.
        const lost = await t.recv;
        expect(lost).toMatchObject({ ok: false, error: 'the daemon closed the control connection' });
        recv = settle(mesh.call(D, 'recv', { out: t.out, timeoutMs: BOUND_MS }));
      }
      if (victim === S) {
        // The send request died with the sender; sending the same file again resumes it.
        const lost = await t.send;
        expect(lost).toMatchObject({ ok: false, error: 'the daemon closed the control connection' });
        await mesh.linksUp();
        send = settle(mesh.call(S, 'send', { address: mesh.nodes[D].identity.address, path: t.src, routes: 1 }));
      }
      const [r, s] = await Promise.all([recv, send]);
      expect(s, JSON.stringify(s)).toMatchObject({ ok: true });
      expect(r, JSON.stringify(r)).toMatchObject({ ok: true });
      if (!r.ok || !s.ok) return;
      expect((s.value as any).sha256).toBe(sha(t.content));
      expect(sha(readFileSync(t.out))).toBe(sha(t.content));
      // A restart of an end resumed from what d held, rather than starting over.
      if (victim !== R) expect((s.value as any).resumedFrom).toBeGreaterThanOrEqual(Math.min(heldBefore, FILE_BYTES / 8));
      expect(Date.now() - t.t0).toBeLessThan(BOUND_MS);
      await mesh.linksUp();
    }
  });

  it('a link declared down for good ends the transfer at both ends with a reason, within the stall bound', async () => {
    const t = await transfer('cut.bin');
    await until('some received', async () => (await receivedAtD()) >= FILE_BYTES / 8, BOUND_MS);
    proxy.blackhole = true; // s and r no longer hear each other: the link goes down and stays down
    try {
      const [r, s] = await Promise.all([t.recv, t.send]);
      expect(s).toMatchObject({ ok: false, error: expect.stringMatching(/made no progress for \d+ s after \d+ attempt\(s\)/) });
      expect(r).toMatchObject({ ok: false, error: expect.stringMatching(/^transfer of cut\.bin failed: no data from the sender for \d+ s; \d+ of \d+ bytes kept in cut\.bin\.[0-9a-f]{32}\.part for a resume$/) });
      // Both within the stall bound (10 s) plus detection and a retry, far from a hang.
      expect(s.ms).toBeLessThan(10_000 + 8000);
      expect(r.ms).toBeLessThan(10_000 + 8000);
      expect((await mesh.call(D, 'status')).inbox.partial.map((p: any) => p.file)).toContainEqual(expect.stringMatching(/^cut\.bin\.[0-9a-f]{32}\.part$/));
    } finally {
      proxy.blackhole = false;
    }
  });
});
