// Starts a mesh of real node daemons, one process each (`skywire node start`), for the demo
// and its test. Two modes:
//   - 'netns': one network namespace per node, links as emulated point-to-point links of the
//     namespace test bed (testbed/netns) with tc netem loss (needs root and `ip netns`; when
//     the kernel has no netem, the test bed's nftables random drop does the same job);
//   - 'loopback': every node on 127.0.0.1 with its own ports, loss injected in the daemon's
//     transport (neighbours[].emulatedLossPct).
// Either way every node is a separate process with its own keys, config and control socket,
// and the demo talks to them only through their control sockets.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bytesToHex } from '@noble/hashes/utils.js';
import { Testbed, probeHost, removeStaleNamespaces } from '../netns/testbed.ts';
import { generateIdentity, type Identity } from '../../host/identity/identity.ts';
import { writeKeyFile } from '../../host/identity/keyfile.ts';
import { ControlClient } from '../../host/daemon/control-client.ts';
import type { TransportKind } from '../../host/daemon/config.ts';

const CLI = fileURLToPath(new URL('../../host/cli/skywire.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Port every daemon listens on inside its own namespace. */
const NETNS_PORT = 7700;

export interface MeshSpec {
  names: string[];
  /** Links as pairs of node indexes, with the transport each uses (default udp). */
  edges: Array<{ a: number; b: number; transport?: TransportKind; /** This link's rate (namespace mode), Mb/s; default `rateMbit`. */ rateMbit?: number }>;
  /** Services offered, by node index. */
  services?: Record<number, string[]>;
  /** Random loss per link and direction, percent. */
  lossPct: number;
  /** One-way delay per link in namespace mode, ms. */
  delayMs?: number;
  /** Rate per link and direction, Mb/s (namespace mode; also told to discovery). */
  rateMbit?: number;
  /** Extra config for every node (limits). */
  limits?: Record<string, number>;
  rotationIntervalMs?: number;
  /** More config for node i (a gateway or tunnel section), given its namespace (netns mode). */
  extra?: (i: number, ns: string | undefined) => Record<string, unknown> | undefined;
}

export type MeshMode = 'netns' | 'loopback';

export interface NodeHandle {
  index: number;
  name: string;
  identity: Identity;
  address: string;
  socket: string;
  proc: ChildProcess;
  /** Lines the daemon logged (link up/down, transfers). */
  log: string[];
  cfgPath: string;
}

/** Why namespace mode cannot run here, or null when it can. */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (r.status !== 0) return `ip netns: ${(r.stderr || String(r.error)).trim()}`;
  const p = probeHost();
  for (const k of ['netns', 'veth', 'tun']) if (p[k]) return `${k}: ${p[k]}`;
  if (p.netem && p.nft) return `no way to drop packets: netem (${p.netem}), nft (${p.nft})`;
  return null;
}

/** Free UDP and TCP port numbers on loopback (the same number for both, one per node). */
export async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpFree && !out.includes(port)) out.push(port);
  }
  return out;
}

/** One request to the daemon at control socket `socket`, on a connection of its own. */
export async function callNode<T = any>(socket: string, method: string, params: Record<string, unknown> = {}, onEvent?: (e: any) => void): Promise<T> {
  const c = await ControlClient.connect(socket);
  try {
    return await c.request<T>(method, params, onEvent);
  } finally {
    c.close();
  }
}

