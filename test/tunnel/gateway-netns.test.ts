// The IP gateway for real, in network namespaces: five node daemons (client, three relays,
// gateway), the client's TUN and routes, the gateway's TUN, NAT and DNS forwarder, and an
// "internet" namespace behind the gateway. A user's ordinary tools run in the client's
// namespace: curl downloads a file by name (resolved through the tunnel, the local resolver
// never asked) and its SHA-256 matches; ping and UDP work; a relay is killed in the middle of
// a download and the download completes; packets the kernel would never send are dropped
// and counted at the gateway; and the tunnel leaves nothing behind, also when the daemons
// are killed with SIGKILL and started again.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internetChecksum, parseIpv4 } from '../../host/tunnel/ipv4.ts';
import { GatewayBed, INET, LAN, TUN_DEVICE, WEB_NAME } from '../../testbed/netns/gateway-bed.ts';
import { removeStaleNamespaces } from '../../testbed/netns/testbed.ts';
import { fileURLToPath } from 'node:url';
import { udpPacket } from './support/packets.ts';

const RAW_SEND = fileURLToPath(new URL('../../build/testbed/raw-send', import.meta.url));
// c - r1 - r2 - gw (three hops) and c - r3 - gw (two): two disjoint routes.
const NAMES = ['c', 'r1', 'r2', 'r3', 'gw'];
const C = 0;
const GW = 4;
const SMALL = 1_000_000;
const LARGE = 8_000_000;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('IP gateway in network namespaces', () => {
  let bed: GatewayBed;
  let original: string;
  const files: Record<string, Buffer> = {};

  beforeAll(async () => {
    removeStaleNamespaces();
    bed = await GatewayBed.start({
      names: NAMES,
      edges: [
        { a: 0, b: 1 },
        { a: 1, b: 2 },
        { a: 2, b: 4 },
        { a: 0, b: 3 },
        { a: 3, b: 4 },
      ],
      client: C,
      gateway: GW,
      delayMs: 2,
      rateMbit: 20,
      tunnelRoutes: 2,
    });
    for (const [name, n] of [
      ['small.bin', SMALL],
      ['large.bin', LARGE],
    ] as const) {
      files[name] = randomBytes(n);
      writeFileSync(join(bed.files, name), files[name]);
    }
    original = readFileSync(bed.clientResolvConf, 'utf8');
  }, 120_000);

  afterAll(async () => {
    await bed?.close();
  });

  const curl = (name: string, out: string, timeoutS = 60) => bed.exec(bed.clientNs, 'curl', ['-sS', '--fail', '-m', String(timeoutS), '-o', out, `http://${WEB_NAME}/${name}`], (timeoutS + 10) * 1000);

  it('tunnel up: a gateway found by discovery, two routes joined, a TUN with the inner address', async () => {
    const r = await bed.cli(C, ['tunnel', 'up', '--discover', '--routes', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.up).toBe(true);
    expect(r.json.address).toBe('10.99.0.2');
    expect(r.json.dns).toBe('10.99.0.1');
    expect(r.json.gatewayAddress).toBe(bed.mesh.nodes[GW].address);
    const addr = await bed.exec(bed.clientNs, 'ip', ['-o', 'addr', 'show', 'dev', TUN_DEVICE]);
    expect(addr.stdout).toContain('10.99.0.2 peer 10.99.0.1');
    // Both routes join (the second may come a moment after the first).
    for (let i = 0; i < 100; i++) {
      const s = await bed.mesh.call(C, 'tunnel.status');
      if (s.routes.filter((x: any) => x.step === 'up').length === 2) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const s = await bed.mesh.call(C, 'tunnel.status');
    expect(s.routes.map((x: any) => x.path.length).sort()).toEqual([2, 3]);
  }, 60_000);

  it('curl downloads a file by name through the tunnel, SHA-256 intact, and the local resolver hears nothing', async () => {
    const out = join(bed.files, 'got-small');
    const r = await curl('small.bin', out);
    expect(r.code, r.stderr).toBe(0);
    expect(sha(readFileSync(out))).toBe(sha(files['small.bin']));
    expect(readFileSync(bed.clientResolvConf, 'utf8')).toContain('nameserver 10.99.0.1');
    expect(bed.lanQueries()).toEqual([]);
    // Even asked directly, the local resolver is out of reach while the tunnel is up.
    const direct = await bed.exec(bed.clientNs, process.execPath, ['-e', `require('dns').promises.setServers(['${LAN.dns}']);` + `const r=new (require('dns').promises.Resolver)({timeout:500,tries:1});r.setServers(['${LAN.dns}']);r.resolve4('${WEB_NAME}').then(a=>console.log(a.join()),e=>console.log('error',e.code))`]);
    expect(direct.stdout).toMatch(/^error/);
    expect(bed.lanQueries()).toEqual([]);
  }, 60_000);

  it('ping and UDP cross the tunnel', async () => {
    const ping = await bed.exec(bed.clientNs, 'ping', ['-c', '4', '-i', '0.2', '-W', '2', INET.host]);
    expect(ping.code, ping.stdout + ping.stderr).toBe(0);
    expect(ping.stdout).toMatch(/4 received/);
    const udp = await bed.exec(bed.clientNs, process.execPath, [
      '-e',
      `const s=require('dgram').createSocket('udp4');let got=0;s.on('message',()=>{if(++got===20){console.log(got);process.exit(0)}});` +
        `for(let i=0;i<20;i++)s.send(Buffer.alloc(200,i),7,'${INET.host}');setTimeout(()=>{console.log(got);process.exit(0)},3000)`,
    ]);
    expect(Number(udp.stdout.trim())).toBe(20);
  }, 30_000);

  it('a relay killed mid-download is routed around and the download completes intact', async () => {
    const out = join(bed.files, 'got-large');
    const dl = curl('large.bin', out, 90);
    // Find the route carrying the download and kill its first relay.
    let victim = -1;
    for (let i = 0; i < 100 && victim < 0; i++) {
      await new Promise((res) => setTimeout(res, 100));
      const s = await bed.mesh.call(C, 'tunnel.status');
      const busy = s.routes.filter((x: any) => x.rxRate > 100_000).sort((a: any, b: any) => b.rxRate - a.rxRate)[0];
      if (busy && busy.bytesReceived > 1_000_000) victim = NAMES.indexOf(bed.mesh.nodes.find((n) => n.address === busy.path[0])!.name);
    }
    expect(victim).toBeGreaterThan(0);
    await bed.mesh.kill(victim);
    const r = await dl;
    expect(r.code, r.stderr).toBe(0);
    expect(sha(readFileSync(out))).toBe(sha(files['large.bin']));
    const s = await bed.mesh.call(C, 'tunnel.status');
    expect(s.counters.routesLost).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('spoofed and malformed inner packets are dropped and counted at the gateway', async () => {
    const before = (await bed.mesh.call(GW, 'gateway.status')).counters;
    const me = parseIpv4('10.99.0.2')!;
    const dst = parseIpv4(INET.host)!;
    const spoofed = udpPacket(parseIpv4('10.99.0.77')!, dst, 1, 7, new Uint8Array(8));
    const badSum = udpPacket(me, dst, 1, 7, new Uint8Array(8));
    badSum[10] ^= 0x55;
    const badLen = udpPacket(me, dst, 1, 7, new Uint8Array(8));
    badLen[3] += 4;
    expect(internetChecksum(spoofed, 0, 20)).toBe(0);
    const hexes = [spoofed, badSum, badLen].map((p) => Buffer.from(p).toString('hex'));
    const r = await bed.exec(bed.clientNs, RAW_SEND, [TUN_DEVICE, ...hexes]);
    expect(r.code, r.stderr).toBe(0);
    let after = before;
    for (let i = 0; i < 50 && after.spoofed === before.spoofed; i++) {
      await new Promise((res) => setTimeout(res, 100));
      after = (await bed.mesh.call(GW, 'gateway.status')).counters;
    }
    expect(after.spoofed - before.spoofed).toBe(1);
    expect(after.malformed.checksum - before.malformed.checksum).toBe(1);
    expect(after.malformed.totalLength - before.malformed.totalLength).toBe(1);
  }, 30_000);

  it('tunnel down leaves no TUN, route, resolver change or nftables rule behind', async () => {
    const r = await bed.cli(C, ['tunnel', 'down', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(bed.leftovers(bed.clientNs)).toEqual({ devices: [], routes: [], tables: [] });
    expect(readFileSync(bed.clientResolvConf, 'utf8')).toBe(original);
  }, 30_000);

  it('after SIGKILL of both daemons: the devices and tables vanish with them, and a restart restores the rest', async () => {
    const up = await bed.cli(C, ['tunnel', 'up', '--gateway', bed.mesh.nodes[GW].address, '--routes', '1', '--json']);
    expect(up.code, up.stderr).toBe(0);
    expect(bed.leftovers(bed.clientNs).devices).toEqual([TUN_DEVICE]);
    expect(bed.leftovers(bed.gatewayNs).tables.length).toBe(1);
    await bed.mesh.kill(C);
    await bed.mesh.kill(GW);
    // The TUN helpers and nft owners see their daemon gone and exit; the kernel drops the rest.
    for (let i = 0; i < 50; i++) {
      const l = [bed.leftovers(bed.clientNs), bed.leftovers(bed.gatewayNs)];
      if (l.every((x) => x.devices.length === 0 && x.tables.length === 0)) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(bed.leftovers(bed.clientNs)).toEqual({ devices: [], routes: [], tables: [] });
    expect(bed.leftovers(bed.gatewayNs)).toEqual({ devices: [], routes: [], tables: [] });
    // The resolver change outlived the daemon (a file): the next start undoes it from the journal.
    expect(readFileSync(bed.clientResolvConf, 'utf8')).toContain('10.99.0.1');
    await bed.mesh.restart(C);
    expect(readFileSync(bed.clientResolvConf, 'utf8')).toBe(original);
    expect(bed.mesh.nodes[C].log.join('\n')).toMatch(/undid what a previous run left/);
    expect(bed.leftovers(bed.clientNs)).toEqual({ devices: [], routes: [], tables: [] });
    // The gateway comes back whole (its device and table again, once each).
    await bed.mesh.restart(GW);
    const gw = bed.leftovers(bed.gatewayNs);
    expect(gw.devices).toEqual(['skygw0']);
    expect(gw.tables.length).toBe(1);
  }, 90_000);
});
