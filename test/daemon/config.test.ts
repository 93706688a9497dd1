// Config validation: every bad field is refused with an error that names it, in the form a
// reader finds it in the file; good configs resolve paths and defaults.
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadIdentity, validateConfig } from '../../host/daemon/config.ts';
import { defaultInbox, defaultRuntimeDir } from '../../host/daemon/private-dir.ts';
import { generateIdentity } from '../../host/identity/identity.ts';
import { writeKeyFile } from '../../host/identity/keyfile.ts';

const peerA = bytesToHex(generateIdentity().publicKey);
const peerB = bytesToHex(generateIdentity().publicKey);

function good(): Record<string, any> {
  return {
    name: 'relay-1',
    identityFile: 'keys/relay-1.json',
    listen: [{ transport: 'udp', address: '127.0.0.1:7701' }, { transport: 'tcp', address: '0.0.0.0:7701' }],
    neighbours: [
      { name: 'a', publicKey: peerA, address: '127.0.0.1:7702' },
      { name: 'b', publicKey: peerB, transport: 'tcp', address: '[::1]:7703', emulatedLossPct: 5, capacityMbps: 8 },
    ],
    services: ['gateway'],
    limits: { maxRoutesPerNeighbour: 10, keepaliveMs: 1000, ruleIdleMs: 5000 },
  };
}

function refusal(mutate: (c: Record<string, any>) => void): string {
  const c = good();
  mutate(c);
  try {
    validateConfig(c, '/etc/skywire');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('config was accepted');
}

describe('daemon config', () => {
  it('accepts a good config, resolving paths against its folder and filling defaults', () => {
    const c = validateConfig(good(), '/etc/skywire');
    expect(c.identityFile).toBe('/etc/skywire/keys/relay-1.json');
    // Private per-user folders, never a predictable name in /tmp.
    expect(c.controlSocket).toBe(join(defaultRuntimeDir(), 'relay-1.sock'));
    expect(c.inbox).toBe(defaultInbox('relay-1'));
    expect(defaultRuntimeDir({})).toBe(process.geteuid!() === 0 ? '/run/skywire' : join(tmpdir(), `skywire-${process.geteuid!()}`));
    expect(defaultInbox('n', { HOME: '/home/u' })).toBe('/home/u/.local/share/skywire/inbox/n');
    expect(defaultInbox('n', { XDG_DATA_HOME: '/data' })).toBe('/data/skywire/inbox/n');
    expect(c.listen).toEqual([
      { transport: 'udp', host: '127.0.0.1', port: 7701 },
      { transport: 'tcp', host: '0.0.0.0', port: 7701 },
    ]);
    expect(c.neighbours[0]).toMatchObject({ transport: 'udp', address: { host: '127.0.0.1', port: 7702 }, emulatedLossPct: 0 });
    expect(c.neighbours[1]).toMatchObject({ transport: 'tcp', address: { host: '::1', port: 7703 }, emulatedLossPct: 5, capacityBytesPerSec: 1_000_000 });
    expect(c.limits).toEqual({ maxRoutesPerNeighbour: 10, keepaliveMs: 1000, ruleIdleMs: 5000 });
    expect(c.rotationIntervalMs).toBe(1000);
    // Relative paths become absolute (the CLI may run in another folder); listen may take port 0.
    const rel = validateConfig({ ...good(), controlSocket: 'run/n.sock', listen: [{ transport: 'udp', address: '127.0.0.1:0' }], neighbours: [] }, 'etc');
    expect(rel.controlSocket).toBe(join(process.cwd(), 'etc/run/n.sock'));
    expect(rel.listen[0].port).toBe(0);
  });

  it.each([
    ['a key of the wrong length', (c: any) => (c.neighbours[1].publicKey = peerA.slice(2)), 'neighbours[1].publicKey: expected 33-byte compressed secp256k1 key in hex'],
    ['a key that is not a curve point', (c: any) => (c.neighbours[0].publicKey = '02' + 'ff'.repeat(32)), 'neighbours[0].publicKey: expected 33-byte compressed secp256k1 key in hex'],
    ['an uncompressed prefix', (c: any) => (c.neighbours[0].publicKey = '04' + peerA.slice(2)), 'neighbours[0].publicKey: expected 33-byte compressed secp256k1 key in hex'],
    ['a port out of range', (c: any) => (c.neighbours[0].address = '127.0.0.1:70000'), 'neighbours[0].address: expected "host:port" with a port in [1, 65535], got "127.0.0.1:70000"'],
    ['an unknown transport', (c: any) => (c.listen[1].transport = 'sctp'), 'listen[1].transport: expected one of udp, tcp, got "sctp"'],
    ['a misspelt limit', (c: any) => (c.limits.maxRoutesPerNeighbor = 3), 'limits.maxRoutesPerNeighbor: unknown field'],
    ['a limit out of range', (c: any) => (c.limits.ruleIdleMs = 5), 'limits.ruleIdleMs: expected an integer in [100, 86400000], got 5'],
    ['keepalive too slow for the idle expiry', (c: any) => (c.limits.keepaliveMs = 4000), 'limits.keepaliveMs: is 4000 ms; it must be at most half of ruleIdleMs (5000 ms)'],
    ['a tcp neighbour without a tcp listener', (c: any) => c.listen.pop(), 'neighbours[1].transport: is tcp but listen has no tcp address'],
    ['the same neighbour twice', (c: any) => (c.neighbours[1].publicKey = peerA), 'neighbours[1].publicKey: same key as neighbours[0]'],
    ['loss above 100 %', (c: any) => (c.neighbours[0].emulatedLossPct = 120), 'neighbours[0].emulatedLossPct: expected a number in [0, 100], got 120'],
    ['no identity file', (c: any) => delete c.identityFile, 'identityFile: expected a non-empty string, got nothing'],
    ['a bad name', (c: any) => (c.name = 'relay one'), 'name: expected 1-32 letters'],
    ['an empty listen list', (c: any) => (c.listen = []), 'listen: expected a non-empty array'],
    ['a bad service name', (c: any) => (c.services = ['Gateway!']), 'services[0]: expected a name'],
    ['an unknown top-level field', (c: any) => (c.neighbors = []), 'neighbors: unknown field'],
    ['a socket path too long for AF_UNIX', (c: any) => (c.controlSocket = '/tmp/' + 'x'.repeat(120)), 'controlSocket: path is 125 bytes'],
    // issue 16, defect 9
    ['two neighbours at one address', (c: any) => (c.neighbours[1] = { ...c.neighbours[1], transport: 'udp', address: '127.0.0.1:7702' }), 'neighbours[1].address: udp 127.0.0.1:7702 is also neighbours[0]\'s address (a); each neighbour needs its own'],
    ['an IPv6 UDP neighbour', (c: any) => (c.neighbours[0].address = '[::1]:7702'), 'neighbours[0].address: UDP links are IPv4; got ::1'],
    ['an IPv6 UDP listen address', (c: any) => (c.listen[0].address = '[::]:7702'), 'listen[0].address: UDP links are IPv4; got ::'],
  ])('refuses %s, naming the field', (_what, mutate, message) => {
    expect(refusal(mutate)).toContain(message);
  });

  it('loadConfig names the file when it is missing or not JSON; loadIdentity names identityFile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'swcfg-'));
    expect(() => loadConfig(join(dir, 'none.json'))).toThrow(`cannot read config ${join(dir, 'none.json')}: ENOENT`);
    writeFileSync(join(dir, 'bad.json'), '{"name": ');
    expect(() => loadConfig(join(dir, 'bad.json'))).toThrow(/is not valid JSON/);

    const c = good();
    c.identityFile = 'node.key';
    writeFileSync(join(dir, 'node.json'), JSON.stringify(c));
    const cfg = loadConfig(join(dir, 'node.json'));
    expect(() => loadIdentity(cfg)).toThrow(`identityFile: cannot read ${join(dir, 'node.key')}: ENOENT`);
    const id = generateIdentity();
    writeKeyFile(join(dir, 'node.key'), id);
    expect(loadIdentity(cfg).address).toBe(id.address);
    chmodSync(join(dir, 'node.key'), 0o644);
    expect(() => loadIdentity(cfg)).toThrow(/^identityFile: refusing key file .* lets others access it/);
  });
});

