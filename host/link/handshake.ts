// The link handshake: two messages that authenticate both static keys with signatures over
// the transcript and agree on generation-0 keys from an ephemeral-ephemeral ECDH.
//
//   I -> R  HandshakeInit: sender id, timestamp, S_i, E_i, sig_i(H(label || init[0..82) || S_r))
//   R -> I  HandshakeResp: sender id, receiver id, S_r, E_r, sig_r(th)
//           th = H(label || init || resp[0..78));  keys = HKDF(ECDH(e_i, E_r), salt = th)
//
// The initiator may send as soon as it has verified the response (one round trip); the
// responder starts sending when the first frame under the new keys arrives (key confirmation).
// The timestamp, strictly increasing per initiator, lets the responder reject a replayed Init.
//
// The Init ends with two MACs in the manner of WireGuard, checked before the signature (which
// costs a thousand times more): mac1, keyed by the responder's public key, shows the Init was
// made for this responder; mac2, keyed by a cookie the responder sent to the initiator's
// address (cookie.ts), shows the initiator receives there. A responder under load checks the
// signature only of Inits with a valid mac2, so a flood of forged Inits from a spoofed address
// costs it a MAC each.
import { createHmac } from 'node:crypto';
import { deriveHandshakeKeys, LABEL, sha256Of, type DirectionalKeys } from '../crypto/kdf.ts';
import { isValidPublicKey } from '../crypto/ecdh.ts';
import { signDigest, verifyDigest, type Identity } from '../identity/identity.ts';
import { HANDSHAKE_INIT_BYTES, HANDSHAKE_RESP_BYTES, MAC_BYTES, MessageType, PROTOCOL_VERSION, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../../spec/link-wire.ts';
import { equalBytes } from '../../spec/bytes.ts';

export const INIT_OFFSET = {
  version: 0,
  type: 1,
  reserved: 2,
  sender: 4,
  timestamp: 8,
  staticKey: 16,
  ephemeral: 16 + PUBLIC_KEY_BYTES,
  signature: 16 + 2 * PUBLIC_KEY_BYTES,
  mac1: 16 + 2 * PUBLIC_KEY_BYTES + SIGNATURE_BYTES,
  mac2: 16 + 2 * PUBLIC_KEY_BYTES + SIGNATURE_BYTES + MAC_BYTES,
} as const;

export const RESP_OFFSET = {
  version: 0,
  type: 1,
  reserved: 2,
  sender: 4,
  receiver: 8,
  staticKey: 12,
  ephemeral: 12 + PUBLIC_KEY_BYTES,
  signature: 12 + 2 * PUBLIC_KEY_BYTES,
} as const;

export type HandshakeReject =
  | 'hsMalformed'
  | 'hsUnexpectedKey'
  | 'hsBadSignature'
  | 'hsBadPoint'
  | 'hsReplay'
  | 'hsUnknownReceiver'
  /** mac1 does not match: the Init was not made for this responder. */
  | 'hsBadMac'
  /** Under load and without a valid cookie: answered with a cookie reply, not checked. */
  | 'hsUnderLoad'
  /** The link's handshake budget is spent (even with a valid cookie): dropped unchecked. */
  | 'hsRateLimited'
  /** A cookie reply that does not open under our last Init's mac1. */
  | 'hsBadCookie';

export interface HandshakeInit {
  sender: number;
  timestamp: number;
  staticKey: Uint8Array;
  ephemeral: Uint8Array;
  signature: Uint8Array;
  mac1: Uint8Array;
  mac2: Uint8Array;
  bytes: Uint8Array;
}

export interface HandshakeResp {
  sender: number;
  receiver: number;
  staticKey: Uint8Array;
  ephemeral: Uint8Array;
  signature: Uint8Array;
  bytes: Uint8Array;
}

function header(out: Uint8Array, type: number): DataView {
  const v = new DataView(out.buffer, out.byteOffset, out.length);
  v.setUint8(0, PROTOCOL_VERSION);
  v.setUint8(1, type);
  v.setUint16(2, 0);
  return v;
}

function initDigest(init: Uint8Array, responderStatic: Uint8Array): Uint8Array {
  return sha256Of(LABEL.handshakeInit, init.subarray(0, INIT_OFFSET.signature), responderStatic);
}

export function respTranscript(init: Uint8Array, resp: Uint8Array): Uint8Array {
  return sha256Of(LABEL.handshakeResp, init, resp.subarray(0, RESP_OFFSET.signature));
}

/** HMAC-SHA256 of `data` under `key`, truncated to MAC_BYTES. */
export function mac16(key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(data).digest().subarray(0, MAC_BYTES));
}

/** mac1's key: anyone who knows the responder's public key can make it; nobody else. */
export function mac1Key(responderStatic: Uint8Array): Uint8Array {
  return sha256Of(LABEL.mac1, responderStatic);
}

/**
 * Writes mac1 (over everything before it) and mac2 (over everything before it, keyed by the
 * cookie; zeros without one) into an Init.
 */
export function writeInitMacs(init: Uint8Array, responderStatic: Uint8Array, cookie?: Uint8Array): void {
  init.set(mac16(mac1Key(responderStatic), init.subarray(0, INIT_OFFSET.mac1)), INIT_OFFSET.mac1);
  init.set(cookie ? mac16(cookie, init.subarray(0, INIT_OFFSET.mac2)) : new Uint8Array(MAC_BYTES), INIT_OFFSET.mac2);
}

/** Does the Init's mac1 match this responder (key from mac1Key)? */
export function initMac1Valid(init: HandshakeInit, key: Uint8Array): boolean {
  return equalBytes(mac16(key, init.bytes.subarray(0, INIT_OFFSET.mac1)), init.mac1);
}

