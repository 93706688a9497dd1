// The IP gateway's test bed: node daemons in network namespaces (testbed/demo's DemoMesh over
// the namespace test bed), one of them a gateway whose uplink leads to an "internet"
// namespace (HTTP, UDP echo and DNS servers, and whatever a benchmark adds, such as iperf3),
// one a client with a "local network" namespace whose resolver answers every name with a
// decoy address and logs each query (so a DNS leak shows). Everything is removed on close.
//
//   client ──mesh── gateway ──up0/eth0── inet 203.0.113.10 (HTTP :80, UDP echo :7), 203.0.113.53 (DNS)
//   client ──lan0/eth0── lan 192.168.77.53 (decoy DNS)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DemoMesh, type MeshSpec } from '../demo/launcher.ts';
import { ensureTools, Testbed } from './testbed.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'host', 'cli', 'skywire.ts');

export const INET = { gatewaySide: '203.0.113.1', host: '203.0.113.10', dns: '203.0.113.53', prefix: 24 };
export const LAN = { clientSide: '192.168.77.1', dns: '192.168.77.53', decoy: '192.168.77.99', prefix: 24 };
export const WEB_NAME = 'web.example.test';
export const GATEWAY_POOL = '10.99.0.0/24';
export const TUN_DEVICE = 'skytun0';
export const GATEWAY_DEVICE = 'skygw0';

