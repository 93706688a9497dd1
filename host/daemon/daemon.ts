// The node daemon: one process per node. It owns the links (host/link sessions over UDP or
// TCP), hosts a MeshNode (host/mesh) on top of them, runs the file service, and answers the
// CLI on the control socket. The mesh does routing; this file only wires things together
// and turns control requests into mesh calls.
import { basename } from 'node:path';
import type { MeshStream, PathCandidate, RouteInfo, RoutePolicy } from '../mesh/api.ts';
import { MESH_MTU_BYTES } from '../../spec/route-wire.ts';
import { choosePaths } from '../mesh/discovery.ts';
import { MeshNode } from '../mesh/node.ts';
import { DeviceOffload } from './device-offload.ts';
import { realTimers } from '../mesh/timers.ts';
import type { Identity } from '../identity/identity.ts';
import { parseAddress } from '../identity/address.ts';
import { checkNotOwnKey, ConfigError, DEFAULT_TRANSFER_STALL_MS, loadIdentity, prepareFolders, resolveHosts, type DaemonConfig } from './config.ts';
import { ControlServer, type Emit, type Handler } from './control-server.ts';
import { sendFile } from './file-sender.ts';
import { FILE_CHANNEL } from './file-transfer.ts';
import { Inbox } from './inbox.ts';
import { LinkSet } from './links.ts';
import { plain } from './plain.ts';
import { SOCKET_BUFFER_BYTES } from '../link/udp-transport.ts';
import { DaemonTunnels } from './tunnels.ts';
import { GATEWAY_SERVICE } from '../tunnel/wire.ts';

/** Link timers (handshake retransmission, rotation, up/down) run this often. */
const LINK_TICK_MS = 5;
/** Default number of disjoint routes a file is striped over. */
export const DEFAULT_SEND_ROUTES = 2;

export interface DaemonOptions {
  /** Lines for the operator (link up/down, transfers); default: none. */
  log?: (line: string) => void;
}

export class Daemon {
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  /** The forwarding plane this node programs (config `device`), if any. */
  device: DeviceOffload | undefined;
  private control: ControlServer | undefined;
  private stopping: Promise<void> | undefined;
  /** Resolves once the daemon has stopped (by `stop()` or a control request). */
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;

  private constructor(
    readonly cfg: DaemonConfig,
    readonly identity: Identity,
    readonly mesh: MeshNode,
    readonly links: LinkSet,
    readonly inbox: Inbox,
    private readonly log: (line: string) => void,
    readonly tunnels: DaemonTunnels,
  ) {
    this.stopped = new Promise((r) => (this.resolveStopped = r));
  }

