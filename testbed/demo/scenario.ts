// The mesh demo as a function, so `npm run demo` and its CI test run the same story:
//
//   eight daemons, lossy links (one of them over TCP); the source discovers a gateway, sets
//   up two disjoint routes to it, pings it, and sends a file striped over both routes; in
//   the middle of the transfer a relay on one route is killed; the source notices, repairs
//   the route, and the file arrives intact (the receiver's SHA-256 equals the one computed
//   here from the bytes written, independently of the daemons).
//
//            a1 ---- a2 ---+
//          /  |             \
//       src   c1 ---- c2 ---- gw (offers "gateway")
//          \  |             /
//            b1 ==== b2 ---+          (==== is a TCP link)
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { DaemonMesh, type MeshMode, type MeshSpec } from '../netns/daemons.ts';

export const DEMO_SPEC: MeshSpec = {
  names: ['src', 'a1', 'a2', 'b1', 'b2', 'c1', 'c2', 'gw'],
  edges: [
    { a: 0, b: 1 },
    { a: 1, b: 2 },
    { a: 2, b: 7 },
    { a: 0, b: 3 },
    { a: 3, b: 4, transport: 'tcp' },
    { a: 4, b: 7 },
    { a: 1, b: 5 },
    { a: 3, b: 5 },
    { a: 5, b: 6 },
    { a: 6, b: 7 },
  ],
  services: { 7: ['gateway'] },
  lossPct: 2,
  delayMs: 5,
  rateMbit: 20,
  // Quick failure detection for a demo that should not take long: a route silent for 1 s
  // while data is due is repaired.
  limits: { routeFailMs: 1000, keepaliveMs: 2000, ruleIdleMs: 10_000 },
};

export interface DemoOptions {
  mode: MeshMode;
  fileBytes: number;
  lossPct?: number;
  /** Fraction of the file acknowledged when the relay is killed. */
  killAt?: number;
  /** Step lines as they happen. */
  say?: (line: string) => void;
}

export interface DemoSummary {
  mode: MeshMode;
  lossMethod: string;
  nodes: number;
  links: number;
  lossPct: number;
  linksUpMs: number;
  gateway: { address: string; candidates: number; hops: number[] };
  routes: Array<{ id: number; hops: string[]; setupMs: number | null }>;
  pingMs: number | null;
  killed: { name: string; atBytes: number; ofRoute: number } | null;
  transfer: { bytes: number; ms: number; goodputMbit: number; retransmits: number; repairs: number; routesUsed: number };
  sha256: { written: string; sent: string; received: string; verified: boolean };
  intact: boolean;
  relayBytes: Record<string, number>;
  counters: Record<string, number>;
}

const SOURCE = 0;
const GATEWAY = 7;

