// A model of the FPGA's key RAM as a KeySink: 4 slots per peer (tx/rx x generation parity),
// each a 256-bit key plus its generation and a valid bit. It is what the hardware sink will
// implement, and the tests use it to show the session never needs more than these slots.
import type { KeyRef, KeySink, KeySlot } from './key-sink.ts';
import { type KeyDirection, SLOTS_PER_PEER, keySlotIndex } from '../../spec/key-slots.ts';

interface RamWord {
  valid: boolean;
  generation: number;
  key: Uint8Array;
}

export class KeyRamModel implements KeySink {
  private readonly ram: RamWord[];
  /** A publish that would overwrite a different generation still live in its slot. */
  conflicts = 0;
  /** A peer index beyond the RAM. */
  outOfRange = 0;
  writes = 0;

  constructor(readonly peers: number) {
    this.ram = Array.from({ length: peers * SLOTS_PER_PEER }, () => ({ valid: false, generation: 0, key: new Uint8Array(32) }));
  }

  publish(s: KeySlot): void {
    const i = keySlotIndex(s);
    if (s.peer < 0 || s.peer >= this.peers) {
      this.outOfRange++;
      return;
    }
    const w = this.ram[i];
    if (w.valid && w.generation !== s.generation) this.conflicts++;
    w.valid = true;
    w.generation = s.generation;
    w.key.set(s.key);
    this.writes++;
  }

  retire(r: KeyRef): void {
    if (r.peer < 0 || r.peer >= this.peers) return;
    const w = this.ram[keySlotIndex(r)];
    if (w.valid && w.generation === r.generation) {
      w.valid = false;
      w.key.fill(0);
    }
  }

  /** The key a frame of `generation` would be processed with, as the hardware would find it. */
  lookup(peer: number, direction: KeyDirection, generation: number): Uint8Array | undefined {
    const w = this.ram[keySlotIndex({ peer, direction, generation })];
    return w?.valid && w.generation === generation ? w.key : undefined;
  }

  liveSlots(): number {
    return this.ram.filter((w) => w.valid).length;
  }
}
