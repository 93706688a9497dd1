// skywire: the node's command line. `node start` runs the daemon in this process; every
// other command is a client of a running daemon's control socket (found with --socket, the
// control socket named in --config, or $SKYWIRE_SOCKET). Read commands take --json and then
// print exactly the daemon's reply. Errors are one line on stderr and a nonzero exit.
//
//   skywire node start --config node.json
//   skywire --config node.json node status
//   skywire --socket /run/user/1000/skywire/a.sock send <address> ./file.bin
//
// --config and --socket may come before the command or after it (`ping <address> -c 3 --config
// a.json`); options after a command are that command's own, so `-c` there is ping's count,
// never the global config.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { generateIdentity } from '../identity/identity.ts';
import { writeKeyFile } from '../identity/keyfile.ts';
import { ConfigError, loadConfig } from '../daemon/config.ts';
import { ControlClient } from '../daemon/control-client.ts';
import { Daemon, DEFAULT_SEND_ROUTES } from '../daemon/daemon.ts';
import { addDeviceCommands, printDeviceStatus } from './device-commands.ts';
import { checkControlSocket, UnsafeFolderError } from '../daemon/private-dir.ts';
import { bytes, ms, pct, ProgressBar, short, table } from './format.ts';

/** Exit codes: 1 for an error of the request or the daemon, 2 for bad usage. */
const EXIT_ERROR = 1;
const EXIT_USAGE = 2;

/** An error for the user: printed as `skywire: <message>` with the exit code. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = EXIT_ERROR,
  ) {
    super(message);
  }
}

interface GlobalOpts {
  socket?: string;
  config?: string;
}

/** --socket / --config given after the command win over the ones before it. */
function nodeOpts(cmd: Command): GlobalOpts {
  const out: GlobalOpts = {};
  for (let c: Command | null = cmd; c; c = c.parent) {
    const o = c.opts<GlobalOpts>();
    out.socket ??= o.socket;
    out.config ??= o.config;
  }
  return out;
}

function socketPath(g: GlobalOpts): string {
  if (g.socket) return resolve(g.socket);
  if (g.config) return loadConfig(g.config).controlSocket;
  if (process.env.SKYWIRE_SOCKET) return process.env.SKYWIRE_SOCKET;
  throw new CliError('which node? give --socket <path> or --config <file> (or set SKYWIRE_SOCKET)', EXIT_USAGE);
}

/** Runs one request against the daemon of `cmd`'s --socket/--config and closes the connection. */
async function call<T>(cmd: Command, method: string, params: Record<string, unknown>, onEvent?: (e: any) => void): Promise<T> {
  const path = socketPath(nodeOpts(cmd));
  // Only a socket in a folder nobody else can write to is our daemon's (not an impostor's).
  try {
    checkControlSocket(path);
  } catch (e) {
    if (e instanceof UnsafeFolderError) throw new CliError(`refusing control socket ${path}: ${e.message}`);
    throw e;
  }
  const client = await ControlClient.connect(path);
  try {
    return await client.request<T>(method, params, onEvent);
  } finally {
    client.close();
  }
}

function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}

function intArg(name: string, lo: number, hi: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < lo || n > hi) throw new CliError(`${name} must be an integer in [${lo}, ${hi}], got '${v}'`, EXIT_USAGE);
    return n;
  };
}

// ---- human output of the read commands ------------------------------------------------

