// The loss of a link toward us, from the link layer's own counts: the counters of a peer's
// frames that authenticated, against the span of counters they cover (every frame the peer
// sent has one). Samples are taken on a timer; the estimate covers the most recent samples
// that together span at least LOSS_MIN_FRAMES frames, and at most LOSS_WINDOW_MS, so an idle
// link (its keepalives) and a busy one are both measured, and a change shows within seconds.

/** Fewest frames an estimate rests on (below it: not measured). */
export const LOSS_MIN_FRAMES = 100;
/** Frames an estimate looks back over at most once it has them... */
export const LOSS_TARGET_FRAMES = 500;
/** ...and how far back it looks at most, ms. */
export const LOSS_WINDOW_MS = 10_000;

interface Sample {
  at: number;
  frames: number;
  span: number;
}

export class LossMeter {
  private readonly samples: Sample[] = [];

  /** Records the cumulative counts at time `now` (call every few hundred ms). */
  sample(now: number, counts: { frames: number; span: number }): void {
    this.samples.push({ at: now, frames: counts.frames, span: counts.span });
    while (this.samples.length > 2 && now - this.samples[1].at > LOSS_WINDOW_MS) this.samples.shift();
  }

  /** The share of the peer's frames that did not arrive lately; undefined when too few were sent. */
  loss(): number | undefined {
    const last = this.samples.at(-1);
    if (!last) return undefined;
    for (let i = this.samples.length - 2; i >= 0; i--) {
      const s = this.samples[i];
      const span = last.span - s.span;
      if (span >= LOSS_TARGET_FRAMES || i === 0) {
        if (span < LOSS_MIN_FRAMES) return undefined;
        return Math.max(0, 1 - (last.frames - s.frames) / span);
      }
    }
    return undefined;
  }

  /** A new session: counts start again. */
  reset(): void {
    this.samples.length = 0;
  }
}