  /**
   * Starts a node, or nothing at all: everything that can be checked is checked before any
   * socket is opened (the identity, host names, the folders), and a failure after that closes
   * what was opened, so an error never leaves a bound port without a control socket.
   * Config problems are ConfigErrors naming the field.
   */
  static async start(config: DaemonConfig, opts: DaemonOptions = {}): Promise<Daemon> {
    const log = opts.log ?? (() => {});
    const identity = loadIdentity(config);
    checkNotOwnKey(config, identity);
    const cfg = await resolveHosts(config);
    prepareFolders(cfg);
    // The mesh and the links refer to each other (mesh -> links to send, links -> mesh to
    // deliver), so the mesh's transport looks the link set up when it is called.
    let links: LinkSet | undefined;
    const l = cfg.limits;
    // A forwarding plane, when configured, takes the node's rules and link keys as well.
    let meshRef: MeshNode | undefined;
    const device = cfg.device ? await DeviceOffload.open(cfg, (id, bytes, packets) => meshRef?.creditRule(id, bytes, packets) ?? false, log) : undefined;
    const mesh = new MeshNode({
      secretKey: identity.secretKey,
      // A gateway section offers the gateway service to discovery.
      services: cfg.gateway && !cfg.services.includes(GATEWAY_SERVICE) ? [...cfg.services, GATEWAY_SERVICE] : cfg.services,
      timers: realTimers,
      transport: { send: (nb, bytes) => links?.send(nb, bytes) ?? false },
      maxRoutesPerPeer: l.maxRoutesPerNeighbour,
      setupRatePerPeer: l.setupsPerSecondPerNeighbour,
      queryRatePerPeer: l.queriesPerSecondPerNeighbour,
      ruleIdleMs: l.ruleIdleMs,
      keepaliveMs: l.keepaliveMs,
      routeFailMs: l.routeFailMs,
      safBufferBytes: l.safBufferBytes,
      safRealtimeBufferBytes: l.safRealtimeBufferBytes,
      ...(device ? { table: device.table } : {}),
    });
    meshRef = mesh;
    const events = {
      deliver: (i: number, payload: Uint8Array) => mesh.receive(i, payload),
      up: (i: number) => {
        const n = cfg.neighbours[i];
        log(`link ${n.name} up (${n.transport} ${n.address.host}:${n.address.port})`);
        mesh.linkUp(i, {
          kind: 'datagram',
          mtu: MESH_MTU_BYTES,
          publicKey: Buffer.from(n.publicKey, 'hex'),
          capacityBytesPerSec: n.capacityBytesPerSec,
          paceBytesPerSec: n.capacityBytesPerSec,
          forwarding: n.forwarding,
          rxLoss: () => links?.rxLoss(i),
        });
        device?.setLinkUp(i, true);
      },
      down: (i: number) => {
        log(`link ${cfg.neighbours[i].name} down`);
        mesh.linkDown(i);
        device?.setLinkUp(i, false);
      },
    };
    const inbox = new Inbox(cfg.inbox, () => performance.now(), { stallMs: l.transferStallMs ?? DEFAULT_TRANSFER_STALL_MS, log });
    const partial = inbox.sweepPartials();
    if (partial.length) log(`inbox: ${partial.length} partial file(s) from unfinished transfers, resumable: ${partial.map((p) => `${p.file} (${p.bytes} B)`).join(', ')}`);
    try {
      links = await LinkSet.open(cfg, identity, events, () => performance.now(), undefined, device);
    } catch (e) {
      mesh.close();
      await device?.close();
      inbox.close();
      throw e;
    }
    const udp = links.udp?.recvBufferBytes;
    if (udp !== undefined && udp < SOCKET_BUFFER_BYTES) log(`udp receive buffer is ${udp} bytes, below the ${SOCKET_BUFFER_BYTES} asked for: raise net.core.rmem_max so bursts are not dropped`);
    mesh.listen(FILE_CHANNEL, (s) => inbox.accept(s));
    const d = new Daemon(cfg, identity, mesh, links, inbox, log, new DaemonTunnels(cfg, mesh, identity, log));
    d.device = device;
    if (device) device.sessionIdsOf = (i) => links!.sessionIds(i);
    d.timer = setInterval(() => d.links.tick(performance.now()), LINK_TICK_MS);
    try {
      await d.tunnels.start();
    } catch (e) {
      await d.stop();
      throw e;
    }
    try {
      d.control = await ControlServer.listen(cfg.controlSocket, d.handlers());
    } catch (e) {
      await d.stop();
      throw new ConfigError('controlSocket', (e as Error).message);
    }
    return d;
  }

  /** Stops timers, closes the mesh, the sockets and the control socket. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // The tunnel's Bye still needs the mesh and the links.
      await this.tunnels.stop().catch((e) => this.log(`network restore: ${(e as Error).message}`));
      if (this.timer) clearInterval(this.timer);
      this.mesh.close();
      this.inbox.close();
      await Promise.all([this.links.close(), this.control?.close(), this.device?.close()]);
      this.resolveStopped();
    })();
    return this.stopping;
  }

  // ---- control requests ----------------------------------------------------------------

  private handlers(): Record<string, Handler> {
    return {
      status: () => this.status(),
      'route.list': () => plain({ routes: this.mesh.routes(), rules: this.mesh.status().rules }),
      'route.add': (p) => this.addRoutes(p),
      'route.del': (p) => {
        const id = intParam(p, 'id', 1);
        if (!this.mesh.routes().some((r) => r.id === id)) throw new Error(`no route ${id} (see skywire route list)`);
        this.mesh.deleteRoute(id);
        return { deleted: id };
      },
      discover: (p) => this.discover(p),
      ping: (p, emit) => this.ping(p, emit),
      send: (p, emit) => this.send(p, emit),
      recv: (p, emit, signal) => this.recv(p, emit, signal),
      ...this.tunnels.handlers(),
      ...(this.device ? this.device.handlers() : {}),
      'node.stop': () => {
        setTimeout(() => void this.stop(), 10);
        return { stopping: true };
      },
    };
  }

  status(): unknown {
    const m = this.mesh.status();
    const meshLinks = new Map(m.links.map((x) => [x.neighbour, x]));
    return plain({
      node: {
        name: this.cfg.name,
        address: this.identity.address,
        publicKey: m.publicKey,
        pid: process.pid,
        uptimeMs: Date.now() - this.startedAt,
        services: m.services,
        listen: this.cfg.listen.map((l) => `${l.transport} ${l.host}:${(l.transport === 'udp' ? this.links.udp?.port : this.links.tcp?.port) ?? l.port}`),
        controlSocket: this.cfg.controlSocket,
      },
      links: this.links.status().map((s) => {
        const ml = meshLinks.get(s.index);
        return { ...s, services: ml?.services ?? [], routesFrom: ml?.routesFrom ?? 0, meshRttMs: ml?.rttMs ?? null, lossOut: ml?.lossOut ?? null, hop: ml?.hop ?? null };
      }),
      transports: this.links.transportStatus(),
      routes: m.routes,
      rules: m.rules,
      streams: m.streams,
      buffers: {
        streamBytes: m.bufferedBytes,
        inboxTransfers: this.inbox.list().filter((t) => t.state === 'receiving').length,
        safHeldBytes: m.saf.lanes.reduce((a, l) => a + l.held, 0),
      },
      saf: m.saf,
      inbox: {
        dir: this.inbox.dir,
        transfers: this.inbox.list().map((t) => ({ name: t.name, state: t.state, bytes: t.bytes, size: t.size, resumedFrom: t.resumedFrom, attempts: t.attempts, path: t.path, error: t.error })),
        partial: this.inbox.partials(),
      },
      counters: m.counters,
      cpu: process.cpuUsage(),
      ...(this.device ? { device: this.device.status() } : {}),
    });
  }

  private async discover(p: Record<string, unknown>): Promise<unknown> {
    const service = strParam(p, 'service');
    const found = await this.mesh.discover({ service }, { maxHops: optInt(p, 'maxHops', 1, 8), timeoutMs: optInt(p, 'timeoutMs', 10, 60_000) });
    return plain({ service, candidates: found });
  }

  /** Up routes this node has to `address` (of class `qos` when given), newest first. */
  private routesTo(address: string, qos?: boolean): RouteInfo[] {
    return this.mesh
      .routes()
      .filter((r) => r.state === 'up' && r.hops[r.hops.length - 1]?.address === address && (qos === undefined || r.qos === qos))
      .reverse();
  }

