// Drives the generated Poly1305 core cycle by cycle: messages dealt round-robin to slots,
// cut into words of up to `lanes` blocks (a short last block alone in its word), written
// against per-slot credits (taken_valid returns them) with random gaps, and the tags read
// back by sequence number.

import { countBits, poly1305, poly1305Slots, slotBits } from '../../rtl-gen/poly1305/core.ts';
import { leToBig } from '../../rtl-gen/poly1305/limbs.ts';
import { type SimDut, simulate } from '../index.ts';
import type { Rng } from '../random.ts';

export interface CoreConfig {
  lanes: number;
  multiplier?: 'ecp5' | 'fabric';
  mulStages?: number;
  reduceStages: number;
  queueWords?: number;
  queueRam?: 'lut' | 'block' | 'ecp5';
  seqBits?: number;
}

export interface Message {
  key: Uint8Array;
  msg: Uint8Array;
  /** A tag to compare with (tag_match). */
  expect?: Uint8Array;
}

export interface TagOut {
  tag: Uint8Array;
  match: boolean;
  /** Cycle of the tag, and of the message's last word written. */
  cycle: number;
  lastWordCycle: number;
}

interface Word {
  key: boolean;
  data: bigint;
  count: number;
  tail: number;
  last: boolean;
}

export function wordsOf(msg: Uint8Array, lanes: number): Word[] {
  const blocks: Uint8Array[] = [];
  for (let off = 0; off < msg.length; off += 16) blocks.push(msg.subarray(off, Math.min(off + 16, msg.length)));
  const words: Word[] = [];
  for (let i = 0; i < blocks.length;) {
    // Whole blocks go up to `lanes` a word; a short (last) block goes alone.
    let n = 1;
    if (blocks[i]!.length === 16) while (n < lanes && i + n < blocks.length && blocks[i + n]!.length === 16) n++;
    let data = 0n;
    for (let k = 0; k < n; k++) data |= leToBig(blocks[i + k]!) << BigInt(128 * k);
    words.push({ key: false, data, count: n, tail: blocks[i]!.length, last: false });
    i += n;
  }
  if (words.length) words[words.length - 1]!.last = true;
  return words;
}

export class CoreDriver {
  readonly slots: number;
  readonly seqs: number;
  private constructor(
    readonly dut: SimDut,
    readonly cfg: Required<CoreConfig>,
  ) {
    this.slots = poly1305Slots(cfg);
    this.seqs = 1 << cfg.seqBits;
  }

  static async create(c: CoreConfig): Promise<CoreDriver> {
    const cfg: Required<CoreConfig> = { multiplier: 'ecp5', mulStages: 1, queueWords: 32, queueRam: 'block', seqBits: 6, ...c };
    const d = new CoreDriver(await simulate(poly1305(cfg)), cfg);
    d.reset();
    return d;
  }

  reset(): void {
    const d = this.dut;
    d.wr_valid.value = 0;
    d.exp_valid.value = 0;
    d.rst.value = 1;
    d.tick(2);
    d.rst.value = 0;
  }

  /** Runs the messages through; returns each message's tag in message order. */
  run(messages: Message[], rng?: Rng, gap = 0): TagOut[] {
    const d = this.dut;
    const { lanes, queueWords } = this.cfg;
    const credit = Array.from({ length: this.slots }, () => queueWords);
    const out: Array<TagOut | undefined> = messages.map(() => undefined);
    const seqOwner = new Map<number, number>();
    const lastCycle: number[] = [];
    let msgIdx = 0;
    let pending: Word[] = [];
    let done = 0;
    for (let cycle = 0; done < messages.length; cycle++) {
      if (cycle > 200_000 + messages.length * 2000) throw new Error(`${d.module}: ${done} of ${messages.length} tags after ${cycle} cycles`);
      // Outputs of this cycle (before the edge).
      if (d.taken_valid.value === 1) credit[Number(d.taken_slot.value)]!++;
      if (d.tag_valid.value === 1) {
        const seq = Number(d.tag_seq.value);
        const i = seqOwner.get(seq);
        if (i === undefined) throw new Error(`${d.module}: a tag for sequence number ${seq}, which no message has`);
        seqOwner.delete(seq);
        const t = d.tag_data.big;
        out[i] = { tag: Uint8Array.from({ length: 16 }, (_, k) => Number((t >> BigInt(8 * k)) & 0xffn)), match: d.tag_match.value === 1, cycle, lastWordCycle: lastCycle[i]! };
        done++;
      }
      if (d.status_error.value === 1) throw new Error(`${d.module}: status_error`);
      d.wr_valid.value = 0;
      d.exp_valid.value = 0;
      if (pending.length === 0 && msgIdx < messages.length && !seqOwner.has(msgIdx % this.seqs)) {
        const msg = messages[msgIdx]!;
        const words = wordsOf(msg.msg, lanes);
        pending = [{ key: true, data: leToBig(msg.key.subarray(0, 16)), count: 1, tail: 16, last: words.length === 0 }, ...words];
        seqOwner.set(msgIdx % this.seqs, msgIdx);
      }
      const cur = (msgIdx) % this.slots;
      if (pending.length && credit[cur]! > 0 && !(rng && rng.next() < gap)) {
        const w = pending.shift()!;
        const msg = messages[msgIdx]!;
        credit[cur]!--;
        d.wr_valid.value = 1;
        d.wr_slot.value = cur;
        d.wr_key.value = w.key ? 1 : 0;
        d.wr_data.value = w.data;
        d.wr_count.value = w.count & ((1 << countBits(lanes)) - 1);
        d.wr_tail.value = w.tail;
        d.wr_last.value = w.last ? 1 : 0;
        d.wr_seq.value = msgIdx % this.seqs;
        d.wr_s.value = leToBig(msg.key.subarray(16, 32));
        if (w.key && msg.expect) {
          d.exp_valid.value = 1;
          d.exp_seq.value = msgIdx % this.seqs;
          d.exp_tag.value = leToBig(msg.expect);
        }
        if (pending.length === 0) {
          lastCycle[msgIdx] = cycle;
          msgIdx++;
        }
      }
      d.tick();
    }
    d.wr_valid.value = 0;
    return out as TagOut[];
  }
}

export { slotBits };
