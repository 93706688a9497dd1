// The store-and-forward test-bed node: links to its neighbours (authenticated, encrypted
// UDP), the store-and-forward engine on top with static routes from its config, and the
// configured test applications. It is not the node users run (that is the daemon,
// host/daemon, started by `skywire node start`, whose routes are set up dynamically by
// host/mesh); it exists for `npm run bench:saf` and the namespace test bed until the engine
// runs inside the daemon's data path. Controlled by JSON lines: it prints {"ev":"ready"}
// and {"ev":"link",...}; it reads {"cmd":"start"}, {"cmd":"report"}, {"cmd":"exit"} on stdin.
//
//   node --import tsx host/node/main.ts <config.json>
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { hexToBytes } from '@noble/hashes/utils.js';
import { nodeBackend } from '../crypto/backend.ts';
import { identityFromSecretKey } from '../identity/identity.ts';
import { SoftwareDatapath } from '../link/datapath.ts';
import { Link } from '../link/session.ts';
import { UdpEndpoint } from '../link/udp-transport.ts';
import { SafEngine } from '../saf/engine.ts';
import { RtSinkApp, RtSourceApp, SinkApp, SourceApp } from './apps.ts';
import { parseNodeConfig, safConfigOf } from './config.ts';

const cfg = parseNodeConfig(readFileSync(process.argv[2], 'utf8'));
const say = (e: object) => process.stdout.write(JSON.stringify(e) + '\n');
const clock = () => performance.now();
const identity = identityFromSecretKey(hexToBytes(cfg.secretKey));

const sources: Array<SourceApp | RtSourceApp> = [];
const sinks = new Map<number, SinkApp | RtSinkApp>();
for (const a of cfg.apps) {
  if (a.kind === 'source') sources.push(new SourceApp(a.local, a.seed, a.bytes));
  else if (a.kind === 'rt-source') sources.push(new RtSourceApp(a.local, a.intervalMs, a.size));
  else if (a.kind === 'sink') sinks.set(a.local, new SinkApp(a.local));
  else sinks.set(a.local, new RtSinkApp(a.local));
}

const links = new Map<number, Link>();
const engine = new SafEngine(safConfigOf(cfg), {
  transmit: (nb, bytes) => void links.get(nb)?.send(bytes, clock()),
  deliver: (local, bytes) => sinks.get(local)?.deliver(bytes),
});

const ep = await UdpEndpoint.bind({ host: cfg.listen.host, port: cfg.listen.port, clock });
const datapath = new SoftwareDatapath(nodeBackend.aead);
const sessions = new Map<number, number>();
for (const n of cfg.neighbours) {
  const remote = { host: n.host, port: n.port };
  const link = new Link(
    { identity, peerPublicKey: hexToBytes(n.publicKey), role: n.role, linkId: n.id, backend: nodeBackend, rotationIntervalMs: cfg.rotationIntervalMs },
    datapath,
    ep.io(remote, (payload) => engine.receive(n.id, payload, clock())),
  );
  links.set(n.id, link);
  sessions.set(n.id, 0);
  ep.attach(remote, link);
  link.start(clock());
}

const timer = setInterval(() => {
  const now = clock();
  for (const [id, link] of links) {
    link.tick(now);
    // A new session with a neighbour (first contact or its restart): tell the engine.
    const done = link.stats.handshakesCompleted;
    if (done !== sessions.get(id)) {
      sessions.set(id, done);
      engine.linkUp(id, now);
      say({ ev: 'link', neighbour: id, up: true, sessions: done });
    }
  }
  engine.tick(now);
  for (const s of sources) s.pump(engine, now);
  for (const s of sinks.values()) if (s instanceof SinkApp) s.sample();
}, cfg.tickMs ?? 1);

say({ ev: 'ready', name: cfg.name, port: ep.port });

createInterface({ input: process.stdin }).on('line', (line) => {
  let m: { cmd: string };
  try {
    m = JSON.parse(line);
  } catch {
    return;
  }
  if (m.cmd === 'start') for (const s of sources) s.running = true;
  else if (m.cmd === 'stop') for (const s of sources) s.running = false;
  else if (m.cmd === 'report') {
    say({
      ev: 'report',
      name: cfg.name,
      apps: [...sources.map((s) => s.report()), ...[...sinks.values()].map((s) => s.report())],
      saf: engine.stats,
      occupancy: engine.occupancies(),
      udp: { unknownSource: ep.unknownSource, sendErrors: ep.sendErrors },
      links: [...links].map(([id, l]) => ({ id, state: l.state, txDropped: l.stats.txDropped, rxFrames: l.stats.rxFrames, txFrames: l.stats.txFrames })),
    });
  } else if (m.cmd === 'exit') {
    clearInterval(timer);
    void ep.close().then(() => process.exit(0));
  }
});
process.stdin.on('end', () => process.exit(0));
