// A small scatter plot in SVG (no dependencies): area on x, throughput on y, points
// labelled, the Pareto front joined by a line, an optional horizontal target line.

export interface PlotPoint {
  x: number;
  y: number;
  label: string;
  front?: boolean;
  /** A range drawn as a vertical bar through the point (e.g. the lowest and highest of several runs). */
  yLow?: number;
  yHigh?: number;
}

export interface PlotSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  points: PlotPoint[];
  target?: { y: number; label: string };
  logX?: boolean;
}

const W = 860;
const H = 540;
const M = { l: 80, r: 30, t: 50, b: 60 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function scatterSvg(spec: PlotSpec): string {
  const xs = spec.points.map((p) => p.x);
  const ys = [...spec.points.map((p) => Math.max(p.y, p.yHigh ?? 0)), spec.target?.y ?? 0];
  const fx = spec.logX ? Math.log10 : (v: number) => v;
  const x0 = fx(Math.max(1e-9, Math.min(...xs) * (spec.logX ? 0.8 : 0)));
  const x1 = fx(Math.max(...xs) * 1.1);
  const y1 = Math.max(...ys) * 1.1 || 1;
  const px = (v: number): number => M.l + ((fx(v) - x0) / (x1 - x0 || 1)) * (W - M.l - M.r);
  const py = (v: number): number => H - M.b - (v / y1) * (H - M.t - M.b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="16">${esc(spec.title)}</text>`,
    `<line x1="${M.l}" y1="${H - M.b}" x2="${W - M.r}" y2="${H - M.b}" stroke="black"/>`,
    `<line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${H - M.b}" stroke="black"/>`,
    `<text x="${W / 2}" y="${H - 15}" text-anchor="middle">${esc(spec.xLabel)}</text>`,
    `<text x="18" y="${H / 2}" text-anchor="middle" transform="rotate(-90 18 ${H / 2})">${esc(spec.yLabel)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const v = (y1 / 5) * i;
    out.push(`<line x1="${M.l - 4}" y1="${py(v)}" x2="${M.l}" y2="${py(v)}" stroke="black"/>`);
    out.push(`<text x="${M.l - 8}" y="${py(v) + 4}" text-anchor="end">${v.toFixed(v < 10 ? 1 : 0)}</text>`);
  }
  const xTicks = spec.logX
    ? [100, 300, 1000, 3000, 10000, 30000, 100000].filter((v) => fx(v) >= x0 && fx(v) <= x1)
    : Array.from({ length: 6 }, (_, i) => (Math.max(...xs) * 1.1 * i) / 5);
  for (const v of xTicks) {
    out.push(`<line x1="${px(v)}" y1="${H - M.b}" x2="${px(v)}" y2="${H - M.b + 4}" stroke="black"/>`);
    out.push(`<text x="${px(v)}" y="${H - M.b + 18}" text-anchor="middle">${Math.round(v)}</text>`);
  }
  if (spec.target) {
    out.push(`<line x1="${M.l}" y1="${py(spec.target.y)}" x2="${W - M.r}" y2="${py(spec.target.y)}" stroke="#c00" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${W - M.r}" y="${py(spec.target.y) - 6}" text-anchor="end" fill="#c00">${esc(spec.target.label)}</text>`);
  }
  const front = spec.points.filter((p) => p.front).sort((a, b) => a.x - b.x);
  if (front.length > 1) {
    out.push(`<polyline fill="none" stroke="#06c" stroke-width="2" points="${front.map((p) => `${px(p.x)},${py(p.y)}`).join(' ')}"/>`);
  }
  for (const p of spec.points) {
    if (p.yLow !== undefined && p.yHigh !== undefined) {
      const [x, lo, hi] = [px(p.x), py(p.yLow), py(p.yHigh)];
      out.push(`<path d="M${x},${lo}V${hi}M${x - 4},${lo}H${x + 4}M${x - 4},${hi}H${x + 4}" stroke="#888" fill="none"/>`);
    }
    out.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="4" fill="${p.front ? '#06c' : '#888'}"/>`);
    out.push(`<text x="${px(p.x) + 6}" y="${py(p.y) - 6}" font-size="10">${esc(p.label)}</text>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Marks the points no other point beats on both axes (smaller x and larger y). */
export function paretoFront<T extends { x: number; y: number }>(points: T[]): Set<T> {
  const front = new Set<T>();
  for (const p of points) {
    if (!points.some((q) => q !== p && q.x <= p.x && q.y >= p.y && (q.x < p.x || q.y > p.y))) front.add(p);
  }
  return front;
}
