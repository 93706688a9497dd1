// How the forwarding plane looks routes up. The software relay forwards a route packet only
// when its route ID has a rule AND the packet came from the neighbour the rule expects
// (host/mesh/node.ts: `rule.from !== n.id` counts unknownRoute), so the hardware's key is the
// pair: the peer the frame arrived from and the packet's 32-bit route ID. A packet from any
// other peer misses, exactly as in software. The value is the route table's layout with a
// rule-counter index (spec/route-table/layout.ts).
import { ROUTE_ID_BYTES } from '../route-wire.ts';
import { type ValueLayout, valueLayout } from '../route-table/layout.ts';
import { type FwdParams, log2 } from './params.ts';

/** Bits of the ingress peer in the key: the route table's port field, the mesh's neighbour id. */
export const FROM_BITS = 8;
export const ROUTE_ID_BITS = ROUTE_ID_BYTES * 8;
/** Key: from (8 bits) above the route ID (32 bits). */
export const ROUTE_KEY_BITS = FROM_BITS + ROUTE_ID_BITS;
export const ROUTE_VALUE_BITS = 64;

export function routeKey(from: number, routeId: number): bigint {
  if (!Number.isInteger(from) || from < 0 || from >= 1 << FROM_BITS) throw new RangeError(`from peer ${from} must be 0..${(1 << FROM_BITS) - 1}`);
  if (!Number.isInteger(routeId) || routeId < 0 || routeId > 0xffff_ffff) throw new RangeError(`route ID ${routeId} must be a u32`);
  return (BigInt(from) << BigInt(ROUTE_ID_BITS)) | BigInt(routeId);
}

export function splitRouteKey(key: bigint): { from: number; routeId: number } {
  return { from: Number(key >> BigInt(ROUTE_ID_BITS)), routeId: Number(key & 0xffff_ffffn) };
}

/** The value layout of the plane's route table: 64 bits with a counter index of log2(ruleCounters) bits. */
export function routeValueLayout(p: Pick<FwdParams, 'ruleCounters'>): ValueLayout {
  return valueLayout(ROUTE_VALUE_BITS, { counterBits: log2(p.ruleCounters) });
}
