// Test bed: hosts in network namespaces joined by emulated links whose loss (nftables,
// numgen random, on ingress), rate (tbf, on egress) and one-way delay (delay-link, a
// user-space TUN pair) are set per link and act alike on the kernel's TCP and on our UDP.
// The node daemons run on it with daemons.ts (one `skywire node start` per namespace);
// the kernel's TCP runs on the same links for comparison (tcp-xfer). Everything stays on this
// machine; `close()` removes every namespace and process, and is also run on exit.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOOLS = join(ROOT, 'build', 'testbed');
/** Every namespace we create starts with this, so leftovers of a killed run can be found. */
export const NS_PREFIX = 'saftb';
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

/** Hosts in namespaces joined by emulated links; `links[l]` joins two node indexes. */
export class Testbed {
  readonly ns: string[];
  private readonly delayLinks: ChildProcess[] = [];
  private closed = false;
  private readonly onExit = () => this.closeSync();

  /** Prefix of this process's namespace names (the benchmark uses its own). */
  static prefix = NS_PREFIX;
  private static made = 0;

  protected constructor(
    readonly nodeCount: number,
    readonly edges: Array<[number, number]>,
    readonly links: LinkSpec[],
  ) {
    // The process id first (removeStaleNamespaces reads it), then which test bed of this process.
    const k = Testbed.made++;
    this.ns = Array.from({ length: nodeCount }, (_, i) => `${Testbed.prefix}${process.pid}x${k}n${i}`);
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
    for (const p of this.delayLinks) if (p.exitCode === null) p.kill('SIGTERM');
    for (const ns of this.ns) spawnSync('ip', ['netns', 'del', ns]);
    process.off('exit', this.onExit);
  }

  async close(): Promise<void> {
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

  /** Real-time probes over TCP from node 0 to the last node, alone or beside bulk TCP. */
  tcpProbe0(cc: 'cubic' | 'bbr', seconds: number, intervalMs: number, withBulk: boolean): Promise<number[]> {
    return this.tcpProbe(0, this.hops, this.addr(this.hops - 1, 'b'), cc, seconds, intervalMs, withBulk);
  }

  /** One TCP transfer from node 0 to the last node. */
  tcp(cc: 'cubic' | 'bbr', seconds: number, beforeSend?: () => void): Promise<{ bytes: number; series: number[] }> {
    return this.tcpBetween(0, this.hops, this.addr(this.hops - 1, 'b'), cc, seconds, beforeSend);
  }
}
