// The end-to-end key agreement between a route's source and each hop it adds, and the
// route packet's sealing. For hop H with static key S_H (known to the source from discovery):
//
//   source: ephemeral e; ss1 = ECDH(e, S_H)
//           k_req = HKDF(ss1, salt = E ‖ S_H, "create-request")
//           blob  = E ‖ AEAD(k_req, nonce 0, request)            (sent to H inside Create)
//   hop:    ss1 = ECDH(s_H, E); opens the request (only the holder of s_H can)
//           ephemeral f; ss2 = ECDH(f, E)
//           keys  = HKDF(ss1 ‖ ss2, salt = E ‖ F ‖ S_H, "route-keys") -> fwd, bwd, confirm
//           reply = F ‖ AEAD(confirm, nonce 0, "ok")             (back to the source)
//   source: ss2 = ECDH(e, F); same keys; the reply opens only if H holds s_H: the hop (and
//           so the destination, the last hop) proves itself by its public key. ss2 gives
//           forward secrecy: a later theft of s_H does not open recorded traffic.
//
// Nothing in these bytes names the source: E is fresh for every hop of every route.
import type { CryptoBackend } from '../crypto/backend.ts';
import { generateKeyPair } from '../crypto/ecdh.ts';
import { hkdfSha256 } from '../crypto/kdf.ts';
import { frameNonce } from '../link/frame.ts';
import { KEY_BYTES, PUBLIC_KEY_BYTES, TAG_BYTES } from '../../spec/link-wire.ts';
import { decodeWith, Reader, Writer } from '../../spec/bytes.ts';

const enc = new TextEncoder();
export const MESH_LABEL = {
  createRequest: enc.encode('skywire-mesh/1 create-request'),
  routeKeys: enc.encode('skywire-mesh/1 route-keys'),
} as const;

/** Request sealed to the new hop: version u8 | qos u8 (1 = real time). */
export const CREATE_REQUEST_BYTES = 2;
export const CREATE_VERSION = 1;
export const CREATE_BLOB_BYTES = PUBLIC_KEY_BYTES + CREATE_REQUEST_BYTES + TAG_BYTES;
const CONFIRM = enc.encode('ok');
export const CREATED_REPLY_BYTES = PUBLIC_KEY_BYTES + CONFIRM.length + TAG_BYTES;

export interface HopKeys {
  /** Source -> hop. */
  fwd: Uint8Array;
  /** Hop -> source. */
  bwd: Uint8Array;
}

export interface CreateRequest {
  qos: boolean;
}

function cat(...parts: Uint8Array[]): Uint8Array {
  const w = new Writer(128);
  for (const p of parts) w.bytes(p);
  return w.finish();
}

const NONCE0 = frameNonce(0);
const EMPTY = new Uint8Array(0);

/** The source's half of one hop's handshake, kept until the hop answers. */
export interface PendingHop {
  ephemeralSecret: Uint8Array;
  ephemeralPublic: Uint8Array;
  hopKey: Uint8Array;
  ss1: Uint8Array;
}

/** Source: the blob for hop `hopKey`, or undefined when the key is not a valid point. */
export function makeCreateBlob(backend: CryptoBackend, random: (n: number) => Uint8Array, hopKey: Uint8Array, req: CreateRequest): { blob: Uint8Array; pending: PendingHop } | undefined {
  const e = generateKeyPair(backend.ecdh, random);
  const ss1 = backend.ecdh.sharedSecret(e.secretKey, hopKey);
  if (!ss1) return undefined;
  const kReq = hkdfSha256(ss1, cat(e.publicKey, hopKey), MESH_LABEL.createRequest, KEY_BYTES);
  const sealed = backend.aead.seal(kReq, NONCE0, EMPTY, Uint8Array.of(CREATE_VERSION, req.qos ? 1 : 0));
  return { blob: cat(e.publicKey, sealed), pending: { ephemeralSecret: e.secretKey, ephemeralPublic: e.publicKey, hopKey, ss1 } };
}

function deriveKeys(ss1: Uint8Array, ss2: Uint8Array, e: Uint8Array, f: Uint8Array, hopKey: Uint8Array): HopKeys & { confirm: Uint8Array } {
  const okm = hkdfSha256(cat(ss1, ss2), cat(e, f, hopKey), MESH_LABEL.routeKeys, 3 * KEY_BYTES);
  return { fwd: okm.slice(0, KEY_BYTES), bwd: okm.slice(KEY_BYTES, 2 * KEY_BYTES), confirm: okm.slice(2 * KEY_BYTES) };
}

/** Hop: opens a Create blob with its static secret; undefined when it is not for this node or malformed. */
export function acceptCreateBlob(
  backend: CryptoBackend,
  random: (n: number) => Uint8Array,
  staticSecret: Uint8Array,
  staticPublic: Uint8Array,
  blob: Uint8Array,
): { request: CreateRequest; keys: HopKeys; reply: Uint8Array } | undefined {
  if (blob.length !== CREATE_BLOB_BYTES) return undefined;
  const r = new Reader(blob);
  const e = r.bytes(PUBLIC_KEY_BYTES);
  const sealed = r.rest();
  const ss1 = backend.ecdh.sharedSecret(staticSecret, e);
  if (!ss1) return undefined;
  const kReq = hkdfSha256(ss1, cat(e, staticPublic), MESH_LABEL.createRequest, KEY_BYTES);
  const plain = backend.aead.open(kReq, NONCE0, EMPTY, sealed);
  if (!plain || plain.length !== CREATE_REQUEST_BYTES || plain[0] !== CREATE_VERSION || plain[1] > 1) return undefined;
  const f = generateKeyPair(backend.ecdh, random);
  const ss2 = backend.ecdh.sharedSecret(f.secretKey, e);
  if (!ss2) return undefined;
  const k = deriveKeys(ss1, ss2, e, f.publicKey, staticPublic);
  const reply = cat(f.publicKey, backend.aead.seal(k.confirm, NONCE0, EMPTY, CONFIRM));
  return { request: { qos: plain[1] === 1 }, keys: { fwd: k.fwd, bwd: k.bwd }, reply };
}

/** Source: checks the hop's reply; the keys, or undefined when the hop did not prove its key. */
export function completeHop(backend: CryptoBackend, pending: PendingHop, reply: Uint8Array): HopKeys | undefined {
  if (reply.length !== CREATED_REPLY_BYTES) return undefined;
  const parsed = decodeWith(reply, (r) => ({ f: r.bytes(PUBLIC_KEY_BYTES), sealed: r.rest() }));
  if (!parsed) return undefined;
  const ss2 = backend.ecdh.sharedSecret(pending.ephemeralSecret, parsed.f);
  if (!ss2) return undefined;
  const k = deriveKeys(pending.ss1, ss2, pending.ephemeralPublic, parsed.f, pending.hopKey);
  const ok = backend.aead.open(k.confirm, NONCE0, EMPTY, parsed.sealed);
  if (!ok || ok.length !== CONFIRM.length || ok.some((b, i) => b !== CONFIRM[i])) return undefined;
  return { fwd: k.fwd, bwd: k.bwd };
}
