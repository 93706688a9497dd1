// What the ChaCha20-Poly1305 packet engine must put out for a packet, from the node's own
// AEAD (host/crypto, either backend): the golden model of the engine's tests and soak.

import type { Aead } from '../host/crypto/aead.ts';
import { AEAD_TAG_BYTES, aeadNonce } from '../spec/aead-stream.ts';
import type { AeadOut, AeadPacket } from '../sim/drivers/aead-engine.ts';

/**
 * Seal: AAD ‖ ciphertext ‖ tag, good. Open: AAD ‖ plaintext, good when the tag verifies; a
 * forgery's bytes are whatever the engine makes of them (the consumer drops the packet), so
 * they are left undefined here and only its verdict is checked.
 */
export function expectedAead(aead: Aead, key: Uint8Array, p: AeadPacket): Omit<AeadOut, 'data'> & { data: Uint8Array | undefined } {
  const nonce = aeadNonce(p.counter, p.fixed);
  const join = (a: Uint8Array, b: Uint8Array) => {
    const o = new Uint8Array(a.length + b.length);
    o.set(a, 0);
    o.set(b, a.length);
    return o;
  };
  if (p.op === 'seal') return { data: join(p.aad, aead.seal(key, nonce, p.aad, p.body)), ok: true, malformed: false };
  if (p.body.length < AEAD_TAG_BYTES) return { data: undefined, ok: false, malformed: true };
  const pt = aead.open(key, nonce, p.aad, p.body);
  return pt ? { data: join(p.aad, pt), ok: true, malformed: false } : { data: undefined, ok: false, malformed: false };
}
