// Key files: JSON with the secret key in hex, written 0600 and refused when group or
// others can read or write them (the same rule ssh applies to private keys).
import { chmodSync, openSync, closeSync, writeSync, statSync, readFileSync, renameSync } from 'node:fs';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { identityFromSecretKey, type Identity } from './identity.ts';

export const KEY_FILE_MODE = 0o600;
/** Any of these bits set (group/other access) makes a key file unsafe. */
const UNSAFE_MODE_BITS = 0o077;
export const KEY_FILE_FORMAT = 'skywire-node-key/1';

interface KeyFileJson {
  format: string;
  address: string;
  publicKey: string;
  secretKey: string;
}

export function writeKeyFile(path: string, identity: Identity): void {
  const json: KeyFileJson = {
    format: KEY_FILE_FORMAT,
    address: identity.address,
    publicKey: bytesToHex(identity.publicKey),
    secretKey: bytesToHex(identity.secretKey),
  };
  // Write to a private temporary file, then rename: the secret is never readable by others,
  // not even briefly, and a crash never leaves a half-written key.
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'wx', KEY_FILE_MODE);
  try {
    writeSync(fd, JSON.stringify(json, null, 2) + '\n');
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, KEY_FILE_MODE); // the umask may have removed bits, never added them; be explicit
  renameSync(tmp, path);
}

export function readKeyFile(path: string): Identity {
  const st = statSync(path);
  if ((st.mode & UNSAFE_MODE_BITS) !== 0) {
    throw new Error(
      `refusing key file ${path}: mode ${(st.mode & 0o777).toString(8)} lets others access it; run chmod 600 ${path}`,
    );
  }
  let json: KeyFileJson;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as KeyFileJson;
  } catch (e) {
    throw new Error(`key file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (json.format !== KEY_FILE_FORMAT) throw new Error(`key file ${path}: format '${json.format}', expected '${KEY_FILE_FORMAT}'`);
  if (typeof json.secretKey !== 'string' || !/^[0-9a-f]{64}$/i.test(json.secretKey)) {
    throw new Error(`key file ${path}: secretKey must be 64 hex digits`);
  }
  const identity = identityFromSecretKey(hexToBytes(json.secretKey));
  if (json.publicKey !== undefined && json.publicKey.toLowerCase() !== bytesToHex(identity.publicKey)) {
    throw new Error(`key file ${path}: publicKey does not match secretKey`);
  }
  if (json.address !== undefined && json.address !== identity.address) {
    throw new Error(`key file ${path}: address does not match secretKey`);
  }
  return identity;
}