export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const say = o.say ?? (() => {});
  const spec = { ...DEMO_SPEC, lossPct: o.lossPct ?? DEMO_SPEC.lossPct };
  const killAt = o.killAt ?? 0.4;
  const name = (i: number) => spec.names[i];

  say(`[1/6] starting ${spec.names.length} node daemons (${o.mode === 'netns' ? 'one network namespace each' : 'loopback processes'}), ${spec.edges.length} links at ${spec.lossPct}% loss each way`);
  const t0 = performance.now();
  const mesh = await DaemonMesh.start(spec, o.mode);
  try {
    say(`      loss made by ${{ netem: 'tc netem on every link device', nft: 'nftables random drop on every link device (this kernel has no netem)', transport: 'the daemons\' transport (emulatedLossPct)' }[mesh.lossMethod]}`);
    await mesh.linksUp();
    const linksUpMs = performance.now() - t0;
    const addrOf = new Map(mesh.nodes.map((n) => [n.address, n.name]));
    const nameOf = (a: string) => addrOf.get(a) ?? a.slice(0, 8);
    say(`      all ${spec.edges.length * 2} link ends authenticated and encrypted in ${(linksUpMs / 1000).toFixed(1)} s`);

    say(`[2/6] src: skywire discover gateway`);
    const d = await mesh.call(SOURCE, 'discover', { service: 'gateway' });
    if (!d.candidates.length) throw new Error('discovery found no gateway');
    const gw = d.candidates[0].hops.at(-1).address as string;
    for (const c of d.candidates) say(`      ${c.hopCount} hops, ${c.latencyMs.toFixed(1)} ms: ${c.hops.map((h: any) => nameOf(h.address)).join(' > ')}`);
    if (gw !== mesh.nodes[GATEWAY].address) throw new Error(`discovery answered ${gw}, not the gateway`);

    say(`[3/6] src: skywire route add ${gw} --count 2   (two node-disjoint routes)`);
    // Two up, node-disjoint routes to the gateway. Discovery collects answers for a while; on
    // a loaded machine an answer can miss the window and only one disjoint path is known, and
    // a lossy path can lose a route before the transfer starts: then search again.
    const twoRoutes = async (): Promise<any[]> => {
      let added = await mesh.call(SOURCE, 'route.add', { address: gw, count: 2 });
      for (let attempt = 1; added.routes.length < 2 && attempt <= 3; attempt++) {
        say(`      only ${added.routes.length} route came up; searching again for a disjoint pair`);
        for (const r of added.routes) await mesh.call(SOURCE, 'route.del', { id: r.id });
        added = await mesh.call(SOURCE, 'route.add', { address: gw, count: 2, timeoutMs: 1000 * (attempt + 1) });
      }
      return added.routes;
    };
    const toRoute = (r: any) => ({ id: r.id as number, hops: (r.hops as any[]).map((h) => nameOf(h.address)), setupMs: (r.setupMs as number | undefined) ?? null });
    let routes = (await twoRoutes()).map(toRoute);
    for (const r of routes) say(`      route ${r.id}: src > ${r.hops.join(' > ')}  up in ${r.setupMs?.toFixed(0)} ms`);

    say(`[4/6] src: skywire ping ${gw}`);
    const pingErrors = new Set<string>();
    const ping = await mesh.call(SOURCE, 'ping', { address: gw, count: 5, intervalMs: 100 }, (e) => e.error && pingErrors.add(e.error));
    say(`      ${ping.received}/${ping.sent} answered${ping.received ? `, rtt avg ${ping.avgMs.toFixed(1)} ms` : ''}${pingErrors.size ? ` (${[...pingErrors].join('; ')})` : ''}`);

    const upNow = ((await mesh.call(SOURCE, 'route.list')).routes as any[]).filter((r) => r.state === 'up' && routes.some((x) => x.id === r.id));
    if (upNow.length < 2) {
      say(`      a route went down since it was set up (a lossy path); setting up a disjoint pair again`);
      for (const r of upNow) await mesh.call(SOURCE, 'route.del', { id: r.id });
      routes = (await twoRoutes()).map(toRoute);
      for (const r of routes) say(`      route ${r.id}: src > ${r.hops.join(' > ')}  up in ${r.setupMs?.toFixed(0)} ms`);
    }

    const file = mesh.file('payload.bin');
    const content = randomBytes(o.fileBytes);
    writeFileSync(file, content);
    const written = createHash('sha256').update(content).digest('hex');
    // The relay to kill: the middle of the first route (not the source's own neighbour, so
    // the failure is noticed end to end, not by a link going down next to the source).
    const victimRoute = routes[0];
    const victimName = victimRoute.hops.length >= 3 ? victimRoute.hops[1] : victimRoute.hops[0];
    const victim = spec.names.indexOf(victimName);
    if (victim < 0 || victim === GATEWAY) throw new Error(`no relay to kill on route ${victimRoute.id}`);

    say(`[5/6] gw: skywire recv   src: skywire send ${gw} payload.bin   (${(o.fileBytes / 1e6).toFixed(1)} MB striped over ${routes.length} routes; ${victimName} dies at ${Math.round(killAt * 100)}%)`);
    const recv = mesh.call(GATEWAY, 'recv', { timeoutMs: 120_000 });
    let killed: DemoSummary['killed'] = null;
    let lastQuarter = 0;
    const sent = await mesh.call(SOURCE, 'send', { address: gw, path: file }, (e) => {
      if (e.phase !== 'data') return;
      if (!killed && e.bytes >= killAt * e.total) {
        mesh.kill(victim);
        killed = { name: victimName, atBytes: e.bytes, ofRoute: victimRoute.id };
        say(`      ${(e.bytes / 1e6).toFixed(2)} MB acknowledged: killed ${victimName} (SIGKILL), a relay of route ${victimRoute.id}`);
      }
      const q = Math.floor((4 * e.bytes) / e.total);
      if (q > lastQuarter && q < 4) {
        lastQuarter = q;
        say(`      ${q * 25}%  (${e.routes} route(s) carrying the stream)`);
      }
    });
    const got = await recv;
    say(`      done: ${(sent.bytes / 1e6).toFixed(2)} MB in ${(sent.ms / 1000).toFixed(1)} s, ${sent.retransmits} segments resent, ${sent.repairs} route repair(s)`);

    say(`[6/6] checking`);
    const after = await mesh.call(SOURCE, 'status');
    const relayBytes: Record<string, number> = {};
    for (let i = 0; i < spec.names.length; i++) {
      if (i === SOURCE || i === GATEWAY || i === victim) continue;
      const s = await mesh.call(i, 'status');
      const fwd = (s.rules as any[]).filter((r) => r.action.kind === 'forward').reduce((t, r) => t + r.bytes, 0);
      if (fwd > 0) relayBytes[spec.names[i]] = fwd;
    }
    const intact = got.sha256 === written && sent.sha256 === written && got.verified === true && got.bytes === o.fileBytes;
    const summary: DemoSummary = {
      mode: o.mode,
      lossMethod: mesh.lossMethod,
      nodes: spec.names.length,
      links: spec.edges.length,
      lossPct: spec.lossPct,
      linksUpMs,
      gateway: { address: gw, candidates: d.candidates.length, hops: d.candidates.map((c: any) => c.hopCount) },
      routes,
      pingMs: ping.avgMs ?? null,
      killed,
      transfer: {
        bytes: sent.bytes,
        ms: sent.ms,
        goodputMbit: (sent.bytes * 8) / (sent.ms / 1000) / 1e6,
        retransmits: sent.retransmits,
        repairs: sent.repairs,
        routesUsed: (after.routes as any[]).filter((r) => r.bytesSent > 0).length,
      },
      sha256: { written, sent: sent.sha256, received: got.sha256, verified: got.verified },
      intact,
      relayBytes,
      counters: Object.fromEntries(Object.entries(after.counters as Record<string, number>).filter(([, v]) => v !== 0)),
    };
    return summary;
  } finally {
    await mesh.close();
  }
}

