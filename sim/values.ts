// Conversions between port values and the 32-bit word buffers the batch calls use, and
// values printed for messages (byte strings and AXI-Stream tdata convert in spec/bytes.ts).

import type { PortInfo, Value } from './dut.ts';

export function writeValue(out: Uint32Array, offset: number, p: PortInfo, v: Value): void {
  if (p.words === 1) {
    out[offset] = Number(v);
    return;
  }
  let b = BigInt(v);
  for (let i = 0; i < p.words; i++, b >>= 32n) out[offset + i] = Number(b & 0xffffffffn);
}

export function readValue(buf: Uint32Array, offset: number, p: PortInfo): Value {
  if (p.width <= 32) return buf[offset]!;
  let v = 0n;
  for (let i = p.words - 1; i >= 0; i--) v = (v << 32n) | BigInt(buf[offset + i]!);
  return v;
}


export function hex(v: Value | Uint8Array): string {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return `0x${v.toString(16)}`;
}
