// The link layer alone between two processes on loopback: one blasts numbered 1,400-byte
// payloads, the other checks and counts them; payload Mb/s, frames/s and each side's CPU.
// bench:link reports it, and bench:saf measures it beside the node's data path in the same run.
import { startPair } from '../../testbed/udp-pair.ts';

export async function udpThroughput(backend: 'node' | 'noble', seconds: number) {
  const { a, b, upMs, initiatorHandshakeMs } = await startPair({ backend, rotationIntervalMs: 1000, tickMs: 5 });
  try {
    a.send({ cmd: 'traffic', mode: 'blast', size: 1400, batch: 64 });
    await new Promise((r) => setTimeout(r, 500)); // ramp up
    const r0 = await b.report();
    const s0 = await a.report();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const r1 = await b.report();
    const s1 = await a.report();
    a.send({ cmd: 'stop' });
    const dt = (r1.lastDeliveryMs - r0.lastDeliveryMs) / 1000;
    const wall = seconds;
    const sentFrames = s1.sent - s0.sent;
    const gotFrames = r1.delivered - r0.delivered;
    return {
      upMs,
      initiatorHandshakeMs,
      payloadMbps: ((r1.deliveredBytes - r0.deliveredBytes) * 8) / dt / 1e6,
      framesPerSecond: gotFrames / dt,
      lossPercent: sentFrames > 0 ? Math.max(0, (1 - gotFrames / sentFrames) * 100) : 0,
      senderCpuCores: (s1.cpuUserMs + s1.cpuSystemMs - s0.cpuUserMs - s0.cpuSystemMs) / 1000 / wall,
      receiverCpuCores: (r1.cpuUserMs + r1.cpuSystemMs - r0.cpuUserMs - r0.cpuSystemMs) / 1000 / wall,
      rotations: r1.stats.rotations - r0.stats.rotations,
      /** Throughput per core: the busier process bounds it. */
      payloadMbpsPerCore: ((r1.deliveredBytes - r0.deliveredBytes) * 8) / dt / 1e6 /
        Math.max((s1.cpuUserMs + s1.cpuSystemMs - s0.cpuUserMs - s0.cpuSystemMs) / 1000 / wall, (r1.cpuUserMs + r1.cpuSystemMs - r0.cpuUserMs - r0.cpuSystemMs) / 1000 / wall),
      misdecrypted: r1.misdecrypted,
      duplicates: r1.duplicates,
    };
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}
