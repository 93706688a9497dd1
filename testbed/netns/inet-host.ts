// A host for the tunnel tests' own namespaces: the "internet" behind a gateway, or a client's
// local network. It serves files over HTTP, echoes UDP, and answers DNS A queries from a
// fixed table (NXDOMAIN otherwise), logging each query as a JSON line so a test can tell
// which resolver a name went to. Everything it binds is inside the namespace it runs in.
//
//   tsx testbed/netns/inet-host.ts --http 203.0.113.10:80 --dir /tmp/files \
//     --udp-echo 203.0.113.10:7 --dns 203.0.113.53:53 --record web.example.test=203.0.113.10
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createSocket } from 'node:dgram';
import { basename, join } from 'node:path';
import { Command } from 'commander';

const o = new Command()
  .option('--http <addr:port>')
  .option('--dir <folder>', 'files served over HTTP')
  .option('--udp-echo <addr:port>')
  .option('--dns <addr:port>')
  .option('--record <name=ip...>', 'DNS A records', [])
  .parse()
  .opts<{ http?: string; dir?: string; udpEcho?: string; dns?: string; record: string[] }>();

const say = (e: Record<string, unknown>) => process.stdout.write(JSON.stringify(e) + '\n');
const hostPort = (s: string): [string, number] => {
  const i = s.lastIndexOf(':');
  return [s.slice(0, i), Number(s.slice(i + 1))];
};
const waits: Array<Promise<void>> = [];

if (o.http && o.dir) {
  const dir = o.dir;
  const server = createServer((req, res) => {
    const path = join(dir, basename(decodeURIComponent((req.url ?? '/').split('?')[0])));
    try {
      const st = statSync(path);
      res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream' });
      createReadStream(path).pipe(res);
    } catch {
      res.writeHead(404).end('not found\n');
    }
  });
  const [h, p] = hostPort(o.http);
  waits.push(new Promise((r) => server.listen(p, h, () => r())));
}

if (o.udpEcho) {
  const s = createSocket('udp4');
  s.on('message', (m, from) => s.send(m, from.port, from.address));
  const [h, p] = hostPort(o.udpEcho);
  waits.push(new Promise((r) => s.bind(p, h, () => r())));
}

if (o.dns) {
  const records = new Map(o.record.map((r) => r.split('=') as [string, string]));
  const s = createSocket('udp4');
  s.on('message', (q, from) => {
    if (q.length < 12) return;
    // The first question's name: labels up to a zero byte.
    const labels: string[] = [];
    let at = 12;
    while (at < q.length && q[at] !== 0 && labels.length < 64) {
      labels.push(q.subarray(at + 1, at + 1 + q[at]).toString('ascii'));
      at += 1 + q[at];
    }
    const qEnd = at + 5; // zero byte, type, class
    if (qEnd > q.length) return;
    const name = labels.join('.').toLowerCase();
    const qtype = q.readUInt16BE(at + 1);
    const ip = qtype === 1 ? records.get(name) : undefined;
    say({ ev: 'dns', name, from: from.address });
    const head = Buffer.alloc(12);
    head.writeUInt16BE(q.readUInt16BE(0), 0);
    head.writeUInt16BE(ip ? 0x8180 : records.has(name) ? 0x8180 : 0x8183, 2); // answer, or NXDOMAIN
    head.writeUInt16BE(1, 4);
    head.writeUInt16BE(ip ? 1 : 0, 6);
    const parts = [head, q.subarray(12, qEnd)];
    if (ip) {
      const a = Buffer.alloc(16);
      a.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
      a.writeUInt16BE(1, 2);
      a.writeUInt16BE(1, 4);
      a.writeUInt32BE(60, 6);
      a.writeUInt16BE(4, 10);
      ip.split('.').forEach((x, i) => (a[12 + i] = Number(x)));
      parts.push(a);
    }
    s.send(Buffer.concat(parts), from.port, from.address);
  });
  const [h, p] = hostPort(o.dns);
  waits.push(new Promise((r) => s.bind(p, h, () => r())));
}

await Promise.all(waits);
say({ ev: 'ready' });
process.on('SIGTERM', () => process.exit(0));
