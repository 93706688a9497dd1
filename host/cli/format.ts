// Human-readable output of the CLI: aligned tables, byte counts, the progress bar. The
// `--json` forms print the daemon's replies as they are and never come through here.

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

export function ms(v: unknown): string {
  return typeof v === 'number' ? `${v.toFixed(v < 10 ? 2 : 1)} ms` : '-';
}

/** Left-aligned columns, two spaces apart; the header underlined by nothing (easy to grep). */
/** A share as a percentage ('-' when not known). */
export function pct(v: unknown): string {
  return typeof v === 'number' ? `${(v * 100).toFixed(v < 0.1 ? 1 : 0)} %` : '-';
}

export function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const width = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(width[i]))).join('  ')).join('\n');
}

/** A shortened key or address for tables: the first and last characters. */
export function short(s: string, keep = 8): string {
  return s.length <= 2 * keep + 1 ? s : `${s.slice(0, keep)}…${s.slice(-4)}`;
}

/**
 * A progress bar on stderr. On a terminal it redraws one line; otherwise (logs, CI) it
 * prints a line at each quarter so the log shows progress without thousands of lines.
 */
export class ProgressBar {
  private readonly t0 = performance.now();
  private lastQuarter = -1;
  private drawn = false;

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, total: number): void {
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const secs = (performance.now() - this.t0) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const text = `${this.label} ${(frac * 100).toFixed(0).padStart(3)}% ${bytes(done)}/${bytes(total)} ${bytes(Math.round(rate))}/s`;
    if (this.out.isTTY) {
      const w = 30;
      const fill = Math.round(frac * w);
      this.out.write(`\r[${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${text}\x1b[K`);
      this.drawn = true;
    } else {
      const q = Math.floor(frac * 4);
      if (q > this.lastQuarter) {
        this.lastQuarter = q;
        this.out.write(`${text}\n`);
      }
    }
  }

  done(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