describe('daemon config: gateway and tunnel sections', () => {
  it('fills the defaults: no gateway, a tunnel of two routes for everything, the system resolver, a journal under /run', () => {
    const c = validateConfig(good(), '/etc/skywire');
    expect(c.gateway).toBeUndefined();
    expect(c.tunnel).toEqual({ device: 'skytun0', routes: 2, prefixes: ['0.0.0.0/0'], resolvConf: '/etc/resolv.conf' });
    expect(c.netJournal).toBe('/run/skywire/relay-1-net');
    const g = validateConfig({ ...good(), gateway: { allow: [peerA] }, tunnel: { routes: 3, prefixes: ['10.0.0.0/8', '192.0.2.0/24'], resolvConf: null } }, '/etc/skywire');
    expect(g.gateway).toEqual({ pool: '10.99.0.0/24', device: 'skygw0', allow: [peerA], dnsUpstream: undefined });
    expect(g.tunnel).toMatchObject({ routes: 3, prefixes: ['10.0.0.0/8', '192.0.2.0/24'], resolvConf: null });
  });

  it.each([
    [{ gateway: {} }, /^gateway\.allow: expected "open" or an array/],
    [{ gateway: { allow: ['zz'] } }, /^gateway\.allow\[0\]: expected 33-byte/],
    [{ gateway: { allow: 'open', pool: '10.99.0.1/24' } }, /^gateway\.pool: 10\.99\.0\.1\/24 has host bits set/],
    [{ gateway: { allow: 'open', pool: '10.99.0.0/31' } }, /^gateway\.pool: .*no room/],
    [{ gateway: { allow: 'open', device: 'a-very-long-device-name' } }, /^gateway\.device: expected a network device name/],
    [{ gateway: { allow: 'open', dnsUpstream: ['dns.example'] } }, /^gateway\.dnsUpstream\[0\]: expected "ip" or "ip:port"/],
    [{ gateway: { allow: 'open', nat: true } }, /^gateway\.nat: unknown field/],
    [{ tunnel: { routes: 9 } }, /^tunnel\.routes: expected an integer in \[1, 8\]/],
    [{ tunnel: { prefixes: ['0.0.0.0/33'] } }, /^tunnel\.prefixes\[0\]: expected an IPv4 prefix/],
    [{ tunnel: { prefixes: [] } }, /^tunnel\.prefixes: expected a non-empty array/],
    [{ tunnel: { resolvConf: 5 } }, /^tunnel\.resolvConf: expected a file path or null/],
  ])('refuses %j', (extra, why) => {
    expect(refusal((c) => Object.assign(c, extra))).toMatch(why);
  });
});
