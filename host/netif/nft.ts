// An nftables table that cannot outlive the daemon: created with the "owner" flag by an
// `nft -i` child process that keeps its netlink socket open. The kernel removes an owned
// table when its owner's socket closes, so when the daemon dies, even by SIGKILL, the child
// sees its stdin close, exits, and the table and every rule in it are gone; no journal and
// no cleanup pass are needed. A clean stop deletes the table first.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { endChild, NetifError } from './tun.ts';

export class NftTable {
  private constructor(
    readonly family: string,
    readonly name: string,
    private readonly child: ChildProcess,
  ) {}

  /**
   * Creates `family name` with the owner flag, then runs `commands` (one nft command per line,
   * such as `add chain ip t post { type nat hook postrouting priority srcnat; }`), and checks
   * that every one of them went in: nft -i prints errors, and the table's listing comes back
   * only after every command before it was done.
   */
  static async create(family: 'ip' | 'inet', name: string, commands: string[]): Promise<NftTable> {
    if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw new NetifError(`nftables table name "${name}" must be letters, digits or "_"`);
    const bad = commands.find((c) => c.includes('\n'));
    if (bad !== undefined) throw new NetifError(`one nft command per line: ${JSON.stringify(bad)}`);
    if (NftTable.exists(family, name)) throw new NetifError(`nftables table ${family} ${name} exists already (another daemon with this name owns it)`);
    const child = spawn('nft', ['-i'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.once('error', () => {});
    child.stdin!.on('error', () => {});
    for (const line of [`add table ${family} ${name} { flags owner; }`, ...commands, `list table ${family} ${name}`]) {
      child.stdin!.write(line + '\n');
    }
    const t0 = Date.now();
    const listed = () => new RegExp(`table ${family} ${name} \\{[\\s\\S]*\\n\\}`).test(stdout);
    while (!listed() && child.exitCode === null && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
    // Errors of earlier commands were written before the listing; give their pipe a moment.
    await new Promise((r) => setTimeout(r, 50));
    if (listed() && !stderr.trim()) return new NftTable(family, name, child);
    child.stdin!.end();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    throw new NetifError(`nftables table ${family} ${name}: ${stderr.trim().split('\n')[0] || (child.exitCode !== null ? 'nft exited' : 'not created within 5 s')}`);
  }

  static exists(family: string, name: string): boolean {
    return spawnSync('nft', ['list', 'table', family, name], { stdio: 'ignore' }).status === 0;
  }

  /** The table's rules as nft prints them (for status). */
  list(): string {
    return spawnSync('nft', ['list', 'table', this.family, this.name], { encoding: 'utf8' }).stdout;
  }

  /** Deletes the table and lets the owner go. */
  close(): Promise<void> {
    return endChild(this.child, `delete table ${this.family} ${this.name}\n`);
  }
}
