// Node identities: addresses (checked against node:crypto hashes and the well-known base58
// example), parse errors, and key files with safe permissions.
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addressFromPublicKey, addressMatches, parseAddress } from '../../host/identity/address.ts';
import { base58Decode, base58Encode } from '../../host/identity/base58.ts';
import { generateIdentity, signDigest, verifyDigest } from '../../host/identity/identity.ts';
import { readKeyFile, writeKeyFile } from '../../host/identity/keyfile.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest();

describe('base58', () => {
  it('encodes the well-known example and leading zeros', () => {
    expect(base58Encode(new TextEncoder().encode('Hello World'))).toBe('JxF12TrwUP45BMd');
    expect(base58Encode(new Uint8Array([0, 0, 1]))).toBe('112');
    expect(base58Encode(new Uint8Array(0))).toBe('');
  });
  it('round-trips random bytes', () => {
    for (let i = 0; i < 200; i++) {
      const b = new Uint8Array(Math.floor(Math.random() * 40)).map(() => (Math.random() < 0.1 ? 0 : (Math.random() * 256) | 0));
      expect(base58Decode(base58Encode(b))).toEqual(b);
    }
  });
  it('names the bad character', () => {
    expect(() => base58Decode('abc0def')).toThrow(/invalid base58 character '0' at position 3/);
  });
});

describe('addresses', () => {
  it('are base58(RIPEMD160(SHA256(SHA256(pub))) || version || checksum), checked with node:crypto', () => {
    const id = generateIdentity();
    const h = createHash('ripemd160').update(sha(sha(id.publicKey))).digest();
    const body = Buffer.concat([h, Buffer.from([0])]);
    const raw = Buffer.concat([body, sha(body).subarray(0, 4)]);
    expect(id.address).toBe(base58Encode(raw));
    expect(addressFromPublicKey(id.publicKey)).toBe(id.address);
    expect(Buffer.from(parseAddress(id.address).hash)).toEqual(h);
    expect(addressMatches(id.address, id.publicKey)).toBe(true);
    expect(addressMatches(id.address, generateIdentity().publicKey)).toBe(false);
  });

  it('refuses a mistyped address with a checksum error', () => {
    const { address } = generateIdentity();
    const i = 5;
    const swapped = address.slice(0, i) + (address[i] === 'a' ? 'b' : 'a') + address.slice(i + 1);
    expect(() => parseAddress(swapped)).toThrow(/checksum mismatch/);
    expect(() => parseAddress(address.slice(0, -3))).toThrow(/expected 25/);
    expect(() => parseAddress(address + 'O')).toThrow(/invalid base58 character 'O'/);
  });
});

describe('signatures', () => {
  it('verify for the signer only and never throw on garbage', () => {
    const a = generateIdentity();
    const b = generateIdentity();
    const d = sha(new TextEncoder().encode('transcript'));
    const sig = signDigest(a, d);
    expect(verifyDigest(a.publicKey, d, sig)).toBe(true);
    expect(verifyDigest(b.publicKey, d, sig)).toBe(false);
    expect(verifyDigest(a.publicKey, d, new Uint8Array(64))).toBe(false);
    expect(verifyDigest(new Uint8Array(33), d, sig)).toBe(false);
    expect(verifyDigest(a.publicKey, d, sig.subarray(1))).toBe(false);
  });
});

describe('key files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skywire-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are written with mode 0600 and read back', () => {
    const id = generateIdentity();
    const path = join(dir, 'node.key');
    writeKeyFile(path, id);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const back = readKeyFile(path);
    expect(back.address).toBe(id.address);
    expect(back.publicKey).toEqual(id.publicKey);
  });

  it('are refused when group or others can read them', () => {
    const path = join(dir, 'open.key');
    writeKeyFile(path, generateIdentity());
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      chmodSync(path, mode);
      expect(() => readKeyFile(path)).toThrow(/refusing key file .* chmod 600/);
    }
  });

  it('are refused when the address does not match the secret key', () => {
    const path = join(dir, 'forged.key');
    const a = generateIdentity();
    const b = generateIdentity();
    writeFileSync(path, JSON.stringify({ format: 'skywire-node-key/1', address: b.address, secretKey: Buffer.from(a.secretKey).toString('hex') }), { mode: 0o600 });
    expect(() => readKeyFile(path)).toThrow(/address does not match/);
  });
});
