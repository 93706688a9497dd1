// The forwarding plane against the software relay itself (testbed/forwarding/twin.ts): real
// host/link sessions and a real host/mesh node on one side, the Verilated device on the other,
// the same frames into both, every frame out compared byte for byte, then the counters.
import { beforeAll, describe, expect, it } from 'vitest';
import { FRAME_REJECTS } from '../../spec/link-wire.ts';
import { peerCounterIndex } from '../../spec/forwarding/counters.ts';
import { Rng } from '../../sim/random.ts';
import { FpDevice } from '../../testbed/forwarding/device.ts';
import { TwinRelay } from '../../testbed/forwarding/twin.ts';

const AEAD = { width: 64, units: 2, stages: 1, lanes: 1, multiplier: 'fabric', mulStages: 2, reduceStages: 4, queueWords: 32, queueRam: 'block', fifoRam: 'block', outDepth: 64, seqBits: 4 };
const GEOMETRY = { entries: 256, ways: 4, stash: 2 };
const PARAMS = { ports: 2, peers: 4, routeEntries: GEOMETRY.entries, routeWays: GEOMETRY.ways, routeStash: GEOMETRY.stash, ruleCounters: 256, aead: AEAD, ram: 'inferred' as const };

describe('forwarding plane against the software relay', () => {
  let dev: FpDevice;
  beforeAll(async () => {
    dev = await FpDevice.create(PARAMS);
  }, 900_000);

  it('forwards route packets between real link sessions exactly as the software relay does', () => {
    dev.reset();
    const rng = new Rng(77);
    const twin = new TwinRelay(dev, { peers: 4, rng, geometry: GEOMETRY });
    twin.configure();
    twin.establish();
    twin.addRule(0x1000_0001, 0, 1, 0x2000_0001);
    twin.addRule(0x1000_0002, 1, 2, 0x2000_0002);
    twin.addRule(0x1000_0003, 2, 3, 0x2000_0003);
    twin.addRule(0x1000_0004, 3, 0, 0x2000_0004);
    const routes = [[0x1000_0001, 0], [0x1000_0002, 1], [0x1000_0003, 2], [0x1000_0004, 3]] as const;
    let forwarded = 0;
    for (let n = 0; n < 40; n++) {
      const [route, from] = routes[rng.int(0, 3)]!;
      twin.peerSends(from, TwinRelay.routePacket(route, n, rng.int(17, 600)));
      for (const o of twin.pump()) if (o.device === 'forwarded') forwarded++;
    }
    expect(forwarded).toBeGreaterThan(30);
    for (const p of twin.peers) {
      const s = p.relay.stats;
      expect(dev.counter('peer', peerCounterIndex(p.index, 'rxFrames')).frames, `peer ${p.index} rxFrames`).toBe(s.rxFrames);
      expect(dev.counter('peer', peerCounterIndex(p.index, 'txFrames')), `peer ${p.index} txFrames`).toEqual({ frames: s.txFrames, bytes: s.txBytes });
      for (const r of FRAME_REJECTS) expect(dev.counter('peer', peerCounterIndex(p.index, r)).frames, `peer ${p.index} ${r}`).toBe(s.rejected[r]);
    }
  });
});
