// The C library and fpctl, built with the system C compiler (C99, every warning an error),
// against the simulated device over Etherbone on loopback: the generated CSR block in
// Verilator with the behavioural plane behind it (testbed/csr-device.ts). What fpctl did is
// checked in the device's state, and what it printed against the device's state.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtherboneServer } from '../../host/device/etherbone-server.ts';
import { encodeHostHeader, HOST_HEADER_BYTES } from '../../spec/forwarding/host-port.ts';
import { peerCounterIndex, portCounterIndex } from '../../spec/forwarding/counters.ts';
import { FP_MAGIC } from '../../spec/forwarding/registers.ts';
import { routeKey, routeValueLayout } from '../../spec/forwarding/route-key.ts';
import { decodeAction } from '../../spec/route-table/layout.ts';
import { hex } from '../../spec/bytes.ts';
import { CsrDevice } from '../../testbed/csr-device.ts';
import { ROOT } from '../device/support/litex.ts';

const run = promisify(execFile);
const OUT = join(ROOT, 'build', 'firmware');
const FPCTL = join(OUT, 'fpctl');

let dev: CsrDevice;
let server: EtherboneServer;
// A generous first wait: the simulated device shares two cores with the test runner.
// A generous first wait: the simulated device shares two cores with the test runner.
const fpctl = async (...args: string[]): Promise<string> => (await run(FPCTL, ['-a', '127.0.0.1', '-p', String(server.address.port), '-t', '1000', ...args])).stdout;
const fpctlFails = async (...args: string[]): Promise<{ code: number; stderr: string }> => {
  try {
    await fpctl(...args);
  } catch (e) {
    const x = e as { code: number; stderr: string };
    return { code: x.code, stderr: x.stderr };
  }
  throw new Error(`fpctl ${args.join(' ')} succeeded`);
};

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  const src = join(ROOT, 'firmware');
  await run('cc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', '-O2', '-o', FPCTL, join(src, 'fpctl.c'), join(src, 'lib', 'fp_etherbone.c'), join(src, 'lib', 'skywire_fp.c')]);
  dev = await CsrDevice.create();
  server = await EtherboneServer.listen(dev);
});
afterAll(async () => {
  await server?.close();
});

describe('fpctl and the C library against the simulated device', () => {
  it('reads the build ID and the build parameters', async () => {
    const out = await fpctl('id');
    const buildId = dev.read(0x8);
    expect(out).toContain(`build_id 0x${buildId.toString(16).padStart(8, '0')}`);
    expect(out).toMatch(/ports 2\npeers 16\nroute_entries 4096\nroute_ways 4\nroute_stash 4\nrule_counters 4096\nclock_khz 156250/);
    expect(dev.read(0)).toBe(FP_MAGIC);
  });

  it('installs a test rule the route table then answers with', async () => {
    const out = await fpctl('rule', '3', '0x12345678', '5', '777', '42');
    expect(out).toMatch(/rule from peer 3 route 305419896 -> peer 5 route 777, counter 42, in stash slot 4096/);
    const v = dev.lookup(routeKey(3, 0x12345678));
    expect(decodeAction(routeValueLayout(dev.params), v!)).toEqual({ kind: 'forward', port: 5, nextRoute: 777n, qos: false, counter: 42 });
    expect(dev.lookup(routeKey(4, 0x12345678))).toBeUndefined();
  });

  it('dumps the counters the device holds', async () => {
    dev.count('peer', peerCounterIndex(2, 'replay'), 1444, 3);
    dev.count('port', portCounterIndex(1, 'ipChecksum'), 60);
    dev.count('rule', 42, 123_456_789_012, 99);
    const all = await fpctl('counters');
    expect(all).toMatch(/port 1 ipChecksum\s+1 frames\s+60 bytes/);
    expect(all).toMatch(/peer 2 replay\s+3 frames\s+1444 bytes/);
    expect(all.trim().split('\n')).toHaveLength(2);
    expect(await fpctl('counters', 'rule', '42')).toMatch(/rule 42\s+99 frames\s+123456789012 bytes/);
  });

  it('installs and retires a key in its slot', async () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i * 3 + 1);
    expect(await fpctl('key', '7', 'rx', '11', hex(key))).toMatch(/key slot 31 holds generation 11/);
    expect(dev.keySlots[31]).toEqual({ valid: true, generation: 11, key });
    await fpctl('retire', '7', 'rx', '11');
    expect(dev.keySlots[31]!.valid).toBe(false);
  });

  it('passes host-port frames both ways', async () => {
    expect((await fpctl('recv')).trim()).toBe('');
    const body = Uint8Array.from({ length: 1501 }, (_, i) => (i * 7) & 0xff);
    const up = new Uint8Array(HOST_HEADER_BYTES + body.length);
    up.set(encodeHostHeader({ kind: 'raw', reason: 'handshake', port: 0, peer: 1, length: body.length }));
    up.set(body, HOST_HEADER_BYTES);
    dev.frameToHost(up);
    expect((await fpctl('recv')).trim()).toBe(hex(up));
    const down = new Uint8Array(HOST_HEADER_BYTES + 21).fill(0x5a);
    down.set(encodeHostHeader({ kind: 'seal', port: 1, peer: 4, length: 21 }));
    await fpctl('send', hex(down));
    expect(dev.fromHost.at(-1)).toEqual(down);
  });

  it('reads and writes raw registers, and refuses what is out of range', async () => {
    await fpctl('write', '0x20', '0xfeedf00d');
    expect((await fpctl('read', '0x20')).trim()).toBe('0xfeedf00d');
    expect((await fpctlFails('rule', '16', '1', '0', '1')).stderr).toMatch(/"16" is not a number from 0 to 15/);
    expect((await fpctlFails('bogus')).code).toBe(2);
  });

  it('names a device that is not there', async () => {
    const r = await run(FPCTL, ['-a', '127.0.0.1', '-p', '9', '-t', '20', 'id']).catch((e) => e as { code: number; stderr: string });
    expect(r).toMatchObject({ code: 1 });
    expect((r as { stderr: string }).stderr).toMatch(/no answer from the device/);
  });
});
