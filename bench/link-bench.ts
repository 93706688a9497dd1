// Link-layer benchmark: ECDH, handshakes, AEAD frames, rotation on many links, UDP loopback
// throughput between two processes, and the long fuzz run. Both crypto backends side by side.
// Prints a table and writes bench/results/link.json.
//   npm run bench:link            (about two minutes)
//   npm run bench:link -- --quick (a fraction of that, for a smoke test)
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BACKENDS, type CryptoBackend } from '../host/crypto/backend.ts';
import { generateKeyPair } from '../host/crypto/ecdh.ts';
import { osRandom } from '../host/crypto/random.ts';
import { generateIdentity } from '../host/identity/identity.ts';
import { InnerType } from '../spec/link-wire.ts';
import { SoftwareDatapath } from '../host/link/datapath.ts';
import { openFrame, readFrameHeader, sealFrame } from '../host/link/frame.ts';
import { Link } from '../host/link/session.ts';
import { runFuzz } from '../testbed/link-fuzz.ts';
import { manyLinks } from './link/many-links.ts';
import { fmt, rate, table } from './link/measure.ts';
import { udpThroughput } from './link/udp-throughput.ts';

const quick = process.argv.includes('--quick');
const T = quick ? 0.3 : 1.5; // seconds per micro-benchmark
const OVERVIEW_ECDH_PER_SECOND = 6000;
const TARGET_MBPS_PER_CORE = 500;
const TARGET_LINKS = 200;

function ecdhRate(b: CryptoBackend) {
  const x = generateKeyPair(b.ecdh, osRandom);
  const y = generateKeyPair(b.ecdh, osRandom);
  return rate(() => b.ecdh.sharedSecret(x.secretKey, y.publicKey), T, 20).perSecond;
}

function keygenRate(b: CryptoBackend) {
  return rate(() => generateKeyPair(b.ecdh, osRandom), T, 20).perSecond;
}

/** Complete handshakes per second (both sides' work in this one process). */
function handshakeRate(b: CryptoBackend) {
  const a = generateIdentity();
  const c = generateIdentity();
  const dp = new SoftwareDatapath(b.aead);
  return rate(() => {
    const q: Array<[Link, Uint8Array]> = [];
    const pair: Link[] = [];
    const io = (to: number) => ({ transmit: (d: Uint8Array) => q.push([pair[to], d]), deliver: () => {} });
    pair.push(
      new Link({ identity: a, peerPublicKey: c.publicKey, role: 'initiator', linkId: 0, backend: b, random: osRandom }, dp, io(1)),
      new Link({ identity: c, peerPublicKey: a.publicKey, role: 'responder', linkId: 1, backend: b, random: osRandom }, dp, io(0)),
    );
    pair[0].start(0);
    while (q.length) {
      const [to, d] = q.shift()!;
      to.receive(d, 1);
    }
    if (pair[1].state !== 'established') throw new Error('handshake did not complete');
  }, T, 5).perSecond;
}

function aeadRates(b: CryptoBackend, payloadBytes: number) {
  const key = osRandom(32);
  const payload = osRandom(payloadBytes);
  let counter = 0;
  const seal = rate(() => sealFrame(b.aead, key, { receiver: 1, generation: 0, counter: counter++ }, InnerType.Data, payload, 16), T, 200).perSecond;
  const frame = sealFrame(b.aead, key, { receiver: 1, generation: 0, counter: 7 }, InnerType.Data, payload, 16);
  const h = readFrameHeader(frame);
  if (typeof h === 'string') throw new Error(h);
  const open = rate(() => openFrame(b.aead, key, frame, h), T, 200).perSecond;
  return { seal, open, frameBytes: frame.length };
}

