// The ingress descriptor: what the parser decided about a frame, handed to the dispatcher
// beside the frame itself. Fields are packed into one vector by this one layout, which the
// generators and the tests share.
import { PEER_COUNTERS, PORT_COUNTERS, type PeerCounter, type PortCounter } from '../../spec/forwarding/counters.ts';
import { HostReason } from '../../spec/forwarding/host-port.ts';

export const ACTION = { drop: 0, host: 1, open: 2 } as const;
export type Action = keyof typeof ACTION;

/** Bits of a frame length: frames up to 2,047 bytes (longer ones are dropped as badHeader). */
export const LEN_BITS = 11;
export const MAX_FRAME_BEATS = 255;

export interface DescField {
  readonly name: string;
  readonly width: number;
  readonly lo: number;
}

export function descLayout(peerBits: number): { fields: Record<string, DescField>; width: number } {
  const order: Array<[string, number]> = [
    ['action', 2],
    ['reason', 4], // host reason code (spec/forwarding/host-port.ts)
    ['drop_peer', 1], // the drop counts in the peer bank (else the port bank)
    ['drop_kind', 5], // counter kind of a drop
    ['peer_valid', 1],
    ['peer', peerBits],
    ['frame_bytes', LEN_BITS + 1],
    ['dgram_bytes', LEN_BITS + 1], // UDP payload: the link datagram
    ['parity', 1], // generation & 1: the receive key slot
    ['next_key', 1], // the slot is not the peer's current receive key: opened frames go to the host
    ['counter', 52],
  ];
  const fields: Record<string, DescField> = {};
  let lo = 0;
  for (const [name, width] of order) {
    fields[name] = { name, width, lo };
    lo += width;
  }
  return { fields, width: lo };
}

export interface Descriptor {
  action: Action;
  reason?: keyof typeof HostReason;
  drop?: { bank: 'peer'; kind: PeerCounter } | { bank: 'port'; kind: PortCounter };
  peer?: number;
  frameBytes: number;
  dgramBytes: number;
  parity: number;
  nextKey: boolean;
  counter: bigint;
}

const reasonName = new Map<number, keyof typeof HostReason>(Object.entries(HostReason).map(([k, v]) => [v, k as keyof typeof HostReason]));

export function decodeDesc(peerBits: number, v: bigint): Descriptor {
  const { fields } = descLayout(peerBits);
  const get = (n: string): bigint => (v >> BigInt(fields[n]!.lo)) & ((1n << BigInt(fields[n]!.width)) - 1n);
  const action = (['drop', 'host', 'open'] as const)[Number(get('action'))]!;
  const d: Descriptor = {
    action,
    frameBytes: Number(get('frame_bytes')),
    dgramBytes: Number(get('dgram_bytes')),
    parity: Number(get('parity')),
    nextKey: get('next_key') === 1n,
    counter: get('counter'),
  };
  if (get('peer_valid')) d.peer = Number(get('peer'));
  if (action === 'host') d.reason = reasonName.get(Number(get('reason')));
  if (action === 'drop') {
    const kind = Number(get('drop_kind'));
    d.drop = get('drop_peer') ? { bank: 'peer', kind: PEER_COUNTERS[kind]! } : { bank: 'port', kind: PORT_COUNTERS[kind]! };
  }
  return d;
}
