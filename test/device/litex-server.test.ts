// A stock `litex_server --udp` (LiteX from .venv) reading and writing the simulated device's
// registers by name, through the csr.csv the driver prints from the register map.
//
// LiteX's UDP client binds UDP port 1234 on every address of its host, the port the device
// serves on, so the two cannot share a network stack: litex_server runs in a network namespace
// made for the test, joined to this one by a veth pair (root only), and talks to the device
// at the veth's address.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtherboneServer } from '../../host/device/etherbone-server.ts';
import { ETHERBONE_PORT } from '../../host/device/etherbone.ts';
import { litexCsrCsv } from '../../host/device/litex-csv.ts';
import { fpRegisterMap } from '../../spec/forwarding/registers.ts';
import { CsrDevice } from '../../testbed/csr-device.ts';
import { hasLitex, NO_LITEX_REASON, ROOT } from './support/litex.ts';

const run = promisify(execFile);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const skip = !hasLitex ? NO_LITEX_REASON : !isRoot ? 'not root: litex_server needs a network namespace of its own (its client binds UDP port 1234 on every address)' : undefined;

const tag = `${process.pid % 10000}`;
const NS = `swlx${tag}`;
const VETH = `swlx${tag}a`;
const PEER = `swlx${tag}b`;
// A /30 of our own between this namespace and the test's one.
const octet = 16 + (process.pid % 200);
const HOST_IP = `10.213.${octet}.1`;
const NS_IP = `10.213.${octet}.2`;
const LITEX_TCP_PORT = 1235;

describe.skipIf(skip !== undefined)(`litex_server --udp against the simulated device${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dev: CsrDevice;
  let server: EtherboneServer;
  let litex: ChildProcess;
  let csv: string;
  const ip = (...a: string[]) => run('ip', a);
  const cli = async (...a: string[]): Promise<string> =>
    (await run('ip', ['netns', 'exec', NS, join(ROOT, '.venv/bin/litex_cli'), '--csr-csv', csv, '--port', String(LITEX_TCP_PORT), ...a], { timeout: 60_000 })).stdout;

  beforeAll(async () => {
    await ip('netns', 'add', NS);
    await ip('link', 'add', VETH, 'type', 'veth', 'peer', 'name', PEER);
    await ip('link', 'set', PEER, 'netns', NS);
    await ip('addr', 'add', `${HOST_IP}/30`, 'dev', VETH);
    await ip('link', 'set', VETH, 'up');
    await ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${NS_IP}/30`, 'dev', PEER);
    await ip('netns', 'exec', NS, 'ip', 'link', 'set', PEER, 'up');
    await ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
    dev = await CsrDevice.create();
    server = await EtherboneServer.listen(dev, { host: HOST_IP, port: ETHERBONE_PORT });
    const dir = mkdtempSync(join(tmpdir(), 'swlx-'));
    csv = join(dir, 'csr.csv');
    writeFileSync(csv, litexCsrCsv(fpRegisterMap()));
    litex = spawn('ip', ['netns', 'exec', NS, join(ROOT, '.venv/bin/litex_server'), '--udp', '--udp-ip', HOST_IP, '--udp-port', String(ETHERBONE_PORT), '--bind-ip', '127.0.0.1', '--bind-port', String(LITEX_TCP_PORT)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    litex.stdout!.on('data', (d) => (out += d));
    litex.stderr!.on('data', (d) => (out += d));
    // litex_server probes the device, then listens; wait for its TCP port.
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if (litex.exitCode !== null) throw new Error(`litex_server exited: ${out}`);
      const up = await run('ip', ['netns', 'exec', NS, 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${LITEX_TCP_PORT}`]).then(() => true, () => false);
      if (up) return;
    }
    throw new Error(`litex_server did not start: ${out}`);
  });

  afterAll(async () => {
    litex?.kill();
    await server?.close();
    await ip('link', 'del', VETH).catch(() => {});
    await ip('netns', 'del', NS).catch(() => {});
  });

  it('answers its probe and dumps the identity registers by name', async () => {
    expect(server.stats.probes).toBeGreaterThanOrEqual(1);
    const out = await cli('--regs', '--filter', 'id_');
    // litex_cli prints `address : value name` for every register of the csr.csv
    expect(out).toMatch(/0x00000000 : 0x534b5957 id_magic/);
    expect(out).toMatch(new RegExp(`0x00000008 : 0x${dev.read(0x8).toString(16).padStart(8, '0')} id_build_id`));
    expect(out).toMatch(/0x00000018 : 0x00001000 id_rule_counters/);
  });

  it('writes a register by name that the device then holds, and reads one the device sets', async () => {
    await cli('--write', 'peer5_ip', '0x0a000005');
    expect(Number(dev.dut.signal('cfg_peer5_ip').value) >>> 0).toBe(0x0a000005);
    dev.txCounters[5] = 77;
    dev.setLink(1, false);
    expect((await cli('--read', 'peer5_tx_counter_lo')).trim()).toBe('0x00001160 : 0x0000004d');
    expect((await cli('--read', 'port1_status')).trim()).toBe('0x00000230 : 0x00000000');
    expect((await cli('--read', 'port0_status')).trim()).toBe('0x00000210 : 0x00000001');
  });
});