/** CPU milliseconds one side spends per rotation (a full rotation of a pair, halved). */
function rotationCostMs(b: CryptoBackend, rotations: number): number {
  const a = generateIdentity();
  const c = generateIdentity();
  const q: Array<[Link, Uint8Array]> = [];
  const pair: Link[] = [];
  const io = (to: number) => ({ transmit: (d: Uint8Array) => q.push([pair[to], d]), deliver: () => {} });
  const dp = new SoftwareDatapath(b.aead);
  pair.push(
    new Link({ identity: a, peerPublicKey: c.publicKey, role: 'initiator', linkId: 0, backend: b, random: osRandom }, dp, io(1)),
    new Link({ identity: c, peerPublicKey: a.publicKey, role: 'responder', linkId: 1, backend: b, random: osRandom }, dp, io(0)),
  );
  let now = 0;
  const pump = () => {
    while (q.length) {
      const [to, d] = q.shift()!;
      to.receive(d, now);
    }
  };
  pair[0].start(now);
  pump();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < rotations; i++) {
    now += 1000;
    pair[0].tick(now);
    pair[1].tick(now);
    pump();
  }
  const cpu = process.cpuUsage(cpu0);
  if (pair[0].stats.rotations !== rotations || pair[1].stats.rotations !== rotations) throw new Error('rotation did not complete');
  return (cpu.user + cpu.system) / 1000 / rotations / 2;
}


