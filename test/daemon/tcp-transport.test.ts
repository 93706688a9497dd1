// The TCP link transport: datagram framing on a byte stream (every split point, merged
// chunks, impossible lengths), the dialler preamble, and a Link that survives its
// connection being dropped (the dialling end reconnects and traffic continues).
import { createConnection } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeBackend } from '../../host/crypto/backend.ts';
import { generateIdentity, type Identity } from '../../host/identity/identity.ts';
import { SoftwareDatapath } from '../../host/link/datapath.ts';
import { Link } from '../../host/link/session.ts';
import {
  encodePreamble,
  encodeStreamFrame,
  MAX_STREAM_DATAGRAM_BYTES,
  StreamDeframer,
  STREAM_PREAMBLE_BYTES,
  TcpEndpoint,
} from '../../host/link/tcp-transport.ts';
import { Rng } from '../../sim/random.ts';
import { until } from './support/until.ts';

function datagrams(rng: Rng, n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => {
    const len = i === 0 ? 1 : i === 1 ? MAX_STREAM_DATAGRAM_BYTES : rng.int(1, 300);
    return rng.bytes(len);
  });
}

describe('stream framing', () => {
  it('frames as a big-endian u16 length then the bytes', () => {
    expect([...encodeStreamFrame(Uint8Array.of(9, 8, 7))]).toEqual([0, 3, 9, 8, 7]);
    expect([...encodeStreamFrame(new Uint8Array(300)).subarray(0, 2)]).toEqual([1, 44]);
    expect(() => encodeStreamFrame(new Uint8Array(0))).toThrow(RangeError);
    expect(() => encodeStreamFrame(new Uint8Array(MAX_STREAM_DATAGRAM_BYTES + 1))).toThrow(RangeError);
  });

  it('reassembles the same datagrams whatever the read sizes (one byte at a time, random, all at once)', () => {
    const rng = new Rng(7);
    const sent = datagrams(rng, 40);
    const stream = new Uint8Array(Buffer.concat(sent.map(encodeStreamFrame)));
    for (const chunking of ['bytes', 'random', 'whole'] as const) {
      const d = new StreamDeframer();
      const got: Uint8Array[] = [];
      for (let at = 0; at < stream.length; ) {
        const n = chunking === 'bytes' ? 1 : chunking === 'whole' ? stream.length : rng.int(1, 700);
        const r = d.push(stream.subarray(at, at + n));
        if (r === 'badLength') throw new Error('framing error');
        got.push(...r);
        at += n;
      }
      expect(got, chunking).toEqual(sent);
      expect(d.pending).toBe(0);
    }
  });

  it('holds back a partial frame until the rest arrives', () => {
    const d = new StreamDeframer();
    const f = encodeStreamFrame(Uint8Array.of(1, 2, 3, 4));
    expect(d.push(f.subarray(0, 1))).toEqual([]);
    expect(d.push(f.subarray(1, 4))).toEqual([]);
    expect(d.pending).toBe(4);
    expect(d.push(f.subarray(4))).toEqual([Uint8Array.of(1, 2, 3, 4)]);
  });

  it('refuses a zero or oversized length, and stays refused (no resync on a stream)', () => {
    const d = new StreamDeframer();
    expect(d.push(Uint8Array.of(0, 0, 5))).toBe('badLength');
    expect(d.push(encodeStreamFrame(Uint8Array.of(1)))).toBe('badLength');
    const big = MAX_STREAM_DATAGRAM_BYTES + 1;
    expect(new StreamDeframer().push(Uint8Array.of(big >> 8, big & 0xff))).toBe('badLength');
  });
});

interface End {
  id: Identity;
  ep: TcpEndpoint;
  link: Link;
  got: Uint8Array[];
}

