// Link sessions in a deterministic simulated network: bring-up time, rotation with
// confirmation, RTT-scaled intervals, retransmission, counter exhaustion and key slots.
import { describe, expect, it } from 'vitest';
import { nobleBackend, nodeBackend } from '../../host/crypto/backend.ts';
import { generateIdentity } from '../../host/identity/identity.ts';
import { MessageType } from '../../spec/link-wire.ts';
import { SoftwareDatapath } from '../../host/link/datapath.ts';
import { readFrameHeader } from '../../host/link/frame.ts';
import { RttEstimator } from '../../host/link/rtt.ts';
import { Link } from '../../host/link/session.ts';
import { totalRejected } from '../../host/link/stats.ts';
import { checkPayload, numberedPayload, SimNet, type Side } from '../../testbed/sim-link.ts';
import { LINK_RTO } from '../../host/link/constants.ts';

function up(net: SimNet): void {
  net.a.start(net.now);
  net.runUntil(() => net.a.state === 'established' && net.b.state === 'established', 10_000);
  expect(net.a.state).toBe('established');
  expect(net.b.state).toBe('established');
}

/** Sends one numbered payload each way every `everyMs`. */
function traffic(net: SimNet, everyMs: number, size = 100) {
  const sent = { a: 0, b: 0 };
  return {
    sent,
    each: (t: number) => {
      if (t % everyMs) return;
      for (const s of ['a', 'b'] as Side[]) if (net.link(s).send(numberedPayload(sent[s], size), t)) sent[s]++;
    },
  };
}

function deliveredSeqs(net: SimNet, side: Side): number[] {
  return net.delivered[side].map((p) => {
    const seq = checkPayload(p);
    if (seq === null) throw new Error('misdecrypted payload');
    return seq;
  });
}

describe.each([
  ['node', 'noble'],
  ['noble', 'node'],
] as const)('link session (initiator %s, responder %s)', (ba, bb) => {
  const backends = [ba === 'node' ? nodeBackend : nobleBackend, bb === 'node' ? nodeBackend : nobleBackend] as const;

  it('comes up within one round trip for the initiator, 1.5 for the responder', () => {
    const net = new SimNet({ latencyMs: 25, backends: [...backends] });
    net.a.start(0);
    net.run(49);
    expect(net.a.state).toBe('handshaking');
    net.run(50);
    expect(net.a.state).toBe('established');
    expect(net.b.state).toBe('awaitingConfirm');
    net.run(75);
    expect(net.b.state).toBe('established');
    expect(net.a.smoothedRttMs).toBe(50);
  });

  it('rotates every second under traffic in both directions without losing a frame', () => {
    const net = new SimNet({ latencyMs: 10, backends: [...backends] });
    up(net);
    const tr = traffic(net, 3);
    net.run(net.now + 10_500, tr.each);
    tr.each(0);
    net.run(net.now + 100);
    expect(net.a.stats.rotations).toBeGreaterThanOrEqual(9);
    expect(net.a.stats.rotations).toBeLessThanOrEqual(11);
    expect(net.b.stats.rotations).toBe(net.a.stats.rotations);
    expect(net.a.generation).toBe(net.a.stats.rotations);
    for (const s of ['a', 'b'] as Side[]) {
      const seqs = deliveredSeqs(net, s === 'a' ? 'b' : 'a');
      expect(seqs).toEqual([...Array(tr.sent[s]).keys()]);
    }
    expect(totalRejected(net.a.stats) + totalRejected(net.b.stats)).toBe(0);
  });
});

