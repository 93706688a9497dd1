// Generates docs/protocol.md from the implementation: field tables come from the codec's
// offset and size constants, and every hex example is produced by running the real code
// with a fixed seed. `npm run docs` writes it; test/host/protocol-doc.test.ts fails when the
// committed file differs.
import { bytesToHex } from '@noble/hashes/utils.js';
import { nodeBackend } from '../../host/crypto/backend.ts';
import { LABEL } from '../../host/crypto/kdf.ts';
import * as LinkLimits from '../../host/link/constants.ts';
import * as LinkWire from '../../spec/link-wire.ts';
import { decodeInner, frameNonce, readFrameHeader } from '../../host/link/frame.ts';
import { COOKIE_REPLY_OFFSET } from '../../host/link/cookie.ts';
import { INIT_OFFSET, RESP_OFFSET } from '../../host/link/handshake.ts';
import { keySlotIndex } from '../../spec/key-slots.ts';
import { REJECT_REASONS } from '../../host/link/stats.ts';
import { numberedPayload, SimNet } from '../../testbed/sim-link.ts';
import { safProtocolSection } from './saf.ts';
import { meshProtocolSection } from './mesh.ts';
import { tunnelProtocolSection } from './tunnel.ts';

/** The link layer's wire format and its timers and limits, as the tables below list them together. */
const C = { ...LinkWire, ...LinkLimits };

interface Field {
  name: string;
  offset: number;
  size: number;
  type: string;
  meaning: string;
}

function fieldTable(fields: Field[]): string {
  const rows = fields.map((f) => `| ${f.offset} | ${f.size} | \`${f.name}\` | ${f.type} | ${f.meaning} |`);
  return ['| Offset | Size | Field | Type | Meaning |', '|---:|---:|---|---|---|', ...rows].join('\n');
}

function hexDump(b: Uint8Array): string {
  const lines: string[] = [];
  for (let o = 0; o < b.length; o += 16) {
    const chunk = [...b.subarray(o, o + 16)].map((x) => x.toString(16).padStart(2, '0'));
    lines.push(`${o.toString(16).padStart(4, '0')}  ${chunk.slice(0, 8).join(' ')}${chunk.length > 8 ? '  ' + chunk.slice(8).join(' ') : ''}`);
  }
  return '```\n' + lines.join('\n') + '\n```';
}

function fieldValues(b: Uint8Array, fields: Field[]): string {
  const rows = fields.map((f) => {
    const v = b.subarray(f.offset, f.offset + f.size);
    const h = bytesToHex(v);
    return `| \`${f.name}\` | ${h.length > 70 ? h.slice(0, 64) + '…' : h} |`;
  });
  return ['| Field | Bytes (hex) |', '|---|---|', ...rows].join('\n');
}

const u = (n: number) => `u${n * 8} BE`;

const INIT_FIELDS: Field[] = [
  { name: 'version', offset: INIT_OFFSET.version, size: 1, type: 'u8', meaning: `protocol version, ${C.PROTOCOL_VERSION}` },
  { name: 'type', offset: INIT_OFFSET.type, size: 1, type: 'u8', meaning: `${C.MessageType.HandshakeInit} = HandshakeInit` },
  { name: 'reserved', offset: INIT_OFFSET.reserved, size: 2, type: 'u16', meaning: 'zero' },
  { name: 'sender', offset: INIT_OFFSET.sender, size: 4, type: u(4), meaning: "initiator's session id: the `receiver` of every frame sent to the initiator" },
  { name: 'timestamp', offset: INIT_OFFSET.timestamp, size: 8, type: u(8), meaning: 'strictly increasing per initiator (microseconds of wall time, bumped by one when needed); replay protection' },
  { name: 'static', offset: INIT_OFFSET.staticKey, size: C.PUBLIC_KEY_BYTES, type: 'point', meaning: "initiator's static key S_i, compressed secp256k1" },
  { name: 'ephemeral', offset: INIT_OFFSET.ephemeral, size: C.PUBLIC_KEY_BYTES, type: 'point', meaning: 'ephemeral key E_i, compressed' },
  { name: 'signature', offset: INIT_OFFSET.signature, size: C.SIGNATURE_BYTES, type: 'r ‖ s', meaning: 'ECDSA (low-S, RFC 6979) by S_i over SHA-256(label_init ‖ bytes 0..81 ‖ S_r)' },
  { name: 'mac1', offset: INIT_OFFSET.mac1, size: C.MAC_BYTES, type: 'bytes', meaning: `HMAC-SHA256(SHA-256(label_mac1 ‖ S_r), bytes 0..${INIT_OFFSET.mac1 - 1}), first ${C.MAC_BYTES} bytes: made for this responder` },
  { name: 'mac2', offset: INIT_OFFSET.mac2, size: C.MAC_BYTES, type: 'bytes', meaning: `HMAC-SHA256(cookie, bytes 0..${INIT_OFFSET.mac2 - 1}), first ${C.MAC_BYTES} bytes, with the responder's latest cookie; zeros without one` },
];

