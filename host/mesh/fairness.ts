// What a neighbour may cost this node, and fairness between the neighbours whose requests this
// node passes on. A relay R forwards route setups (Extend -> Create) and discovery queries
// from its upstream neighbours to each next hop C, and C limits what it accepts from R as a
// whole (routes held, setups and queries per second). Without fairness at R, one hostile
// upstream could use up all of C's allowance for R and so lock every other source out of the
// path R -> C. So R splits what C accepts from it between its upstreams (and its own traffic):
//   - rates (setups and queries per second): per (upstream, next hop) a token bucket with an
//     equal share of the rate and burst, so R never sends C more than C accepts, and a hostile
//     upstream gets only its share;
//   - counts (routes held toward C): each upstream is guaranteed an equal share; above it, an
//     upstream may borrow what is left once every other upstream's unused share is reserved.
// The neighbours are assumed to run the same limits as this node (the defaults).
import { TokenBucket } from '../link/token-bucket.ts';

/** Who asked: an upstream neighbour, or this node itself (its own searches and routes). */
export type Upstream = number | 'self';

/**
 * Rate fairness toward each next hop: per (upstream, next hop) a bucket of rate / shareholders
 * and burst / shareholders, so the sum over the upstreams never exceeds what the next hop
 * accepts from us and each upstream keeps its share whatever the others do.
 * `shareholders(next)` is how many upstreams compete for `next` (this node counts as one).
 */
export class RateShares {
  private readonly pair = new Map<string, { bucket: TokenBucket; shares: number }>();

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly shareholders: (next: number) => number,
  ) {}

  take(from: Upstream, next: number, now: number): boolean {
    const shares = Math.max(1, this.shareholders(next));
    const key = `${from}>${next}`;
    let p = this.pair.get(key);
    if (!p || p.shares !== shares) {
      p = { bucket: new TokenBucket(this.ratePerSec / shares, Math.max(1, this.burst / shares), now), shares };
      this.pair.set(key, p);
    }
    return p.bucket.take(now);
  }
}

/**
 * Count fairness toward each next hop: how many routes each upstream holds through this node
 * toward it, and whether one more fits. `capacity` is what the next hop accepts from us.
 */
export class CountShares {
  private readonly counts = new Map<number, Map<Upstream, number>>();

  constructor(
    private readonly capacity: number,
    private readonly shareholders: (next: number) => number,
  ) {}

  held(from: Upstream, next: number): number {
    return this.counts.get(next)?.get(from) ?? 0;
  }

  /**
   * True when `from` may hold one more route toward `next`: below its guaranteed share, or
   * when enough stays free for every other upstream's unused share. `extra` counts routes
   * toward `next` that this table does not track (our own, when they are not added here).
   */
  allows(from: Upstream, next: number, extra = 0): boolean {
    const per = this.counts.get(next) ?? new Map<Upstream, number>();
    const holders = Math.max(1, this.shareholders(next));
    const share = Math.max(1, Math.floor(this.capacity / holders));
    const mine = per.get(from) ?? 0;
    if (mine < share) return this.total(next) + extra < this.capacity;
    // Borrowing: keep each other upstream's unused share free (upstreams we have not heard of
    // yet are the shareholders not in the table).
    let reserved = 0;
    let seen = 0;
    for (const [u, n] of per) {
      if (u === from) continue;
      seen++;
      reserved += Math.max(0, share - n);
    }
    reserved += Math.max(0, holders - 1 - seen) * share;
    return this.total(next) + extra + reserved < this.capacity;
  }

  add(from: Upstream, next: number, delta: number): void {
    let per = this.counts.get(next);
    if (!per) {
      per = new Map();
      this.counts.set(next, per);
    }
    const n = (per.get(from) ?? 0) + delta;
    if (n > 0) per.set(from, n);
    else per.delete(from);
    if (per.size === 0) this.counts.delete(next);
  }

  total(next: number): number {
    let t = 0;
    for (const n of this.counts.get(next)?.values() ?? []) t += n;
    return t;
  }
}