describe('rotation protocol', () => {
  it('switches a transmit key only after the peer published the matching receive key', () => {
    const net = new SimNet({ latencyMs: 7 });
    up(net);
    const tr = traffic(net, 5);
    net.run(net.now + 6_000, tr.each);
    const log = net.keyLog;
    let checked = 0;
    for (const [side, peer] of [['a', 'b'], ['b', 'a']] as const) {
      for (const e of log.filter((x) => x.side === side && x.op === 'publish' && x.direction === 'tx' && x.role === 'current')) {
        const rxIdx = log.findIndex((x) => x.side === peer && x.op === 'publish' && x.direction === 'rx' && x.generation === e.generation);
        expect(rxIdx).toBeGreaterThanOrEqual(0);
        expect(rxIdx).toBeLessThan(log.indexOf(e));
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('keeps at most two receive and two transmit generations live (key slot = generation & 1)', () => {
    const net = new SimNet({ latencyMs: 3, link: { rotationIntervalMs: 100 } });
    up(net);
    const tr = traffic(net, 2);
    const live = { a: { tx: new Set<number>(), rx: new Set<number>() }, b: { tx: new Set<number>(), rx: new Set<number>() } };
    let seen = 0;
    net.run(net.now + 3000, (t) => {
      tr.each(t);
      for (; seen < net.keyLog.length; seen++) {
        const e = net.keyLog[seen];
        const set = live[e.side][e.direction];
        if (e.op === 'publish') set.add(e.generation);
        else set.delete(e.generation);
        expect(set.size).toBeLessThanOrEqual(2);
        if (set.size === 2) {
          const [x, y] = [...set];
          expect((x & 1) !== (y & 1)).toBe(true);
        }
      }
    });
    expect(net.a.stats.rotations).toBeGreaterThan(20);
  });

  it('retires the old receive key after the drain time', () => {
    const net = new SimNet({ latencyMs: 5 });
    up(net);
    net.run(net.now + 1100);
    expect(net.a.generation).toBe(1);
    const retiredAt = net.keyLog.find((e) => e.side === 'a' && e.op === 'retire' && e.direction === 'rx' && e.generation === 0);
    expect(retiredAt).toBeDefined();
    expect(net.dpA.rxGenerations(3)).toEqual([1]);
  });

  it('stretches the interval to twice the RTT when that is longer than the configured interval', () => {
    const net = new SimNet({ latencyMs: 700 });
    up(net);
    // The handshake's Init was retransmitted (initial RTO 200 ms < RTT), so it gave no RTT
    // sample; the backed-off RTO lets the first rotation measure the path.
    net.run(net.now + 5000);
    expect(net.a.smoothedRttMs).toBe(1400);
    expect(net.a.effectiveIntervalMs).toBe(2800);
    const times: number[] = [];
    let last = net.a.stats.rotations;
    net.run(net.now + 30_000, (t) => {
      if (net.a.stats.rotations !== last) {
        last = net.a.stats.rotations;
        times.push(t);
      }
    });
    expect(times.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(2800);
  });
});

describe('loss and retransmission', () => {
  it('retransmits lost handshake Inits with exponential backoff', () => {
    const net = new SimNet({ latencyMs: 10 });
    let inits = 0;
    const sentAt: number[] = [];
    net.hook = (w) => {
      if (w.bytes[1] === MessageType.HandshakeInit) {
        sentAt.push(w.at);
        if (inits++ < 3) return [];
      }
      return [{ bytes: w.bytes, extraDelay: 0 }];
    };
    net.a.start(0);
    net.runUntil(() => net.a.state === 'established', 10_000);
    expect(sentAt).toEqual([0, 200, 600, 1400]);
    expect(net.now).toBe(1420);
    expect(net.a.stats.handshakeRetransmits).toBe(3);
  });

  it('answers a retransmitted Init with the same response when the first response was lost', () => {
    const net = new SimNet({ latencyMs: 10 });
    let resps = 0;
    net.hook = (w) => (w.bytes[1] === MessageType.HandshakeResp && resps++ === 0 ? [] : [{ bytes: w.bytes, extraDelay: 0 }]);
    up(net);
    expect(resps).toBe(2);
    expect(net.wireLog[1].bytes).toEqual(net.wireLog[3].bytes); // resp #1 (lost) == resp #2
    expect(net.b.stats.handshakesCompleted).toBe(1);
  });

  it('completes a rotation when its messages are lost for a while', () => {
    const net = new SimNet({ latencyMs: 10 });
    up(net);
    const start = net.now;
    // Black out B -> A around the first rotation: the RekeyResp and its repeats are lost.
    net.hook = (w) => (w.from === 'b' && w.at > start + 980 && w.at < start + 1300 ? [] : [{ bytes: w.bytes, extraDelay: 0 }]);
    const tr = traffic(net, 4);
    net.run(net.now + 3_000, tr.each);
    expect(net.a.stats.rekeyRetransmits).toBeGreaterThan(0);
    expect(net.a.stats.rotations).toBeGreaterThanOrEqual(2);
    expect(net.b.generation).toBe(net.a.generation);
    const seqs = deliveredSeqs(net, 'a');
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('with random loss, duplication and reordering delivers every frame at most once', () => {
    const net = new SimNet({ latencyMs: 8, link: { rotationIntervalMs: 100 }, seed: 'lossy' });
    let x = 12345;
    const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
    net.hook = (w) => {
      const r = rnd();
      if (r < 0.1) return [];
      const copies = [{ bytes: w.bytes, extraDelay: Math.floor(rnd() * 12) }];
      if (r > 0.9) copies.push({ bytes: w.bytes, extraDelay: Math.floor(rnd() * 30) });
      return copies;
    };
    up(net);
    const tr = traffic(net, 2);
    net.run(net.now + 8_000, tr.each);
    net.hook = null;
    net.run(net.now + 500);
    for (const s of ['a', 'b'] as Side[]) {
      const seqs = deliveredSeqs(net, s);
      expect(new Set(seqs).size).toBe(seqs.length);
      const sent = tr.sent[s === 'a' ? 'b' : 'a'];
      expect(seqs.every((q) => q < sent)).toBe(true);
      expect(seqs.length).toBeGreaterThan(sent * 0.8);
    }
    expect(net.a.stats.rotations).toBeGreaterThan(20);
    expect(net.a.stats.rejected.replay + net.b.stats.rejected.replay).toBeGreaterThan(0);
  });
});

describe('rotation under heavy loss', () => {
  it('keeps a working link up through lost rotation messages at 50% loss each way', () => {
    const net = new SimNet({ latencyMs: 10, seed: 'heavy-loss' });
    let x = 777;
    const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
    up(net);
    net.hook = (w) => (rnd() < 0.5 ? [] : [{ bytes: w.bytes, extraDelay: 0 }]);
    const tr = traffic(net, 5);
    net.run(net.now + 60_000, tr.each);
    // One handshake for the whole minute: lost rotations were retried, not treated as a dead peer.
    expect(net.a.stats.handshakesCompleted).toBe(1);
    expect(net.b.stats.handshakesCompleted).toBe(1);
    // Keys still rotate, only slower: each exchange needs several tries at this loss.
    expect(net.a.stats.rotations).toBeGreaterThanOrEqual(3);
    expect(deliveredSeqs(net, 'b').length).toBeGreaterThan(tr.sent.a * 0.4);
  });

  it('rotates about every second at 50% loss each way, idle or busy, with idle keepalives and no new session', () => {
    for (const busy of [false, true]) {
      const net = new SimNet({ latencyMs: 10, seed: `rotation-50-${busy}`, link: { idleKeepaliveMs: 100 } });
      let x = busy ? 4242 : 2424;
      const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
      up(net);
      net.hook = (w) => (rnd() < 0.5 ? [] : [{ bytes: w.bytes, extraDelay: 0 }]);
      const tr = traffic(net, 5);
      const before = net.a.stats.rotations;
      net.run(net.now + 60_000, busy ? tr.each : undefined);
      expect(net.a.stats.handshakesCompleted).toBe(1);
      expect(net.b.stats.handshakesCompleted).toBe(1);
      // Each exchange needs four tries on average at this loss, resent at least every
      // REKEY_MAX_RTO_MS: a rotation takes a second or so on top of the interval.
      expect(net.a.stats.rotations - before).toBeGreaterThanOrEqual(20);
      // Idle, each side still sends about ten frames a second, so the other can tell it lives.
      if (!busy) expect(net.b.stats.rxFrames).toBeGreaterThan(60 * 10 * 0.5 * 0.8);
    }
  });
});

describe('restarts and stragglers', () => {
  it('ignores a retransmitted Init that arrives after the session was confirmed', () => {
    const net = new SimNet({ latencyMs: 150 }); // RTT 300 ms > initial RTO: the Init is sent twice
    let inits = 0;
    net.hook = (w) => [{ bytes: w.bytes, extraDelay: w.bytes[1] === MessageType.HandshakeInit && inits++ === 1 ? 1000 : 0 }];
    up(net);
    net.run(net.now + 1500);
    expect(inits).toBe(2);
    expect(net.b.stats.rejected.hsReplay).toBe(1);
    expect(net.b.stats.handshakesCompleted).toBe(1);
    net.a.send(numberedPayload(1, 10), net.now);
    net.run(net.now + 200);
    expect(deliveredSeqs(net, 'b')).toEqual([1]);
  });

  it('re-handshakes when the follower restarted and lost the session', () => {
    const net = new SimNet({ latencyMs: 10 });
    up(net);
    net.run(net.now + 500);
    net.restartB();
    const t = net.now;
    net.runUntil(() => net.b.state === 'established', 10_000);
    expect(net.b.state).toBe('established');
    // Next rotation due (500 ms), four backed-off retries (60+120+240+480+960 ms), a handshake.
    expect(net.now - t).toBeLessThan(3000);
    expect(net.a.stats.handshakesSent).toBe(2);
    net.a.send(numberedPayload(7, 10), net.now);
    net.b.send(numberedPayload(8, 10), net.now);
    net.run(net.now + 100);
    expect(deliveredSeqs(net, 'b')).toEqual([7]);
    expect(deliveredSeqs(net, 'a')).toEqual([8]);
  });
});

describe('counter exhaustion', () => {
  it('rotates before a key runs out of counters and never repeats a (generation, counter) pair', () => {
    const net = new SimNet({ latencyMs: 2, counterLimit: 400, link: { rotationIntervalMs: 600_000, rekeyAfterFrames: 200 } });
    up(net);
    const tr = traffic(net, 1, 40);
    net.run(net.now + 3_000, tr.each);
    net.run(net.now + 50);
    expect(net.a.stats.rotations).toBeGreaterThanOrEqual(10);
    for (const s of ['a', 'b'] as Side[]) {
      const seen = new Set<string>();
      for (const w of net.wireLog.filter((w) => w.from === s && w.bytes[1] === MessageType.Transport)) {
        const h = readFrameHeader(w.bytes);
        if (typeof h === 'string') throw new Error(h);
        const id = `${h.receiver}:${h.generation}:${h.counter}`;
        expect(seen.has(id)).toBe(false);
        expect(h.counter).toBeLessThan(400);
        seen.add(id);
      }
      expect(deliveredSeqs(net, s).length).toBe(tr.sent[s === 'a' ? 'b' : 'a']);
    }
    expect(net.a.stats.txDropped + net.b.stats.txDropped).toBe(0);
  });

  it('refuses to send (counted) rather than reuse a counter when rotation cannot happen', () => {
    const net = new SimNet({ latencyMs: 2, counterLimit: 50, link: { rotationIntervalMs: 600_000, rekeyAfterFrames: 40 } });
    up(net);
    net.hook = (w) => (w.from === 'b' ? [] : [{ bytes: w.bytes, extraDelay: 0 }]); // the follower is cut off
    let refused = 0;
    for (let i = 0; i < 100; i++) if (!net.a.send(numberedPayload(i, 10), net.now)) refused++;
    expect(refused).toBeGreaterThan(0);
    expect(net.a.stats.txDropped).toBe(refused);
    net.run(net.now + 100);
  });
});

describe('configuration', () => {
  const id = generateIdentity();
  const peer = generateIdentity().publicKey;
  const dp = new SoftwareDatapath(nodeBackend.aead);
  const io = { transmit: () => {}, deliver: () => {} };
  const base = { identity: id, peerPublicKey: peer, role: 'initiator' as const, linkId: 0 };
  it.each([
    [{ rotationIntervalMs: 50 }, /rotationIntervalMs must be an integer in \[100, 600000\], got 50/],
    [{ rotationIntervalMs: 600_001 }, /rotationIntervalMs/],
    [{ rotationIntervalMs: 5, testOnlyFastRotation: false }, /rotationIntervalMs/],
    [{ padBytes: 24 as 16 }, /padBytes must be one of 16, 32, got 24/],
    [{ linkId: -1 }, /linkId/],
    [{ peerPublicKey: new Uint8Array(33) }, /peerPublicKey/],
    [{ role: 'boss' as 'initiator' }, /role/],
    [{ rekeyAfterFrames: 0 }, /rekeyAfterFrames/],
  ])('rejects %o naming the field', (over, msg) => {
    expect(() => new Link({ ...base, ...over }, dp, io)).toThrow(msg);
  });
  it('accepts the test-only fast rotation only when asked for', () => {
    expect(() => new Link({ ...base, rotationIntervalMs: 5, testOnlyFastRotation: true }, dp, io)).not.toThrow();
  });
});

describe('RTT estimator', () => {
  it('follows RFC 6298: first sample sets srtt and rttvar = r/2, then 1/8 and 1/4 gains', () => {
    const r = new RttEstimator(LINK_RTO);
    expect(r.rto).toBe(200);
    r.sample(100);
    expect(r.srtt).toBe(100);
    expect(r.rto).toBe(100 + 4 * 50);
    r.sample(180);
    // rttvar = 0.75*50 + 0.25*|100-180| = 57.5; srtt = 0.875*100 + 0.125*180 = 110
    expect(r.srtt).toBe(110);
    expect(r.rto).toBe(110 + 4 * 57.5);
    r.backOff(100_000);
    expect(r.rto).toBe(5000);
  });
});
