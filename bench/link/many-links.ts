// One process, one core: N link pairs over an in-memory wire, rotating every second, while
// pushing as many 1,400-byte frames through them as the remaining CPU allows.
// This is the work of one node with 2N links: N pairs contain 2N link ends, each doing its
// own side of every rotation; and each frame is sealed by one end and opened by the other,
// which is the per-frame work of a node that forwards (open on ingress, seal on egress).
import type { CryptoBackend } from '../../host/crypto/backend.ts';
import { deterministicRandom, osRandom } from '../../host/crypto/random.ts';
import { generateIdentity } from '../../host/identity/identity.ts';
import { SoftwareDatapath } from '../../host/link/datapath.ts';
import { Link } from '../../host/link/session.ts';

export interface ManyLinksResult {
  /** Link ends (2 per pair): the number of neighbours of the node this models. */
  linkEnds: number;
  seconds: number;
  rotationsPerLink: number;
  minRotationsOnALink: number;
  payloadMbps: number;
  framesPerSecond: number;
  cpuCores: number;
  rejected: number;
}

export async function manyLinks(backend: CryptoBackend, links: number, seconds: number, payloadBytes = 1400): Promise<ManyLinksResult> {
  // `links` = pairs
  const rand = deterministicRandom('many-links');
  const ids = Array.from({ length: 2 }, () => generateIdentity(rand));
  const dpA = new SoftwareDatapath(backend.aead);
  const dpB = new SoftwareDatapath(backend.aead);
  const wire: Array<[Link, Uint8Array]> = [];
  let delivered = 0;
  const pairs: Array<[Link, Link]> = [];
  for (let i = 0; i < links; i++) {
    const pair: Link[] = [];
    const a = new Link(
      { identity: ids[0], peerPublicKey: ids[1].publicKey, role: 'initiator', linkId: i, backend, random: osRandom },
      dpA,
      { transmit: (d) => wire.push([pair[1], d]), deliver: () => delivered++ },
    );
    const b = new Link(
      { identity: ids[1], peerPublicKey: ids[0].publicKey, role: 'responder', linkId: i, backend, random: osRandom },
      dpB,
      { transmit: (d) => wire.push([pair[0], d]), deliver: () => delivered++ },
    );
    pair.push(a, b);
    pairs.push([a, b]);
  }
  const pump = (now: number) => {
    while (wire.length) {
      const [to, d] = wire.shift()!;
      to.receive(d, now);
    }
  };
  // Bring all links up (handshakes are not part of the measurement).
  let now = performance.now();
  for (const [a] of pairs) a.start(now);
  for (let k = 0; k < 5; k++) {
    now = performance.now();
    pump(now);
    for (const [a, b] of pairs) {
      a.tick(now);
      b.tick(now);
    }
  }
  const startRot = pairs.map(([a]) => a.stats.rotations);
  const payload = new Uint8Array(payloadBytes);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  delivered = 0;
  let lastTick = t0;
  let next = 0;
  const end = t0 + seconds * 1000;
  // Every 10 ms: tick every link (timers, rotations); in between: traffic, round-robin.
  while ((now = performance.now()) < end) {
    if (now - lastTick >= 10) {
      lastTick = now;
      for (const [a, b] of pairs) {
        a.tick(now);
        b.tick(now);
      }
      pump(now);
    }
    for (let k = 0; k < 32; k++) {
      const [a] = pairs[next];
      next = (next + 1) % links;
      a.send(payload, now);
    }
    pump(now);
    if ((next & 1023) === 0) await new Promise((r) => setImmediate(r));
  }
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const rot = pairs.map(([a], i) => a.stats.rotations - startRot[i]);
  const rejected = pairs.reduce((s, [a, b]) => s + Object.values(a.stats.rejected).reduce((x, y) => x + y, 0) + Object.values(b.stats.rejected).reduce((x, y) => x + y, 0), 0);
  return {
    linkEnds: 2 * links,
    seconds: elapsed,
    rotationsPerLink: rot.reduce((x, y) => x + y, 0) / links,
    minRotationsOnALink: Math.min(...rot),
    payloadMbps: (delivered * payloadBytes * 8) / elapsed / 1e6,
    framesPerSecond: delivered / elapsed,
    cpuCores: (cpu.user + cpu.system) / 1e6 / elapsed,
    rejected,
  };
}