async function pair(): Promise<[End, End]> {
  const ids = [generateIdentity(), generateIdentity()];
  const eps = await Promise.all(ids.map((id) => TcpEndpoint.listen({ publicKey: id.publicKey })));
  const ends = ids.map((id, i) => {
    const peer = ids[1 - i];
    const got: Uint8Array[] = [];
    const io = eps[i].io(peer.publicKey, (p) => got.push(p));
    const link = new Link(
      { identity: id, peerPublicKey: peer.publicKey, role: i === 0 ? 'initiator' : 'responder', linkId: 0, backend: nodeBackend },
      new SoftwareDatapath(nodeBackend.aead),
      io,
    );
    return { id, ep: eps[i], link, got };
  }) as [End, End];
  // The initiator dials the responder's listening port; the responder only accepts.
  ends[1].ep.attach(ends[0].id.publicKey, ends[1].link);
  ends[0].ep.attach(ends[1].id.publicKey, ends[0].link, { host: '127.0.0.1', port: ends[1].ep.port });
  for (const e of ends) e.ep.startTimers(2);
  ends[0].link.start(performance.now());
  return ends;
}


describe('TCP link transport', { timeout: 15_000 }, () => {
  let ends: End[] = [];
  afterEach(async () => {
    await Promise.all(ends.map((e) => e.ep.close()));
    ends = [];
  });

  it('carries a link handshake and payloads both ways, then survives a dropped connection', async () => {
    ends = await pair();
    const [a, b] = ends;
    await until('both ends established', () => a.link.state === 'established' && b.link.state === 'established');
    const rng = new Rng(3);
    const toB = Array.from({ length: 50 }, () => rng.bytes(rng.int(1, 1000)));
    for (const p of toB) expect(a.link.send(p, performance.now())).toBe(true);
    b.link.send(Uint8Array.of(42), performance.now());
    await until('payloads delivered', () => b.got.length === toB.length && a.got.length === 1);
    expect(b.got).toEqual(toB);
    expect(a.got).toEqual([Uint8Array.of(42)]);
    expect(a.ep.counters.dials).toBe(1);
    expect(b.ep.counters.accepts).toBe(1);

    // Drop the connection from the listening side: the dialler notices and dials again; the
    // link session (keys, counters) carries on over the new connection.
    b.ep.disconnect(a.id.publicKey);
    await until('reconnected', () => a.ep.counters.dials === 2 && b.ep.connected(a.id.publicKey) && a.ep.connected(b.id.publicKey));
    const handshakes = a.link.stats.handshakesCompleted;
    a.link.send(Uint8Array.of(1, 2, 3), performance.now());
    await until('payload after reconnect', () => b.got.length === toB.length + 1);
    expect(b.got.at(-1)).toEqual(Uint8Array.of(1, 2, 3));
    expect(a.link.stats.handshakesCompleted).toBe(handshakes);
    expect(b.ep.counters.framingErrors).toBe(0);
  });

  it('refuses connections with a bad preamble or an unknown key, and drops a stream with a bad length', async () => {
    ends = await pair();
    const [a, b] = ends;
    await until('established', () => a.link.state === 'established' && b.link.state === 'established');
    // Connects, writes, and waits until the endpoint closes the connection or 300 ms pass.
    const dial = (bytes: Uint8Array) =>
      new Promise<void>((resolve) => {
        const s = createConnection({ host: '127.0.0.1', port: b.ep.port }, () => s.write(bytes));
        const t = setTimeout(() => s.destroy(), 300);
        s.on('error', () => {});
        s.on('close', () => {
          clearTimeout(t);
          resolve();
        });
      });
    await dial(new Uint8Array(STREAM_PREAMBLE_BYTES)); // wrong magic
    await dial(encodePreamble(generateIdentity().publicKey)); // nobody we know
    expect(b.ep.counters.refused).toBe(2);
    // A connection claiming to be `a` cannot take over a's working connection (only an
    // authentic frame would make it a's); an impossible frame length drops it.
    await dial(Uint8Array.from([...encodePreamble(a.id.publicKey), 0xff, 0xff]));
    expect(b.ep.counters.framingErrors).toBe(1);
    await dial(Uint8Array.from([...encodePreamble(a.id.publicKey), ...encodeStreamFrame(new Uint8Array(100))]));
    expect(a.ep.counters.dials).toBe(1);
    expect(b.ep.connected(a.id.publicKey)).toBe(true);
    a.link.send(Uint8Array.of(7), performance.now());
    await until('payload', () => b.got.length === 1);
  });
});
