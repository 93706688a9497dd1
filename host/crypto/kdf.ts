// Key derivation: HKDF-SHA256 (RFC 5869) from @noble/hashes, and the link's two uses of it:
// the handshake's first keys and each rotation's chained keys.
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { KEY_BYTES } from '../../spec/link-wire.ts';

export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return hkdf(sha256, ikm, salt, info, length);
}

export function sha256Of(...parts: Uint8Array[]): Uint8Array {
  const h = sha256.create();
  for (const p of parts) h.update(p);
  return h.digest();
}

const enc = new TextEncoder();
/** Domain labels: a key derived for one purpose can never be mistaken for another's. */
export const LABEL = {
  handshakeInit: enc.encode('skywire-link/1 handshake-init'),
  handshakeResp: enc.encode('skywire-link/1 handshake-resp'),
  handshakeKeys: enc.encode('skywire-link/1 handshake-keys'),
  rotationKeys: enc.encode('skywire-link/1 rotation-keys'),
  mac1: enc.encode('skywire-link/1 mac1'),
  cookie: enc.encode('skywire-link/1 cookie'),
} as const;

/** Keys for both directions plus the chaining key that feeds the next rotation. */
export interface DirectionalKeys {
  /** Initiator -> responder. */
  i2r: Uint8Array;
  /** Responder -> initiator. */
  r2i: Uint8Array;
  /** Never used to encrypt; mixed into the next rotation ("previous key hashed into each new secret"). */
  chain: Uint8Array;
}

function split(okm: Uint8Array): DirectionalKeys {
  return {
    i2r: okm.slice(0, KEY_BYTES),
    r2i: okm.slice(KEY_BYTES, 2 * KEY_BYTES),
    chain: okm.slice(2 * KEY_BYTES, 3 * KEY_BYTES),
  };
}

/** Generation 0: HKDF(ikm = ECDH(e_i, e_r), salt = transcript hash). */
export function deriveHandshakeKeys(sharedSecret: Uint8Array, transcriptHash: Uint8Array): DirectionalKeys {
  return split(hkdfSha256(sharedSecret, transcriptHash, LABEL.handshakeKeys, 3 * KEY_BYTES));
}

/**
 * Generation g+1: HKDF(ikm = new ECDH secret, salt = previous chain key, info = label ||
 * u32 generation || both new ephemeral keys). The previous key is accumulated into the
 * new one as the overview asks; the ephemerals bind the keys to this exact exchange.
 */
export function deriveRotationKeys(
  previousChain: Uint8Array,
  sharedSecret: Uint8Array,
  generation: number,
  initiatorEphemeral: Uint8Array,
  responderEphemeral: Uint8Array,
): DirectionalKeys {
  const info = new Uint8Array(LABEL.rotationKeys.length + 4 + initiatorEphemeral.length + responderEphemeral.length);
  let o = 0;
  info.set(LABEL.rotationKeys, o);
  o += LABEL.rotationKeys.length;
  new DataView(info.buffer).setUint32(o, generation >>> 0, false);
  o += 4;
  info.set(initiatorEphemeral, o);
  o += initiatorEphemeral.length;
  info.set(responderEphemeral, o);
  return split(hkdfSha256(sharedSecret, previousChain, info, 3 * KEY_BYTES));
}