/** The closing summary in words. */
export function describeSummary(s: DemoSummary): string[] {
  return [
    `mesh        ${s.nodes} nodes, ${s.links} links, ${s.lossPct}% loss each way (${s.mode}, ${s.lossMethod}); links up in ${(s.linksUpMs / 1000).toFixed(1)} s`,
    `discovery   found the gateway over ${s.gateway.candidates} path(s) (${s.gateway.hops.join(', ')} hops)`,
    `routes      ${s.routes.map((r) => `#${r.id} src>${r.hops.join('>')} (${r.setupMs?.toFixed(0)} ms)`).join('  ')}`,
    `ping        ${s.pingMs === null ? 'no answer' : `${s.pingMs.toFixed(1)} ms round trip`}`,
    `failure     ${s.killed ? `${s.killed.name} killed after ${(s.killed.atBytes / 1e6).toFixed(2)} MB; ${s.transfer.repairs} repair(s)` : 'none'}`,
    `transfer    ${(s.transfer.bytes / 1e6).toFixed(2)} MB in ${(s.transfer.ms / 1000).toFixed(1)} s (${s.transfer.goodputMbit.toFixed(1)} Mb/s) over ${s.transfer.routesUsed} route(s), ${s.transfer.retransmits} segments resent`,
    `relays      ${Object.entries(s.relayBytes).map(([k, v]) => `${k} ${(v / 1e6).toFixed(2)} MB`).join(', ')} forwarded on the routes still up (per-route accounting at each relay)`,
    `checksum    written ${s.sha256.written.slice(0, 16)}…  received ${s.sha256.received.slice(0, 16)}…  ${s.intact ? 'INTACT' : 'MISMATCH'}`,
  ];
}
