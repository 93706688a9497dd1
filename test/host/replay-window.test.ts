// The RFC 6479 window against a plain reference model (a set of seen counters and the top).
import { describe, expect, it } from 'vitest';
import { REPLAY_WINDOW_FRAMES } from '../../spec/link-wire.ts';
import { ReplayWindow, type ReplayVerdict } from '../../host/link/replay-window.ts';

class ReferenceWindow {
  private seen = new Set<number>();
  private top = -1;
  accept(c: number): ReplayVerdict {
    if (c <= this.top && this.top - c >= REPLAY_WINDOW_FRAMES) return 'tooOld';
    if (this.seen.has(c)) return 'replay';
    this.seen.add(c);
    this.top = Math.max(this.top, c);
    return 'fresh';
  }
}

describe('replay window', () => {
  it('tracks at least 2,048 frames', () => {
    expect(REPLAY_WINDOW_FRAMES).toBeGreaterThanOrEqual(2048);
  });

  it('accepts reordering inside the window once, rejects duplicates and frames below it', () => {
    const w = new ReplayWindow();
    expect(w.accept(5000)).toBe('fresh');
    expect(w.accept(5000)).toBe('replay');
    expect(w.accept(5000 - REPLAY_WINDOW_FRAMES + 1)).toBe('fresh');
    expect(w.accept(5000 - REPLAY_WINDOW_FRAMES)).toBe('tooOld');
    expect(w.accept(4999)).toBe('fresh');
    expect(w.accept(4999)).toBe('replay');
    expect(w.accept(0)).toBe('tooOld');
  });

  it('check() does not mark: an unauthenticated frame cannot burn a counter', () => {
    const w = new ReplayWindow();
    expect(w.check(7)).toBe('fresh');
    expect(w.check(7)).toBe('fresh');
    w.commit(7);
    expect(w.check(7)).toBe('replay');
  });

  it('matches the reference model on random sequences with reordering, duplicates and jumps', () => {
    for (let run = 0; run < 6; run++) {
      const w = new ReplayWindow();
      const ref = new ReferenceWindow();
      let base = run * 1e9;
      for (let i = 0; i < 20000; i++) {
        const r = Math.random();
        if (r < 0.001) base += Math.floor(Math.random() * 100000); // jump far ahead
        else if (r < 0.6) base += 1;
        const c = Math.max(0, base - Math.floor(Math.random() * (REPLAY_WINDOW_FRAMES + 200)) * (Math.random() < 0.3 ? 1 : 0));
        expect(w.accept(c)).toBe(ref.accept(c));
      }
    }
  });

  it('handles counters beyond 2^32', () => {
    const w = new ReplayWindow();
    const big = 2 ** 45 + 17;
    expect(w.accept(big)).toBe('fresh');
    expect(w.accept(big - 1)).toBe('fresh');
    expect(w.accept(big)).toBe('replay');
    expect(w.accept(big - REPLAY_WINDOW_FRAMES)).toBe('tooOld');
  });
});