async function main() {
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    quick,
  };
  const per: Record<string, Record<string, number>> = {};
  for (const b of BACKENDS) {
    process.stderr.write(`[${b.name}] ECDH, keygen, handshakes, AEAD...\n`);
    const a64 = aeadRates(b, 64);
    const a1400 = aeadRates(b, 1400);
    per[b.name] = {
      ecdhPerSecond: ecdhRate(b),
      ephemeralKeygenPerSecond: keygenRate(b),
      handshakesPerSecond: handshakeRate(b),
      seal64PerSecond: a64.seal,
      open64PerSecond: a64.open,
      seal1400PerSecond: a1400.seal,
      open1400PerSecond: a1400.open,
      seal1400Mbps: (a1400.seal * 1400 * 8) / 1e6,
      rotationCpuMsPerSide: rotationCostMs(b, quick ? 20 : 100),
      open1400Mbps: (a1400.open * 1400 * 8) / 1e6,
    };
  }
  results.primitives = per;

  const many: Record<string, unknown> = {};
  for (const b of BACKENDS) {
    process.stderr.write(`[${b.name}] ${TARGET_LINKS} link ends rotating every second under traffic...\n`);
    many[b.name] = await manyLinks(b, TARGET_LINKS / 2, quick ? 2.5 : 6);
  }
  results.manyLinks = many;

  const udp: Record<string, unknown> = {};
  for (const name of ['node', 'noble'] as const) {
    process.stderr.write(`[${name}] UDP loopback throughput between two processes...\n`);
    udp[name] = await udpThroughput(name, quick ? 2 : 5);
  }
  results.udp = udp;

  const fuzzInputs = quick ? 100_000 : 1_000_000;
  process.stderr.write(`fuzz: ${fmt(fuzzInputs)} random and mutated frames...\n`);
  const fuzz = runFuzz(fuzzInputs, 2024);
  results.fuzz = fuzz;

  const n = per.node, o = per.noble;
  const m = many as Record<string, Awaited<ReturnType<typeof manyLinks>>>;
  const u = udp as Record<string, Awaited<ReturnType<typeof udpThroughput>>>;
  const rows = [
    ['measure', 'node:crypto', '@noble', 'target / reference'],
    ['ECDH (secp256k1) per s', fmt(n.ecdhPerSecond), fmt(o.ecdhPerSecond), `overview: ${fmt(OVERVIEW_ECDH_PER_SECOND)}`],
    ['ephemeral key pairs per s', fmt(n.ephemeralKeygenPerSecond), fmt(o.ephemeralKeygenPerSecond), ''],
    ['handshakes per s (both sides)', fmt(n.handshakesPerSecond), fmt(o.handshakesPerSecond), ''],
    ['AEAD seal, 64 B frames per s', fmt(n.seal64PerSecond), fmt(o.seal64PerSecond), ''],
    ['AEAD open, 64 B frames per s', fmt(n.open64PerSecond), fmt(o.open64PerSecond), ''],
    ['AEAD seal, 1400 B frames per s', fmt(n.seal1400PerSecond), fmt(o.seal1400PerSecond), ''],
    ['AEAD open, 1400 B frames per s', fmt(n.open1400PerSecond), fmt(o.open1400PerSecond), ''],
    ['AEAD seal, 1400 B, Mb/s', fmt(n.seal1400Mbps), fmt(o.seal1400Mbps), `${TARGET_MBPS_PER_CORE} per core`],
    ['rotation, CPU ms per side', fmt(n.rotationCpuMsPerSide, 2), fmt(o.rotationCpuMsPerSide, 2), ''],
    ['=> links per core at 1 s rotation', fmt(1000 / n.rotationCpuMsPerSide), fmt(1000 / o.rotationCpuMsPerSide), `${TARGET_LINKS}`],
    [`${TARGET_LINKS} link ends, 1 s rotation: rotations/link`, fmt(m.node.rotationsPerLink, 1), fmt(m.noble.rotationsPerLink, 1), `${fmt(m.node.seconds, 1)} (1 per s)`],
    [`${TARGET_LINKS} link ends: min rotations on a link`, fmt(m.node.minRotationsOnALink), fmt(m.noble.minRotationsOnALink), ''],
    [`${TARGET_LINKS} link ends: 1400 B open+seal Mb/s`, fmt(m.node.payloadMbps), fmt(m.noble.payloadMbps), `${TARGET_MBPS_PER_CORE} on one core`],
    [`${TARGET_LINKS} link ends: CPU cores used`, fmt(m.node.cpuCores, 2), fmt(m.noble.cpuCores, 2), '≤ 1'],
    ['UDP 2 processes: payload Mb/s', fmt(u.node.payloadMbps), fmt(u.noble.payloadMbps), `${TARGET_MBPS_PER_CORE} per core`],
    ['UDP: payload Mb/s per core (busier side)', fmt(u.node.payloadMbpsPerCore), fmt(u.noble.payloadMbpsPerCore), `${TARGET_MBPS_PER_CORE}`],
    ['UDP: frames per s', fmt(u.node.framesPerSecond), fmt(u.noble.framesPerSecond), ''],
    ['UDP: loss %', fmt(u.node.lossPercent, 2), fmt(u.noble.lossPercent, 2), '(kernel drops, flat-out sender)'],
    ['UDP: sender / receiver CPU cores', `${fmt(u.node.senderCpuCores, 2)} / ${fmt(u.node.receiverCpuCores, 2)}`, `${fmt(u.noble.senderCpuCores, 2)} / ${fmt(u.noble.receiverCpuCores, 2)}`, ''],
    ['UDP: handshake, initiator start to up (ms)', fmt(u.node.initiatorHandshakeMs, 1), fmt(u.noble.initiatorHandshakeMs, 1), '1 RTT + processing'],
    ['UDP: rotations during run', fmt(u.node.rotations), fmt(u.noble.rotations), ''],
  ];
  console.log('\nLink layer benchmark' + (quick ? ' (quick)' : '') + `, ${results.cpu}, ${results.cores} cores, Node ${process.version}\n`);
  console.log(table(rows));
  console.log(
    `\nfuzz: ${fmt(fuzz.inputs)} inputs in ${fmt(fuzz.seconds, 1)} s: rejected ${fmt(fuzz.rejected)}, delivered ${fuzz.delivered}, thrown ${fuzz.thrown}` +
      `\n  by reason: ${Object.entries(fuzz.byReason).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`,
  );
  const out = fileURLToPath(new URL('./results/link.json', import.meta.url));
  mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwrote ${out}`);
  if (fuzz.thrown || fuzz.delivered || fuzz.rejected !== fuzz.inputs) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
