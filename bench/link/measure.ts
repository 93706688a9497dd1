// Small timing helpers for the link benchmark.
export interface Rate {
  ops: number;
  seconds: number;
  perSecond: number;
}

/** Runs `fn` in batches until `minSeconds` have passed; returns operations per second. */
export function rate(fn: () => void, minSeconds: number, batch = 100): Rate {
  for (let i = 0; i < Math.min(batch, 50); i++) fn(); // warm up
  let ops = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minSeconds * 1000) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    t = performance.now();
  }
  const seconds = (t - t0) / 1000;
  return { ops, seconds, perSecond: ops / seconds };
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r, i) => {
      const line = r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
      return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}
