// Compares what the DUT produced with what the golden model predicts, in order. The first
// mismatch fails with the cycle number, the item index and both values.

import type { Signal } from './dut.ts';
import { cycleOf } from './triggers.ts';
import { hex } from './values.ts';

type Item = unknown;

function show(v: Item): string {
  if (v instanceof Uint8Array) return v.length > 96 ? `${hex(v.subarray(0, 96))}... (${v.length} bytes)` : `${hex(v)} (${v.length} bytes)`;
  if (typeof v === 'bigint') return hex(v);
  if (typeof v === 'number') return `${v} (0x${v.toString(16)})`;
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? hex(x) : x instanceof Uint8Array ? hex(x) : x));
}

function equal(a: Item, b: Item): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) return BigInt(a) === BigInt(b);
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => equal((a as Record<string, Item>)[k], (b as Record<string, Item>)[k]));
  }
  return a === b;
}

export class ScoreboardMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScoreboardMismatch';
  }
}

export class Scoreboard {
  private readonly expected: Item[] = [];
  matched = 0;

  constructor(
    readonly name: string,
    private readonly clk?: Signal,
  ) {}

  expect(item: Item): void {
    this.expected.push(item);
  }

  /** Checks one item from the DUT against the oldest expectation. */
  got(item: Item): void {
    const cycle = this.clk ? ` at cycle ${cycleOf(this.clk)}` : '';
    const wave = this.clk?.dut.wavePath ? `\nwaveform: ${this.clk.dut.wavePath}` : '';
    if (this.expected.length === 0) {
      throw new ScoreboardMismatch(`${this.name}: unexpected item #${this.matched}${cycle}: ${show(item)}${wave}`);
    }
    const want = this.expected.shift();
    if (!equal(item, want)) {
      throw new ScoreboardMismatch(`${this.name}: item #${this.matched} differs${cycle}\n  expected: ${show(want)}\n  got:      ${show(item)}${wave}`);
    }
    this.matched++;
  }

  get outstanding(): number {
    return this.expected.length;
  }

  /** Fails if expectations remain. */
  finish(): void {
    if (this.expected.length) {
      throw new ScoreboardMismatch(`${this.name}: ${this.expected.length} expected item(s) never arrived; next: ${show(this.expected[0])}`);
    }
  }
}
