// Routes to a gateway on a mesh node: discovery by the gateway's key, node-disjoint paths
// (avoiding the relays the tunnel names), set up in parallel.
import { hex } from '../../spec/bytes.ts';
import type { MeshNodeApi, PathCandidate } from '../mesh/api.ts';
import { avoiding, choosePaths } from '../mesh/discovery.ts';
import type { RouteProvider, TunnelRoute } from './client.ts';

export interface MeshRouteOptions {
  maxHops?: number;
  timeoutMs?: number;
  /** Told each new route's id before it is handed over (a shared carrier claims it). */
  onRoute?: (id: number) => void;
}

export function meshRouteProvider(node: MeshNodeApi, gatewayKey: Uint8Array, o: MeshRouteOptions = {}): RouteProvider {
  return {
    async add(count: number, avoid: { inUse: ReadonlySet<string>; failed: ReadonlySet<string> }): Promise<TunnelRoute[]> {
      const found = await node.discover({ publicKey: gatewayKey }, { maxHops: o.maxHops, timeoutMs: o.timeoutMs, maxResults: 16 });
      const disjoint = avoiding(found, new Set(avoid.inUse));
      const fresh = avoiding(disjoint, new Set(avoid.failed));
      // Paths away from recent failures first, then the others (a relay that failed may be back).
      const chosen = choosePaths(fresh, { kind: 'disjoint', count });
      if (chosen.length < count) {
        const taken = new Set(chosen.flatMap((c) => c.hops.slice(0, -1).map((h) => hex(h.publicKey))));
        const rest = avoiding(disjoint, taken).filter((c) => !chosen.some((x) => x.firstNeighbour === c.firstNeighbour));
        chosen.push(...choosePaths(rest, { kind: 'disjoint', count: count - chosen.length }));
      }
      const settled = await Promise.allSettled(chosen.map((c) => node.addRoute(c).then((r) => ({ r, c }))));
      const up = settled.flatMap((s) => (s.status === 'fulfilled' ? [tunnelRoute(s.value.r.id, s.value.c)] : []));
      for (const r of up) o.onRoute?.(r.id);
      return up;
    },
    remove(id: number): void {
      try {
        node.deleteRoute(id);
      } catch {
        // already gone (failed and forgotten)
      }
    },
  };
}

function tunnelRoute(id: number, c: PathCandidate): TunnelRoute {
  return { id, capacity: c.capacityBytesPerSec, relays: c.hops.slice(0, -1).map((h) => hex(h.publicKey)), path: c.hops.map((h) => h.address) };
}
