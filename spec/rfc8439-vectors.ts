// Test vectors transcribed from RFC 8439 (sections 2.1.1, 2.3.2, 2.4.2 and Appendix A.1/A.2).
// Hex strings are byte strings in the RFC's order.

export const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/[\s:]/g, ''), 'hex'));

/** 2.1.1: the quarter round on (a, b, c, d). */
export const QR_2_1_1 = {
  input: [0x11111111, 0x01020304, 0x9b8d6f43, 0x01234567],
  output: [0xea2a92f4, 0xcb1cf8ce, 0x4581472e, 0x5881c4bb],
};

const KEY_00_1F = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');

/** 2.3.2: one block, counter 1. */
export const BLOCK_2_3_2 = {
  key: KEY_00_1F,
  nonce: fromHex('000000090000004a00000000'),
  counter: 1,
  output: fromHex(`
    10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e
    d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e`),
};

/** 2.4.2: the "sunscreen" encryption, 114 bytes from counter 1. */
export const ENCRYPT_2_4_2 = {
  key: KEY_00_1F,
  nonce: fromHex('000000000000004a00000000'),
  counter: 1,
  plaintext: new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  ),
  ciphertext: fromHex(`
    6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b
    f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8
    07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736
    5af90bbf74a35be6b40b8eedf2785e42874d`),
};

/** A.1: keystream blocks. */
export const BLOCKS_A_1 = [
  {
    key: new Uint8Array(32),
    nonce: new Uint8Array(12),
    counter: 0,
    output: fromHex(`
      76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7
      da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586`),
  },
  {
    key: new Uint8Array(32),
    nonce: new Uint8Array(12),
    counter: 1,
    output: fromHex(`
      9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed
      29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f`),
  },
];

/** A.2: encryption. */
export const ENCRYPT_A_2 = [
  {
    key: new Uint8Array(32),
    nonce: new Uint8Array(12),
    counter: 0,
    plaintext: new Uint8Array(64),
    ciphertext: BLOCKS_A_1[0]!.output,
  },
  {
    key: fromHex('1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0'),
    nonce: fromHex('000000000000000000000002'),
    counter: 42,
    plaintext: new TextEncoder().encode(
      "'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\nAll mimsy were the borogoves,\nAnd the mome raths outgrabe.",
    ),
    ciphertext: fromHex(`
      62e6347f95ed87a45ffae7426f27a1df5fb69110044c0d73118effa95b01e5cf
      166d3df2d721caf9b21e5fb14c616871fd84c54f9d65b283196c7fe4f60553eb
      f39c6402c42234e32a356b3e764312a61a5532055716ead6962568f87d3f3f77
      04c6a8d1bcd1bf4d50d6154b6da731b187b58dfd728afa36757a797ac188d1`),
  },
];