function printStatus(s: any): void {
  const n = s.node;
  console.log(`node ${n.name}  ${n.address}  pid ${n.pid}  up ${(n.uptimeMs / 1000).toFixed(1)} s`);
  console.log(`  key ${n.publicKey}  services ${n.services.join(', ') || '-'}  listen ${n.listen.join(', ')}`);
  console.log('\nlinks');
  console.log(
    table(
      ['name', 'transport', 'address', 'state', 'up', 'key gen', 'rotations', 'rtt', 'tx frames', 'rx frames', 'rejected', 'loss in/out', 'hop'],
      s.links.map((l: any) => [l.name, l.transport, l.address, l.state, l.up ? 'yes' : 'no', l.keyGeneration, l.rotations, ms(l.srttMs), l.txFrames, l.rxFrames, l.rejected, `${pct(l.rxLoss)} / ${pct(l.lossOut)}`, l.hop ?? '-']),
    ),
  );
  for (const l of s.links) {
    const why = Object.entries((l.rejects ?? {}) as Record<string, number>).filter(([, v]) => v !== 0);
    if (why.length || l.cookieRepliesSent || l.downDeferred) {
      console.log(`  ${l.name}: rejected ${why.map(([k, v]) => `${k}=${v}`).join(' ') || '-'}${l.cookieRepliesSent ? `  cookie replies ${l.cookieRepliesSent}` : ''}${l.underLoad ? '  (handshakes under load)' : ''}${l.downDeferred ? `  kept up through overload ${l.downDeferred}x` : ''}`);
    }
  }
  const udp = s.transports?.udp;
  if (udp) console.log(`  udp port ${udp.port}: receive buffer ${udp.recvBufferBytes === null ? '-' : bytes(udp.recvBufferBytes)}, kernel drops ${udp.kernelDrops ?? '-'}, unknown sources ${udp.unknownSource}`);
  console.log('\nroutes (this node is the source)');
  printRoutes(s.routes);
  console.log('\nforwarding rules (with accounting)');
  printRules(s.rules);
  console.log(`\nbuffers  streams ${bytes(s.buffers.streamBytes)}  store-and-forward ${bytes(s.buffers.safHeldBytes)} in ${s.saf.lanes.length} lanes  files arriving ${s.buffers.inboxTransfers}  streams open ${s.streams.length}`);
  const saf = Object.entries(s.saf.stats as Record<string, unknown>).filter(([, v]) => typeof v === 'number' && v !== 0);
  console.log(`store-and-forward ${saf.map(([k, v]) => `${k}=${v}`).join(' ') || '(idle)'}`);
  if (s.inbox) {
    const partial = s.inbox.partial as Array<{ file: string; bytes: number }>;
    console.log(`inbox ${s.inbox.dir}${partial.length ? `  partial files (resumable): ${partial.map((p) => `${p.file} ${bytes(p.bytes)}`).join(', ')}` : ''}`);
  }
  const counters = Object.entries(s.counters as Record<string, number>).filter(([, v]) => v !== 0);
  console.log(`counters ${counters.map(([k, v]) => `${k}=${v}`).join(' ') || '(all zero)'}`);
  if (s.device) printDeviceStatus(s.device);
}

function printRoutes(routes: any[]): void {
  if (!routes.length) return console.log('  (none)');
  console.log(
    table(
      ['id', 'state', 'class', 'hops', 'path (s: store-and-forward hop)', 'setup', 'rtt', 'sent', 'received'],
      routes.map((r) => [
        r.id,
        r.state,
        r.qos ? 'real time' : 'bulk',
        r.hops.length,
        r.hops.map((h: any, i: number) => `${r.hopModes?.[i] === 'saf' ? 's' : ''}> ${short(h.address, 4)}`).join(' '),
        ms(r.setupMs),
        ms(r.rttMs),
        bytes(r.bytesSent),
        bytes(r.bytesReceived),
      ]),
    ),
  );
}

function printRules(rules: any[]): void {
  if (!rules.length) return console.log('  (none)');
  console.log(
    table(
      ['route id', 'from', 'action', 'bytes', 'packets', 'idle'],
      rules.map((r) => [
        r.routeId,
        r.from ?? '-',
        r.action.kind === 'forward' ? `forward to ${r.action.port} as ${r.action.nextRoute}${r.action.hop === 'saf' ? ' (store-and-forward)' : ''}` : `deliver (channel ${r.action.channel})`,
        r.bytes,
        r.packets,
        ms(r.idleMs),
      ]),
    ),
  );
}

function rate(bytesPerSec: number | null | undefined): string {
  return typeof bytesPerSec === 'number' ? `${((bytesPerSec * 8) / 1e6).toFixed(2)} Mb/s` : '-';
}

function printTunnel(t: any): void {
  if (!t.up) return console.log('tunnel down');
  console.log(`tunnel ${t.device}  ${t.address}  via gateway ${t.gatewayAddress}  dns ${t.dns ?? '-'}  mtu ${t.mtu}  up ${(t.uptimeMs / 1000).toFixed(1)} s`);
  if (t.pinnedRoutes.length) console.log(`  kept outside the tunnel: ${t.pinnedRoutes.join(', ')}`);
  console.log(
    table(
      ['route', 'step', 'path', 'usable', 'rtt', 'capacity', 'tx', 'rx', 'loss out', 'loss in', 'flows'],
      t.routes.map((r: any) => [r.id, r.step, r.path.map((a: string) => short(a, 4)).join(' > '), r.usable ? 'yes' : 'no', ms(r.rttMs), rate(r.capacity), rate(r.txRate), rate(r.rxRate), pct(r.lossOut), pct(r.lossIn), r.flows]),
    ),
  );
  const counters = Object.entries(t.counters as Record<string, number>).filter(([, v]) => v !== 0);
  console.log(`counters ${counters.map(([k, v]) => `${k}=${v}`).join(' ') || '(all zero)'}`);
}

