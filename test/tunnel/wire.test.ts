// The tunnel's messages: every type round-trips, anything malformed decodes to undefined, and a
// join signature made for one route's nonce is worth nothing on another.
import { describe, expect, it } from 'vitest';
import { generateIdentity, signDigest, verifyDigest } from '../../host/identity/identity.ts';
import { authDigest, decodeTunnel, encodeTunnel, TUNNEL_MTU, TunnelMsg, type TunnelMessage } from '../../host/tunnel/wire.ts';
import { MAX_DATAGRAM_BYTES } from '../../spec/route-wire.ts';

const b = (n: number, v = 1) => new Uint8Array(n).fill(v);

describe('tunnel wire', () => {
  const client = generateIdentity();
  const all: TunnelMessage[] = [
    { type: TunnelMsg.Hello },
    { type: TunnelMsg.Challenge, nonce: b(32, 7) },
    { type: TunnelMsg.Auth, clientKey: client.publicKey, session: b(16, 2), capacityKBps: 500, signature: b(64, 3) },
    { type: TunnelMsg.Welcome, session: b(16, 2), address: 0x0a630002, prefixLength: 32, gateway: 0x0a630001, dns: 0x0a630001, mtu: TUNNEL_MTU },
    { type: TunnelMsg.Refuse, reason: 1 },
    { type: TunnelMsg.Packet, seq: 0xfffffffe, packet: b(TUNNEL_MTU, 9) },
    { type: TunnelMsg.Report, received: 12, bytes: 2 ** 40, highestSeq: 13, sentAt: 1234.5, echo: 1000.25, held: 3 },
    { type: TunnelMsg.Bye, session: b(16, 2) },
  ];

  it('round-trips every message; a full Packet fills exactly one route datagram', () => {
    for (const m of all) expect(decodeTunnel(encodeTunnel(m))).toEqual(m);
    expect(encodeTunnel(all[5]).length).toBe(MAX_DATAGRAM_BYTES);
  });

  it('rejects truncation, trailing bytes, unknown types, an empty Packet and an impossible Welcome', () => {
    for (const m of all) {
      const e = encodeTunnel(m);
      if (m.type !== TunnelMsg.Hello && m.type !== TunnelMsg.Packet) expect(decodeTunnel(e.subarray(0, e.length - 1)), `short ${m.type}`).toBeUndefined();
      if (m.type !== TunnelMsg.Packet) expect(decodeTunnel(Uint8Array.from([...e, 0])), `long ${m.type}`).toBeUndefined();
    }
    expect(decodeTunnel(Uint8Array.of(0))).toBeUndefined();
    expect(decodeTunnel(Uint8Array.of(99, 1, 2))).toBeUndefined();
    expect(decodeTunnel(Uint8Array.of(TunnelMsg.Packet, 0, 0, 0, 1))).toBeUndefined();
    expect(decodeTunnel(new Uint8Array(0))).toBeUndefined();
    const w = encodeTunnel(all[3]);
    w[21] = 33; // prefix length (after type, session, address)
    expect(decodeTunnel(w)).toBeUndefined();
  });

  it('a join signature binds the gateway, the nonce, the client key and the session', () => {
    const gw = generateIdentity().publicKey;
    const nonce = b(32, 5);
    const session = b(16, 6);
    const sig = signDigest(client, authDigest(gw, nonce, client.publicKey, session));
    expect(verifyDigest(client.publicKey, authDigest(gw, nonce, client.publicKey, session), sig)).toBe(true);
    expect(verifyDigest(client.publicKey, authDigest(gw, b(32, 4), client.publicKey, session), sig)).toBe(false);
    expect(verifyDigest(client.publicKey, authDigest(generateIdentity().publicKey, nonce, client.publicKey, session), sig)).toBe(false);
    expect(verifyDigest(client.publicKey, authDigest(gw, nonce, client.publicKey, b(16, 7)), sig)).toBe(false);
  });
});
