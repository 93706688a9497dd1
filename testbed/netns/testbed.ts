// Test bed: a chain of hosts in network namespaces, one node process per namespace, joined
// by emulated links whose loss (nftables, numgen random, on ingress), rate (tbf, on egress)
// and one-way delay (delay-link, a user-space TUN pair) are set per link and act alike on
// the kernel's TCP and on our UDP. Everything stays on this machine; `close()` removes every
// namespace and process, and is also run on exit.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bytesToHex } from '@noble/hashes/utils.js';
import { generateIdentity, type Identity } from '../../host/identity/identity.ts';
import type { AppConfig, NodeConfig } from '../../host/node/config.ts';
import type { RouteConfig } from '../../host/saf/config.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOOLS = join(ROOT, 'build', 'testbed');
/** Every namespace we create starts with this, so leftovers of a killed run can be found. */
export const NS_PREFIX = 'saftb';
const NODE_PORT = 7700;
const TCP_PORT = 5201;

export interface LinkSpec {
  /** Random drop per direction, percent. */
  lossPct: number;
  /** One-way delay, ms. */
  delayMs: number;
  /** Rate per direction, Mb/s. */
  rateMbit: number;
}

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error}`);
  return r.stdout;
}

/** Compiles the small C tools when missing or older than their source. */
export function ensureTools(): void {
  mkdirSync(TOOLS, { recursive: true });
  for (const t of ['delay-link', 'tcp-xfer', 'raw-send']) {
    const src = join(ROOT, 'testbed', 'netns', `${t}.c`);
    const bin = join(TOOLS, t);
    if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) run('cc', ['-O2', '-Wall', '-o', bin, src]);
  }
}

/** What this machine allows; each entry is null when it works, or why not. */
export function probeHost(): Record<string, string | null> {
  const ns = `${NS_PREFIX}probe${process.pid}`;
  const out: Record<string, string | null> = {};
  const tryRun = (k: string, cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    out[k] = r.status === 0 ? null : (r.stderr || String(r.error)).trim().slice(0, 200);
  };
  tryRun('netns', 'ip', ['netns', 'add', ns]);
  tryRun('veth', 'ip', ['-n', ns, 'link', 'add', 'pv0', 'type', 'veth', 'peer', 'name', 'pv1']);
  tryRun('tbf', 'ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', 'pv0', 'root', 'tbf', 'rate', '10mbit', 'burst', '3000', 'latency', '50ms']);
  tryRun('netem', 'ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', 'pv1', 'root', 'netem', 'delay', '10ms']);
  tryRun('nft', 'ip', ['netns', 'exec', ns, 'nft', 'add table netdev p; add chain netdev p c { type filter hook ingress device pv0 priority 0; }; add rule netdev p c numgen random mod 100 < 5 drop']);
  out.tun = existsSync('/dev/net/tun') ? null : 'no /dev/net/tun';
  const cc = spawnSync('sysctl', ['-n', 'net.ipv4.tcp_available_congestion_control'], { encoding: 'utf8' }).stdout.trim();
  out.cubic = cc.split(/\s+/).includes('cubic') ? null : `available: ${cc}`;
  out.bbr = cc.split(/\s+/).includes('bbr') ? null : `available: ${cc}`;
  spawnSync('ip', ['netns', 'del', ns]);
  return out;
}

/** Namespaces of the CI test and of the benchmark (kept apart so neither disturbs the other). */
const ALL_PREFIXES = [NS_PREFIX, 'safbn'];
/** A leftover namespace is removed only once it is this old (a benchmark run lasts under 30 min). */
const STALE_AFTER_MS = 45 * 60_000;

/**
 * Removes namespaces left by a run that was killed before it could clean up. Names carry the
 * creating process's id; a namespace is removed only when that process is gone and the
 * namespace is older than STALE_AFTER_MS, so runs of other sessions on this machine (whose
 * process ids we may not see) are never disturbed.
 */
export function removeStaleNamespaces(): void {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0];
    const prefix = ALL_PREFIXES.find((p) => name.startsWith(p));
    if (!prefix) continue;
    const m = /^(?:probe)?(\d+)/.exec(name.slice(prefix.length));
    if (!m || pidAlive(Number(m[1]))) continue;
    let age = 0;
    try {
      age = Date.now() - statSync(`/var/run/netns/${name}`).mtimeMs;
    } catch {
      continue;
    }
    if (age > STALE_AFTER_MS) spawnSync('ip', ['netns', 'del', name]);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One node process, spoken to in JSON lines. */
export class NodeProc {
  readonly child: ChildProcess;
  private readonly seen: Array<Record<string, unknown>> = [];
  private waiters: Array<{ ev: string; resolve: (e: Record<string, unknown>) => void }> = [];
  readonly linkEvents: Array<Record<string, unknown>> = [];

  constructor(
    readonly name: string,
    ns: string,
    cfgPath: string,
  ) {
    this.child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', join(ROOT, 'host/node/main.ts'), cfgPath], { stdio: ['pipe', 'pipe', 'inherit'], cwd: ROOT });
    createInterface({ input: this.child.stdout! }).on('line', (l) => {
      let e: Record<string, unknown>;
      try {
        e = JSON.parse(l);
      } catch {
        return;
      }
      if (e.ev === 'link') this.linkEvents.push(e);
      const i = this.waiters.findIndex((w) => w.ev === e.ev);
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(e);
      else this.seen.push(e);
    });
  }

  send(cmd: object): void {
    this.child.stdin?.write(JSON.stringify(cmd) + '\n');
  }

  next(ev: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const i = this.seen.findIndex((e) => e.ev === ev);
    if (i >= 0) return Promise.resolve(this.seen.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.name}: no '${ev}' within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        ev,
        resolve: (e) => {
          clearTimeout(t);
          resolve(e);
        },
      });
    });
  }

  async report(): Promise<NodeReport> {
    this.send({ cmd: 'report' });
    return (await this.next('report')) as unknown as NodeReport;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const done = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.send({ cmd: 'exit' });
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await done;
    clearTimeout(t);
  }
}

export interface NodeReport {
  name: string;
  apps: Array<{ kind: string; local: number; written?: number; bytes?: number; sha256?: string | null; series?: Array<[number, number]>; latencies?: number[]; sent?: number }>;
  saf: Record<string, unknown> & { dropped: Record<string, number>; retransmittedBytes: number; datagramsSent: number };
  occupancy: Array<{ route: string; held: number; bufferBytes: number }>;
}

export interface ChainRoutes {
  /** Bulk route, local 1 at both ends. */
  bulk: { relayBuffer: number; sourceBuffer: number; mode?: 'saf' | 'plain' };
  /** Optional real-time route, local 2. */
  realtime?: { buffer: number; intervalMs: number; size: number };
  sourceBytes?: number;
  seed?: number;
  rotationIntervalMs?: number;
  pacerBurstDatagrams?: number;
}

/** One route through the test bed: the nodes it visits, and what runs at its ends. */
export interface RouteSpec {
  path: number[];
  /** Local ID at both ends; hop route IDs are 100 x local + hop index. */
  local: number;
  relayBuffer: number;
  sourceBuffer: number;
  qos?: 'bulk' | 'realtime';
  mode?: 'saf' | 'plain';
  /** Bulk source of deterministic bytes (default), or a real-time probe. */
  app?: { kind: 'bulk'; bytes?: number; seed: number } | { kind: 'rt'; intervalMs: number; size: number };
}

/** Hosts in namespaces joined by emulated links; `links[l]` joins two node indexes. */
export class Testbed {
  readonly ns: string[];
  private readonly delayLinks: ChildProcess[] = [];
  nodes: NodeProc[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'saftb-'));
  private closed = false;
  private readonly onExit = () => this.closeSync();

  /** Prefix of this process's namespace names (the benchmark uses its own). */
  static prefix = NS_PREFIX;

  protected constructor(
    readonly nodeCount: number,
    readonly edges: Array<[number, number]>,
    readonly links: LinkSpec[],
  ) {
    this.ns = Array.from({ length: nodeCount }, (_, i) => `${Testbed.prefix}${process.pid}n${i}`);
    process.on('exit', this.onExit);
  }

  /** Address of link `l`'s first ('a') or second ('b') end. */
  addr(l: number, side: 'a' | 'b'): string {
    return `10.77.${l}.${side === 'a' ? 1 : 2}`;
  }

  /** Device name of link `l` at node `i`. */
  dev(l: number, i: number): string {
    return `l${l}${this.edges[l][0] === i ? 'a' : 'b'}`;
  }

  private linkBetween(i: number, j: number): number {
    const l = this.edges.findIndex(([a, b]) => (a === i && b === j) || (a === j && b === i));
    if (l < 0) throw new Error(`no link between nodes ${i} and ${j}`);
    return l;
  }

  /** Builds namespaces and links; the caller owns `close()`. */
  static async graph(nodeCount: number, edges: Array<[number, number]>, link: LinkSpec | LinkSpec[]): Promise<Testbed> {
    const t = new Testbed(nodeCount, edges, Array.isArray(link) ? link : edges.map(() => link));
    await t.build();
    return t;
  }

  protected async build(): Promise<void> {
    ensureTools();
    try {
      for (const ns of this.ns) {
        run('ip', ['netns', 'add', ns]);
        run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
        run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
      }
      for (let l = 0; l < this.edges.length; l++) await this.addLink(l);
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  private async addLink(l: number): Promise<void> {
    const spec = this.links[l];
    const [i, j] = this.edges[l];
    const [a, b] = [this.ns[i], this.ns[j]];
    const p = spawn(join(TOOLS, 'delay-link'), [a, `l${l}a`, b, `l${l}b`, String(Math.round(spec.delayMs * 1000))], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.delayLinks.push(p);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('delay-link did not start')), 5000);
      p.stdout!.once('data', () => {
        clearTimeout(t);
        resolve();
      });
      p.once('exit', (code) => reject(new Error(`delay-link exited ${code}`)));
    });
    for (const [ns, dev, me, peer] of [
      [a, `l${l}a`, this.addr(l, 'a'), this.addr(l, 'b')],
      [b, `l${l}b`, this.addr(l, 'b'), this.addr(l, 'a')],
    ]) {
      run('ip', ['-n', ns, 'addr', 'add', me, 'peer', peer, 'dev', dev]);
      run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
      run('ip', ['netns', 'exec', ns, 'nft', `add table netdev saf; add chain netdev saf in_${dev} { type filter hook ingress device ${dev} priority 0; }`]);
    }
    this.setLink(l, spec, true);
  }

  /** Changes loss and rate of link `l` (both directions). */
  setLink(l: number, spec: LinkSpec, fresh = false): void {
    this.links[l] = { ...spec, delayMs: this.links[l].delayMs };
    const [i, j] = this.edges[l];
    for (const [ns, dev] of [
      [this.ns[i], `l${l}a`],
      [this.ns[j], `l${l}b`],
    ]) {
      // tbf queue: 100 ms at the link rate (generous for TCP; our traffic is paced and never fills it).
      const limit = Math.max(16_000, Math.round((spec.rateMbit * 1e6) / 8 / 10));
      run('ip', ['netns', 'exec', ns, 'tc', 'qdisc', fresh ? 'add' : 'replace', 'dev', dev, 'root', 'tbf', 'rate', `${spec.rateMbit}mbit`, 'burst', '3200', 'limit', String(limit)]);
      const perMille = Math.round(spec.lossPct * 10);
      const rule = perMille > 0 ? `; add rule netdev saf in_${dev} numgen random mod 1000 < ${perMille} drop` : '';
      run('ip', ['netns', 'exec', ns, 'nft', `flush chain netdev saf in_${dev}${rule}`]);
    }
  }

  setAllLinks(spec: LinkSpec): void {
    for (let l = 0; l < this.edges.length; l++) this.setLink(l, spec);
  }

  /** Starts one node process per namespace with the given routes, and waits for every link. */
  async startRoutes(routes: RouteSpec[], o: { rotationIntervalMs?: number; pacerBurstDatagrams?: number } = {}): Promise<void> {
    const ids: Identity[] = this.ns.map(() => generateIdentity());
    const degree = this.ns.map((_, i) => this.edges.filter(([a, b]) => a === i || b === i).length);
    for (let i = 0; i < this.nodeCount; i++) {
      const neighbours = this.edges
        .map(([a, b], l) => ({ l, j: a === i ? b : b === i ? a : -1 }))
        .filter((x) => x.j >= 0)
        .map(({ l, j }) => ({
          id: j,
          host: this.addr(l, this.edges[l][0] === j ? 'a' : 'b'),
          port: NODE_PORT,
          publicKey: bytesToHex(ids[j].publicKey),
          role: (j > i ? 'initiator' : 'responder') as 'initiator' | 'responder',
          rateBytesPerSec: (this.links[l].rateMbit * 1e6) / 8,
          pacerBurstDatagrams: o.pacerBurstDatagrams,
        }));
      const rc: RouteConfig[] = [];
      const apps: AppConfig[] = [];
      for (const r of routes) {
        const h = r.path.indexOf(i);
        if (h < 0) continue;
        const last = r.path.length - 1;
        for (let k = 0; k < last; k++) this.linkBetween(r.path[k], r.path[k + 1]);
        const hopRoute = (k: number) => 100 * r.local + k;
        rc.push({
          in: h === 0 ? { local: r.local } : { neighbour: r.path[h - 1], route: hopRoute(h - 1) },
          out: h === last ? { local: r.local } : { neighbour: r.path[h + 1], route: hopRoute(h) },
          bufferBytes: h === 0 ? r.sourceBuffer : r.relayBuffer,
          qos: r.qos ?? 'bulk',
          mode: r.mode ?? 'saf',
        });
        const app = r.app ?? { kind: 'bulk', seed: r.local };
        if (h === 0) apps.push(app.kind === 'bulk' ? { kind: 'source', local: r.local, seed: app.seed, bytes: app.bytes } : { kind: 'rt-source', local: r.local, intervalMs: app.intervalMs, size: app.size });
        if (h === last) apps.push(app.kind === 'bulk' ? { kind: 'sink', local: r.local } : { kind: 'rt-sink', local: r.local });
      }
      const cfg: NodeConfig = { name: `n${i}`, secretKey: bytesToHex(ids[i].secretKey), listen: { host: '0.0.0.0', port: NODE_PORT }, neighbours, routes: rc, apps, rotationIntervalMs: o.rotationIntervalMs };
      const path = join(this.dir, `n${i}.json`);
      writeFileSync(path, JSON.stringify(cfg, null, 1));
      this.nodes.push(new NodeProc(`n${i}`, this.ns[i], path));
    }
    await Promise.all(this.nodes.map((p) => p.next('ready', 30_000)));
    const deadline = Date.now() + 30_000;
    while (this.nodes.some((p, i) => new Set(p.linkEvents.map((e) => e.neighbour)).size < degree[i])) {
      if (Date.now() > deadline) throw new Error('links did not come up within 30 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stopNodes(): Promise<void> {
    await Promise.all(this.nodes.map((p) => p.close()));
    this.nodes = [];
  }

  /**
   * One TCP transfer from node `from` to address `dst` in node `to` with congestion control
   * `cc`: connect, run `beforeSend` (the bench sets the loss here, after the handshake, as for
   * store-and-forward), then send for `seconds`. The series counts from the first byte.
   */
  async tcpBetween(from: number, to: number, dst: string, cc: 'cubic' | 'bbr', seconds: number, beforeSend?: () => void): Promise<{ bytes: number; series: number[] }> {
    const srv = spawn('ip', ['netns', 'exec', this.ns[to], join(TOOLS, 'tcp-xfer'), 'server', String(TCP_PORT), String(seconds + 4)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    createInterface({ input: srv.stdout! }).on('line', (l) => lines.push(l));
    const t0 = Date.now();
    while (!lines.length && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
    const cli = spawn('ip', ['netns', 'exec', this.ns[from], join(TOOLS, 'tcp-xfer'), 'client', dst, String(TCP_PORT), cc, String(seconds)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const out: string[] = [];
    createInterface({ input: cli.stdout! }).on('line', (l) => out.push(l));
    const t1 = Date.now();
    while (!out.length && Date.now() - t1 < 10_000) await new Promise((r) => setTimeout(r, 10));
    if (!out.length) {
      cli.kill('SIGKILL');
      srv.kill('SIGKILL');
      throw new Error('tcp client did not connect');
    }
    beforeSend?.();
    cli.stdin!.write('go\n');
    await new Promise<void>((r) => (cli.exitCode !== null ? r() : cli.once('exit', () => r())));
    if (!out.some((l) => l.includes(`"cc":"${cc}"`))) throw new Error(`tcp client did not get ${cc}: ${out.join(' ')}`);
    // The server ends when the sender closes, or 4 s after it would have (a FIN lost to loss).
    await new Promise<void>((r) => (srv.exitCode !== null ? r() : srv.once('exit', () => r())));
    const done = JSON.parse(lines.at(-1)!);
    return { bytes: done.bytes, series: done.series };
  }

  /**
   * TCP's answer to the real-time question: 64-byte probes every `intervalMs` on their own
   * connection (TCP_NODELAY, congestion control `cc`), alone or beside a bulk transfer with
   * the same congestion control, from node `from` to node `to`. One-way latencies in ms.
   */
  async tcpProbe(from: number, to: number, dst: string, cc: 'cubic' | 'bbr', seconds: number, intervalMs: number, withBulk: boolean): Promise<number[]> {
    const rtSrv = spawn('ip', ['netns', 'exec', this.ns[to], join(TOOLS, 'tcp-xfer'), 'rtserver', String(TCP_PORT + 1), String(seconds + 4)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    createInterface({ input: rtSrv.stdout! }).on('line', (l) => lines.push(l));
    const t0 = Date.now();
    while (!lines.length && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
    const cli = spawn('ip', ['netns', 'exec', this.ns[from], join(TOOLS, 'tcp-xfer'), 'rtclient', dst, String(TCP_PORT + 1), cc, String(seconds), String(intervalMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const out: string[] = [];
    createInterface({ input: cli.stdout! }).on('line', (l) => out.push(l));
    const t1 = Date.now();
    while (!out.length && Date.now() - t1 < 10_000) await new Promise((r) => setTimeout(r, 10));
    const go = () => cli.stdin!.write('go\n');
    if (withBulk) await this.tcpBetween(from, to, dst, cc, seconds, go);
    else go();
    await new Promise<void>((r) => (cli.exitCode !== null ? r() : cli.once('exit', () => r())));
    await new Promise<void>((r) => (rtSrv.exitCode !== null ? r() : rtSrv.once('exit', () => r())));
    return JSON.parse(lines.at(-1)!).latencies as number[];
  }

  private closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.nodes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    for (const p of this.delayLinks) if (p.exitCode === null) p.kill('SIGTERM');
    for (const ns of this.ns) spawnSync('ip', ['netns', 'del', ns]);
    rmSync(this.dir, { recursive: true, force: true });
    process.off('exit', this.onExit);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.nodes.map((p) => p.close()));
    this.nodes = [];
    await Promise.all(
      this.delayLinks.map(
        (p) =>
          new Promise<void>((r) => {
            if (p.exitCode !== null || p.signalCode !== null) return r();
            p.once('exit', () => r());
            p.kill('SIGTERM');
          }),
      ),
    );
    this.closeSync();
  }
}

/** A chain 0 - 1 - ... - hops, with kernel IP routes so TCP runs end to end over the same links. */
export class Chain extends Testbed {
  private constructor(readonly hops: number, link: LinkSpec | LinkSpec[]) {
    const edges = Array.from({ length: hops }, (_, l) => [l, l + 1] as [number, number]);
    super(hops + 1, edges, Array.isArray(link) ? link : edges.map(() => link));
  }

  static async create(hops: number, link: LinkSpec | LinkSpec[]): Promise<Chain> {
    const c = new Chain(hops, link);
    await c.build();
    try {
      // Static IP routes: everything behind a side goes out that side.
      for (let i = 0; i <= hops; i++) {
        for (let l = 0; l < hops; l++) {
          if (l === i - 1 || l === i) continue;
          const dev = l < i ? `l${i - 1}b` : `l${i}a`;
          run('ip', ['-n', c.ns[i], 'route', 'add', `10.77.${l}.0/24`, 'dev', dev]);
        }
      }
    } catch (e) {
      await c.close();
      throw e;
    }
    return c;
  }

  /** A bulk route (local 1) from node 0 to the last node, and optionally a real-time one (local 2). */
  async startNodes(r: ChainRoutes): Promise<void> {
    const path = Array.from({ length: this.hops + 1 }, (_, i) => i);
    const routes: RouteSpec[] = [
      { path, local: 1, relayBuffer: r.bulk.relayBuffer, sourceBuffer: r.bulk.sourceBuffer, mode: r.bulk.mode, app: { kind: 'bulk', seed: r.seed ?? 1, bytes: r.sourceBytes } },
    ];
    if (r.realtime) routes.push({ path, local: 2, relayBuffer: r.realtime.buffer, sourceBuffer: r.realtime.buffer, qos: 'realtime', app: { kind: 'rt', intervalMs: r.realtime.intervalMs, size: r.realtime.size } });
    await this.startRoutes(routes, { rotationIntervalMs: r.rotationIntervalMs, pacerBurstDatagrams: r.pacerBurstDatagrams });
  }

  /** Real-time probes over TCP from node 0 to the last node, alone or beside bulk TCP. */
  tcpProbe0(cc: 'cubic' | 'bbr', seconds: number, intervalMs: number, withBulk: boolean): Promise<number[]> {
    return this.tcpProbe(0, this.hops, this.addr(this.hops - 1, 'b'), cc, seconds, intervalMs, withBulk);
  }

  /** One TCP transfer from node 0 to the last node. */
  tcp(cc: 'cubic' | 'bbr', seconds: number, beforeSend?: () => void): Promise<{ bytes: number; series: number[] }> {
    return this.tcpBetween(0, this.hops, this.addr(this.hops - 1, 'b'), cc, seconds, beforeSend);
  }
}
