// A set of byte offsets kept as sorted, disjoint, non-adjacent half-open ranges [start, end).
// Used for what a receiver holds out of order, what a sender has had acknowledged, and what
// it must send again.
export class RangeSet {
  /** Flat list: start0, end0, start1, end1, ... */
  private r: number[] = [];

  get empty(): boolean {
    return this.r.length === 0;
  }
  get count(): number {
    return this.r.length / 2;
  }
  /** End of the last range (or `fallback` when empty). */
  lastEnd(fallback: number): number {
    return this.r.length ? this.r[this.r.length - 1] : fallback;
  }
  /** First range, or undefined. */
  first(): [number, number] | undefined {
    return this.r.length ? [this.r[0], this.r[1]] : undefined;
  }
  clear(): void {
    this.r = [];
  }
  /** The ranges in order (the first `max` of them). */
  ranges(max = Infinity): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.r.length && out.length < max; i += 2) out.push([this.r[i], this.r[i + 1]]);
    return out;
  }
  /** Total bytes covered. */
  size(): number {
    let n = 0;
    for (let i = 0; i < this.r.length; i += 2) n += this.r[i + 1] - this.r[i];
    return n;
  }

  add(start: number, end: number): void {
    if (end <= start) return;
    const r = this.r;
    // Index of the first range whose end >= start (it may merge).
    let i = 0;
    while (i < r.length && r[i + 1] < start) i += 2;
    let j = i;
    let s = start;
    let e = end;
    while (j < r.length && r[j] <= end) {
      s = Math.min(s, r[j]);
      e = Math.max(e, r[j + 1]);
      j += 2;
    }
    r.splice(i, j - i, s, e);
  }

  /** Removes [start, end). */
  remove(start: number, end: number): void {
    if (end <= start) return;
    const out: number[] = [];
    const r = this.r;
    for (let i = 0; i < r.length; i += 2) {
      const a = r[i];
      const b = r[i + 1];
      if (b <= start || a >= end) out.push(a, b);
      else {
        if (a < start) out.push(a, start);
        if (b > end) out.push(end, b);
      }
    }
    this.r = out;
  }

  /** Drops everything below `x`. */
  trimBelow(x: number): void {
    this.remove(-Infinity, x);
  }

  /** True when every offset of [start, end) is in the set. */
  covers(start: number, end: number): boolean {
    const r = this.r;
    for (let i = 0; i < r.length; i += 2) if (r[i] <= start && r[i + 1] >= end) return true;
    return end <= start;
  }

  /** The parts of [start, end) not in the set, in order. */
  missing(start: number, end: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let x = start;
    const r = this.r;
    for (let i = 0; i < r.length && x < end; i += 2) {
      if (r[i + 1] <= x) continue;
      if (r[i] >= end) break;
      if (r[i] > x) out.push([x, r[i]]);
      x = Math.max(x, r[i + 1]);
    }
    if (x < end) out.push([x, end]);
    return out;
  }

  /** Smallest range start above `x` (Infinity when none). */
  nextStartAfter(x: number): number {
    const r = this.r;
    for (let i = 0; i < r.length; i += 2) if (r[i] > x) return r[i];
    return Infinity;
  }

  /** If a range starts at or below `x` and extends past it, its end; otherwise `x`. */
  extend(x: number): number {
    const r = this.r;
    for (let i = 0; i < r.length; i += 2) if (r[i] <= x && r[i + 1] > x) return r[i + 1];
    return x;
  }
}