// ---- the program ------------------------------------------------------------------------

export function buildProgram(): Command {
  const program = new Command()
    .name('skywire')
    .description('Skywire mesh node: run a node, set up routes, ping, send and receive files')
    .option('-s, --socket <path>', 'control socket of the node to talk to')
    .option('-c, --config <file>', 'node config (its controlSocket is used)')
    .showHelpAfterError('(run skywire --help for usage)')
    .enablePositionalOptions()
    .exitOverride();
  /** Every command that talks to a node also takes --socket and --config after its name. */
  const leaf = (c: Command): Command => c.option('--socket <path>', 'control socket of the node to talk to').option('--config <file>', 'node config (its controlSocket is used)');

  const node = program.command('node').description('run or inspect a node');
  leaf(node.command('start'))
    .description('run the node daemon in this process until SIGINT/SIGTERM (needs --config <file>)')
    .option('--json', 'print the ready line and log as JSON lines')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const file = nodeOpts(cmd).config;
      if (!file) throw new CliError('node start needs --config <file>', EXIT_USAGE);
      const cfg = loadConfig(file);
      const say = (ev: string, data: Record<string, unknown>, text: string) =>
        o.json ? process.stdout.write(JSON.stringify({ ev, t: Date.now(), ...data }) + '\n') : process.stderr.write(`${cfg.name}: ${text}\n`);
      const d = await Daemon.start(cfg, { log: (line) => say('log', { line }, line) });
      say(
        'ready',
        { name: cfg.name, address: d.identity.address, publicKey: Buffer.from(d.identity.publicKey).toString('hex'), socket: cfg.controlSocket, pid: process.pid, udpPort: d.links.udp?.port ?? null, tcpPort: d.links.tcp?.port ?? null },
        `node ${d.identity.address} running (pid ${process.pid}); control socket ${cfg.controlSocket}`,
      );
      const stop = () => void d.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await d.stopped;
      say('stopped', {}, 'stopped');
    });
  leaf(node.command('status'))
    .description('links, key generations, routes, rules, buffers and counters')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const s = await call(cmd, 'status', {});
      if (o.json) printJson(s);
      else printStatus(s);
    });
  leaf(node.command('stop'))
    .description('stop the daemon')
    .action(async (_o: unknown, cmd: Command) => {
      await call(cmd, 'node.stop', {});
      console.error('stopping');
    });
  node
    .command('keygen')
    .description('write a new identity key file (mode 600) and print its address')
    .requiredOption('-o, --out <file>', 'key file to create (must not exist)')
    .option('--json', 'machine-readable output')
    .action((o: { out: string; json?: boolean }) => {
      if (existsSync(o.out)) throw new CliError(`${o.out} exists; refusing to overwrite a key`);
      const id = generateIdentity();
      writeKeyFile(o.out, id);
      const info = { file: o.out, address: id.address, publicKey: Buffer.from(id.publicKey).toString('hex') };
      if (o.json) printJson(info);
      else console.log(`${info.address}\npublic key ${info.publicKey}`);
    });

  const route = program.command('route').description('routes this node is the source of');
  leaf(route.command('list'))
    .description('source routes and every forwarding rule installed here')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const r = await call<any>(cmd, 'route.list', {});
      if (o.json) return printJson(r);
      console.log('routes');
      printRoutes(r.routes);
      console.log('\nforwarding rules');
      printRules(r.rules);
    });
  leaf(route.command('add <address>'))
    .description('discover paths to a node and set up a route (or several disjoint ones)')
    .option('-n, --count <n>', 'disjoint routes to set up', intArg('--count', 1, 8), 1)
    .addOption(new Option('-p, --policy <policy>', 'path choice for one route').choices(['latency', 'throughput']).default('latency'))
    .option('--max-hops <n>', 'search depth', intArg('--max-hops', 1, 8))
    .addOption(new Option('-q, --qos <class>', 'traffic class of the route').choices(['bulk', 'realtime']).default('bulk'))
    .option('--json', 'machine-readable output')
    .action(async (address: string, o: { count: number; policy: string; maxHops?: number; qos: string; json?: boolean }, cmd: Command) => {
      const r = await call<any>(cmd, 'route.add', { address, count: o.count, policy: o.policy, maxHops: o.maxHops, qos: o.qos === 'realtime' });
      if (o.json) return printJson(r);
      printRoutes(r.routes);
    });
  leaf(route.command('del <id>'))
    .description('tear a route down at every hop')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const r = await call<any>(cmd, 'route.del', { id: intArg('route id', 1, Number.MAX_SAFE_INTEGER)(id) });
      console.log(`route ${r.deleted} torn down`);
    });

  leaf(program.command('ping <address>'))
    .description('round trips over a real-time route to a node (set up first when there is none)')
    .option('-c, --count <n>', 'pings', intArg('--count', 1, 1000), 4)
    .option('-i, --interval <ms>', 'between pings', intArg('--interval', 0, 60_000), 200)
    .option('--json', 'machine-readable output')
    .action(async (address: string, o: { count: number; interval: number; json?: boolean }, cmd: Command) => {
      const r = await call<any>(cmd, 'ping', { address, count: o.count, intervalMs: o.interval }, (e) => {
        if (!o.json) console.log(e.error ? `seq ${e.seq}: ${e.error}` : `seq ${e.seq}: ${ms(e.rttMs)}`);
      });
      if (o.json) return printJson(r);
      console.log(
        `${r.address}: ${r.sent} sent, ${r.received} received over route ${r.route.id} (${r.route.hops} hops)` +
          (r.received ? `, rtt min/avg/max ${ms(r.minMs)} / ${ms(r.avgMs)} / ${ms(r.maxMs)}` : ''),
      );
      if (r.received === 0) throw new CliError(`no answer from ${address}`);
    });

  leaf(program.command('send <address> <file>'))
    .description('send a file over routes to a node, striped over disjoint routes')
    .option('-r, --routes <n>', 'disjoint routes to stripe over', intArg('--routes', 1, 8), DEFAULT_SEND_ROUTES)
    .option('--json', 'machine-readable output')
    .action(async (address: string, file: string, o: { routes: number; json?: boolean }, cmd: Command) => {
      const path = realpathOf(file);
      const bar = new ProgressBar('send');
      const r = await call<any>(cmd, 'send', { address, path, routes: o.routes }, (e) => {
        if (e.phase === 'routes') process.stderr.write(`${e.attempt > 1 ? `attempt ${e.attempt}: ` : ''}${e.routes.length} route(s) up in ${ms(e.setupMs)}: ${e.routes.map((x: any) => x.hops.map((h: string) => short(h, 4)).join(' > ')).join(' | ')}\n`);
        else if (e.phase === 'resumed') process.stderr.write(`the receiver has ${bytes(e.offset)} of it already: resuming\n`);
        else if (e.phase === 'data') bar.update(e.bytes, e.total);
      }).finally(() => bar.done());
      if (o.json) return printJson(r);
      console.log(`sent ${r.name}: ${bytes(r.bytes)} in ${(r.ms / 1000).toFixed(2)} s over ${r.routes.length} route(s), ${r.retransmits} retransmits, ${r.repairs} repairs`);
      console.log(`sha256 ${r.sha256}`);
    });

  leaf(program.command('recv'))
    .description('wait for a file from the mesh and save it')
    .option('-o, --out <file>', 'where to save it (default: the daemon inbox)')
    .option('-t, --timeout <s>', 'give up after this many seconds', intArg('--timeout', 1, 86_400), 60)
    .option('--json', 'machine-readable output')
    .action(async (o: { out?: string; timeout: number; json?: boolean }, cmd: Command) => {
      const out = o.out ? resolve(o.out) : undefined;
      if (out) checkOutFolder(out);
      const bar = new ProgressBar('recv');
      const r = await call<any>(cmd, 'recv', { out, timeoutMs: o.timeout * 1000 }, (e) => {
        if (e.phase === 'data') bar.update(e.bytes, e.total);
      }).finally(() => bar.done());
      if (o.json) return printJson(r);
      console.log(`received ${r.name}: ${bytes(r.bytes)} -> ${r.path}`);
      console.log(`sha256 ${r.sha256} (${r.verified ? "matches the sender's" : 'DOES NOT match the sender'})`);
    });

  const tunnel = program.command('tunnel').description('carry this machine\'s IPv4 traffic through the mesh to a gateway, over several routes at once');
  leaf(tunnel.command('up'))
    .description('create the TUN device, join a gateway over disjoint routes, route traffic and DNS through it')
    .option('-g, --gateway <address>', 'the gateway node to use')
    .option('-d, --discover', 'find a gateway by discovery (the default without --gateway)')
    .option('-r, --routes <n>', 'disjoint routes to the gateway (default: config, else 2)', intArg('--routes', 1, 8))
    .option('-p, --prefix <prefix...>', 'route only these prefixes through the tunnel (default: config, else everything)')
    .option('--no-dns', 'leave the resolver alone')
    .option('--json', 'machine-readable output')
    .action(async (o: { gateway?: string; discover?: boolean; routes?: number; prefix?: string[]; dns: boolean; json?: boolean }, cmd: Command) => {
      if (o.gateway && o.discover) throw new CliError('give --gateway <address> or --discover, not both', EXIT_USAGE);
      const r = await call<any>(cmd, 'tunnel.up', { gateway: o.gateway, routes: o.routes, prefixes: o.prefix, dns: o.dns });
      if (o.json) return printJson(r);
      printTunnel(r);
    });
  leaf(tunnel.command('down'))
    .description('remove the TUN device and restore routes and resolver')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const r = await call<any>(cmd, 'tunnel.down', {});
      if (o.json) return printJson(r);
      console.log(`tunnel down${r.restored.length ? `; restored: ${r.restored.join('; ')}` : ''}`);
    });
  leaf(tunnel.command('status'))
    .description('the gateway, the routes with their rates, loss and flows, counters')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const r = await call<any>(cmd, 'tunnel.status', {});
      if (o.json) return printJson(r);
      printTunnel(r);
    });
  leaf(program.command('gateway').description('the gateway service of this node: clients, their routes, drop counters').command('status'))
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const r = await call<any>(cmd, 'gateway.status', {});
      if (o.json) return printJson(r);
      console.log(`gateway ${r.device} ${r.address}  pool ${r.pool}  dns ${JSON.stringify(r.dns)}`);
      for (const s of r.sessions) {
        console.log(`\nclient ${short(s.client)} ${s.address}`);
        console.log(table(['route', 'usable', 'rtt', 'tx', 'rx', 'loss out', 'loss in', 'flows'], s.routes.map((x: any) => [x.id, x.usable ? 'yes' : 'no', ms(x.rttMs), rate(x.txRate), rate(x.rxRate), pct(x.lossOut), pct(x.lossIn), x.flows])));
      }
      const { malformed, ...rest } = r.counters;
      const counters = [...Object.entries(rest as Record<string, number>), ...Object.entries(malformed as Record<string, number>).map(([k, v]) => [`malformed.${k}`, v] as [string, number])].filter(([, v]) => v !== 0);
      console.log(`\ncounters ${counters.map(([k, v]) => `${k}=${v}`).join(' ') || '(all zero)'}`);
    });

  leaf(program.command('discover <service>'))
    .description('breadth-first search of the mesh for nodes offering a service')
    .option('--max-hops <n>', 'search depth', intArg('--max-hops', 1, 8))
    .option('--timeout <ms>', 'search time', intArg('--timeout', 10, 60_000))
    .option('--json', 'machine-readable output')
    .action(async (service: string, o: { maxHops?: number; timeout?: number; json?: boolean }, cmd: Command) => {
      const r = await call<any>(cmd, 'discover', { service, maxHops: o.maxHops, timeoutMs: o.timeout });
      if (o.json) return printJson(r);
      if (!r.candidates.length) throw new CliError(`no node offering '${service}' found`);
      console.log(
        table(
          ['#', 'hops', 'latency', 'capacity', 'rtt', 'path'],
          r.candidates.map((c: any, i: number) => [
            i + 1,
            c.hopCount,
            ms(c.latencyMs),
            c.capacityBytesPerSec ? `${((c.capacityBytesPerSec * 8) / 1e6).toFixed(1)} Mb/s` : '-',
            ms(c.measuredRttMs),
            c.hops.map((h: any) => short(h.address, 4)).join(' > '),
          ]),
        ),
      );
    });
  addDeviceCommands(program);
  return program;
}

/** `recv --out` names a file in a folder that exists: say so before waiting for anything. */
function checkOutFolder(out: string): void {
  const dir = dirname(out);
  let ok = false;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!ok) throw new CliError(`--out ${out}: the folder ${dir} does not exist`, EXIT_USAGE);
  if (existsSync(out) && statSync(out).isDirectory()) throw new CliError(`--out ${out} is a folder; give a file name in it`, EXIT_USAGE);
}

function realpathOf(file: string): string {
  try {
    return realpathSync(file);
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Runs the CLI on `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  // `skywire node status | head`: the reader went away; that is not an error worth a trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    process.stderr.write(`skywire: cannot write output: ${e.code ?? e.message}\n`);
    process.exit(EXIT_ERROR);
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has printed its own message (or the help) already.
      return e.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const exitCode = e instanceof CliError ? e.exitCode : e instanceof ConfigError ? EXIT_USAGE : EXIT_ERROR;
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`skywire: ${msg.split('\n')[0]}\n`);
    return exitCode;
  }
}

// Run when this file is the entry point (npm run skywire, tsx host/cli/skywire.ts); the bin
// launcher imports `main` instead.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