export interface GatewayBedSpec extends Omit<MeshSpec, 'extra' | 'lossPct'> {
  client: number;
  gateway: number;
  lossPct?: number;
  /** Routes the client asks for by default. */
  tunnelRoutes?: number;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error}`);
}

export class GatewayBed {
  mesh!: DemoMesh;
  readonly inetNs = `${Testbed.prefix}${process.pid}inet`;
  readonly lanNs = `${Testbed.prefix}${process.pid}lan`;
  readonly files = mkdtempSync(join(tmpdir(), 'skywire-gw-files-'));
  readonly servers: Array<{ name: string; proc: ChildProcess; lines: Array<Record<string, unknown>> }> = [];
  private netnsEtc: string | undefined;
  private closed = false;

  private constructor(readonly spec: GatewayBedSpec) {}

  /** Namespace of mesh node i. */
  ns(i: number): string {
    return this.mesh.bed!.ns[i];
  }

  get clientNs(): string {
    return this.ns(this.spec.client);
  }

  get gatewayNs(): string {
    return this.ns(this.spec.gateway);
  }

  /** The client's resolver file as processes in its namespace see it (ip netns exec binds it over /etc/resolv.conf). */
  get clientResolvConf(): string {
    return `/etc/netns/${this.clientNs}/resolv.conf`;
  }

  static async start(spec: GatewayBedSpec): Promise<GatewayBed> {
    const b = new GatewayBed(spec);
    try {
      await b.build();
    } catch (e) {
      await b.close();
      throw e;
    }
    return b;
  }

  private async build(): Promise<void> {
    ensureTools();
    const { client, gateway } = this.spec;
    this.mesh = await DemoMesh.start(
      {
        ...this.spec,
        lossPct: this.spec.lossPct ?? 0,
        extra: (i, ns) => {
          if (i === gateway) return { gateway: { pool: GATEWAY_POOL, device: GATEWAY_DEVICE, allow: 'open', dnsUpstream: [INET.dns] } };
          if (i === client) return { tunnel: { device: TUN_DEVICE, routes: this.spec.tunnelRoutes ?? 2, resolvConf: `/etc/netns/${ns}/resolv.conf` } };
          return undefined;
        },
      },
      'netns',
    );
    // The client's own resolver: the decoy on its local network.
    this.netnsEtc = `/etc/netns/${this.clientNs}`;
    mkdirSync(this.netnsEtc, { recursive: true });
    writeFileSync(this.clientResolvConf, `nameserver ${LAN.dns}\n`);
    this.veth(this.gatewayNs, 'up0', INET.gatewaySide, this.inetNs, 'eth0', [INET.host, INET.dns]);
    this.veth(this.clientNs, 'lan0', LAN.clientSide, this.lanNs, 'eth0', [LAN.dns]);
    await this.server('inet', this.inetNs, ['--http', `${INET.host}:80`, '--dir', this.files, '--udp-echo', `${INET.host}:7`, '--dns', `${INET.dns}:53`, '--record', `${WEB_NAME}=${INET.host}`]);
    await this.server('lan', this.lanNs, ['--dns', `${LAN.dns}:53`, '--record', `${WEB_NAME}=${LAN.decoy}`]);
    await this.mesh.linksUp();
  }

  /** A veth pair between two namespaces (made here, or the test bed's). */
  private veth(nsA: string, devA: string, addrA: string, nsB: string, devB: string, addrsB: string[]): void {
    if (!spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').some((l) => l.split(' ')[0] === nsB)) run('ip', ['netns', 'add', nsB]);
    run('ip', ['-n', nsB, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', nsA, 'link', 'add', devA, 'type', 'veth', 'peer', 'name', devB, 'netns', nsB]);
    run('ip', ['-n', nsA, 'addr', 'add', `${addrA}/24`, 'dev', devA]);
    run('ip', ['-n', nsA, 'link', 'set', devA, 'up']);
    for (const a of addrsB) run('ip', ['-n', nsB, 'addr', 'add', `${a}/24`, 'dev', devB]);
    run('ip', ['-n', nsB, 'link', 'set', devB, 'up']);
  }

  private async server(name: string, ns: string, args: string[]): Promise<void> {
    const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', join(ROOT, 'testbed', 'netns', 'inet-host.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const s = { name, proc, lines: [] as Array<Record<string, unknown>> };
    this.servers.push(s);
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      try {
        s.lines.push(JSON.parse(l));
      } catch {
        // not ours
      }
    });
    const t0 = Date.now();
    while (!s.lines.some((e) => e.ev === 'ready')) {
      if (proc.exitCode !== null) throw new Error(`${name} host exited (${proc.exitCode})`);
      if (Date.now() - t0 > 30_000) throw new Error(`${name} host not ready within 30 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Random loss on every mesh link (each direction), percent; rates and delays stay. */
  setLoss(lossPct: number): void {
    const t = this.mesh.bed!;
    t.links.forEach((l, i) => t.setLink(i, { ...l, lossPct }));
  }

  /**
   * Static IP routes along a chain of nodes (mesh node indexes, in order), so the kernel's own
   * TCP and ping run from one end to the other over the very links the mesh uses.
   */
  routeChain(path: number[]): void {
    const t = this.mesh.bed!;
    const link = (i: number, j: number) => t.edges.findIndex(([a, b]) => (a === i && b === j) || (a === j && b === i));
    const links = path.slice(1).map((n, k) => link(path[k], n));
    if (links.some((l) => l < 0)) throw new Error(`nodes ${path.join(' - ')} are not a chain of links`);
    path.forEach((node, k) => {
      links.forEach((l, m) => {
        if (m === k - 1 || m === k) return; // adjacent: reached directly
        const via = m < k ? links[k - 1] : links[k];
        run('ip', ['-n', t.ns[node], 'route', 'add', `10.77.${l}.0/24`, 'dev', t.dev(via, node)]);
      });
    });
  }

  /** Node j's address on the link between nodes i and j. */
  linkAddress(i: number, j: number): string {
    const t = this.mesh.bed!;
    const l = t.edges.findIndex(([a, b]) => (a === i && b === j) || (a === j && b === i));
    return t.addr(l, t.edges[l][0] === j ? 'a' : 'b');
  }

  /** Names the decoy resolver on the client's local network was asked for. */
  lanQueries(): string[] {
    return this.servers.find((s) => s.name === 'lan')!.lines.filter((e) => e.ev === 'dns').map((e) => String(e.name));
  }

  /** Runs a command in a namespace; resolves with its exit code and output (killed after `timeoutMs`). */
  exec(ns: string, cmd: string, args: string[], timeoutMs = 60_000): Promise<ExecResult> {
    return new Promise((resolve) => {
      const p = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      p.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
      p.on('close', (code) => {
        clearTimeout(t);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Starts a command in a namespace and hands back the process (a download to interrupt). */
  spawnIn(ns: string, cmd: string, args: string[]): ChildProcess {
    return spawn('ip', ['netns', 'exec', ns, cmd, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** The skywire command against node i's daemon (as a user would run it); parses --json output. */
  async cli(i: number, args: string[]): Promise<{ code: number | null; json: any; stderr: string }> {
    const r = await new Promise<ExecResult>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', CLI, '--socket', this.mesh.nodes[i].socket, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      p.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    let json: any;
    try {
      json = JSON.parse(r.stdout);
    } catch {
      json = undefined;
    }
    return { code: r.code, json, stderr: r.stderr };
  }

  /** What the tunnel could leave behind in a namespace: its devices, routes through them, nftables tables. */
  leftovers(ns: string): { devices: string[]; routes: string[]; tables: string[] } {
    const sh = (args: string[]) => spawnSync('ip', ['netns', 'exec', ns, ...args], { encoding: 'utf8' }).stdout;
    const devices = sh(['ip', '-o', 'link', 'show']).split('\n').flatMap((l) => {
      const m = /^\d+: ([^:@]+)/.exec(l);
      return m && (m[1] === TUN_DEVICE || m[1] === GATEWAY_DEVICE) ? [m[1]] : [];
    });
    const routes = sh(['ip', '-o', 'route', 'show']).split('\n').filter((l) => l.includes(TUN_DEVICE) || l.includes(GATEWAY_DEVICE) || l.startsWith('0.0.0.0/1') || l.startsWith('128.0.0.0/1'));
    const tables = sh(['nft', 'list', 'tables']).split('\n').filter((l) => l.includes('skywire'));
    return { devices, routes, tables };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.servers) if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
    await this.mesh?.close();
    for (const ns of [this.inetNs, this.lanNs]) spawnSync('ip', ['netns', 'del', ns]);
    if (this.netnsEtc) rmSync(this.netnsEtc, { recursive: true, force: true });
    rmSync(this.files, { recursive: true, force: true });
  }
}
