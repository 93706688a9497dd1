// The two network setups the tunnel needs, each brought up in order and taken down whole:
//
// gateway: a TUN device holding the pool's first address; forwarding on; an owned nftables
//   table that masquerades the pool to every other interface, keeps clients from reaching
//   each other, and lets them reach the gateway host only for DNS and ping.
// client:  a TUN device with the inner address (point to point to the gateway's); routes of
//   the chosen prefixes through it (the default route as two /1 routes, which win over the
//   default without replacing it); a host route for every mesh neighbour that would
//   otherwise fall into the tunnel; the resolver pointed at the gateway, and an owned
//   nftables table that rejects DNS to anywhere but the tunnel.
//
// Devices and tables vanish with the daemon by construction (tun.ts, nft.ts); routes through
// other devices, the resolver file and sysctls are journaled (system.ts).
import { NftTable } from './nft.ts';
import { addRoute, Journal, linkExists, replaceResolv, routeTo, run, setSysctl, writeSysctl } from './system.ts';
import { NetifError, TunDevice } from './tun.ts';

/** The tunnel carries IPv4 only: no IPv6 on its device (router solicitations would only be dropped). */
function quietIpv6(device: string): void {
  try {
    writeSysctl(`net.ipv6.conf.${device}.disable_ipv6`, '1');
  } catch {
    // IPv6 is off on this machine
  }
}

/** Takes a setup down, in the reverse order: table, device, then what the journal holds. */
async function release(tun: TunDevice, nft: NftTable | undefined, journal: Journal): Promise<string[]> {
  await nft?.close();
  await tun.close();
  return journal.undoAll();
}

export interface GatewayNetOptions {
  device: string;
  /** The pool as "a.b.c.d/n" and the gateway's address in it. */
  pool: string;
  address: string;
  mtu: number;
  /** nftables table name (letters, digits, _). */
  table: string;
  journal: Journal;
}

export class GatewayNetwork {
  private constructor(
    readonly tun: TunDevice,
    readonly nft: NftTable,
    private readonly journal: Journal,
  ) {}

  static async up(o: GatewayNetOptions): Promise<GatewayNetwork> {
    if (linkExists(o.device)) throw new NetifError(`network device ${o.device} exists already; choose another gateway.device`);
    const tun = await TunDevice.open(o.device);
    let nft: NftTable | undefined;
    try {
      const prefixLength = o.pool.split('/')[1];
      quietIpv6(o.device);
      run('ip', ['addr', 'add', `${o.address}/${prefixLength}`, 'dev', o.device]);
      run('ip', ['link', 'set', 'dev', o.device, 'mtu', String(o.mtu), 'up']);
      setSysctl(o.journal, 'net.ipv4.ip_forward', '1');
      const d = JSON.stringify(o.device);
      const t = `ip ${o.table}`;
      nft = await NftTable.create('ip', o.table, [
        `add chain ${t} postrouting { type nat hook postrouting priority srcnat; }`,
        `add rule ${t} postrouting ip saddr ${o.pool} oifname != ${d} masquerade`,
        `add chain ${t} forward { type filter hook forward priority filter; }`,
        `add rule ${t} forward iifname ${d} oifname ${d} drop`,
        `add chain ${t} input { type filter hook input priority filter; }`,
        `add rule ${t} input iifname ${d} ip daddr ${o.address} udp dport 53 accept`,
        `add rule ${t} input iifname ${d} ct state established,related accept`,
        `add rule ${t} input iifname ${d} icmp type echo-request accept`,
        `add rule ${t} input iifname ${d} drop`,
      ]);
      return new GatewayNetwork(tun, nft, o.journal);
    } catch (e) {
      await release(tun, nft, o.journal);
      throw e;
    }
  }

  down(): Promise<string[]> {
    return release(this.tun, this.nft, this.journal);
  }
}

export interface ClientNetOptions {
  device: string;
  address: string;
  /** The gateway's inner address (the point-to-point peer, and the DNS server). */
  peer: string;
  mtu: number;
  /** Prefixes to route through the tunnel; "0.0.0.0/0" routes everything. */
  prefixes: string[];
  /** IPv4 addresses of the mesh neighbours: their traffic must not enter the tunnel. */
  neighbours: string[];
  /** Resolver file to point at the gateway, or undefined to leave DNS alone. */
  resolvConf?: string;
  table: string;
  journal: Journal;
}

export class ClientNetwork {
  private constructor(
    readonly tun: TunDevice,
    readonly nft: NftTable | undefined,
    private readonly journal: Journal,
    readonly pinned: string[],
  ) {}

  static async up(o: ClientNetOptions): Promise<ClientNetwork> {
    if (linkExists(o.device)) throw new NetifError(`network device ${o.device} exists already; choose another tunnel.device`);
    // Where each neighbour is reached now, before the tunnel's routes change it.
    const before = o.neighbours.map((a) => ({ a, r: routeTo(a) }));
    const tun = await TunDevice.open(o.device);
    let nft: NftTable | undefined;
    const pinned: string[] = [];
    try {
      quietIpv6(o.device);
      run('ip', ['addr', 'add', o.address, 'peer', o.peer, 'dev', o.device]);
      run('ip', ['link', 'set', 'dev', o.device, 'mtu', String(o.mtu), 'up']);
      // Neighbours reached through a router could match a tunnel prefix: pin them where they were.
      for (const { a, r } of before) {
        if (!r?.via || r.dev === o.device) continue;
        addRoute(o.journal, `${a}/32`, r.dev, r.via);
        pinned.push(`${a} via ${r.via} dev ${r.dev}`);
      }
      for (const p of o.prefixes) {
        // Routes on the device need no journal: they go with it.
        const routes = p === '0.0.0.0/0' ? ['0.0.0.0/1', '128.0.0.0/1'] : [p];
        for (const dst of routes) {
          try {
            run('ip', ['route', 'add', dst, 'dev', o.device]);
          } catch (e) {
            throw new NetifError(`cannot route ${dst} into the tunnel: ${(e as Error).message} (a route to it exists already?)`);
          }
        }
      }
      if (o.resolvConf) {
        replaceResolv(o.journal, o.resolvConf, `# written by the skywire tunnel; restored when it goes down\nnameserver ${o.peer}\n`);
        const t = `ip ${o.table}`;
        nft = await NftTable.create('ip', o.table, [
          `add chain ${t} output { type filter hook output priority filter; }`,
          `add rule ${t} output oifname != ${JSON.stringify(o.device)} meta l4proto { tcp, udp } th dport 53 reject`,
        ]);
      }
      return new ClientNetwork(tun, nft, o.journal, pinned);
    } catch (e) {
      await release(tun, nft, o.journal);
      throw e;
    }
  }

  down(): Promise<string[]> {
    return release(this.tun, this.nft, this.journal);
  }
}
