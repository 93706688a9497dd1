// Sliding anti-replay window after RFC 6479: a ring of 32-bit words; advancing the top
// clears whole words instead of shifting the bitmap. Counters within REPLAY_WINDOW_FRAMES
// below the highest seen are accepted once each, in any order.
//
// Use: `check` before decrypting (cheap reject), `commit` only after the tag verified,
// so forged frames can never move the window.
import { REPLAY_RING_BITS, REPLAY_WINDOW_FRAMES, REPLAY_WORD_BITS } from '../../spec/link-wire.ts';

export type ReplayVerdict = 'fresh' | 'replay' | 'tooOld';

const WORDS = REPLAY_RING_BITS / REPLAY_WORD_BITS;

export class ReplayWindow {
  private readonly ring = new Uint32Array(WORDS);
  /** Highest counter committed so far; -1 before the first. */
  private top = -1;

  check(counter: number): ReplayVerdict {
    if (counter > this.top) return 'fresh';
    if (this.top - counter >= REPLAY_WINDOW_FRAMES) return 'tooOld';
    const word = Math.floor(counter / REPLAY_WORD_BITS) % WORDS;
    const bit = 1 << counter % REPLAY_WORD_BITS;
    return this.ring[word] & bit ? 'replay' : 'fresh';
  }

  /** Marks `counter` seen. Call only after `check` returned 'fresh' and the frame authenticated. */
  commit(counter: number): void {
    if (counter > this.top) {
      const oldWord = this.top < 0 ? -1 : Math.floor(this.top / REPLAY_WORD_BITS);
      const newWord = Math.floor(counter / REPLAY_WORD_BITS);
      const advance = Math.min(newWord - oldWord, WORDS);
      for (let i = 1; i <= advance; i++) this.ring[(oldWord + i + WORDS) % WORDS] = 0;
      this.top = counter;
    }
    this.ring[Math.floor(counter / REPLAY_WORD_BITS) % WORDS] |= 1 << counter % REPLAY_WORD_BITS;
  }

  /** Check and commit in one step (for callers that have already authenticated). */
  accept(counter: number): ReplayVerdict {
    const v = this.check(counter);
    if (v === 'fresh') this.commit(counter);
    return v;
  }

  get highest(): number {
    return this.top;
  }
}
