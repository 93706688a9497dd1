// One link endpoint in its own process, driven over IPC by a test or the benchmark:
// binds UDP on loopback, runs the handshake, sends numbered payloads (paced or flat out),
// optionally impairs its own transmissions (loss, duplication, reordering), and reports
// what it sent, what it received, and the link's counters.
import { hexToBytes } from '@noble/hashes/utils.js';
import { backendByName } from '../host/crypto/backend.ts';
import { generateIdentity, identityFromSecretKey, signDigest, verifyDigest } from '../host/identity/identity.ts';
import { generateKeyPair } from '../host/crypto/ecdh.ts';
import { osRandom } from '../host/crypto/random.ts';
import { SoftwareDatapath } from '../host/link/datapath.ts';
import { Link } from '../host/link/session.ts';
import { UdpEndpoint } from '../host/link/udp-transport.ts';
import type { LinkStats } from '../host/link/stats.ts';
import { checkPayload, numberedPayload } from './sim-link.ts';
import { Rng } from '../sim/random.ts';

export interface PeerInit {
  cmd: 'init';
  role: 'initiator' | 'responder';
  secretKey: string;
  peerPublicKey: string;
  backend: 'node' | 'noble';
  rotationIntervalMs: number;
  testOnlyFastRotation?: boolean;
  tickMs: number;
}
export interface Impairment {
  loss: number;
  duplicate: number;
  reorder: number;
  maxDelayMs: number;
  seed: number;
}
export type PeerCommand =
  | PeerInit
  | { cmd: 'connect'; peerPort: number; impair?: Impairment }
  | { cmd: 'traffic'; mode: 'paced'; framesPerTick: number; size: number }
  | { cmd: 'traffic'; mode: 'blast'; size: number; batch: number }
  | { cmd: 'stop' }
  | { cmd: 'report' }
  | { cmd: 'exit' };

export interface PeerReport {
  ev: 'report';
  sent: number;
  delivered: number;
  duplicates: number;
  misdecrypted: number;
  deliveredBytes: number;
  /** Sequence numbers whose every copy our impairer dropped. */
  impairedAway: number;
  firstDeliveryMs: number;
  lastDeliveryMs: number;
  stats: LinkStats;
  generation: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  unknownSource: number;
  sendErrors: number;
  /** Sequence numbers the peer delivered, as a bitmap (base64). */
  receivedBitmap: string;
  impairedBitmap: string;
}
export type PeerEvent = { ev: 'bound'; port: number } | { ev: 'up'; atMs: number; handshakeMs: number } | PeerReport;

const MAX_SEQ = 4_000_000;

function send(e: PeerEvent): void {
  process.send!(e);
}

let link: Link | undefined;
let endpoint: UdpEndpoint | undefined;
let init: PeerInit | undefined;
const received = new Uint8Array(MAX_SEQ / 8);
const impaired = new Uint8Array(MAX_SEQ / 8);
let sent = 0;
let delivered = 0;
let duplicates = 0;
let misdecrypted = 0;
let deliveredBytes = 0;
let firstDelivery = 0;
let lastDelivery = 0;
let sending = false;
let currentSeq = -1;
let copiesOut = 0;

function onDeliver(p: Uint8Array): void {
  const seq = checkPayload(p);
  if (seq === null || seq >= MAX_SEQ) {
    misdecrypted++;
    return;
  }
  const bit = 1 << (seq & 7);
  if (received[seq >> 3] & bit) duplicates++;
  received[seq >> 3] |= bit;
  delivered++;
  deliveredBytes += p.length;
  const now = performance.now();
  if (!firstDelivery) firstDelivery = now;
  lastDelivery = now;
}

/** Uniform [0, 1) from the harness's seeded generator. */
function prng(seed: number): () => number {
  const rng = new Rng(seed >>> 0 || 1);
  return () => rng.next();
}

function sendOne(size: number): void {
  currentSeq = sent;
  copiesOut = 0;
  if (link!.send(numberedPayload(sent, size), performance.now())) {
    if (copiesOut === 0) impaired[sent >> 3] |= 1 << (sent & 7);
    sent++;
  }
  currentSeq = -1;
}

