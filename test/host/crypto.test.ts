// AEAD, ECDH and KDF: RFC vectors through the frame code's AEAD seam, and the two backends
// (@noble reference, node:crypto/OpenSSL) agreeing on random inputs.
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BACKENDS, nobleBackend, nodeBackend } from '../../host/crypto/backend.ts';
import { generateKeyPair } from '../../host/crypto/ecdh.ts';
import { hkdfSha256 } from '../../host/crypto/kdf.ts';
import { InnerType } from '../../spec/link-wire.ts';
import {
  decodeInner,
  frameNonce,
  frameNonceWords,
  openFrame,
  openFrameBody,
  readFrameHeader,
  sealFrame,
  sealFrameBody,
  sealFrameBodyInto,
} from '../../host/link/frame.ts';

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const rnd = (n: number) => new Uint8Array(randomBytes(n));

// RFC 8439 section 2.8.2.
const RFC_2_8_2 = {
  key: hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f'),
  nonce: hex('070000004041424344454647'),
  aad: hex('50515253c0c1c2c3c4c5c6c7'),
  plaintext: new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  ),
  ciphertext: hex(
    'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b' +
      '1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc' +
      '3ff4def08e4b7a9de576d26586cec64b6116',
  ),
  tag: hex('1ae10b594f09e26a7e902ecbd0600691'),
};

// RFC 8439 appendix A.5 (AEAD decryption). Its nonce is 0^32 || LE64(0x0807060504030201),
// exactly the shape of a frame nonce.
const RFC_A_5 = {
  key: hex('1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0'),
  nonce: hex('000000000102030405060708'),
  aad: hex('f33388860000000000004e91'),
  plaintext: new TextEncoder().encode(
    'Internet-Drafts are draft documents valid for a maximum of six months and may be updated, replaced, ' +
      'or obsoleted by other documents at any time. It is inappropriate to use Internet-Drafts as reference ' +
      'material or to cite them other than as /\u201cwork in progress./\u201d',
  ),
  ciphertext: hex(
    '64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb24c6cfc18755d43eea09ee94e382d26b0' +
      'bdb7b73c321b0100d4f03b7f355894cf332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855' +
      '9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4b9166c767b804d46a59b5216cde7a4e9' +
      '9040c5a40433225ee282a1b0a06c523eaf4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a' +
      '0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a1049e617d91d361094fa68f0ff77987130' +
      '305beaba2eda04df997b714d6c6f2c29a6ad5cb4022b02709b',
  ),
  tag: hex('eead9d67890cbb22392336fea1851f38'),
};

