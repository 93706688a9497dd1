// The daemon's IP tunnel ends: the gateway service when the config has a `gateway` section
// (started with the daemon), and the client tunnel that `skywire tunnel up` starts and
// `tunnel down` stops. host/tunnel does the protocol, host/netif the machine; this file wires
// them to the mesh and the control socket. What a crashed daemon left in the machine's
// network is undone before anything starts (the journals).
import { hex } from '../../spec/bytes.ts';
import type { Identity } from '../identity/identity.ts';
import { parseAddress } from '../identity/address.ts';
import type { MeshNode } from '../mesh/node.ts';
import { realTimers } from '../mesh/timers.ts';
import { TunnelCarrierHub, type SharedCarrier } from '../tunnel/carrier.ts';
import { TunnelClient } from '../tunnel/client.ts';
import { DnsForwarder, parseUpstream, systemUpstreams, type Upstream } from '../tunnel/dns.ts';
import { GatewayService } from '../tunnel/gateway.ts';
import { formatIpv4, parsePrefix, type Prefix } from '../tunnel/ipv4.ts';
import { meshRouteProvider } from '../tunnel/mesh-routes.ts';
import { GATEWAY_SERVICE, TUNNEL_MTU } from '../tunnel/wire.ts';
import { ClientNetwork, GatewayNetwork } from '../netif/networks.ts';
import { Journal } from '../netif/system.ts';
import type { DaemonConfig } from './config.ts';
import type { Handler } from './control-server.ts';
import { plain } from './plain.ts';

/** `tunnel up` waits this long for the first route to join, by default. */
const DEFAULT_UP_TIMEOUT_MS = 20_000;

interface Gateway {
  service: GatewayService;
  carrier: SharedCarrier;
  net: GatewayNetwork;
  dns: DnsForwarder;
}

interface Client {
  tunnel: TunnelClient;
  carrier: SharedCarrier;
  net: ClientNetwork;
  gatewayAddress: string;
  startedAt: number;
}