process.on('message', async (m: PeerCommand) => {
  switch (m.cmd) {
    case 'init': {
      init = m;
      // Warm up as a long-running daemon would be: the first signature builds @noble's
      // precomputed tables (tens of ms), which is start-up cost, not handshake cost.
      const w = generateIdentity();
      verifyDigest(w.publicKey, new Uint8Array(32), signDigest(w, new Uint8Array(32)));
      const be = backendByName(m.backend);
      be.ecdh.sharedSecret(generateKeyPair(be.ecdh, osRandom).secretKey, w.publicKey);
      endpoint = await UdpEndpoint.bind({ port: 0 });
      send({ ev: 'bound', port: endpoint.port });
      return;
    }
    case 'connect': {
      const i = init!;
      const ep = endpoint!;
      const backend = backendByName(i.backend);
      const remote = { host: '127.0.0.1', port: m.peerPort };
      const io = ep.io(remote, onDeliver);
      const impair = m.impair;
      const rnd = prng(impair?.seed ?? 1);
      const transmit = impair
        ? (d: Uint8Array) => {
            const copies = rnd() < impair.loss ? 0 : rnd() < impair.duplicate ? 2 : 1;
            for (let c = 0; c < copies; c++) {
              const delay = rnd() < impair.reorder ? rnd() * impair.maxDelayMs : 0;
              if (delay > 0) setTimeout(() => io.transmit(d), delay);
              else io.transmit(d);
            }
            if (currentSeq >= 0) copiesOut += copies;
          }
        : (d: Uint8Array) => {
            copiesOut++;
            io.transmit(d);
          };
      link = new Link(
        {
          identity: identityFromSecretKey(hexToBytes(i.secretKey)),
          peerPublicKey: hexToBytes(i.peerPublicKey),
          role: i.role,
          linkId: 0,
          backend,
          rotationIntervalMs: i.rotationIntervalMs,
          testOnlyFastRotation: i.testOnlyFastRotation,
        },
        new SoftwareDatapath(backend.aead),
        { transmit, deliver: io.deliver },
      );
      ep.attach(remote, link);
      ep.startTimers(i.tickMs);
      const started = performance.now();
      link.start(started);
      // Resolution of this poll: about 1 ms.
      const poll = setInterval(() => {
        if (link!.state === 'established') {
          clearInterval(poll);
          const now = performance.now();
          send({ ev: 'up', atMs: now, handshakeMs: now - started });
        }
      }, 1);
      return;
    }
    case 'traffic': {
      sending = true;
      if (m.mode === 'paced') {
        const { framesPerTick, size } = m;
        const t = setInterval(() => {
          if (!sending) return clearInterval(t);
          for (let k = 0; k < framesPerTick; k++) sendOne(size);
        }, 1);
      } else {
        const { size, batch } = m;
        const loop = () => {
          if (!sending) return;
          for (let k = 0; k < batch; k++) sendOne(size);
          setImmediate(loop);
        };
        loop();
      }
      return;
    }
    case 'stop':
      sending = false;
      return;
    case 'report': {
      const cpu = process.cpuUsage();
      let impairedAway = 0;
      for (let s = 0; s < sent; s++) if (impaired[s >> 3] & (1 << (s & 7))) impairedAway++;
      send({
        ev: 'report',
        sent,
        delivered,
        duplicates,
        misdecrypted,
        deliveredBytes,
        impairedAway,
        firstDeliveryMs: firstDelivery,
        lastDeliveryMs: lastDelivery,
        stats: link!.stats,
        generation: link!.generation,
        cpuUserMs: cpu.user / 1000,
        cpuSystemMs: cpu.system / 1000,
        unknownSource: endpoint!.unknownSource,
        sendErrors: endpoint!.sendErrors,
        receivedBitmap: Buffer.from(received.subarray(0, Math.ceil(MAX_SEQ / 8))).toString('base64'),
        impairedBitmap: Buffer.from(impaired.subarray(0, Math.ceil(sent / 8) + 1)).toString('base64'),
      });
      return;
    }
    case 'exit':
      await endpoint?.close();
      process.exit(0);
  }
});
