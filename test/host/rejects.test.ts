// Bad input is rejected and counted, never thrown and never delivered.
import { describe, expect, it } from 'vitest';
import { nodeBackend } from '../../host/crypto/backend.ts';
import { generateKeyPair } from '../../host/crypto/ecdh.ts';
import { osRandom } from '../../host/crypto/random.ts';
import { generateIdentity } from '../../host/identity/identity.ts';
import { InnerType, MessageType } from '../../spec/link-wire.ts';
import { readFrameHeader, sealFrame } from '../../host/link/frame.ts';
import { buildInit, buildResp, parseInit, writeInitMacs } from '../../host/link/handshake.ts';
import { totalRejected } from '../../host/link/stats.ts';
import { runFuzz } from '../../testbed/link-fuzz.ts';
import { checkPayload, numberedPayload, SimNet } from '../../testbed/sim-link.ts';

function established(): SimNet {
  const net = new SimNet({ latencyMs: 2 });
  net.a.start(0);
  net.runUntil(() => net.b.state === 'established', 1000);
  return net;
}

function lastDataFrame(net: SimNet): Uint8Array {
  net.a.send(numberedPayload(999, 64), net.now);
  net.run(net.now + 5);
  return net.wireLog.filter((w) => w.from === 'a' && w.bytes[1] === MessageType.Transport).at(-1)!.bytes;
}

/** A valid frame that B has not seen yet (intercepted on the wire), so tampering is what gets caught. */
function interceptedFrame(net: SimNet): Uint8Array {
  const hook = net.hook;
  net.hook = (w) => (w.from === 'a' ? [] : [{ bytes: w.bytes, extraDelay: 0 }]);
  const f = lastDataFrame(net);
  net.hook = hook;
  return f;
}

/** Injects `bytes` into B and returns which reject counters moved. */
function rejectOf(net: SimNet, bytes: Uint8Array): string[] {
  const before = { ...net.b.stats.rejected };
  const delivered = net.delivered.b.length;
  expect(() => net.inject('b', bytes)).not.toThrow();
  expect(net.delivered.b.length).toBe(delivered);
  return Object.entries(net.b.stats.rejected)
    .filter(([k, v]) => v !== before[k as keyof typeof before])
    .map(([k]) => k);
}

describe('transport frames', () => {
  it('rejects a replayed frame', () => {
    const net = established();
    const f = lastDataFrame(net);
    expect(net.delivered.b.length).toBe(1);
    expect(rejectOf(net, f)).toEqual(['replay']);
    const t = f.slice();
    t[30] ^= 1;
    expect(rejectOf(net, t)).toEqual(['replay']); // cheap reject before any decryption
  });

  it('rejects tampered frames (body, tag, header fields)', () => {
    const net = established();
    const f = interceptedFrame(net);
    const cases: Array<[number, string]> = [
      [30, 'badTag'], // body
      [f.length - 1, 'badTag'], // tag
      [14, 'badTag'], // counter (authenticated as AAD)
      [0, 'badVersion'],
      [1, 'badType'],
      [2, 'badFlags'],
      [5, 'wrongPeer'], // receiver id
      [9, 'wrongGeneration'],
    ];
    for (const [pos, reason] of cases) {
      const t = f.slice();
      t[pos] ^= 0x40;
      expect(rejectOf(net, t), `byte ${pos}`).toEqual([reason]);
    }
  });

  it('rejects truncated and oversized frames', () => {
    const net = established();
    const f = interceptedFrame(net);
    expect(rejectOf(net, f.subarray(0, 1))).toEqual(['truncated']);
    expect(rejectOf(net, f.subarray(0, 40))).toEqual(['truncated']);
    expect(rejectOf(net, f.subarray(0, f.length - 5))).toEqual(['badLength']);
    expect(rejectOf(net, f.subarray(0, f.length - 16))).toEqual(['badTag']);
    expect(rejectOf(net, new Uint8Array([...f, ...new Uint8Array(1500)]))).toEqual(['oversized']);
    expect(rejectOf(net, new Uint8Array(0))).toEqual(['truncated']);
  });

  it('rejects frames of an unknown or retired generation', () => {
    const net = established();
    const old = lastDataFrame(net);
    net.run(net.now + 2500); // two rotations: generation 0 is retired
    expect(net.a.generation).toBe(2);
    expect(rejectOf(net, old)).toEqual(['wrongGeneration']);
    const h = readFrameHeader(old);
    if (typeof h === 'string') throw new Error(h);
    const forged = sealFrame(nodeBackend.aead, osRandom(32), { ...h, generation: 77, counter: 5 }, InnerType.Data, new Uint8Array(10), 16);
    expect(rejectOf(net, forged)).toEqual(['wrongGeneration']);
    // Right generation, wrong key (an attacker guessing): authentication fails.
    const guess = sealFrame(nodeBackend.aead, osRandom(32), { ...h, generation: 2, counter: 5 }, InnerType.Data, new Uint8Array(10), 16);
    expect(rejectOf(net, guess)).toEqual(['badTag']);
  });

  it('rejects frames of another peer’s session', () => {
    const net = established();
    const other = new SimNet({ latencyMs: 2, seed: 'another link' }); // its own identities, ids and keys
    other.a.start(0);
    other.runUntil(() => other.b.state === 'established', 1000);
    const f = lastDataFrame(other);
    expect(rejectOf(net, f)).toEqual(['wrongPeer']);
  });

  it('keeps working after all of that', () => {
    const net = established();
    const f = lastDataFrame(net);
    for (let i = 0; i < 100; i++) {
      const t = f.slice();
      t[20 + (i % 40)] ^= 1 + (i % 255);
      net.inject('b', t);
    }
    net.a.send(numberedPayload(5, 100), net.now);
    net.run(net.now + 5);
    expect(checkPayload(net.delivered.b.at(-1)!)).toBe(5);
  });
});

