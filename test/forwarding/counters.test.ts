// The counter bank: increments from every port at once (with runs of increments to the same
// counter back to back, the read-modify-write forwarding case) and host reads that clear
// under that traffic. Nothing may be lost or counted twice: per counter, the values read with
// clear plus a final read add up to exactly the frames and bytes sent, and a read of an idle
// bank returns exactly what was counted. A refused increment is reported, not hidden.
import { beforeAll, describe, expect, it } from 'vitest';
import { counterBank } from '../../rtl-gen/forwarding/counters.ts';
import { type SimDut, Rng, simulate } from '../../sim/index.ts';

const ENTRIES = 64;
const PORTS = 3;

describe('counter bank', () => {
  let dut: SimDut;
  beforeAll(async () => {
    dut = await simulate(counterBank({ entries: ENTRIES, ports: PORTS }));
  });

  const reset = (): void => {
    dut.rst.value = 1;
    dut.tick(2);
    dut.rst.value = 0;
    for (let k = 0; k < PORTS; k++) dut.signal(`s_inc${k}_valid`).value = 0;
    dut.s_rd_valid.value = 0;
    // The clear pass: one entry per cycle, reads refused meanwhile.
    let n = 0;
    while (!Number(dut.s_rd_ready.value)) {
      dut.tick(1);
      n++;
    }
    expect(n).toBe(ENTRIES);
  };
  /** Reads (and optionally clears) one counter with nothing else going on. */
  const readIdle = (index: number, clear: boolean): { frames: number; bytes: bigint } => {
    dut.s_rd_valid.value = 1;
    dut.s_rd_index.value = index;
    dut.s_rd_clear.value = clear ? 1 : 0;
    dut.tick(1);
    dut.s_rd_valid.value = 0;
    dut.tick(1);
    expect(Number(dut.m_rd_valid.value)).toBe(1);
    const r = { frames: Number(dut.m_rd_frames.value), bytes: BigInt(dut.m_rd_bytes.value) };
    dut.tick(1);
    return r;
  };

  it('adds up every increment exactly, with reads that clear under traffic', () => {
    reset();
    const rng = new Rng(5);
    const sentFrames = new Array<number>(ENTRIES).fill(0);
    const sentBytes = new Array<bigint>(ENTRIES).fill(0n);
    const gotFrames = new Array<number>(ENTRIES).fill(0);
    const gotBytes = new Array<bigint>(ENTRIES).fill(0n);
    const outstanding: number[] = [];
    let reads = 0;
    let hot = 0;
    for (let c = 0; c < 30_000; c++) {
      if (c % 500 === 0) hot = rng.int(0, ENTRIES - 1);
      for (let k = 0; k < PORTS; k++) {
        // About 0.6 increments per cycle in all (far above the plane's rate of one per frame
        // per source); a third of them to one hot counter.
        const fire = c < 29_000 && rng.next() < 0.2;
        dut.signal(`s_inc${k}_valid`).value = fire ? 1 : 0;
        if (fire) {
          const index = rng.next() < 0.35 ? hot : rng.int(0, ENTRIES - 1);
          const bytes = rng.int(0, 65535);
          dut.signal(`s_inc${k}_index`).value = index;
          dut.signal(`s_inc${k}_bytes`).value = bytes;
          sentFrames[index]!++;
          sentBytes[index]! += BigInt(bytes);
        }
      }
      const read = rng.next() < 0.05;
      const index = rng.next() < 0.5 ? hot : rng.int(0, ENTRIES - 1);
      dut.s_rd_valid.value = read ? 1 : 0;
      dut.s_rd_index.value = index;
      dut.s_rd_clear.value = 1;
      expect(Number(dut.inc_overflow.value)).toBe(0);
      // Reads are always taken and answered in order, two cycles later.
      if (Number(dut.m_rd_valid.value)) {
        const i = outstanding.shift()!;
        gotFrames[i]! += Number(dut.m_rd_frames.value);
        gotBytes[i]! += BigInt(dut.m_rd_bytes.value);
      }
      dut.tick(1);
      if (read) {
        reads++;
        outstanding.push(index);
      }
    }
    dut.s_rd_valid.value = 0;
    while (outstanding.length) {
      if (Number(dut.m_rd_valid.value)) {
        const i = outstanding.shift()!;
        gotFrames[i]! += Number(dut.m_rd_frames.value);
        gotBytes[i]! += BigInt(dut.m_rd_bytes.value);
      }
      dut.tick(1);
    }
    expect(reads).toBeGreaterThan(1000);
    for (let i = 0; i < ENTRIES; i++) {
      const last = readIdle(i, false);
      expect(gotFrames[i]! + last.frames, `frames of counter ${i}`).toBe(sentFrames[i]);
      expect(gotBytes[i]! + last.bytes, `bytes of counter ${i}`).toBe(sentBytes[i]);
    }
  });

  it('starts from zero after a reset, whatever the counters held', () => {
    reset();
    for (let n = 0; n < 50; n++) {
      dut.s_inc0_valid.value = 1;
      dut.s_inc0_index.value = n % ENTRIES;
      dut.s_inc0_bytes.value = 999;
      dut.tick(1);
    }
    dut.s_inc0_valid.value = 0;
    dut.tick(8);
    expect(readIdle(3, false).frames).toBeGreaterThan(0);
    reset();
    for (let i = 0; i < ENTRIES; i++) expect(readIdle(i, false), `counter ${i}`).toEqual({ frames: 0, bytes: 0n });
  });

  it('reads an idle counter exactly, a plain read leaves it, and a refused increment is reported', () => {
    reset();
    readIdle(9, true);
    for (let n = 0; n < 5; n++) {
      dut.s_inc1_valid.value = 1;
      dut.s_inc1_index.value = 9;
      dut.s_inc1_bytes.value = 1000 + n;
      dut.tick(1);
    }
    dut.s_inc1_valid.value = 0;
    dut.tick(4);
    expect(readIdle(9, false)).toEqual({ frames: 5, bytes: 5010n });
    expect(readIdle(9, true)).toEqual({ frames: 5, bytes: 5010n });
    expect(readIdle(9, false)).toEqual({ frames: 0, bytes: 0n });
    // A read every cycle starves the queues, which then overflow: the flag says so.
    dut.s_rd_valid.value = 1;
    dut.s_rd_clear.value = 0;
    let overflow = 0;
    for (let c = 0; c < 20; c++) {
      dut.s_inc0_valid.value = 1;
      dut.s_inc0_index.value = 1;
      overflow += Number(dut.inc_overflow.value);
      dut.tick(1);
    }
    dut.s_inc0_valid.value = 0;
    dut.s_rd_valid.value = 0;
    expect(overflow).toBeGreaterThan(0);
  });
});
