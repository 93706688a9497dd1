// The ChaCha golden model against RFC 8439 and against @noble/ciphers, an independent
// implementation, on random inputs.
import { chacha12, chacha20, chacha20orig, chacha8 } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import { block, encrypt, quarterRound } from '../../sim/golden/chacha20.ts';
import { Rng } from '../../sim/random.ts';
import { BLOCKS_A_1, BLOCK_2_3_2, ENCRYPT_2_4_2, ENCRYPT_A_2, QR_2_1_1 } from '../../spec/rfc8439-vectors.ts';

describe('ChaCha20 golden model', () => {
  it('computes the RFC 8439 2.1.1 quarter round', () => {
    const [a, b, c, d] = QR_2_1_1.input as [number, number, number, number];
    expect(quarterRound(a, b, c, d)).toEqual(QR_2_1_1.output);
  });

  it('computes the RFC 8439 2.3.2 block', () => {
    expect(block(BLOCK_2_3_2.key, BLOCK_2_3_2.nonce, BLOCK_2_3_2.counter)).toEqual(BLOCK_2_3_2.output);
  });

  it.each(BLOCKS_A_1.map((v, i) => [i + 1, v] as const))('computes the RFC 8439 A.1 block #%i', (_n, v) => {
    expect(block(v.key, v.nonce, v.counter)).toEqual(v.output);
  });

  it('encrypts the RFC 8439 2.4.2 sunscreen text', () => {
    const v = ENCRYPT_2_4_2;
    expect(encrypt(v.key, v.nonce, v.counter, v.plaintext)).toEqual(v.ciphertext);
  });

  it.each(ENCRYPT_A_2.map((v, i) => [i + 1, v] as const))('encrypts RFC 8439 A.2 #%i', (_n, v) => {
    expect(encrypt(v.key, v.nonce, v.counter, v.plaintext)).toEqual(v.ciphertext);
  });

  it('agrees with @noble/ciphers on 500 random messages for 20, 12 and 8 rounds', () => {
    const rng = new Rng(2026);
    for (let i = 0; i < 500; i++) {
      const key = rng.bytes(32);
      const nonce = rng.bytes(12);
      const counter = rng.int(0, 1 << 30);
      const data = rng.bytes(rng.int(1, 700));
      expect(encrypt(key, nonce, counter, data)).toEqual(chacha20(key, nonce, data, undefined, counter));
      if (i % 5 === 0) {
        expect(encrypt(key, nonce, counter, data, 12)).toEqual(chacha12(key, nonce, data, undefined, counter));
        expect(encrypt(key, nonce, counter, data, 8)).toEqual(chacha8(key, nonce, data, undefined, counter));
        // The original layout: 64-bit counter, 64-bit nonce.
        const n8 = nonce.subarray(0, 8);
        expect(encrypt(key, n8, counter, data, 20, 'original')).toEqual(chacha20orig(key, n8, data, undefined, counter));
      }
    }
  });

  it('rejects a key, nonce or counter that does not fit', () => {
    expect(() => block(new Uint8Array(31), new Uint8Array(12), 0)).toThrow(/key must be 32 bytes/);
    expect(() => block(new Uint8Array(32), new Uint8Array(8), 0)).toThrow(/nonce must be 12 bytes/);
    expect(() => block(new Uint8Array(32), new Uint8Array(12), 2n ** 32n)).toThrow(/does not fit in 32 bits/);
  });
});
