// The automated demo (loopback processes, loss in the transport): eight daemons, discovery
// of the gateway, two disjoint routes, a striped file with a relay killed in the middle.
// The file must arrive byte-identical: the hash the test computes from the bytes it wrote
// must equal the receiver's hash of what it wrote to disk.
import { describe, expect, it } from 'vitest';
import { DEMO_SPEC, runDemo } from '../../testbed/demo/scenario.ts';

describe('mesh demo (loopback)', () => {
  it('delivers a file striped over two disjoint routes intact although a relay dies mid-transfer', { timeout: 90_000 }, async () => {
    const lines: string[] = [];
    const s = await runDemo({ mode: 'loopback', fileBytes: 1_000_000, lossPct: 1, killAt: 0.35, say: (l) => lines.push(l) }).catch((e) => {
      throw new Error(`${(e as Error).message}\n${lines.join('\n')}`);
    });
    const story = lines.join('\n');
    expect(s.nodes).toBeGreaterThanOrEqual(7);
    expect(s.gateway.address).toBeTruthy();
    // Two node-disjoint routes: no relay in common.
    expect(s.routes).toHaveLength(2);
    const relays = s.routes.map((r) => new Set(r.hops.slice(0, -1)));
    expect([...relays[0]].filter((x) => relays[1].has(x))).toEqual([]);
    expect(s.routes.every((r) => r.hops.at(-1) === DEMO_SPEC.names[7])).toBe(true);
    expect(s.pingMs, story).toBeGreaterThan(0);
    // A relay of the first route was killed while data was in flight.
    expect(s.killed).not.toBeNull();
    expect(s.routes[0].hops).toContain(s.killed!.name);
    expect(s.killed!.atBytes).toBeLessThan(s.transfer.bytes);
    // And the file is intact.
    expect(s.transfer.bytes).toBe(1_000_000);
    expect(s.sha256.received).toBe(s.sha256.written);
    expect(s.sha256.sent).toBe(s.sha256.written);
    expect(s.intact, story).toBe(true);
    // Relays other than the dead one forwarded bytes, and say so in their accounting.
    expect(Object.values(s.relayBytes).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });
});