  private async findPaths(address: string, policy: RoutePolicy, p: Record<string, unknown>): Promise<PathCandidate[]> {
    parseAddress(address); // a clear error for a mistyped address before any search
    const found = await this.mesh.discover({ address }, { maxHops: optInt(p, 'maxHops', 1, 8), timeoutMs: optInt(p, 'timeoutMs', 10, 60_000) });
    const chosen = choosePaths(found, policy);
    if (chosen.length === 0) throw new Error(`discovery found no path to ${address}`);
    return chosen;
  }

  private async addRoutes(p: Record<string, unknown>): Promise<unknown> {
    const address = strParam(p, 'address');
    const count = optInt(p, 'count', 1, 8) ?? 1;
    const policyName = (p.policy as string | undefined) ?? 'latency';
    if (!['latency', 'throughput'].includes(policyName)) throw new Error(`policy must be latency or throughput, got '${policyName}'`);
    const policy: RoutePolicy = count > 1 ? { kind: 'disjoint', count } : policyName === 'latency' ? { kind: 'lowestLatency' } : { kind: 'highestThroughput' };
    const paths = await this.findPaths(address, policy, p);
    const qos = p.qos === true;
    const settled = await Promise.allSettled(paths.map((c) => this.mesh.addRoute(c, { qos })));
    const routes = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (routes.length === 0) throw new Error(`no route came up: ${settled.map((s) => (s.status === 'rejected' ? (s.reason as Error).message : '')).join('; ')}`);
    return plain({ routes });
  }

  private async ping(p: Record<string, unknown>, emit: Emit): Promise<unknown> {
    const address = strParam(p, 'address');
    const count = optInt(p, 'count', 1, 1000) ?? 4;
    const intervalMs = optInt(p, 'intervalMs', 0, 60_000) ?? 200;
    const timeoutMs = optInt(p, 'timeoutMs', 10, 60_000) ?? 2000;
    // A real-time route to the address (pings are the real-time class; `qos: false` asks for a
    // bulk route, to see what real time is spared), or a new one. The mesh repeats a lost Ping
    // itself; a route that really went down (no answer within routeFailMs) is counted as a
    // loss, and like any ping tool we carry on, over a route rebuilt.
    const qos = p.qos !== false;
    let created = 0;
    const upRoute = async (): Promise<RouteInfo> => {
      const have = this.routesTo(address, qos)[0];
      if (have) return have;
      const [path] = await this.findPaths(address, { kind: 'lowestLatency' }, p);
      created++;
      return this.mesh.addRoute(path, { qos });
    };
    let route = await upRoute();
    const rtts: number[] = [];
    for (let seq = 1; seq <= count; seq++) {
      try {
        if (!this.routesTo(address, qos).some((r) => r.id === route.id)) route = await upRoute();
        const rtt = await this.mesh.ping(route.id, timeoutMs);
        rtts.push(rtt);
        emit({ seq, rttMs: rtt, route: route.id });
      } catch (e) {
        emit({ seq, error: (e as Error).message });
      }
      if (seq < count) await new Promise((r) => setTimeout(r, intervalMs));
    }
    const sorted = [...rtts].sort((a, b) => a - b);
    return plain({
      address,
      route: { id: route.id, hops: route.hops.length },
      routesCreated: created,
      sent: count,
      received: rtts.length,
      minMs: sorted[0] ?? null,
      avgMs: rtts.length ? rtts.reduce((a, b) => a + b, 0) / rtts.length : null,
      maxMs: sorted.at(-1) ?? null,
    });
  }

