// Golden model of the packet cipher core: each packet starts a fresh block at its own
// counter; a counter that passes its maximum wraps (as the hardware does) and the packet
// is flagged from the wrapping block on.

import { type CounterLayout, block } from './chacha20.ts';

export interface CipherContext {
  key: Uint8Array;
  nonce: Uint8Array;
  counter: bigint | number;
}

export interface CipheredPacket {
  data: Uint8Array;
  /** Per output beat of `beatBytes`: whether the block counter had wrapped by that beat. */
  wrappedBeats: boolean[];
}

export function counterBits(layout: CounterLayout): number {
  return layout === 'ietf' ? 32 : 64;
}

export function cipherPacket(ctx: CipherContext, data: Uint8Array, beatBytes: number, rounds = 20, layout: CounterLayout = 'ietf'): CipheredPacket {
  const bits = BigInt(counterBits(layout));
  const max = (1n << bits) - 1n;
  const c0 = BigInt(ctx.counter);
  const out = new Uint8Array(data.length);
  for (let b = 0; b * 64 < data.length; b++) {
    const ks = block(ctx.key, ctx.nonce, (c0 + BigInt(b)) & max, rounds, layout);
    for (let i = 0; i < 64 && b * 64 + i < data.length; i++) out[b * 64 + i] = data[b * 64 + i]! ^ ks[i]!;
  }
  const beats = Math.ceil(data.length / beatBytes);
  const wrappedBeats = Array.from({ length: beats }, (_, k) => c0 + BigInt(Math.floor((k * beatBytes) / 64)) > max);
  return { data: out, wrappedBeats };
}