const COOKIE_FIELDS: Field[] = [
  { name: 'version', offset: COOKIE_REPLY_OFFSET.version, size: 1, type: 'u8', meaning: `protocol version, ${C.PROTOCOL_VERSION}` },
  { name: 'type', offset: COOKIE_REPLY_OFFSET.type, size: 1, type: 'u8', meaning: `${C.MessageType.CookieReply} = CookieReply` },
  { name: 'reserved', offset: COOKIE_REPLY_OFFSET.reserved, size: 2, type: 'u16', meaning: 'zero' },
  { name: 'receiver', offset: COOKIE_REPLY_OFFSET.receiver, size: 4, type: u(4), meaning: "the Init's `sender`" },
  { name: 'nonce', offset: COOKIE_REPLY_OFFSET.nonce, size: C.COOKIE_NONCE_BYTES, type: 'bytes', meaning: 'random XChaCha20 nonce' },
  { name: 'cookie', offset: COOKIE_REPLY_OFFSET.sealed, size: C.COOKIE_BYTES + C.TAG_BYTES, type: 'bytes', meaning: "XChaCha20-Poly1305(SHA-256(label_cookie ‖ S_r), nonce, aad = the Init's mac1, cookie)" },
];

const RESP_FIELDS: Field[] = [
  { name: 'version', offset: RESP_OFFSET.version, size: 1, type: 'u8', meaning: `protocol version, ${C.PROTOCOL_VERSION}` },
  { name: 'type', offset: RESP_OFFSET.type, size: 1, type: 'u8', meaning: `${C.MessageType.HandshakeResp} = HandshakeResp` },
  { name: 'reserved', offset: RESP_OFFSET.reserved, size: 2, type: 'u16', meaning: 'zero' },
  { name: 'sender', offset: RESP_OFFSET.sender, size: 4, type: u(4), meaning: "responder's session id" },
  { name: 'receiver', offset: RESP_OFFSET.receiver, size: 4, type: u(4), meaning: "the Init's `sender`" },
  { name: 'static', offset: RESP_OFFSET.staticKey, size: C.PUBLIC_KEY_BYTES, type: 'point', meaning: "responder's static key S_r" },
  { name: 'ephemeral', offset: RESP_OFFSET.ephemeral, size: C.PUBLIC_KEY_BYTES, type: 'point', meaning: 'ephemeral key E_r' },
  { name: 'signature', offset: RESP_OFFSET.signature, size: C.SIGNATURE_BYTES, type: 'r ‖ s', meaning: 'ECDSA by S_r over th = SHA-256(label_resp ‖ Init ‖ Resp bytes 0..77)' },
];

const FRAME_FIELDS: Field[] = [
  { name: 'version', offset: C.FRAME_OFFSET.version, size: 1, type: 'u8', meaning: `protocol version, ${C.PROTOCOL_VERSION}` },
  { name: 'type', offset: C.FRAME_OFFSET.type, size: 1, type: 'u8', meaning: `${C.MessageType.Transport} = Transport` },
  { name: 'flags', offset: C.FRAME_OFFSET.flags, size: 2, type: 'u16', meaning: 'zero (reserved; non-zero is rejected)' },
  { name: 'receiver', offset: C.FRAME_OFFSET.receiver, size: 4, type: u(4), meaning: "the receiving side's session id" },
  { name: 'generation', offset: C.FRAME_OFFSET.generation, size: 4, type: u(4), meaning: 'key generation: 0 after the handshake, +1 per rotation' },
  { name: 'counter', offset: C.FRAME_OFFSET.counter, size: 8, type: u(8), meaning: `per-key frame counter, from 0, below 2^${Math.log2(C.COUNTER_LIMIT)}` },
  { name: 'body', offset: C.FRAME_HEADER_BYTES, size: 0, type: 'bytes', meaning: 'ChaCha20-Poly1305 ciphertext of the padded inner message (multiple of 16 bytes)' },
  { name: 'tag', offset: -1, size: C.TAG_BYTES, type: 'bytes', meaning: 'Poly1305 tag' },
];

