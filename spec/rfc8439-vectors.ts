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

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const KEY_80_9F = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
const SUNSCREEN = utf8("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
const IETF_TEXT = utf8(
  'Any submission to the IETF intended by the Contributor for publication as all or part of an IETF Internet-Draft or RFC ' +
    'and any statement made within the context of an IETF activity is considered an "IETF Contribution". Such statements ' +
    'include oral statements in IETF sessions, as well as written and electronic communications made at any time or place, ' +
    'which are addressed to',
);
const A5_KEY = fromHex('1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0');

/** 2.5.2: Poly1305 of "Cryptographic Forum Research Group". */
export const POLY1305_2_5_2 = {
  key: fromHex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b'),
  msg: utf8('Cryptographic Forum Research Group'),
  tag: fromHex('a8061dc1305136c6c22b8baf0c0127a9'),
};

/** A.3: the eleven Poly1305 vectors (#5-#11 exercise the reduction near 2^130 - 5). */
export const POLY1305_A_3 = [
  { key: new Uint8Array(32), msg: new Uint8Array(64), tag: new Uint8Array(16) },
  { key: fromHex('0000000000000000000000000000000036e5f6b5c5e06070f0efca96227a863e'), msg: IETF_TEXT, tag: fromHex('36e5f6b5c5e06070f0efca96227a863e') },
  { key: fromHex('36e5f6b5c5e06070f0efca96227a863e00000000000000000000000000000000'), msg: IETF_TEXT, tag: fromHex('f3477e7cd95417af89a6b8794c310cf0') },
  { key: A5_KEY, msg: ENCRYPT_A_2[1]!.plaintext, tag: fromHex('4541669a7eaaee61e708dc7cbcc5eb62') },
  { key: fromHex('0200000000000000000000000000000000000000000000000000000000000000'), msg: fromHex('ffffffffffffffffffffffffffffffff'), tag: fromHex('03000000000000000000000000000000') },
  { key: fromHex('02000000000000000000000000000000ffffffffffffffffffffffffffffffff'), msg: fromHex('02000000000000000000000000000000'), tag: fromHex('03000000000000000000000000000000') },
  {
    key: fromHex('0100000000000000000000000000000000000000000000000000000000000000'),
    msg: fromHex('ffffffffffffffffffffffffffffffff f0ffffffffffffffffffffffffffffff 11000000000000000000000000000000'),
    tag: fromHex('05000000000000000000000000000000'),
  },
  {
    key: fromHex('0100000000000000000000000000000000000000000000000000000000000000'),
    msg: fromHex('ffffffffffffffffffffffffffffffff fbfefefefefefefefefefefefefefefe 01010101010101010101010101010101'),
    tag: fromHex('00000000000000000000000000000000'),
  },
  { key: fromHex('0200000000000000000000000000000000000000000000000000000000000000'), msg: fromHex('fdffffffffffffffffffffffffffffff'), tag: fromHex('faffffffffffffffffffffffffffffff') },
  {
    key: fromHex('0100000000000000040000000000000000000000000000000000000000000000'),
    msg: fromHex('e33594d7505e43b90000000000000000 3394d7505e4379cd0100000000000000 00000000000000000000000000000000 01000000000000000000000000000000'),
    tag: fromHex('14000000000000005500000000000000'),
  },
  {
    key: fromHex('0100000000000000040000000000000000000000000000000000000000000000'),
    msg: fromHex('e33594d7505e43b90000000000000000 3394d7505e4379cd0100000000000000 00000000000000000000000000000000'),
    tag: fromHex('13000000000000000000000000000000'),
  },
];

/** 2.6.2 and A.4: the Poly1305 key is the first 32 bytes of ChaCha20 block 0. */
export const POLY1305_KEYGEN = [
  { key: KEY_80_9F, nonce: fromHex('000000000001020304050607'), otk: fromHex('8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646') },
  { key: new Uint8Array(32), nonce: new Uint8Array(12), otk: fromHex('76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7') },
  { key: fromHex('0000000000000000000000000000000000000000000000000000000000000001'), nonce: fromHex('000000000000000000000002'), otk: fromHex('ecfa254f845f647473d3cb140da9e87606cb33066c447b87bc2666dde3fbb739') },
  { key: A5_KEY, nonce: fromHex('000000000000000000000002'), otk: fromHex('965e3bc6f9ec7ed9560808f4d229f94b137ff275ca9b3fcbdd59deaad23310ae') },
];

/** 2.8.2: AEAD seal of the sunscreen text. */
export const AEAD_2_8_2 = {
  key: KEY_80_9F,
  nonce: fromHex('070000004041424344454647'),
  aad: fromHex('50515253c0c1c2c3c4c5c6c7'),
  plaintext: SUNSCREEN,
  ciphertext: fromHex(`
    d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6
    3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36
    92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc
    3ff4def08e4b7a9de576d26586cec64b6116`),
  tag: fromHex('1ae10b594f09e26a7e902ecbd0600691'),
};

/** A.5: AEAD open of an Internet-Draft boilerplate. */
export const AEAD_A_5 = {
  key: A5_KEY,
  nonce: fromHex('000000000102030405060708'),
  aad: fromHex('f33388860000000000004e91'),
  ciphertext: fromHex(`
    64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2
    4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf
    332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855
    9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4
    b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e
    af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a
    0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10
    49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29
    a6ad5cb4022b02709b`),
  tag: fromHex('eead9d67890cbb22392336fea1851f38'),
  plaintext: fromHex(`
    496e7465726e65742d4472616674732061726520647261667420646f63756d65
    6e74732076616c696420666f722061206d6178696d756d206f6620736978206d
    6f6e74687320616e64206d617920626520757064617465642c207265706c6163
    65642c206f72206f62736f6c65746564206279206f7468657220646f63756d65
    6e747320617420616e792074696d652e20497420697320696e617070726f7072
    6961746520746f2075736520496e7465726e65742d4472616674732061732072
    65666572656e6365206d6174657269616c206f7220746f206369746520746865
    6d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67
    726573732e2fe2809d`),
};