/** nftables table names: letters, digits and "_". */
const tableName = (prefix: string, name: string) => `${prefix}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;

export class DaemonTunnels {
  private hub: TunnelCarrierHub | undefined;
  private gateway: Gateway | undefined;
  private client: Client | undefined;
  private clientStarting = false;
  private readonly gatewayJournal: Journal;
  private readonly tunnelJournal: Journal;

  constructor(
    private readonly cfg: DaemonConfig,
    private readonly mesh: MeshNode,
    private readonly identity: Identity,
    private readonly log: (line: string) => void,
  ) {
    this.gatewayJournal = new Journal(`${cfg.netJournal}-gateway`);
    this.tunnelJournal = new Journal(`${cfg.netJournal}-tunnel`);
  }

  /** Undoes what a crashed daemon left; starts the gateway when configured. */
  async start(): Promise<void> {
    for (const j of [this.gatewayJournal, this.tunnelJournal]) {
      const undone = j.undoAll();
      if (undone.length) this.log(`undid what a previous run left in the network: ${undone.join('; ')}`);
    }
    if (this.cfg.gateway) await this.startGateway();
  }

  private carrierHub(): TunnelCarrierHub {
    this.hub ??= new TunnelCarrierHub(this.mesh);
    return this.hub;
  }

  private async startGateway(): Promise<void> {
    const g = this.cfg.gateway!;
    const pool = parsePrefix(g.pool) as Prefix;
    const carrier = this.carrierHub().open('rest');
    const service = new GatewayService({ identity: this.identity, pool, allow: g.allow === 'open' ? 'open' : new Set(g.allow), carrier, timers: realTimers });
    const address = formatIpv4(service.gatewayAddress);
    let net: GatewayNetwork | undefined;
    try {
      net = await GatewayNetwork.up({ device: g.device, pool: g.pool, address, mtu: TUNNEL_MTU, table: tableName('skywire_gw', this.cfg.name), journal: this.gatewayJournal });
      const upstreams: Upstream[] = g.dnsUpstream ? g.dnsUpstream.map((u) => parseUpstream(u)!) : systemUpstreams('/etc/resolv.conf', [address]);
      const dns = await DnsForwarder.listen(address, upstreams);
      service.attach(net.tun);
      net.tun.onPacket = (p) => service.fromTun(p);
      net.tun.onExit = (why) => this.log(`gateway device ${g.device} went away: ${why}`);
      this.gateway = { service, carrier, net, dns };
      this.log(`gateway up: ${g.device} ${address}, pool ${g.pool}, ${g.allow === 'open' ? 'open to any node' : `${g.allow.length} allowed client(s)`}, DNS to ${upstreams.map((u) => `${u.host}:${u.port}`).join(', ')}`);
    } catch (e) {
      service.close();
      carrier.detach();
      await net?.down();
      throw new Error(`gateway: ${(e as Error).message}`);
    }
  }

  handlers(): Record<string, Handler> {
    return {
      'tunnel.up': (p) => this.up(p),
      'tunnel.down': () => this.down(),
      'tunnel.status': () => this.status(),
      'gateway.status': () => {
        if (!this.gateway) throw new Error('this node runs no gateway (add a "gateway" section to its config)');
        return plain({ device: this.cfg.gateway!.device, ...this.gateway.service.status(), dns: this.gateway.dns.status() });
      },
    };
  }

  // ---- the client tunnel ---------------------------------------------------------------------

  private async findGateway(p: Record<string, unknown>): Promise<{ key: Uint8Array; address: string }> {
    const timeoutMs = typeof p.timeoutMs === 'number' ? Math.min(60_000, Math.max(100, p.timeoutMs)) : undefined;
    if (typeof p.gateway === 'string' && p.gateway) {
      parseAddress(p.gateway);
      const found = await this.mesh.discover({ address: p.gateway }, { timeoutMs });
      const hop = found[0]?.hops.at(-1);
      if (!hop) throw new Error(`discovery found no path to the gateway ${p.gateway}`);
      return { key: hop.publicKey, address: hop.address };
    }
    const found = await this.mesh.discover({ service: GATEWAY_SERVICE }, { timeoutMs });
    // The gateway most paths reach (aggregation needs several), the widest first on a tie.
    const byNode = new Map<string, { key: Uint8Array; address: string; paths: number; capacity: number }>();
    for (const c of found) {
      const last = c.hops.at(-1)!;
      const k = hex(last.publicKey);
      const e = byNode.get(k) ?? { key: last.publicKey, address: last.address, paths: 0, capacity: 0 };
      e.paths++;
      e.capacity = Math.max(e.capacity, Number.isFinite(c.capacityBytesPerSec) ? c.capacityBytesPerSec : 0);
      byNode.set(k, e);
    }
    const best = [...byNode.values()].sort((a, b) => b.paths - a.paths || b.capacity - a.capacity)[0];
    if (!best) throw new Error('discovery found no node offering the gateway service');
    return best;
  }

  private async up(p: Record<string, unknown>): Promise<unknown> {
    if (this.client || this.clientStarting) throw new Error('the tunnel is up already (skywire tunnel down first)');
    const t = this.cfg.tunnel;
    const want = p.routes === undefined ? t.routes : p.routes;
    if (typeof want !== 'number' || !Number.isInteger(want) || want < 1 || want > 8) throw new Error("parameter 'routes' must be an integer in [1, 8]");
    const prefixes = p.prefixes === undefined ? t.prefixes : p.prefixes;
    if (!Array.isArray(prefixes) || prefixes.length === 0) throw new Error("parameter 'prefixes' must be a non-empty list of IPv4 prefixes");
    for (const x of prefixes) {
      const r = typeof x === 'string' ? parsePrefix(x) : 'not a string';
      if (typeof r === 'string') throw new Error(`prefix ${JSON.stringify(x)}: ${r}`);
    }
    const resolvConf = p.dns === false ? undefined : (t.resolvConf ?? undefined);
    const upTimeoutMs = typeof p.upTimeoutMs === 'number' ? p.upTimeoutMs : DEFAULT_UP_TIMEOUT_MS;
    this.clientStarting = true;
    let tunnel: TunnelClient | undefined;
    let carrier: SharedCarrier | undefined;
    try {
      const gw = await this.findGateway(p);
      if (hex(gw.key) === hex(this.identity.publicKey)) throw new Error('this node is the gateway; a tunnel to itself makes no sense');
      carrier = this.carrierHub().open('claimed');
      const c = carrier;
      tunnel = new TunnelClient({
        identity: this.identity,
        gatewayKey: gw.key,
        carrier: c,
        timers: realTimers,
        routes: meshRouteProvider(this.mesh, gw.key, { onRoute: (id) => c.claim(id) }),
        want,
        log: this.log,
      });
      let timer: NodeJS.Timeout | undefined;
      const cfg = await Promise.race([
        tunnel.ready(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no route to the gateway ${gw.address} joined within ${upTimeoutMs} ms${tunnel!.lastProblem ? `: ${tunnel!.lastProblem}` : ''}`)), upTimeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
      const neighbours = this.cfg.neighbours.map((n) => n.address.host).filter((h) => /^\d{1,3}(\.\d{1,3}){3}$/.test(h));
      const net = await ClientNetwork.up({
        device: t.device,
        address: formatIpv4(cfg.address),
        peer: formatIpv4(cfg.gateway),
        mtu: cfg.mtu,
        prefixes: prefixes as string[],
        neighbours,
        resolvConf,
        table: tableName('skywire_tun', this.cfg.name),
        journal: this.tunnelJournal,
      });
      const tun = tunnel;
      tun.attach(net.tun);
      net.tun.onPacket = (pkt) => tun.fromTun(pkt);
      net.tun.onExit = (why) => {
        this.log(`tunnel device ${t.device} went away (${why}); taking the tunnel down`);
        void this.down();
      };
      this.client = { tunnel, carrier, net, gatewayAddress: gw.address, startedAt: Date.now() };
      this.log(`tunnel up: ${t.device} ${formatIpv4(cfg.address)} via gateway ${gw.address}, ${prefixes.join(' ')}${resolvConf ? `, DNS ${formatIpv4(cfg.dns)}` : ''}`);
      return this.status();
    } catch (e) {
      tunnel?.close();
      carrier?.detach();
      throw e;
    } finally {
      this.clientStarting = false;
    }
  }

  private async down(): Promise<unknown> {
    const c = this.client;
    if (!c) throw new Error('the tunnel is not up');
    this.client = undefined;
    c.tunnel.close();
    c.carrier.detach();
    const undone = await c.net.down();
    this.log(`tunnel down${undone.length ? `: ${undone.join('; ')}` : ''}`);
    return { down: true, restored: undone };
  }

  status(): unknown {
    const c = this.client;
    if (!c) return { up: false };
    return plain({
      up: true,
      device: c.net.tun.name,
      gatewayAddress: c.gatewayAddress,
      uptimeMs: Date.now() - c.startedAt,
      pinnedRoutes: c.net.pinned,
      ...c.tunnel.status(),
      tun: { read: c.net.tun.packetsRead, written: c.net.tun.packetsWritten, dropped: c.net.tun.writeDrops },
    });
  }

  /** Takes the tunnel and the gateway down and restores the network. */
  async stop(): Promise<void> {
    if (this.client) await this.down().catch((e) => this.log(`tunnel down: ${(e as Error).message}`));
    const g = this.gateway;
    if (g) {
      this.gateway = undefined;
      g.dns.close();
      g.service.close();
      g.carrier.detach();
      await g.net.down();
    }
  }
}
