// Frame fuzzer: feeds random and mutated datagrams to an established link and checks that
// each one is rejected and counted exactly once, nothing throws, and nothing is delivered.
// The CI test runs a short campaign; `npm run bench:link` runs a million inputs.
import { totalRejected } from '../host/link/stats.ts';
import { Rng } from '../sim/random.ts';
import { MessageType } from '../spec/link-wire.ts';
import { numberedPayload, SimNet } from './sim-link.ts';

export interface FuzzResult {
  inputs: number;
  rejected: number;
  delivered: number;
  thrown: number;
  byReason: Record<string, number>;
  seconds: number;
}

/** 32 seeded random bits per call (the harness's xorshift generator), to pick mutations. */
function prng(seed: number): () => number {
  const rng = new Rng(seed >>> 0 || 1);
  return () => rng.u32();
}

export function runFuzz(inputs: number, seed = 1): FuzzResult {
  const net = new SimNet({ latencyMs: 1, seed: `fuzz-${seed}` });
  net.a.start(0);
  net.runUntil(() => net.b.state === 'established', 1000);
  // A corpus of valid datagrams of every kind, already delivered, to mutate.
  for (let i = 0; i < 64; i++) net.a.send(numberedPayload(i, (i * 37) % 1400), net.now);
  net.run(net.now + 1500); // includes one rotation, so rekey frames are in the corpus
  const corpus = net.wireLog.filter((w) => w.from === 'a').map((w) => w.bytes);
  if (!corpus.some((c) => c[1] === MessageType.HandshakeInit)) throw new Error('fuzz corpus lacks a handshake');
  const target = net.b;
  const before = totalRejected(target.stats);
  const deliveredBefore = net.delivered.b.length;
  const next = prng(seed);
  let thrown = 0;
  const t0 = performance.now();
  for (let i = 0; i < inputs; i++) {
    const r = next();
    let d: Uint8Array;
    if (r % 8 === 0) {
      d = new Uint8Array(next() % 1600);
      for (let j = 0; j < d.length; j += 4) {
        const v = next();
        d[j] = v;
        d[j + 1] = v >>> 8;
        d[j + 2] = v >>> 16;
        d[j + 3] = v >>> 24;
      }
      if (d.length > 1 && next() % 2) {
        d[0] = 1; // valid version, so deeper checks run
        d[1] = 1 + (next() % 3);
      }
    } else {
      const src = corpus[next() % corpus.length];
      d = src.slice();
      switch (r % 7) {
        case 0: // truncate
          d = d.subarray(0, next() % d.length);
          break;
        case 1: // extend
          d = new Uint8Array([...d, ...new Uint8Array(1 + (next() % 64))]);
          break;
        default: {
          const flips = 1 + (next() % 4);
          for (let k = 0; k < flips; k++) d[next() % d.length] ^= 1 << (next() % 8);
        }
      }
      // A mutation can cancel itself out; then it is an exact replay, still a reject.
    }
    try {
      target.receive(d, net.now);
    } catch {
      thrown++;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    inputs,
    rejected: totalRejected(target.stats) - before,
    delivered: net.delivered.b.length - deliveredBefore,
    thrown,
    byReason: Object.fromEntries(Object.entries(target.stats.rejected).filter(([, v]) => v > 0)),
    seconds,
  };
}
