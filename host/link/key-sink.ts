// Where the session manager puts keys. The software datapath implements this today; the
// FPGA's key RAM implements it later: slot = (peer, direction, generation & 1), each slot a
// 256-bit key plus its generation (the nonce counter starts at 0 with every key).
//
// Lifecycle per direction: publish(next) -> publish(current) -> retire. A transmit key
// becomes current only after the peer confirmed it holds the matching receive key; a
// receive key is published before the peer can use it and retired after the drain time.
// At most two generations per direction are live at once, so `generation & 1` is a slot.

import type { KeyDirection } from '../../spec/key-slots.ts';
export type KeyRole = 'current' | 'next';

export interface KeySlot {
  /** Small integer naming the neighbour (the link's index; a key RAM row). */
  peer: number;
  direction: KeyDirection;
  /** Key generation as carried in frame headers (u32). */
  generation: number;
  /** 32-byte ChaCha20-Poly1305 key. */
  key: Uint8Array;
  role: KeyRole;
}

export interface KeyRef {
  peer: number;
  direction: KeyDirection;
  generation: number;
}

/** Sinks must copy `key`: the session overwrites its own copy when the key is retired. */
export interface KeySink {
  publish(slot: KeySlot): void;
  retire(ref: KeyRef): void;
}

/** Sends every event to several sinks (e.g. the datapath and a hardware mirror). */
export class TeeKeySink implements KeySink {
  constructor(private readonly sinks: KeySink[]) {}
  publish(slot: KeySlot): void {
    for (const s of this.sinks) s.publish(slot);
  }
  retire(ref: KeyRef): void {
    for (const s of this.sinks) s.retire(ref);
  }
}

/** Keeps a log of events; used by tests and by the key-slot trace in the docs. */
export class RecordingKeySink implements KeySink {
  readonly events: Array<({ op: 'publish' } & KeySlot) | ({ op: 'retire' } & KeyRef)> = [];
  publish(slot: KeySlot): void {
    this.events.push({ op: 'publish', ...slot, key: Uint8Array.from(slot.key) });
  }
  retire(ref: KeyRef): void {
    this.events.push({ op: 'retire', ...ref });
  }
}
