// The hardware replay windows against the software's own (host/link/replay-window.ts): random
// operations over many windows from two requesters at once (counters just above and below
// the top, exact replays, the window's edge at 4,064, jumps of any size, commits refused for
// forged frames), window resets between them, on inferred and ECP5 block RAM. Every verdict
// and every later consequence of a commit must be the software's.
import { beforeAll, describe, expect, it } from 'vitest';
import { REPLAY_WINDOW_FRAMES } from '../../spec/link-wire.ts';
import { ReplayWindow } from '../../host/link/replay-window.ts';
import { REPLAY_VERDICT, replayWindows } from '../../rtl-gen/forwarding/replay.ts';
import { type SimDut, Rng, simulate } from '../../sim/index.ts';

const VERDICT_NAME = Object.fromEntries(Object.entries(REPLAY_VERDICT).map(([k, v]) => [v, k]));

interface Op { r: number; window: number; counter: number; commit: boolean }

/** Runs ops through the DUT, both requesters driven at once, and returns verdicts per requester in order. */
function run(dut: SimDut, requesters: number, queues: Op[][], resets: Map<number, number[]>): { verdicts: string[][]; order: Array<{ r: number; i: number }>; cycles: number } {
  const next = queues.map(() => 0);
  const verdicts: string[][] = queues.map(() => []);
  const order: Array<{ r: number; i: number }> = [];
  const pendingReset: number[] = [];
  let cycles = 0;
  let taken = 0;
  const total = queues.reduce((n, q) => n + q.length, 0);
  while (verdicts.reduce((n, v) => n + v.length, 0) < total) {
    for (let r = 0; r < requesters; r++) {
      const op = queues[r]![next[r]!];
      dut.signal(`s_req${r}_valid`).value = op ? 1 : 0;
      if (op) {
        dut.signal(`s_req${r}_window`).value = op.window;
        dut.signal(`s_req${r}_counter`).value = BigInt(op.counter);
        dut.signal(`s_req${r}_commit`).value = op.commit ? 1 : 0;
      }
    }
    // Resets scheduled before the `taken`-th operation go in as soon as the unit is free.
    for (const w of resets.get(taken) ?? []) pendingReset.push(w);
    resets.delete(taken);
    dut.reset_valid.value = pendingReset.length ? 1 : 0;
    dut.reset_window.value = pendingReset[0] ?? 0;
    const resetDone = Number(dut.reset_ready.value) === 1;
    const grants = queues.map((_, r) => Number(dut.signal(`s_req${r}_ready`).value) === 1);
    for (let r = 0; r < requesters; r++) {
      if (Number(dut.signal(`m_res${r}_valid`).value)) verdicts[r]!.push(VERDICT_NAME[Number(dut.m_res_verdict.value)]!);
    }
    dut.tick(1);
    cycles++;
    if (resetDone) order.push({ r: -1, i: pendingReset.shift()! });
    grants.forEach((g, r) => {
      if (g) {
        order.push({ r, i: next[r]! });
        next[r]!++;
        taken++;
      }
    });
    if (cycles > 100 * total + 1000) throw new Error('replay unit stalled');
  }
  return { verdicts, order, cycles };
}

function randomOps(rng: Rng, windows: number[], count: number, r: number): Op[] {
  const tops = new Map<number, number>(windows.map((w) => [w, -1]));
  const seen = new Map<number, number[]>(windows.map((w) => [w, []]));
  const ops: Op[] = [];
  for (let i = 0; i < count; i++) {
    const window = windows[rng.int(0, windows.length - 1)]!;
    const top = Math.max(0, tops.get(window)!);
    const s = seen.get(window)!;
    const pick = rng.next();
    let counter: number;
    if (pick < 0.35) counter = top + rng.int(1, 40);
    else if (pick < 0.55) counter = Math.max(0, top - rng.int(0, 200));
    else if (pick < 0.7 && s.length) counter = s[rng.int(0, s.length - 1)]!; // replay
    else if (pick < 0.8) counter = Math.max(0, top - REPLAY_WINDOW_FRAMES + rng.int(-3, 3)); // the edge
    else if (pick < 0.88) counter = top + rng.int(32 * 120, 32 * 140); // a jump past the ring
    else if (pick < 0.93) counter = top + rng.int(1, 2 ** 20) * 4096; // far ahead
    else counter = Math.max(0, top - rng.int(REPLAY_WINDOW_FRAMES, 100_000)); // long gone
    counter = Math.min(counter, 2 ** 52 - 1);
    const commit = rng.next() < 0.85;
    if (commit) {
      tops.set(window, Math.max(tops.get(window)!, counter));
      s.push(counter);
      if (s.length > 64) s.shift();
    }
    ops.push({ r, window, counter, commit });
  }
  return ops;
}