export class DemoMesh {
  readonly nodes: NodeHandle[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'skywire-demo-'));
  private testbed: Testbed | undefined;
  private closed = false;
  /** How loss is made: 'netem' or 'nft' in namespaces, 'transport' on loopback. */
  lossMethod: 'netem' | 'nft' | 'transport' = 'transport';

  private constructor(
    readonly spec: MeshSpec,
    readonly mode: MeshMode,
  ) {}

  /** Writes keys and configs, starts every daemon and waits until each is ready. */
  static async start(spec: MeshSpec, mode: MeshMode): Promise<DemoMesh> {
    const m = new DemoMesh(spec, mode);
    try {
      await m.launch();
    } catch (e) {
      await m.close();
      throw e;
    }
    return m;
  }

  private async launch(): Promise<void> {
    const { spec } = this;
    const n = spec.names.length;
    const ids = spec.names.map(() => generateIdentity());
    let hostOf: (node: number, edge: number) => string;
    let ports: number[];
    if (this.mode === 'netns') {
      removeStaleNamespaces();
      this.lossMethod = probeHost().netem ? 'nft' : 'netem';
      // With netem the test bed's own loss stays off and netem replaces its qdisc; without
      // it the test bed drops at ingress with nftables.
      this.testbed = await Testbed.graph(
        n,
        spec.edges.map((e) => [e.a, e.b]),
        spec.edges.map((e) => ({ lossPct: this.lossMethod === 'nft' ? spec.lossPct : 0, delayMs: spec.delayMs ?? 5, rateMbit: e.rateMbit ?? spec.rateMbit ?? 20 })),
      );
      if (this.lossMethod === 'netem') this.applyNetem();
      ports = spec.names.map(() => NETNS_PORT);
      hostOf = (node, edge) => this.testbed!.addr(edge, spec.edges[edge].a === node ? 'a' : 'b');
    } else {
      ports = await freePorts(n);
      hostOf = () => '127.0.0.1';
    }
    for (let i = 0; i < n; i++) {
      const name = spec.names[i];
      const keyFile = join(this.dir, `${name}.key`);
      writeKeyFile(keyFile, ids[i]);
      const neighbours = spec.edges.flatMap((e, l) => {
        if (e.a !== i && e.b !== i) return [];
        const j = e.a === i ? e.b : e.a;
        return [
          {
            name: spec.names[j],
            publicKey: bytesToHex(ids[j].publicKey),
            transport: e.transport ?? 'udp',
            address: `${hostOf(j, l)}:${ports[j]}`,
            // Loopback mode: the loss is emulated by the sending daemon; namespaces have netem.
            ...(this.mode === 'loopback' && spec.lossPct > 0 ? { emulatedLossPct: spec.lossPct } : {}),
            ...((e.rateMbit ?? spec.rateMbit) ? { capacityMbps: e.rateMbit ?? spec.rateMbit } : {}),
          },
        ];
      });
      const bindHost = this.mode === 'netns' ? '0.0.0.0' : '127.0.0.1';
      const usesTcp = neighbours.some((x) => x.transport === 'tcp');
      const cfg = {
        name,
        identityFile: keyFile,
        listen: [{ transport: 'udp', address: `${bindHost}:${ports[i]}` }, ...(usesTcp ? [{ transport: 'tcp', address: `${bindHost}:${ports[i]}` }] : [])],
        controlSocket: join(this.dir, `${name}.sock`),
        inbox: join(this.dir, `${name}-inbox`),
        neighbours,
        services: spec.services?.[i] ?? [],
        ...(spec.limits ? { limits: spec.limits } : {}),
        ...(spec.rotationIntervalMs ? { rotationIntervalMs: spec.rotationIntervalMs } : {}),
        netJournal: join(this.dir, `${name}-net`),
        ...(spec.extra?.(i, this.testbed?.ns[i]) ?? {}),
      };
      const cfgPath = join(this.dir, `${name}.json`);
      writeFileSync(cfgPath, JSON.stringify(cfg, null, 2));
      this.nodes.push(this.spawnNode(i, name, ids[i], cfgPath, cfg.controlSocket));
    }
    await Promise.all(this.nodes.map((h) => this.ready(h)));
  }

  /** Loss on every link device, both directions, with tc netem (under the test bed's rate and delay). */
  private applyNetem(): void {
    const t = this.testbed!;
    const { lossPct, rateMbit = 20 } = this.spec;
    this.spec.edges.forEach((e, l) => {
      for (const node of [e.a, e.b]) {
        const dev = t.dev(l, node);
        const args = ['netns', 'exec', t.ns[node], 'tc', 'qdisc', 'replace', 'dev', dev, 'root', 'netem', 'loss', `${lossPct}%`, 'rate', `${rateMbit}mbit`, 'limit', '1000'];
        const r = spawnSync('ip', args, { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`tc netem on ${dev}: ${r.stderr.trim()}`);
      }
    });
  }

  /** The namespace test bed under the daemons (netns mode). */
  get bed(): Testbed | undefined {
    return this.testbed;
  }

  /** Starts node `i` again with the same config (after `kill`), and waits until it is ready. */
  async restart(i: number): Promise<void> {
    const h = this.nodes[i];
    if (h.proc.exitCode === null && h.proc.signalCode === null) throw new Error(`${h.name} is still running`);
    this.nodes[i] = this.spawnNode(i, h.name, h.identity, h.cfgPath, h.socket);
    await this.ready(this.nodes[i]);
  }

  private spawnNode(index: number, name: string, identity: Identity, cfgPath: string, socket: string): NodeHandle {
    const args = ['--import', 'tsx', CLI, 'node', 'start', '--config', cfgPath, '--json'];
    const proc =
      this.mode === 'netns'
        ? spawn('ip', ['netns', 'exec', this.testbed!.ns[index], process.execPath, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const h: NodeHandle = { index, name, identity, address: identity.address, socket, proc, log: [], cfgPath };
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      try {
        const e = JSON.parse(line) as { ev: string; line?: string };
        h.log.push(e.ev === 'log' ? e.line! : e.ev);
      } catch {
        h.log.push(line);
      }
    });
    createInterface({ input: proc.stderr! }).on('line', (line) => h.log.push(`stderr: ${line}`));
    return h;
  }

  private async ready(h: NodeHandle, timeoutMs = 30_000): Promise<void> {
    const t0 = Date.now();
    while (!h.log.includes('ready')) {
      if (h.proc.exitCode !== null) throw new Error(`${h.name} exited (${h.proc.exitCode}): ${h.log.join(' | ')}`);
      if (Date.now() - t0 > timeoutMs) throw new Error(`${h.name} not ready within ${timeoutMs} ms: ${h.log.join(' | ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** One request to node `i`'s control socket. */
  call<T = any>(i: number, method: string, params: Record<string, unknown> = {}, onEvent?: (e: any) => void): Promise<T> {
    return callNode<T>(this.nodes[i].socket, method, params, onEvent);
  }

  /** Waits until every node reports all its links up. */
  async linksUp(timeoutMs = 30_000): Promise<void> {
    const t0 = Date.now();
    for (let i = 0; i < this.nodes.length; i++) {
      for (;;) {
        const s = await this.call(i, 'status');
        if (s.links.every((l: any) => l.up)) break;
        if (Date.now() - t0 > timeoutMs) {
          const down = s.links.filter((l: any) => !l.up).map((l: any) => `${l.name} (${l.transport}, ${l.state}, ${l.sessions} sessions, rx ${l.rxFrames}, rejected ${l.rejected})`);
          throw new Error(`${this.nodes[i].name}: links not up within ${timeoutMs} ms: ${down.join(', ')}; transports ${JSON.stringify(s.transports)}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Kills node `i`'s process at once (a relay failing, not shutting down politely); resolves when it is gone. */
  kill(i: number): Promise<void> {
    const p = this.nodes[i].proc;
    if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
    const gone = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGKILL');
    return gone;
  }

  /** Path of a scratch file in the demo's folder. */
  file(name: string): string {
    return join(this.dir, name);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.nodes.map(
        (h) =>
          new Promise<void>((resolve) => {
            if (h.proc.exitCode !== null || h.proc.signalCode !== null) return resolve();
            h.proc.once('exit', () => resolve());
            h.proc.kill('SIGTERM');
            setTimeout(() => h.proc.kill('SIGKILL'), 3000).unref();
          }),
      ),
    );
    await this.testbed?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
