// Starts two udp-peer processes on loopback and drives them: the two-process test and the
// throughput benchmark share this.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bytesToHex } from '@noble/hashes/utils.js';
import { generateIdentity } from '../host/identity/identity.ts';
import type { Impairment, PeerCommand, PeerEvent, PeerReport } from './udp-peer.ts';

const PEER_SCRIPT = fileURLToPath(new URL('./udp-peer.ts', import.meta.url));

export class PeerProcess {
  readonly child: ChildProcess;
  private waiters: Array<{ ev: string; resolve: (e: PeerEvent) => void }> = [];
  private readonly seen: PeerEvent[] = [];

  constructor(readonly name: string) {
    this.child = fork(PEER_SCRIPT, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (e: PeerEvent) => {
      const i = this.waiters.findIndex((w) => w.ev === e.ev);
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(e);
      else this.seen.push(e);
    });
  }

  send(c: PeerCommand): void {
    this.child.send(c);
  }

  next<E extends PeerEvent['ev']>(ev: E, timeoutMs = 60_000): Promise<Extract<PeerEvent, { ev: E }>> {
    const i = this.seen.findIndex((e) => e.ev === ev);
    if (i >= 0) return Promise.resolve(this.seen.splice(i, 1)[0] as Extract<PeerEvent, { ev: E }>);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.name}: no '${ev}' within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        ev,
        resolve: (e) => {
          clearTimeout(t);
          resolve(e as Extract<PeerEvent, { ev: E }>);
        },
      });
    });
  }

  async report(): Promise<PeerReport> {
    this.send({ cmd: 'report' });
    return this.next('report');
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const done = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.send({ cmd: 'exit' });
    const t = setTimeout(() => this.child.kill(), 5000);
    await done;
    clearTimeout(t);
  }
}

export interface PairOptions {
  backend: 'node' | 'noble';
  rotationIntervalMs: number;
  testOnlyFastRotation?: boolean;
  tickMs: number;
  impair?: Impairment;
}

export async function startPair(o: PairOptions): Promise<{ a: PeerProcess; b: PeerProcess; upMs: number; initiatorHandshakeMs: number }> {
  const idA = generateIdentity();
  const idB = generateIdentity();
  const a = new PeerProcess('A');
  const b = new PeerProcess('B');
  const common = { cmd: 'init' as const, backend: o.backend, rotationIntervalMs: o.rotationIntervalMs, testOnlyFastRotation: o.testOnlyFastRotation, tickMs: o.tickMs };
  a.send({ ...common, role: 'initiator', secretKey: bytesToHex(idA.secretKey), peerPublicKey: bytesToHex(idB.publicKey) });
  b.send({ ...common, role: 'responder', secretKey: bytesToHex(idB.secretKey), peerPublicKey: bytesToHex(idA.publicKey) });
  const [pa, pb] = await Promise.all([a.next('bound'), b.next('bound')]);
  const t0 = performance.now();
  b.send({ cmd: 'connect', peerPort: pa.port, impair: o.impair && { ...o.impair, seed: o.impair.seed + 1 } });
  a.send({ cmd: 'connect', peerPort: pb.port, impair: o.impair });
  const [ua] = await Promise.all([a.next('up'), b.next('up')]);
  return { a, b, upMs: performance.now() - t0, initiatorHandshakeMs: ua.handshakeMs };
}

export function bitmap(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

export function has(bits: Uint8Array, i: number): boolean {
  return ((bits[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
}