  private async send(p: Record<string, unknown>, emit: Emit): Promise<unknown> {
    const address = strParam(p, 'address');
    const path = strParam(p, 'path');
    const name = typeof p.name === 'string' && p.name ? p.name : basename(path);
    const count = optInt(p, 'routes', 1, 8) ?? DEFAULT_SEND_ROUTES;
    parseAddress(address);
    const t0 = performance.now();
    // The mesh stream's own default when the config does not say (its congestion window, not
    // the buffer, decides what is in flight).
    const sendBufferBytes = this.cfg.limits.streamBufferBytes;
    // Routes the user set up to this address are used as they are (bulk ones; real-time ones
    // only when there are no others: a file is bulk); otherwise discovery chooses `count`
    // disjoint routes and the file is striped over every one that came up.
    const openStream = async (): Promise<{ stream: MeshStream; routes: RouteInfo[]; setupMs: number }> => {
      const t1 = performance.now();
      const existing = this.routesTo(address, false).length ? this.routesTo(address, false) : this.routesTo(address);
      if (existing.length) {
        const routes = existing.slice(0, count);
        const stream = await this.mesh.openStream({ channel: FILE_CHANNEL, routes: routes.map((r) => r.id), sendBufferBytes });
        return { stream, routes, setupMs: performance.now() - t1 };
      }
      const policy: RoutePolicy = count > 1 ? { kind: 'disjoint', count } : { kind: 'highestThroughput' };
      const { stream, routes } = await this.mesh.connect({ address }, { channel: FILE_CHANNEL, policy, sendBufferBytes });
      return { stream, routes, setupMs: performance.now() - t1 };
    };
    const r = await sendFile({
      secretKey: this.identity.secretKey,
      address,
      path,
      name,
      openStream,
      stallMs: this.cfg.limits.transferStallMs ?? DEFAULT_TRANSFER_STALL_MS,
      emit,
      log: this.log,
    });
    const ms = performance.now() - t0;
    this.log(`sent ${name} (${r.bytes} B) to ${address} in ${ms.toFixed(0)} ms over ${r.routes.length} route(s)${r.attempts > 1 ? `, ${r.attempts} attempts` : ''}`);
    return plain({
      address,
      name,
      bytes: r.bytes,
      sha256: r.sha256,
      ms,
      setupMs: r.setupMs,
      routes: r.routes.map((x) => ({ id: x.id, hops: x.hops.map((h) => h.address) })),
      retransmits: r.retransmits,
      repairs: r.repairs,
      attempts: r.attempts,
      resumedFrom: r.resumedFrom,
    });
  }

  private async recv(p: Record<string, unknown>, emit: Emit, signal: AbortSignal): Promise<unknown> {
    const timeoutMs = optInt(p, 'timeoutMs', 1, 24 * 3600_000) ?? 60_000;
    const out = typeof p.out === 'string' && p.out ? p.out : undefined;
    const t = await this.inbox.claim(timeoutMs, signal);
    emit({ phase: 'header', name: t.name, total: t.size, resumedFrom: t.resumedFrom });
    await this.inbox.follow(t, (x) => emit({ phase: 'data', bytes: x.bytes, total: x.size }), signal);
    if (t.state === 'failed') throw new Error(`transfer of ${t.name} failed: ${t.error}`);
    if (out) Inbox.moveTo(t, out);
    return { name: t.name, bytes: t.bytes, sha256: t.sha256, verified: t.verified, path: t.path, resumedFrom: t.resumedFrom, ms: (t.endedAt ?? performance.now()) - t.startedAt };
  }
}

// ---- request parameters -----------------------------------------------------------------

function strParam(p: Record<string, unknown>, key: string): string {
  const v = p[key];
  if (typeof v !== 'string' || !v) throw new Error(`missing parameter '${key}'`);
  return v;
}

function intParam(p: Record<string, unknown>, key: string, lo: number, hi = Number.MAX_SAFE_INTEGER): number {
  const v = p[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new Error(`parameter '${key}' must be an integer in [${lo}, ${hi}]`);
  return v;
}

function optInt(p: Record<string, unknown>, key: string, lo: number, hi: number): number | undefined {
  return p[key] === undefined ? undefined : intParam(p, key, lo, hi);
}
