// Where a link key lives in a key RAM: the numbering the node's key sinks and the hardware's
// key slots share. At most two generations per direction are live at once (the current one
// and the next, or the current one and the draining previous), so generation & 1 picks one of
// two slots, and each peer owns four: tx even, tx odd, rx even, rx odd.

export const SLOTS_PER_PEER = 4;

export type KeyDirection = 'tx' | 'rx';

/** Key RAM slot of a (peer, direction, generation). */
export function keySlotIndex(ref: { readonly peer: number; readonly direction: KeyDirection; readonly generation: number }): number {
  return ref.peer * SLOTS_PER_PEER + (ref.direction === 'tx' ? 0 : 2) + (ref.generation & 1);
}
