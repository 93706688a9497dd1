// Codec of the rotation messages carried inside transport frames (inner types RekeyInit,
// RekeyResp, RekeyRequest): generation u32 BE, then for Init/Resp the sender's new
// ephemeral public key.
import { PUBLIC_KEY_BYTES, REKEY_PAYLOAD_BYTES } from '../../spec/link-wire.ts';

export interface RekeyMessage {
  generation: number;
  ephemeral: Uint8Array;
}

export function encodeRekey(generation: number, ephemeral: Uint8Array): Uint8Array {
  const p = new Uint8Array(REKEY_PAYLOAD_BYTES);
  new DataView(p.buffer).setUint32(0, generation >>> 0);
  p.set(ephemeral, 4);
  return p;
}

/** Null when the size is wrong (the point itself is checked by ECDH). */
export function decodeRekey(payload: Uint8Array): RekeyMessage | null {
  if (payload.length !== REKEY_PAYLOAD_BYTES) return null;
  const generation = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0);
  return { generation, ephemeral: payload.subarray(4, 4 + PUBLIC_KEY_BYTES) };
}

export function encodeRekeyRequest(generation: number): Uint8Array {
  const p = new Uint8Array(4);
  new DataView(p.buffer).setUint32(0, generation >>> 0);
  return p;
}