const INNER_FIELDS: Field[] = [
  { name: 'inner_type', offset: 0, size: 1, type: 'u8', meaning: 'see the table below' },
  { name: 'length', offset: 1, size: 2, type: 'u16 BE', meaning: 'payload length' },
  { name: 'payload', offset: 3, size: 0, type: 'bytes', meaning: `0..${C.MAX_PAYLOAD_BYTES} bytes` },
  { name: 'padding', offset: -1, size: 0, type: 'zeros', meaning: 'to the next multiple of 16 (or 32); never a whole 32-byte granule or more' },
];

const INNER_MEANING: Record<string, string> = {
  Keepalive: 'empty; confirms a new key and carries no data',
  Data: 'an application payload, delivered upward',
  RekeyInit: `leader → follower: generation u32 BE ‖ E_i (${C.REKEY_PAYLOAD_BYTES} bytes)`,
  RekeyResp: `follower → leader: generation u32 BE ‖ E_r (${C.REKEY_PAYLOAD_BYTES} bytes)`,
  RekeyRequest: 'follower → leader: generation u32 BE; "my counters run low, rotate now"',
};

function frameFieldsFor(f: Uint8Array): Field[] {
  return FRAME_FIELDS.map((x) =>
    x.name === 'body' ? { ...x, size: f.length - C.FRAME_HEADER_BYTES - C.TAG_BYTES } : x.name === 'tag' ? { ...x, offset: f.length - C.TAG_BYTES } : x,
  );
}

