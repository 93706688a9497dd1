// The daemon's link set: the route layer hears "up" before the first payload of a link,
// even when the neighbour's first message overtakes our own up/down timer, and "down" when
// the neighbour goes silent.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../host/daemon/config.ts';
import { LinkSet, roleFor } from '../../host/daemon/links.ts';
import { freePorts } from '../../testbed/demo/launcher.ts';
import { generateIdentity } from '../../host/identity/identity.ts';
import { until } from './support/until.ts';

const dir = mkdtempSync(join(tmpdir(), 'swlinks-'));

async function pair(transport: 'udp' | 'tcp', rotationIntervalMs = 100) {
  const ids = [generateIdentity(), generateIdentity()];
  const ports = await freePorts(2);
  const events: string[][] = [[], []];
  const sets = await Promise.all(
    [0, 1].map((i) => {
      const cfg = validateConfig(
        {
          name: `n${i}`,
          identityFile: 'unused.key',
          listen: [{ transport, address: `127.0.0.1:${ports[i]}` }],
          neighbours: [{ name: `n${1 - i}`, publicKey: bytesToHex(ids[1 - i].publicKey), transport, address: `127.0.0.1:${ports[1 - i]}` }],
          rotationIntervalMs,
        },
        dir,
      );
      return LinkSet.open(
        cfg,
        ids[i],
        {
          up: (n) => events[i].push(`up ${n}`),
          down: (n) => events[i].push(`down ${n}`),
          deliver: (n, p) => events[i].push(`data ${n} ${p.length}`),
        },
        () => performance.now(),
      );
    }),
  );
  return { ids, sets, events };
}


describe('link set', { timeout: 20_000 }, () => {
  let sets: LinkSet[] = [];
  afterEach(async () => {
    await Promise.all(sets.map((s) => s.close()));
    sets = [];
  });

  it('the end with the smaller key initiates, so both ends agree', () => {
    expect(roleFor('02aa', '03aa')).toBe('initiator');
    expect(roleFor('03aa', '02aa')).toBe('responder');
  });

  it.each(['udp', 'tcp'] as const)('%s: up comes before the first payload even when our timer has not run yet', async (transport) => {
    const p = await pair(transport);
    sets = p.sets;
    // Only the initiator runs its timers (it may have to repeat its first handshake message,
    // sent before a TCP connection existed); the responder never ticks, so only a payload can
    // tell it that the link is up.
    const a = roleFor(bytesToHex(p.ids[0].publicKey), bytesToHex(p.ids[1].publicKey)) === 'initiator' ? 0 : 1;
    const b = 1 - a;
    const timer = setInterval(() => p.sets[a].tick(performance.now()), 5);
    try {
      await until('initiator up', () => p.events[a].includes('up 0'));
      expect(p.sets[a].send(0, new Uint8Array(100))).toBe(true);
      await until('payload at the responder', () => p.events[b].some((e) => e.startsWith('data')));
      expect(p.events[b]).toEqual(['up 0', 'data 0 100']);
      expect(p.sets[b].isUp(0)).toBe(true);
    } finally {
      clearInterval(timer);
    }
  });

  it('reports down when the neighbour goes silent', async () => {
    const p = await pair('udp');
    sets = p.sets;
    const timer = setInterval(() => p.sets.forEach((s) => s.tick(performance.now())), 5);
    try {
      await until('both up', () => p.sets.every((s) => s.isUp(0)));
      await p.sets[1].close(); // the neighbour's process is gone
      // Within the silence bound (3 rotation intervals, at least 1.5 s), or sooner when the
      // link itself gives the session up (its rotation goes unanswered).
      await until('end 0 sees it down', () => p.events[0].includes('down 0'), 2500);
      expect(p.sets[0].status()[0]).toMatchObject({ up: false, name: 'n1', transport: 'udp' });
    } finally {
      clearInterval(timer);
      sets = [p.sets[0]];
    }
  });
});

describe('link set under overload', { timeout: 20_000 }, () => {
  it('keeps a silent link up while the kernel drops datagrams on our socket, and takes it down once the drops stop', async () => {
    // Rotation every 500 ms: the session's own bound (30 intervals without a rotation) is far off.
    const p = await pair('udp', 500);
    const timer = setInterval(() => p.sets.forEach((s) => s.tick(performance.now())), 5);
    try {
      await until('both up', () => p.sets.every((s) => s.isUp(0)));
      // From now on the kernel reports drops on end 0's socket, growing (its buffer overflows
      // with a burst), and end 1 is silent: its frames are, as far as end 0 can tell, among them.
      let drops = 0;
      p.sets[0].kernelStats = () => ({ drops: (drops += 50), rxQueueBytes: 0 });
      await p.sets[1].close();
      const silentFrom = Date.now();
      await new Promise((r) => setTimeout(r, 3000)); // twice the 1.5 s silence bound (3 intervals, at least 1.5 s)
      expect(p.events[0]).not.toContain('down 0');
      expect(p.sets[0].status()[0]).toMatchObject({ up: true, downDeferred: 1 });
      expect(p.sets[0].transportStatus().udp).toMatchObject({ kernelDrops: drops });
      // The overload ends: silence means what it says again.
      p.sets[0].kernelStats = () => ({ drops, rxQueueBytes: 0 });
      await until('end 0 sees it down', () => p.events[0].includes('down 0'), 2500);
      expect(Date.now() - silentFrom).toBeGreaterThan(3000);
    } finally {
      clearInterval(timer);
      await p.sets[0].close();
    }
  });
});

describe('link set when this process stalls', { timeout: 20_000 }, () => {
  it('does not count time it did not run as the neighbour\'s silence (a starved CPU, a blocked event loop)', async () => {
    const p = await pair('udp', 500);
    const timer = setInterval(() => p.sets.forEach((s) => s.tick(performance.now())), 5);
    try {
      await until('both up', () => p.sets.every((s) => s.isUp(0)));
      // Both ends live in this process: block it for longer than the silence bound (1.5 s).
      const until2500 = Date.now() + 2500;
      while (Date.now() < until2500) {
        // busy: no timers, no socket reads
      }
      await new Promise((r) => setTimeout(r, 300)); // the backlog is read, ticks resume
      expect(p.events[0]).not.toContain('down 0');
      expect(p.events[1]).not.toContain('down 0');
      expect(p.sets[0].socketLoad().stalls).toBeGreaterThanOrEqual(1);
    } finally {
      clearInterval(timer);
      await Promise.all(p.sets.map((s) => s.close()));
    }
  });
});
