// Real node daemons for tests and benchmarks: one `skywire node start` process each, on
// loopback, with its own keys, config, control socket and inbox, started, killed (SIGKILL),
// restarted and measured (CPU time and peak memory from /proc). `root` runs another checkout
// of the project (the benchmark's "before" figures run the base commit the same way).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bytesToHex } from '@noble/hashes/utils.js';
import { callNode, freePorts } from './demo/launcher.ts';
import { generateIdentity, type Identity } from '../host/identity/identity.ts';
import { writeKeyFile } from '../host/identity/keyfile.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface DaemonSpec {
  name: string;
  services?: string[];
  /** Extra top-level config fields (limits, rotationIntervalMs, ...), merged over the defaults. */
  config?: Record<string, unknown>;
  /** Transport of this node's links (both ends must agree), default udp. */
  transport?: 'udp' | 'tcp';
  /** The node's identity (default: a new one). */
  identity?: Identity;
  /** Wraps the daemon's command line (argv[0] is node), e.g. to run it in a mount namespace. */
  wrap?: (argv: string[]) => string[];
}

export interface DaemonProc {
  index: number;
  name: string;
  identity: Identity;
  port: number;
  socket: string;
  inbox: string;
  configPath: string;
  proc: ChildProcess | undefined;
  /** Lines the daemon printed (JSON events and stderr), newest last. */
  log: string[];
}

/** /proc/<pid>/stat utime + stime, ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // USER_HZ is 100 on Linux
}

/** Peak resident memory (VmHWM), bytes. */
export function peakRssBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

export class Daemons {
  readonly nodes: DaemonProc[] = [];
  readonly dir: string;
  private specs: DaemonSpec[] = [];
  /** Node flags every daemon runs with (e.g. the V8 sizing bin/skywire.mjs uses). */
  private nodeFlags: string[] = [];

  private constructor(
    readonly root: string,
    dir?: string,
  ) {
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'skywire-daemons-'));
  }

  /**
   * Writes keys and configs for `specs` joined by `edges` (index pairs) and starts them.
   * `root`: the checkout whose CLI runs the daemons (default: this one).
   */
  static async start(
    specs: DaemonSpec[],
    edges: Array<[number, number]>,
    opts: { root?: string; start?: boolean; ports?: number[]; address?: (from: number, to: number) => string | undefined; nodeFlags?: string[] } = {},
  ): Promise<Daemons> {
    const d = new Daemons(opts.root ?? PROJECT_ROOT);
    d.specs = specs;
    d.nodeFlags = opts.nodeFlags ?? [];
    const ports = opts.ports ?? (await freePorts(specs.length));
    specs.forEach((s, i) => {
      const identity = s.identity ?? generateIdentity();
      const keyFile = join(d.dir, `${s.name}.key`);
      writeKeyFile(keyFile, identity);
      d.nodes.push({
        index: i,
        name: s.name,
        identity,
        port: ports[i],
        socket: join(d.dir, `${s.name}.sock`),
        inbox: join(d.dir, `${s.name}-inbox`),
        configPath: join(d.dir, `${s.name}.json`),
        proc: undefined,
        log: [],
      });
    });
    specs.forEach((s, i) => {
      const me = d.nodes[i];
      const transport = s.transport ?? 'udp';
      const neighbours = edges
        .filter(([a, b]) => a === i || b === i)
        .map(([a, b]) => {
          const j = a === i ? b : a;
          const n = d.nodes[j];
          return { name: n.name, publicKey: bytesToHex(n.identity.publicKey), transport, address: opts.address?.(i, j) ?? `127.0.0.1:${n.port}` };
        });
      const cfg = {
        name: s.name,
        identityFile: `${s.name}.key`,
        listen: [{ transport, address: `127.0.0.1:${me.port}` }],
        controlSocket: me.socket,
        inbox: me.inbox,
        neighbours,
        services: s.services ?? [],
        rotationIntervalMs: 200,
        ...s.config,
      };
      writeFileSync(me.configPath, JSON.stringify(cfg, null, 2));
    });
    if (opts.start !== false) {
      try {
        await Promise.all(d.nodes.map((_, i) => d.startNode(i)));
      } catch (e) {
        await d.close();
        throw e;
      }
    }
    return d;
  }

  /** Starts (or restarts) node `i` and waits for its ready line. */
  async startNode(i: number, timeoutMs = 30_000): Promise<void> {
    const n = this.nodes[i];
    const cli = join(this.root, 'host/cli/skywire.ts');
    const argv = [process.execPath, ...this.nodeFlags, '--import', 'tsx', cli, '--config', n.configPath, 'node', 'start', '--json'];
    const [cmd, ...args] = this.specs[i]?.wrap ? this.specs[i].wrap!(argv) : argv;
    const proc = spawn(cmd, args, { cwd: this.root, stdio: ['ignore', 'pipe', 'pipe'] });
    n.proc = proc;
    n.log.push('--- start');
    let ready = false;
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      n.log.push(line);
      if (line.includes('"ev":"ready"')) ready = true;
    });
    createInterface({ input: proc.stderr! }).on('line', (line) => n.log.push(`stderr: ${line}`));
    const t0 = Date.now();
    while (!ready) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${n.name} exited (${proc.exitCode ?? proc.signalCode}): ${n.log.slice(-5).join(' | ')}`);
      if (Date.now() - t0 > timeoutMs) throw new Error(`${n.name} not ready within ${timeoutMs} ms: ${n.log.slice(-5).join(' | ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  pid(i: number): number {
    const p = this.nodes[i].proc;
    if (!p?.pid) throw new Error(`${this.nodes[i].name} is not running`);
    return p.pid;
  }

  /** Kills node `i` at once (a crash, not a shutdown) and waits until it is gone. */
  async kill(i: number): Promise<void> {
    const p = this.nodes[i].proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGKILL');
    await gone;
  }

  /** One request to node `i`'s control socket. */
  call<T = any>(i: number, method: string, params: Record<string, unknown> = {}, onEvent?: (e: any) => void): Promise<T> {
    return callNode<T>(this.nodes[i].socket, method, params, onEvent);
  }

  /** Waits until every link of the running nodes is up. */
  async linksUp(timeoutMs = 20_000): Promise<void> {
    const t0 = Date.now();
    for (let i = 0; i < this.nodes.length; i++) {
      if (!this.nodes[i].proc || this.nodes[i].proc!.exitCode !== null) continue;
      for (;;) {
        const s = await this.call(i, 'status');
        if (s.links.every((l: any) => l.up)) break;
        if (Date.now() - t0 > timeoutMs) throw new Error(`${this.nodes[i].name}: links not up within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  file(name: string): string {
    mkdirSync(this.dir, { recursive: true });
    return join(this.dir, name);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.nodes.map(
        (n) =>
          new Promise<void>((resolve) => {
            const p = n.proc;
            if (!p || p.exitCode !== null || p.signalCode !== null) return resolve();
            p.once('exit', () => resolve());
            p.kill('SIGTERM');
            setTimeout(() => p.kill('SIGKILL'), 3000).unref();
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}
