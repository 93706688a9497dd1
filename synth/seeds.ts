// Placer seeds: place and route varies by seed, so a clock figure is the median of several
// runs, reported with the lowest and highest (both explorers use these).

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (!xs.length) throw new Error('median of no values');
  const v = [...xs].sort((a, b) => a - b);
  const h = v.length >> 1;
  return v.length % 2 ? v[h]! : (v[h - 1]! + v[h]!) / 2;
}

/** The seed list of --seeds "1,2,3": distinct non-negative integers. */
export function parseSeeds(text: string): number[] {
  const seeds = text.split(',').map((t) => t.trim()).filter(Boolean).map(Number);
  if (!seeds.length || seeds.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`--seeds ${text}: expected a comma-separated list of non-negative integers, e.g. 1,2,3`);
  if (new Set(seeds).size !== seeds.length) throw new Error(`--seeds ${text}: a seed is listed twice`);
  return seeds;
}
