import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('place-and-route lock', () => {
  it('lets one holder at a time through, in turn, and frees the lock on release', async () => {
    process.env.SKYWIRE_PNR_LOCK = join(mkdtempSync(join(tmpdir(), 'pnrlock-')), 'lock');
    const { acquirePnrLock } = await import('../../synth/pnr-lock.ts');
    const events: string[] = [];
    const first = await acquirePnrLock('a');
    events.push('a in');
    const second = acquirePnrLock('b').then((release) => {
      events.push('b in');
      return release;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(events).toEqual(['a in']);
    events.push('a out');
    first();
    const releaseB = await second;
    expect(events).toEqual(['a in', 'a out', 'b in']);
    releaseB();
    const third = await acquirePnrLock('c');
    third();
  });
});