describe.each([{ ram: 'inferred' }, { ram: 'ecp5' }])('replay windows, $ram RAM', ({ ram }) => {
  let dut: SimDut;
  beforeAll(async () => {
    dut = await simulate(replayWindows({ windows: 32, requesters: 2, ram }));
    dut.rst.value = 1;
    dut.tick(2);
    dut.rst.value = 0;
  });

  it('gives the software window\'s verdict for 6,000 random operations from two requesters, with resets', () => {
    const rng = new Rng(ram === 'ecp5' ? 23 : 11);
    // The forwarding plane's use: each requester owns the windows of its port's peers.
    const mine = [Array.from({ length: 16 }, (_, i) => i * 2 + (i % 2)), Array.from({ length: 16 }, (_, i) => i * 2 + 1 - (i % 2))];
    const queues = [randomOps(rng, mine[0]!, 3000, 0), randomOps(rng, mine[1]!, 3000, 1)];
    const resets = new Map<number, number[]>();
    for (let w = 0; w < 32; w++) resets.set(0, [...(resets.get(0) ?? []), w]); // every window empty first
    for (let k = 0; k < 40; k++) {
      const at = rng.int(1, 5999);
      resets.set(at, [...(resets.get(at) ?? []), rng.int(0, 31)]);
    }
    const { verdicts, order, cycles } = run(dut, 2, queues, resets);
    // Replay the same order through the software.
    const sw = new Map<number, ReplayWindow>();
    const want: string[][] = [[], []];
    for (const o of order) {
      if (o.r < 0) {
        sw.set(o.i, new ReplayWindow());
        continue;
      }
      const op = queues[o.r]![o.i]!;
      const win = sw.get(op.window)!;
      const v = win.check(op.counter);
      if (v === 'fresh' && op.commit) win.commit(op.counter);
      want[o.r]!.push(v);
    }
    expect(verdicts[0]).toEqual(want[0]);
    expect(verdicts[1]).toEqual(want[1]);
    const counts = want.flat().reduce<Record<string, number>>((c, v) => ({ ...c, [v]: (c[v] ?? 0) + 1 }), {});
    expect(counts.replay).toBeGreaterThan(200);
    expect(counts.tooOld).toBeGreaterThan(300);
    expect(counts.fresh).toBeGreaterThan(2000);
    expect(cycles / 6000).toBeLessThan(ram === 'ecp5' ? 6 : 5);
  });

  it('keeps the window\'s edge exactly: 4,063 below the top is checked, 4,064 is too old', () => {
    const ops: Op[] = [
      { r: 0, window: 5, counter: 10_000, commit: true },
      { r: 0, window: 5, counter: 10_000 - 4063, commit: true },
      { r: 0, window: 5, counter: 10_000 - 4063, commit: true },
      { r: 0, window: 5, counter: 10_000 - 4064, commit: true },
      { r: 0, window: 5, counter: 10_001, commit: false },
      { r: 0, window: 5, counter: 10_001, commit: true },
      { r: 0, window: 5, counter: 10_001, commit: true },
    ];
    const { verdicts } = run(dut, 2, [ops, []], new Map([[0, [5]]]));
    expect(verdicts[0]).toEqual(['fresh', 'fresh', 'replay', 'tooOld', 'fresh', 'fresh', 'replay']);
  });
});