function constantsTable(): string {
  const rows: Array<[string, number | string, string]> = [
    ['PROTOCOL_VERSION', C.PROTOCOL_VERSION, 'byte 0 of every message'],
    ['PUBLIC_KEY_BYTES', C.PUBLIC_KEY_BYTES, 'compressed secp256k1 point'],
    ['SIGNATURE_BYTES', C.SIGNATURE_BYTES, 'compact ECDSA r ‖ s'],
    ['KEY_BYTES', C.KEY_BYTES, 'ChaCha20 key'],
    ['NONCE_BYTES', C.NONCE_BYTES, 'RFC 8439 nonce'],
    ['TAG_BYTES', C.TAG_BYTES, 'Poly1305 tag'],
    ['FRAME_HEADER_BYTES', C.FRAME_HEADER_BYTES, 'transport header (the AAD)'],
    ['INNER_HEADER_BYTES', C.INNER_HEADER_BYTES, 'inner type + length'],
    ['HANDSHAKE_INIT_BYTES', C.HANDSHAKE_INIT_BYTES, 'HandshakeInit size'],
    ['HANDSHAKE_RESP_BYTES', C.HANDSHAKE_RESP_BYTES, 'HandshakeResp size'],
    ['LINK_MTU_BYTES', C.LINK_MTU_BYTES, '1500 − IPv4 − UDP headers'],
    ['MAX_BODY_BYTES', C.MAX_BODY_BYTES, 'largest padded body'],
    ['MAX_PAYLOAD_BYTES', C.MAX_PAYLOAD_BYTES, 'largest payload per frame'],
    ['MIN_FRAME_BYTES', C.MIN_FRAME_BYTES, 'smaller transport frames are "truncated"'],
    ['MAX_FRAME_BYTES', C.MAX_FRAME_BYTES, 'larger transport frames are "oversized"'],
    ['COUNTER_LIMIT', `2^${Math.log2(C.COUNTER_LIMIT)}`, 'no counter at or above this is sent or accepted'],
    ['REKEY_AFTER_FRAMES', `2^52 − 2^32`, 'rotate when a transmit counter gets here'],
    ['REPLAY_WINDOW_FRAMES', C.REPLAY_WINDOW_FRAMES, `RFC 6479 ring of ${C.REPLAY_RING_BITS} bits in ${C.REPLAY_WORD_BITS}-bit words`],
    ['DEFAULT_ROTATION_INTERVAL_MS', C.DEFAULT_ROTATION_INTERVAL_MS, 'configurable'],
    ['MIN/MAX_ROTATION_INTERVAL_MS', `${C.MIN_ROTATION_INTERVAL_MS} / ${C.MAX_ROTATION_INTERVAL_MS}`, 'range of the setting'],
    ['LINK_RTO (initial / min / max)', `${C.LINK_RTO.initialMs} / ${C.LINK_RTO.minMs} / ${C.LINK_RTO.maxMs}`, 'handshake and rekey retransmission timeout: first, bounds; doubles per retry'],
    ['MAX_HANDSHAKE_RETRIES', C.MAX_HANDSHAKE_RETRIES, 'then a fresh attempt with a new ephemeral key'],
    ['MAX_REKEY_RETRIES', C.MAX_REKEY_RETRIES, 'an unanswered rotation then means the peer lost the session: new handshake'],
    ['MAX_GENERATION', '2^32 − 1', 'the last generation; a new handshake follows'],
    ['DRAIN_RTT_MULTIPLE / MIN_DRAIN_MS', `${C.DRAIN_RTT_MULTIPLE} / ${C.MIN_DRAIN_MS}`, 'old receive key kept max(4·srtt, 50 ms)'],
    ['REJECT_AFTER_INTERVALS', C.REJECT_AFTER_INTERVALS, 'no rotation for this many intervals: session torn down'],
    ['MAC_BYTES / COOKIE_BYTES', `${C.MAC_BYTES} / ${C.COOKIE_BYTES}`, 'mac1, mac2 and the cookie'],
    ['COOKIE_REPLY_BYTES', C.COOKIE_REPLY_BYTES, 'CookieReply size'],
    ['HANDSHAKE_RATE_PER_SEC / BURST', `${C.HANDSHAKE_RATE_PER_SEC} / ${C.HANDSHAKE_BURST}`, 'signature checks per link while not under load'],
    ['UNDER_LOAD_MS', C.UNDER_LOAD_MS, 'under load until Inits without a cookie stop for this long'],
    ['COOKIE_HANDSHAKE_RATE_PER_SEC / BURST', `${C.COOKIE_HANDSHAKE_RATE_PER_SEC} / ${C.COOKIE_HANDSHAKE_BURST}`, 'signature checks of Inits with a valid cookie, under load'],
    ['COOKIE_REPLY_RATE_PER_SEC / BURST', `${C.COOKIE_REPLY_RATE_PER_SEC} / ${C.COOKIE_REPLY_BURST}`, 'cookie replies per link'],
    ['COOKIE_SECRET_MS', C.COOKIE_SECRET_MS, "the responder's cookie secret changes this often"],
  ];
  return ['| Name | Value | Note |', '|---|---:|---|', ...rows.map(([a, b, c]) => `| \`${a}\` | ${b} | ${c} |`)].join('\n');
}