/** Does the Init's mac2 match this cookie? */
export function initMac2Valid(init: HandshakeInit, cookie: Uint8Array): boolean {
  return equalBytes(mac16(cookie, init.bytes.subarray(0, INIT_OFFSET.mac2)), init.mac2);
}

export function buildInit(p: {
  identity: Identity;
  responderStatic: Uint8Array;
  sender: number;
  timestamp: number;
  ephemeralPublic: Uint8Array;
  /** The responder's cookie, when it sent one (mac2). */
  cookie?: Uint8Array;
}): Uint8Array {
  const out = new Uint8Array(HANDSHAKE_INIT_BYTES);
  const v = header(out, MessageType.HandshakeInit);
  v.setUint32(INIT_OFFSET.sender, p.sender >>> 0);
  v.setUint32(INIT_OFFSET.timestamp, Math.floor(p.timestamp / 2 ** 32));
  v.setUint32(INIT_OFFSET.timestamp + 4, p.timestamp >>> 0);
  out.set(p.identity.publicKey, INIT_OFFSET.staticKey);
  out.set(p.ephemeralPublic, INIT_OFFSET.ephemeral);
  out.set(signDigest(p.identity, initDigest(out, p.responderStatic)), INIT_OFFSET.signature);
  writeInitMacs(out, p.responderStatic, p.cookie);
  return out;
}

export function parseInit(bytes: Uint8Array): HandshakeInit | HandshakeReject {
  if (bytes.length !== HANDSHAKE_INIT_BYTES) return 'hsMalformed';
  if (bytes[0] !== PROTOCOL_VERSION || bytes[1] !== MessageType.HandshakeInit || bytes[2] !== 0 || bytes[3] !== 0) return 'hsMalformed';
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    sender: v.getUint32(INIT_OFFSET.sender),
    timestamp: v.getUint32(INIT_OFFSET.timestamp) * 2 ** 32 + v.getUint32(INIT_OFFSET.timestamp + 4),
    staticKey: bytes.subarray(INIT_OFFSET.staticKey, INIT_OFFSET.staticKey + PUBLIC_KEY_BYTES),
    ephemeral: bytes.subarray(INIT_OFFSET.ephemeral, INIT_OFFSET.ephemeral + PUBLIC_KEY_BYTES),
    signature: bytes.subarray(INIT_OFFSET.signature, INIT_OFFSET.signature + SIGNATURE_BYTES),
    mac1: bytes.subarray(INIT_OFFSET.mac1, INIT_OFFSET.mac1 + MAC_BYTES),
    mac2: bytes.subarray(INIT_OFFSET.mac2, INIT_OFFSET.mac2 + MAC_BYTES),
    bytes,
  };
}

/** Responder side: is this Init from the neighbour we expect, correctly signed for us? */
export function verifyInit(init: HandshakeInit, expectedPeer: Uint8Array, localStatic: Uint8Array): HandshakeReject | null {
  if (!equalBytes(init.staticKey, expectedPeer)) return 'hsUnexpectedKey';
  if (!isValidPublicKey(init.ephemeral)) return 'hsBadPoint';
  if (!verifyDigest(init.staticKey, initDigest(init.bytes, localStatic), init.signature)) return 'hsBadSignature';
  return null;
}

export function buildResp(p: {
  identity: Identity;
  init: Uint8Array;
  sender: number;
  receiver: number;
  ephemeralPublic: Uint8Array;
}): Uint8Array {
  const out = new Uint8Array(HANDSHAKE_RESP_BYTES);
  const v = header(out, MessageType.HandshakeResp);
  v.setUint32(RESP_OFFSET.sender, p.sender >>> 0);
  v.setUint32(RESP_OFFSET.receiver, p.receiver >>> 0);
  out.set(p.identity.publicKey, RESP_OFFSET.staticKey);
  out.set(p.ephemeralPublic, RESP_OFFSET.ephemeral);
  out.set(signDigest(p.identity, respTranscript(p.init, out)), RESP_OFFSET.signature);
  return out;
}

export function parseResp(bytes: Uint8Array): HandshakeResp | HandshakeReject {
  if (bytes.length !== HANDSHAKE_RESP_BYTES) return 'hsMalformed';
  if (bytes[0] !== PROTOCOL_VERSION || bytes[1] !== MessageType.HandshakeResp || bytes[2] !== 0 || bytes[3] !== 0) return 'hsMalformed';
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    sender: v.getUint32(RESP_OFFSET.sender),
    receiver: v.getUint32(RESP_OFFSET.receiver),
    staticKey: bytes.subarray(RESP_OFFSET.staticKey, RESP_OFFSET.staticKey + PUBLIC_KEY_BYTES),
    ephemeral: bytes.subarray(RESP_OFFSET.ephemeral, RESP_OFFSET.ephemeral + PUBLIC_KEY_BYTES),
    signature: bytes.subarray(RESP_OFFSET.signature, RESP_OFFSET.signature + SIGNATURE_BYTES),
    bytes,
  };
}

/** Initiator side: is this Resp from the neighbour we dialled, signed over our Init? */
export function verifyResp(resp: HandshakeResp, init: Uint8Array, expectedPeer: Uint8Array): HandshakeReject | null {
  if (!equalBytes(resp.staticKey, expectedPeer)) return 'hsUnexpectedKey';
  if (!isValidPublicKey(resp.ephemeral)) return 'hsBadPoint';
  if (!verifyDigest(resp.staticKey, respTranscript(init, resp.bytes), resp.signature)) return 'hsBadSignature';
  return null;
}

export function handshakeKeys(sharedSecret: Uint8Array, init: Uint8Array, resp: Uint8Array): DirectionalKeys {
  return deriveHandshakeKeys(sharedSecret, respTranscript(init, resp));
}