describe('handshakes', () => {
  it('rejects an Init from an unexpected static key, and one claiming the right key with the wrong signature', () => {
    const net = established();
    const mallory = generateIdentity();
    const eph = generateKeyPair(nodeBackend.ecdh, osRandom);
    const own = buildInit({ identity: mallory, responderStatic: net.idB.publicKey, sender: 9, timestamp: Date.now() * 1000 * 2, ephemeralPublic: eph.publicKey });
    expect(rejectOf(net, own)).toEqual(['hsUnexpectedKey']);
    const claimed = own.slice();
    claimed.set(net.idA.publicKey, 16); // claims to be A, but the signature is Mallory's
    expect(rejectOf(net, claimed)).toEqual(['hsBadMac']); // mac1 covered the key Mallory put there
    writeInitMacs(claimed, net.idB.publicKey); // anyone may recompute mac1: B's key is public
    expect(rejectOf(net, claimed)).toEqual(['hsBadSignature']);
    expect(net.b.state).toBe('established');
  });

  it('rejects an Init signed by A for someone else (not bound to B)', () => {
    const net = established();
    const eph = generateKeyPair(nodeBackend.ecdh, osRandom);
    const forOther = buildInit({ identity: net.idA, responderStatic: generateIdentity().publicKey, sender: 9, timestamp: Date.now() * 1000 * 2, ephemeralPublic: eph.publicKey });
    expect(rejectOf(net, forOther)).toEqual(['hsBadMac']); // mac1 shows it was made for someone else, before any signature check
    writeInitMacs(forOther, net.idB.publicKey);
    expect(rejectOf(net, forOther)).toEqual(['hsBadSignature']);
  });

  it('rejects a replayed Init', () => {
    const net = established();
    const init = net.wireLog.find((w) => w.bytes[1] === MessageType.HandshakeInit)!.bytes;
    expect(rejectOf(net, init)).toEqual(['hsReplay']);
    expect(net.b.state).toBe('established');
  });

  it('rejects a Resp signed by an unexpected key', () => {
    const net = new SimNet({ latencyMs: 5 });
    net.hook = () => []; // B's real answer never arrives
    net.a.start(0);
    net.run(1);
    const init = parseInit(net.wireLog[0].bytes);
    if (typeof init === 'string') throw new Error(init);
    const mallory = generateIdentity();
    const eph = generateKeyPair(nodeBackend.ecdh, osRandom);
    const resp = buildResp({ identity: mallory, init: init.bytes, sender: 1, receiver: init.sender, ephemeralPublic: eph.publicKey });
    const before = totalRejected(net.a.stats);
    net.inject('a', resp);
    expect(net.a.stats.rejected.hsUnexpectedKey).toBe(1);
    const claimed = resp.slice();
    claimed.set(net.idB.publicKey, 12);
    net.inject('a', claimed);
    expect(net.a.stats.rejected.hsBadSignature).toBe(1);
    expect(totalRejected(net.a.stats)).toBe(before + 2);
    expect(net.a.state).toBe('handshaking');
  });
});

describe('fuzz (short; the benchmark runs 1,000,000)', () => {
  it('rejects and counts every random or mutated datagram exactly once', () => {
    const r = runFuzz(30_000, 7);
    expect(r.thrown).toBe(0);
    expect(r.delivered).toBe(0);
    expect(r.rejected).toBe(r.inputs);
    expect(Object.keys(r.byReason).length).toBeGreaterThan(8);
  });
});
