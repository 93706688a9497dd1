// The real thing, in miniature: four node processes in network namespaces joined by three
// emulated links (5% random loss each way, 10 ms one-way delay, 10 Mb/s), authenticated and
// encrypted link sessions, store-and-forward on top. The bytes the sink hashes must be the
// bytes the source wrote. Bounded in time; namespaces are removed even when it fails.
import { afterAll, describe, expect, it } from 'vitest';
import { Chain, probeHost, removeStaleNamespaces } from '../../testbed/netns/testbed.ts';

const BYTES = 1_500_000;

describe('namespace test bed: 3-hop chain with loss', () => {
  let chain: Chain | undefined;
  afterAll(async () => {
    await chain?.close();
  });

  it('the host has what the test bed needs', () => {
    removeStaleNamespaces();
    const p = probeHost();
    for (const k of ['netns', 'veth', 'tbf', 'nft', 'tun', 'cubic', 'bbr']) expect(p[k], k).toBeNull();
  });

  it(
    'transfers 1.5 MB over 3 lossy hops with identical bytes, and plain TCP runs on the same links',
    async () => {
      chain = await Chain.create(3, { lossPct: 5, delayMs: 10, rateMbit: 10 });
      await chain.startNodes({ bulk: { relayBuffer: 256 * 1024, sourceBuffer: 2 * 1024 * 1024 }, sourceBytes: BYTES, seed: 42 });
      const t0 = Date.now();
      chain.nodes[0].send({ cmd: 'start' });
      let sink = await chain.nodes[3].report();
      while ((sink.apps.find((a) => a.kind === 'sink')!.bytes ?? 0) < BYTES && Date.now() - t0 < 30_000) {
        await new Promise((r) => setTimeout(r, 200));
        sink = await chain.nodes[3].report();
      }
      const src = await chain.nodes[0].report();
      const s = src.apps.find((a) => a.kind === 'source')!;
      const k = sink.apps.find((a) => a.kind === 'sink')!;
      expect(s.written).toBe(BYTES);
      expect(k.bytes).toBe(BYTES);
      expect(k.sha256).toBe(s.sha256);
      // Loss was real: the source retransmitted, nobody dropped for lack of credit or bad input.
      expect(src.saf.retransmittedBytes).toBeGreaterThan(0);
      const relays = await Promise.all([chain.nodes[1].report(), chain.nodes[2].report()]);
      for (const r of [src, sink, ...relays]) {
        expect(r.saf.dropped.overCredit).toBe(0);
        expect(r.saf.dropped.badVersion + r.saf.dropped.badType + r.saf.dropped.truncated).toBe(0);
        for (const o of r.occupancy) expect(o.held).toBeLessThanOrEqual(o.bufferBytes);
      }
      await chain.stopNodes();
      // The same links carry the kernel's TCP (BBR, chosen per socket) in the same run.
      const tcp = await chain.tcp('bbr', 3);
      expect(tcp.bytes).toBeGreaterThan(0);
    },
    90_000,
  );
});