describe.each(BACKENDS)('ChaCha20-Poly1305 through the frame code ($name backend)', (backend) => {
  it('seals RFC 8439 2.8.2 to the published ciphertext and tag', () => {
    const v = RFC_2_8_2;
    const sealed = sealFrameBody(backend.aead, v.key, v.nonce, v.aad, v.plaintext);
    expect(toHex(sealed)).toBe(toHex(v.ciphertext) + toHex(v.tag));
    expect(openFrameBody(backend.aead, v.key, v.nonce, v.aad, sealed)).toEqual(v.plaintext);
    // In place, as sealFrame does it: the plaintext lies where the ciphertext goes.
    const buf = new Uint8Array(v.plaintext.length + 16);
    buf.set(v.plaintext);
    sealFrameBodyInto(backend.aead, v.key, v.nonce, v.aad, buf.subarray(0, v.plaintext.length), buf, 0);
    expect(toHex(buf)).toBe(toHex(v.ciphertext) + toHex(v.tag));
  });

  it('opens RFC 8439 A.5 with the nonce the frame code builds from counter 0x0807060504030201', () => {
    const v = RFC_A_5;
    expect(v.ciphertext.length).toBe(v.plaintext.length);
    const nonce = frameNonceWords(0x08070605, 0x04030201);
    expect(toHex(nonce)).toBe(toHex(v.nonce));
    const sealed = new Uint8Array([...v.ciphertext, ...v.tag]);
    expect(openFrameBody(backend.aead, v.key, nonce, v.aad, sealed)).toEqual(v.plaintext);
  });

  it('rejects A.5 with any single bit flipped in ciphertext, tag or AAD (returns null, never throws)', () => {
    const v = RFC_A_5;
    const sealed = new Uint8Array([...v.ciphertext, ...v.tag]);
    for (const pos of [0, 100, sealed.length - 17, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[pos] ^= 0x01;
      expect(openFrameBody(backend.aead, v.key, v.nonce, v.aad, bad)).toBeNull();
    }
    const aad = v.aad.slice();
    aad[0] ^= 0x80;
    expect(openFrameBody(backend.aead, v.key, v.nonce, aad, sealed)).toBeNull();
    expect(openFrameBody(backend.aead, v.key, v.nonce, v.aad, sealed.subarray(0, 10))).toBeNull();
  });
});

describe('frame nonce', () => {
  it('is four zero bytes then the counter little-endian (Noise ChaChaPoly layout)', () => {
    for (const c of [0, 1, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 12345, 2 ** 52 - 1]) {
      const want = Buffer.alloc(12);
      want.writeBigUInt64LE(BigInt(c), 4);
      expect(toHex(frameNonce(c))).toBe(want.toString('hex'));
    }
  });
});

describe('backends agree', () => {
  it('seal identical frames and open each other’s frames on random inputs', () => {
    for (let i = 0; i < 300; i++) {
      const key = rnd(32);
      const len = i % 7 === 0 ? 1405 : Math.floor(Math.random() * 1406);
      const payload = rnd(len);
      const header = { receiver: rnd(1)[0] * 65536 + i, generation: i * 7, counter: Math.floor(Math.random() * 2 ** 52) };
      const pad = i % 2 ? 16 : 32;
      const a = sealFrame(nodeBackend.aead, key, header, InnerType.Data, payload, pad);
      const b = sealFrame(nobleBackend.aead, key, header, InnerType.Data, payload, pad);
      expect(toHex(a)).toBe(toHex(b));
      const h = readFrameHeader(a);
      if (typeof h === 'string') throw new Error(h);
      for (const be of BACKENDS) {
        const inner = openFrame(be.aead, key, b, h);
        if (typeof inner === 'string') throw new Error(inner);
        expect(inner.payload).toEqual(payload);
      }
    }
  });

  it('derive the same public keys and ECDH secrets', () => {
    for (let i = 0; i < 40; i++) {
      const a = generateKeyPair(nobleBackend.ecdh, rnd);
      const b = generateKeyPair(nodeBackend.ecdh, rnd);
      expect(nodeBackend.ecdh.publicKey(a.secretKey)).toEqual(a.publicKey);
      expect(nobleBackend.ecdh.publicKey(b.secretKey)).toEqual(b.publicKey);
      const s1 = nobleBackend.ecdh.sharedSecret(a.secretKey, b.publicKey)!;
      const s2 = nodeBackend.ecdh.sharedSecret(b.secretKey, a.publicKey)!;
      expect(s1.length).toBe(32);
      expect(toHex(s1)).toBe(toHex(s2));
    }
  });

  it('reject points that are not on the curve', () => {
    const a = generateKeyPair(nodeBackend.ecdh, rnd);
    const bad = new Uint8Array(33);
    bad[0] = 2;
    bad[32] = 7; // whether or not x = 7 lies on the curve, neither backend may throw
    for (const be of BACKENDS) {
      expect(() => be.ecdh.sharedSecret(a.secretKey, bad)).not.toThrow();
      expect(be.ecdh.sharedSecret(a.secretKey, new Uint8Array(33))).toBeNull();
      expect(be.ecdh.sharedSecret(a.secretKey, new Uint8Array(12))).toBeNull();
    }
  });
});

describe('HKDF-SHA256', () => {
  it('matches RFC 5869 test case 1', () => {
    const okm = hkdfSha256(hex('0b'.repeat(22)), hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42);
    expect(toHex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });
  it('matches node:crypto hkdfSync on random inputs', () => {
    for (let i = 0; i < 50; i++) {
      const ikm = rnd(32), salt = rnd(i % 40), info = rnd(i % 30), len = 1 + (i * 13) % 96;
      expect(toHex(hkdfSha256(ikm, salt, info, len))).toBe(Buffer.from(hkdfSync('sha256', ikm, salt, info, len)).toString('hex'));
    }
  });
});

describe('padding', () => {
  it('pads the body to 16 or 32 bytes and refuses non-zero or over-long padding', () => {
    const key = rnd(32);
    for (const pad of [16, 32] as const) {
      for (const len of [0, 1, 12, 13, 29, 61, 64, 1400, 1405]) {
        const f = sealFrame(nodeBackend.aead, key, { receiver: 1, generation: 0, counter: len }, InnerType.Data, rnd(len), pad);
        expect((f.length - 20 - 16) % pad).toBe(0);
        expect(f.length - 20 - 16 - (len + 3)).toBeLessThan(pad);
      }
    }
    const body = new Uint8Array(32);
    body[0] = InnerType.Data;
    body[2] = 4;
    expect(decodeInner(body)?.payload.length).toBe(4);
    body[31] = 1;
    expect(decodeInner(body)).toBeNull();
    const long = new Uint8Array(64);
    long[2] = 4; // 57 bytes of padding: more than one granule
    expect(decodeInner(long)).toBeNull();
    const overLen = new Uint8Array(16);
    overLen[2] = 14;
    expect(decodeInner(overLen)).toBeNull();
  });
});

// node:crypto's RIPEMD-160 serves as the independent reference for address hashing elsewhere;
// check here that it is available so that test cannot silently degrade.
it('node:crypto provides ripemd160', () => {
  expect(createHash('ripemd160').update('').digest('hex')).toBe('9c1185a5c5e9fc54612808977ee8f548b2258d31');
});