export function generateProtocolDoc(): string {
  // A fixed seed makes identities, ephemerals, session ids and hence every byte reproducible.
  const net = new SimNet({ latencyMs: 5, seed: 'docs/protocol.md', backends: [nodeBackend, nodeBackend] });
  net.a.start(0);
  net.runUntil(() => net.b.state === 'established', 1000);
  net.a.send(new TextEncoder().encode('hello, neighbour'), net.now);
  net.run(net.now + 10);
  net.run(1000 + 20); // first rotation
  const wire = net.wireLog;
  const init = wire.find((w) => w.bytes[1] === C.MessageType.HandshakeInit)!.bytes;
  const resp = wire.find((w) => w.bytes[1] === C.MessageType.HandshakeResp)!.bytes;
  const aFrames = wire.filter((w) => w.from === 'a' && w.bytes[1] === C.MessageType.Transport).map((w) => w.bytes);
  const keysA = net.sinkA.events.filter((e) => e.op === 'publish') as Array<{ direction: string; generation: number; key: Uint8Array }>;
  const keyOf = (dir: string, gen: number) => keysA.find((e) => e.direction === dir && e.generation === gen)!.key;
  const open = (f: Uint8Array) => {
    const h = readFrameHeader(f);
    if (typeof h === 'string') throw new Error(h);
    const body = nodeBackend.aead.open(keyOf('tx', h.generation), frameNonce(h.counter), f.subarray(0, C.FRAME_HEADER_BYTES), f.subarray(C.FRAME_HEADER_BYTES))!;
    return { h, body, inner: decodeInner(body)! };
  };
  const keepalive = aFrames[0];
  const data = aFrames[1];
  const rekey = aFrames.find((f) => open(f).inner.innerType === C.InnerType.RekeyInit)!;
  const ka = open(keepalive);
  const dt = open(data);
  const rk = open(rekey);
  const innerTypes = Object.entries(C.InnerType)
    .map(([k, v]) => `| ${v} | ${k} | ${INNER_MEANING[k]} |`)
    .join('\n');
  const dec = new TextDecoder();
  void numberedPayload;

  return `# Skywire link layer: wire format

<!-- Generated by scripts/docs/protocol.ts from the implementation in host/ and spec/.
     Do not edit by hand: run \`npm run docs\`.
     test/host/protocol-doc.test.ts fails whenever this file and the code disagree. -->

This document specifies the encrypted link between two neighbouring Skywire nodes: how they
authenticate each other, agree on keys, rotate them, and carry frames. The route and
store-and-forward layer and the route control plane (channel framing, route setup, discovery)
are specified in their own sections below, on top of the \`Data\` payloads defined here.

All multi-byte integers on the wire are **big-endian** (network order). The one little-endian
quantity is the 64-bit counter inside the AEAD nonce, which follows the Noise ChaChaPoly layout
and never appears on the wire in that form. Public keys are compressed secp256k1 points
(33 bytes). "‖" is concatenation; SHA-256, HMAC and HKDF are from FIPS 180-4 and RFC 5869;
ChaCha20-Poly1305 is RFC 8439 (AEAD, 96-bit nonce, 16-byte tag).

## Identities and addresses

A node is a secp256k1 key pair. Its address is
\`base58(h ‖ version ‖ checksum)\`, where \`h = RIPEMD-160(SHA-256(SHA-256(S)))\` over the
compressed public key S (20 bytes), \`version = 0x00\`, and \`checksum\` is the first 4 bytes of
\`SHA-256(h ‖ version)\`: the layout of a Skycoin address. Parsers reject bad characters,
wrong lengths and checksum mismatches with an error naming the problem. Key files are JSON
(\`format: "skywire-node-key/1"\`), mode 0600; a key file that group or others can access is
refused.

Example (the initiator of the examples below): \`${net.idA.address}\`, public key
\`${bytesToHex(net.idA.publicKey)}\`.

## Messages

The byte after the version says what a datagram is:

| Type | Name | Size | Sent |
|---:|---|---:|---|
| ${C.MessageType.HandshakeInit} | HandshakeInit | ${C.HANDSHAKE_INIT_BYTES} | initiator → responder, in the clear, signed |
| ${C.MessageType.HandshakeResp} | HandshakeResp | ${C.HANDSHAKE_RESP_BYTES} | responder → initiator, in the clear, signed |
| ${C.MessageType.Transport} | Transport | ${C.MIN_FRAME_BYTES}..${C.MAX_FRAME_BYTES} | both ways, authenticated and encrypted |
| ${C.MessageType.CookieReply} | CookieReply | ${C.COOKIE_REPLY_BYTES} | responder under load → initiator, instead of checking an Init |

### HandshakeInit (${C.HANDSHAKE_INIT_BYTES} bytes)

${fieldTable(INIT_FIELDS)}

### HandshakeResp (${C.HANDSHAKE_RESP_BYTES} bytes)

${fieldTable(RESP_FIELDS)}

### CookieReply (${C.COOKIE_REPLY_BYTES} bytes)

${fieldTable(COOKIE_FIELDS)}

\`cookie = HMAC-SHA256(secret, source)[0..${C.COOKIE_BYTES - 1}]\`, where \`source\` is the address the Init
came from (\`ip:port\` on UDP) and \`secret\` is random and replaced every ${C.COOKIE_SECRET_MS / 1000} s (a
cookie is valid under the current and the previous secret).

The labels are ASCII strings without terminator:
\`label_init = "${dec.decode(LABEL.handshakeInit)}"\`,
\`label_resp = "${dec.decode(LABEL.handshakeResp)}"\`,
\`label_mac1 = "${dec.decode(LABEL.mac1)}"\`,
\`label_cookie = "${dec.decode(LABEL.cookie)}"\`.

Both sides know the other's static key in advance (a neighbour is configured by its key or
address). The responder checks, cheapest first: size and header (\`hsMalformed\`), mac1
(\`hsBadMac\`: the Init was made for another responder), that \`static\` is the expected neighbour
(\`hsUnexpectedKey\`), that \`timestamp\` is above the last one accepted from this neighbour
(\`hsReplay\`, so a replayed Init costs no signature check), then its handshake budget: at most
${C.HANDSHAKE_RATE_PER_SEC} signature checks per second per link (a burst of ${C.HANDSHAKE_BURST}). When the budget
runs dry the link is **under load** until no Init without a valid mac2 has come for
${C.UNDER_LOAD_MS} ms: meanwhile an Init without a valid mac2 is answered with a CookieReply (at most
${C.COOKIE_REPLY_RATE_PER_SEC} per second) and dropped (\`hsUnderLoad\`), and one with a valid mac2 is checked
within a budget of its own (${C.COOKIE_HANDSHAKE_RATE_PER_SEC} per second, else \`hsRateLimited\`). Only then: that
\`ephemeral\` is a valid point (\`hsBadPoint\`) and the signature (\`hsBadSignature\`). An initiator that
receives a CookieReply for its pending attempt (\`receiver\`, and the tag under its last Inits' mac1,
else \`hsBadCookie\`) keeps the cookie and sends its Init again at once, with mac2. So a flood of
forged Inits from a spoofed address costs the responder a MAC per Init after the first burst,
while the real neighbour, which receives at that address, gets in after one extra round trip.
An attacker who can receive at the neighbour's address gets cookies too; it is then limited to
the budget's signature checks per second. The initiator checks that \`receiver\` names its
pending attempt (\`hsUnknownReceiver\`), its own budget (\`hsRateLimited\`), then the same key,
point and signature rules. Because each signature covers the other side's static key (Init) or
the whole transcript (Resp), a message made for one link cannot be replayed on another, and an
active attacker without a static secret key cannot take part.

### Generation-0 keys

\`\`\`
th        = SHA-256(label_resp ‖ Init ‖ Resp[0..77])
secret    = x(e_i · E_r) = x(e_r · E_i)                      (32 bytes)
okm       = HKDF-SHA256(ikm = secret, salt = th, info = "${dec.decode(LABEL.handshakeKeys)}", L = 96)
K_i2r     = okm[0..31]     initiator → responder
K_r2i     = okm[32..63]    responder → initiator
chain     = okm[64..95]    never used to encrypt; salt of the next rotation
\`\`\`

The initiator may send as soon as the Resp verifies: **one round trip**. Its first frame (a
Keepalive when it has no data) confirms the keys to the responder, which starts sending only then.

### Transport frame

${fieldTable(FRAME_FIELDS.map((f) => (f.name === 'tag' ? { ...f, offset: -1 } : f))).replace('| -1 |', '| end − 16 |').replace(`| ${C.FRAME_HEADER_BYTES} | 0 | \`body\``, `| ${C.FRAME_HEADER_BYTES} | n·16 | \`body\``)}

