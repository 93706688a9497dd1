// The simulated device's management port as a process of its own: Etherbone on UDP in front
// of either the Verilated CSR block with the behavioural plane (testbed/csr-device.ts) or a
// plain register file (to time the driver and the wire alone). Prints `port N` when it listens,
// then a status line every `--status-ms` on stderr.
//
//   npx tsx testbed/device-server.ts [--space csr|plain] [--host 127.0.0.1] [--port 0] [--status-ms 0]
import type { WordSpace } from '../host/device/bus.ts';
import { EtherboneServer } from '../host/device/etherbone-server.ts';
import { CsrDevice } from './csr-device.ts';

const args = new Map<string, string>();
for (let i = 2; i + 1 < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1]!);
const kind = args.get('space') ?? 'csr';
if (kind !== 'csr' && kind !== 'plain') {
  console.error(`device-server: --space is "${kind}"; it must be csr or plain`);
  process.exit(2);
}

let cycles = (): number => 0;
let space: WordSpace;
if (kind === 'csr') {
  const dev = await CsrDevice.create();
  space = dev;
  cycles = () => dev.cycles;
} else {
  const words = new Map<number, number>([[0, 0x534b5957]]);
  space = { read: (a) => words.get(a) ?? 0, write: (a, v) => void words.set(a, v >>> 0) };
}
const server = await EtherboneServer.listen(space, { host: args.get('host') ?? '127.0.0.1', port: Number(args.get('port') ?? 0) });
console.log(`port ${server.address.port}`);
const every = Number(args.get('status-ms') ?? 0);
if (every > 0) {
  let last = { t: performance.now(), c: cycles(), ops: 0 };
  setInterval(() => {
    const now = { t: performance.now(), c: cycles(), ops: server.stats.reads + server.stats.writes };
    const s = (now.t - last.t) / 1000;
    console.error(`device: ${server.stats.packets} datagrams, ${now.ops} accesses (${((now.ops - last.ops) / s).toFixed(0)}/s), ${((now.c - last.c) / s).toFixed(0)} cycles/s, ${server.stats.malformed} malformed`);
    last = now;
  }, every).unref();
}
const stop = (): void => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
