// The driver on the real forwarding plane (the `sim` backend: the Verilated plane in this
// process, testbed/plane-space.ts): Device.open accepts its build, and host/mesh rules put in
// through the driver's OffloadTable are forwarded by the plane byte for byte as the software
// relay forwards them (the forwarding plane's twin, testbed/forwarding/twin.ts, compares every
// frame); the per-rule counters the accounting reader brings back equal the bytes the software
// relay counted for the same packets; a rule removed through the driver stops forwarding in
// the plane (the next packet goes to the host as a route miss).
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalBus } from '../../host/device/bus.ts';
import { DeviceAccounting } from '../../host/device/accounting.ts';
import { Device } from '../../host/device/device.ts';
import { OffloadTable } from '../../host/device/offload-table.ts';
import { DeviceSequencer } from '../../host/device/sequencer.ts';
import { Rng } from '../../sim/random.ts';
import { FpDevice } from '../../testbed/forwarding/device.ts';
import { TwinRelay } from '../../testbed/forwarding/twin.ts';
import { PlaneSpace } from '../../testbed/plane-space.ts';

// The plane of test/forwarding/plane.test.ts (its model is then built once for both).
const AEAD = { width: 64, units: 2, stages: 1, lanes: 1, multiplier: 'fabric', mulStages: 2, reduceStages: 4, queueWords: 32, queueRam: 'block', fifoRam: 'block', outDepth: 64, seqBits: 4 };
const GEOMETRY = { entries: 256, ways: 4, stash: 2 };
const PARAMS = { ports: 2, peers: 4, routeEntries: GEOMETRY.entries, routeWays: GEOMETRY.ways, routeStash: GEOMETRY.stash, ruleCounters: 256, aead: AEAD, ram: 'inferred' as const };

describe('the driver on the Verilated forwarding plane', () => {
  let plane: FpDevice;
  beforeAll(async () => {
    plane = await FpDevice.create(PARAMS);
  }, 1_200_000);

  it('opens it, writes its rules, forwards as the software relay, counts what it carried, and stops with the rule', async () => {
    plane.reset();
    const device = await Device.open(new LocalBus(new PlaneSpace(plane), 'verilated forwarding plane'));
    expect(device.params).toMatchObject({ ports: 2, peers: 4, routeEntries: 256, ruleCounters: 256 });
    const rng = new Rng(5);
    const twin = new TwinRelay(plane, { peers: 4, rng, geometry: GEOMETRY });
    twin.configure();
    twin.establish();

    const errors: string[] = [];
    const seq = new DeviceSequencer((what, e) => errors.push(`${what}: ${e.message}`));
    let table!: OffloadTable;
    const credited = new Map<number, { bytes: number; packets: number }>();
    const accounting = new DeviceAccounting(device, seq, {
      credit: (id, bytes, packets) => {
        const c = credited.get(id) ?? { bytes: 0, packets: 0 };
        credited.set(id, { bytes: c.bytes + bytes, packets: c.packets + packets });
        return true;
      },
    });
    table = new OffloadTable(device, seq, { peerOf: (n) => n, counters: accounting });
    accounting.release = (c) => table.cam.releaseCounter(c);

    // Two relay rules, in the twin's software rule book and, through the driver, in the plane.
    const rules = [
      { id: 0x2000_0001, from: 0, to: 1, next: 0x3000_0001 },
      { id: 0x2000_0002, from: 3, to: 2, next: 0x3000_0002 },
    ];
    for (const r of rules) {
      const action = { kind: 'forward' as const, port: r.to, nextRoute: r.next, qos: false, hop: 'plain' as const };
      twin.mesh.rules.install(r.id, r.from, action, { kind: 'driver' }, twin.clock.now());
      table.install(r.id, action, r.from);
    }
    await seq.idle();
    expect(errors).toEqual([]);

    const carried = new Map<number, number>();
    for (let i = 0; i < 12; i++) {
      const r = rules[i % 2]!;
      const packet = TwinRelay.routePacket(r.id, i, rng.int(17, 1200));
      twin.peerSends(r.from, packet);
      const outcomes = twin.pump(); // throws at the first frame that differs from the software's
      expect(outcomes.map((o) => o.device)).toEqual(['forwarded']);
      carried.set(r.id, (carried.get(r.id) ?? 0) + packet.length - 6); // the route packet inside its channel frame
    }
    await accounting.poll();
    for (const r of rules) {
      const soft = twin.mesh.status().rules.find((x) => x.routeId === r.id)!;
      expect(credited.get(r.id)).toEqual({ bytes: soft.bytes, packets: soft.packets });
      expect(soft.bytes).toBe(carried.get(r.id));
    }

    // Removed through the driver: the plane no longer forwards that route.
    twin.mesh.rules.remove(rules[0]!.id, 'teardown');
    table.remove(rules[0]!.id);
    await seq.idle();
    twin.peerSends(0, TwinRelay.routePacket(rules[0]!.id, 99, 100));
    expect(twin.pump()).toEqual([{ device: 'host', hostKind: 'opened', hostReason: 'routeMiss' }]);
    expect(errors).toEqual([]);
  });
});
