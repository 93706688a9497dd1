// Link configuration with range checks. Out-of-range values fail early with an error
// that names the field; nothing here is checked again on the datapath.
import { randomBytes } from 'node:crypto';
import type { CryptoBackend } from '../crypto/backend.ts';
import { nodeBackend } from '../crypto/backend.ts';
import { isValidPublicKey } from '../crypto/ecdh.ts';
import type { Identity } from '../identity/identity.ts';
import { DEFAULT_ROTATION_INTERVAL_MS, MAX_ROTATION_INTERVAL_MS, MIN_ROTATION_INTERVAL_MS, TEST_ONLY_MIN_ROTATION_INTERVAL_MS } from './constants.ts';
import { ALLOWED_PAD_BYTES, DEFAULT_PAD_BYTES, REKEY_AFTER_FRAMES, type PadBytes } from '../../spec/link-wire.ts';

export type LinkRole = 'initiator' | 'responder';

export interface LinkConfig {
  identity: Identity;
  /** The neighbour's static public key (compressed, 33 B); anyone else is rejected. */
  peerPublicKey: Uint8Array;
  /** The initiator dials and leads rotations; the responder answers. */
  role: LinkRole;
  /** Small integer naming this link in the key sink (the key RAM row). */
  linkId: number;
  backend?: CryptoBackend;
  /** Rotation period, ms: default 1000, range 100..600000. */
  rotationIntervalMs?: number;
  /** Padding granule: 16 (default) or 32 bytes. */
  padBytes?: PadBytes;
  /** Rotate once a transmit counter reaches this (tests lower it to exercise exhaustion). */
  rekeyAfterFrames?: number;
  /** Allows rotation intervals down to TEST_ONLY_MIN_ROTATION_INTERVAL_MS. Tests only. */
  testOnlyFastRotation?: boolean;
  /** Source of randomness (ephemeral keys, session ids); injectable for deterministic tests. */
  random?: (n: number) => Uint8Array;
  /**
   * Send a keepalive when nothing was sent for this long, ms (0, the default: never). A link
   * that always talks lets its peer tell silence from loss, and count loss, even when idle.
   */
  idleKeepaliveMs?: number;
}

export interface ResolvedLinkConfig extends Required<Omit<LinkConfig, 'testOnlyFastRotation'>> {}

export class ConfigError extends RangeError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`link config: ${field} ${message}`);
  }
}

function checkInt(field: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new ConfigError(field, `must be an integer in [${lo}, ${hi}], got ${v}`);
}

export function resolveLinkConfig(c: LinkConfig): ResolvedLinkConfig {
  if (!c.identity) throw new ConfigError('identity', 'is required');
  if (!(c.peerPublicKey instanceof Uint8Array) || !isValidPublicKey(c.peerPublicKey)) {
    throw new ConfigError('peerPublicKey', 'must be a 33-byte compressed secp256k1 public key');
  }
  if (c.role !== 'initiator' && c.role !== 'responder') throw new ConfigError('role', `must be 'initiator' or 'responder', got '${c.role}'`);
  checkInt('linkId', c.linkId, 0, 0xffff);
  const rotationIntervalMs = c.rotationIntervalMs ?? DEFAULT_ROTATION_INTERVAL_MS;
  const minInterval = c.testOnlyFastRotation ? TEST_ONLY_MIN_ROTATION_INTERVAL_MS : MIN_ROTATION_INTERVAL_MS;
  checkInt('rotationIntervalMs', rotationIntervalMs, minInterval, MAX_ROTATION_INTERVAL_MS);
  const padBytes = c.padBytes ?? DEFAULT_PAD_BYTES;
  if (!(ALLOWED_PAD_BYTES as readonly number[]).includes(padBytes)) {
    throw new ConfigError('padBytes', `must be one of ${ALLOWED_PAD_BYTES.join(', ')}, got ${padBytes}`);
  }
  const rekeyAfterFrames = c.rekeyAfterFrames ?? REKEY_AFTER_FRAMES;
  checkInt('rekeyAfterFrames', rekeyAfterFrames, 1, REKEY_AFTER_FRAMES);
  const idleKeepaliveMs = c.idleKeepaliveMs ?? 0;
  checkInt('idleKeepaliveMs', idleKeepaliveMs, 0, MAX_ROTATION_INTERVAL_MS);
  return {
    identity: c.identity,
    peerPublicKey: Uint8Array.from(c.peerPublicKey),
    role: c.role,
    linkId: c.linkId,
    backend: c.backend ?? nodeBackend,
    rotationIntervalMs,
    padBytes,
    rekeyAfterFrames,
    random: c.random ?? ((n) => new Uint8Array(randomBytes(n))),
    idleKeepaliveMs,
  };
}
