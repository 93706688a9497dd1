// The key port the ChaCha cores share (key_wr_valid/ready/slot/word/data): a 256-bit key
// written one 32-bit word per handshake, lowest key bytes first.

import type { SimDut } from '../index.ts';

/** Writes `key` into `slot`, waiting while the port is busy; returns the cycles it waited. */
export function writeKeyWords(d: SimDut, slot: number, key: Uint8Array, maxWait: number): number {
  let waited = 0;
  for (let w = 0; w < 8; w++) {
    d.key_wr_valid.value = 1;
    d.key_wr_slot.value = slot;
    d.key_wr_word.value = w;
    d.key_wr_data.value = new DataView(key.buffer, key.byteOffset + 4 * w, 4).getUint32(0, true);
    while (d.key_wr_ready.value !== 1) {
      d.tick();
      if (++waited > maxWait) throw new Error(`${d.module}: key write to slot ${slot} never accepted`);
    }
    d.tick();
  }
  d.key_wr_valid.value = 0;
  return waited;
}