\`\`\`
key   = the sender's transmit key of \`generation\` (K_i2r or K_r2i of that generation)
nonce = 00 00 00 00 ‖ LE64(counter)                  (12 bytes)
aad   = header, bytes 0..${C.FRAME_HEADER_BYTES - 1}
body ‖ tag = ChaCha20-Poly1305-Seal(key, nonce, aad, inner)
\`\`\`

Inner message (the plaintext):

${fieldTable(INNER_FIELDS).replace(/\| -1 \| 0 \|/, '| 3 + length | 0..31 |').replace('| 3 | 0 | `payload`', '| 3 | length | `payload`')}

| Inner type | Name | Payload |
|---:|---|---|
${innerTypes}

A receiver processes a transport datagram in this order, and each failure increments exactly
one counter and drops the datagram (nothing is thrown, nothing is delivered):

1. length below ${C.MIN_FRAME_BYTES} → \`truncated\`; above ${C.MAX_FRAME_BYTES} → \`oversized\`;
   version, type, flags → \`badVersion\`, \`badType\`, \`badFlags\`; body not a multiple of 16 →
   \`badLength\`; counter ≥ 2^${Math.log2(C.COUNTER_LIMIT)} → \`counterLimit\`.
2. no session → \`noSession\`; \`receiver\` is not our session id → \`wrongPeer\`.
3. no live receive key for \`generation\` → \`wrongGeneration\`.
4. replay window: counter seen → \`replay\`; more than ${C.REPLAY_WINDOW_FRAMES} below the highest → \`tooOld\`
   (checked before decrypting, so a flood of old frames costs no cryptography).
5. tag → \`badTag\`; inner length/padding → \`badInner\`.
6. only now is the counter marked in the window (forgeries never move it), and the inner message is
   handled; an unknown inner type → \`unknownInner\`, a rekey message out of sequence → \`badRekey\`.

Reject counters: ${REJECT_REASONS.map((r) => `\`${r}\``).join(', ')}.

## Rotation

The handshake initiator leads rotations; the other side follows. Every
\`max(interval, 2 × smoothed RTT)\` after the previous agreement (interval ${C.DEFAULT_ROTATION_INTERVAL_MS} ms by default,
${C.MIN_ROTATION_INTERVAL_MS} ms to ${C.MAX_ROTATION_INTERVAL_MS / 60000} minutes), or at once when a transmit counter
reaches \`REKEY_AFTER_FRAMES\` (the follower asks with RekeyRequest), generation g+1 is agreed:

\`\`\`
leader                                              follower
  ── Transport(gen g){RekeyInit: g+1 ‖ E_i} ──────────▶  new e_r; keys(g+1); install rx(g+1), tx(g+1) as "next"
  ◀── Transport(gen g){RekeyResp: g+1 ‖ E_r} ──────────
keys(g+1); install rx(g+1); switch tx to g+1
  ── Transport(gen g+1){Keepalive or Data} ──────────▶  confirmation: switch tx to g+1
  ◀── Transport(gen g+1){Keepalive or Data} ──────────
retire rx(g) after max(${C.DRAIN_RTT_MULTIPLE}·srtt, ${C.MIN_DRAIN_MS} ms)           retire rx(g) likewise

secret(g+1) = x(e_i · E_r)
okm         = HKDF-SHA256(ikm = secret(g+1), salt = chain(g),
                          info = "${dec.decode(LABEL.rotationKeys)}" ‖ u32 BE(g+1) ‖ E_i ‖ E_r, L = 96)
K_i2r(g+1) ‖ K_r2i(g+1) ‖ chain(g+1) = okm
\`\`\`

The previous key material (\`chain\`) is hashed into every new key, and each rotation adds a fresh
ephemeral-ephemeral secret: someone who learns one generation's keys and only listens cannot derive
the next (the ephemeral secrets never leave the nodes), and learning a new secret alone is useless
without the chain. An attacker holding a generation's keys must stay in the path and forge every
later rotation to keep reading; a fresh handshake, which is signed by the static keys, ends that. Rekey messages travel inside authenticated frames, so they need no
signatures. A sender switches to a new transmit key only after the receiver has shown it holds the
matching receive key (RekeyResp, or the leader's first frame under g+1). Lost rekey messages are
repeated on timeout (the follower repeats its cached RekeyResp for the same E_i); the RTO backs off
exponentially, ${C.LINK_RTO.minMs}..${C.LINK_RTO.maxMs} ms, starting at ${C.LINK_RTO.initialMs} ms. Lost handshake Inits are repeated the
same way (re-signed with a new timestamp); the responder answers a repeated attempt with its cached Resp,
and ignores (\`hsReplay\`) a repeat that arrives after the session was confirmed. When a rotation stays
unanswered after \`MAX_REKEY_RETRIES\` repeats, the leader assumes the follower restarted and starts a new
handshake; a fresh, authenticated Init replaces the responder's session.
At most two generations per direction are live, so \`generation & 1\` selects a key slot.

## Key slots

The session logic publishes keys to a key sink: the software datapath today, the FPGA's key RAM
later. \`publish({ peer, direction: 'tx' | 'rx', generation, key (32 bytes), role: 'current' | 'next' })\`
and \`retire({ peer, direction, generation })\`. A hardware sink addresses slot
\`peer·4 + (rx ? 2 : 0) + (generation & 1)\` (e.g. peer 3, rx, generation 5 → slot ${keySlotIndex({ peer: 3, direction: 'rx', generation: 5 })}); the
counter of a transmit key starts at 0 when it is first published and is never reset while the key lives.

## Limits and timers

${constantsTable()}

## Implementation map

| File | Concept |
|---|---|
| \`host/identity/identity.ts\`, \`address.ts\`, \`base58.ts\`, \`keyfile.ts\` | key pairs, signatures, addresses, key files |
| \`host/crypto/aead.ts\`, \`ecdh.ts\`, \`backend.ts\` | ChaCha20-Poly1305 and secp256k1 ECDH, @noble and node:crypto backends |
| \`host/crypto/kdf.ts\` | HKDF, labels, generation-0 and rotation key derivation |
| \`host/link/constants.ts\` | every size, limit and timer above |
| \`host/link/handshake.ts\` | HandshakeInit / HandshakeResp codec, signatures, transcript, mac1 and mac2 |
| \`host/link/cookie.ts\` | the responder's cookie secret, CookieReply codec |
| \`host/link/token-bucket.ts\` | the handshake budgets (and the route layer's rate limits) |
| \`host/link/frame.ts\` | transport frame codec, nonce, padding |
| \`host/link/rekey.ts\` | rotation messages inside frames |
| \`host/link/rtt.ts\` | RTT estimate and retransmission timeout (RFC 6298) |
| \`host/link/replay-window.ts\` | RFC 6479 window |
| \`host/link/key-sink.ts\`, \`key-ram.ts\` | key-slot interface and a model of the hardware key RAM |
| \`host/link/datapath.ts\` | software datapath: published keys, counters, windows, seal/open |
| \`host/link/session.ts\` | handshake, rotation and confirmation state machine (no I/O) |
| \`host/link/config.ts\`, \`stats.ts\` | validated settings, counters |
| \`host/link/udp-transport.ts\` | thin UDP driver: socket buffers, kernel drop accounting |

## Worked example

Generated with a fixed seed; every value below is reproduced by the test suite. Secret keys are
derived from the seed and are public, of course: never use them.

Initiator static key \`${bytesToHex(net.idA.publicKey)}\`, responder static key \`${bytesToHex(net.idB.publicKey)}\`.

### HandshakeInit

${hexDump(init)}

${fieldValues(init, INIT_FIELDS)}

### HandshakeResp

${hexDump(resp)}

${fieldValues(resp, RESP_FIELDS)}

Resulting keys: \`K_i2r(0) = ${bytesToHex(keyOf('tx', 0))}\`, \`K_r2i(0) = ${bytesToHex(keyOf('rx', 0))}\`.

### First frame: Keepalive (generation ${ka.h.generation}, counter ${ka.h.counter})

${hexDump(keepalive)}

Plaintext (inner message, padded): \`${bytesToHex(ka.body)}\`; nonce \`${bytesToHex(frameNonce(ka.h.counter))}\`.

### Data frame: "hello, neighbour" (generation ${dt.h.generation}, counter ${dt.h.counter})

${hexDump(data)}

${fieldValues(data, frameFieldsFor(data))}

Plaintext: \`${bytesToHex(dt.body)}\` (inner type ${dt.inner.innerType}, length ${dt.inner.payload.length}, ${dt.body.length - 3 - dt.inner.payload.length} bytes of padding).

### RekeyInit (generation ${rk.h.generation}, counter ${rk.h.counter})

${hexDump(rekey)}

Plaintext: \`${bytesToHex(rk.body)}\`: announces generation ${new DataView(rk.inner.payload.buffer, rk.inner.payload.byteOffset).getUint32(0)} with E_i = \`${bytesToHex(rk.inner.payload.subarray(4))}\`.
After this rotation: \`K_i2r(1) = ${bytesToHex(keyOf('tx', 1))}\`, \`K_r2i(1) = ${bytesToHex(keyOf('rx', 1))}\`.
${safProtocolSection()}${meshProtocolSection()}${tunnelProtocolSection()}`;
}
