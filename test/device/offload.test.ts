// host/mesh's rules and host/link's rotations reaching the forwarding plane through the
// Device, against the Verilated CSR block with the behavioural plane behind it:
// - a relay's rules land in the device's route table keyed by (ingress peer, route ID), and
//   the device answers every route ID as the software forwarder decides; teardown empties it;
// - the device's per-rule counters come back to the rule book (and to the settled record of a
//   removed rule), counted once;
// - a link session rotating its keys many times leaves the device's key slots exactly as the
//   key-RAM model of the same events, never installing one key twice.
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalBus } from '../../host/device/bus.ts';
import { DeviceAccounting } from '../../host/device/accounting.ts';
import { Device } from '../../host/device/device.ts';
import { DeviceKeySink } from '../../host/device/key-sink.ts';
import { OffloadTable } from '../../host/device/offload-table.ts';
import { DeviceSequencer } from '../../host/device/sequencer.ts';
import { KeyRamModel } from '../../host/link/key-ram.ts';
import { TeeKeySink } from '../../host/link/key-sink.ts';
import { routeKey, routeValueLayout } from '../../spec/forwarding/route-key.ts';
import { decodeAction } from '../../spec/route-table/layout.ts';
import { CsrDevice } from '../../testbed/csr-device.ts';
import { SimMesh } from '../../testbed/sim-mesh.ts';
import { sendOver, sha256Hex, testData } from '../mesh/support/fixtures.ts';
import { numberedPayload, SimNet } from '../../testbed/sim-link.ts';

let dev: CsrDevice;
let device: Device;
beforeAll(async () => {
  dev = await CsrDevice.create();
  device = await Device.open(new LocalBus(dev, 'verilated CSR block'));
});

describe('rules of a relay on the device', () => {
  it('reach the route table keyed by ingress peer, carry counters back, and leave on teardown', async () => {
    const sim = new SimMesh('offload');
    const errors: string[] = [];
    const seq = new DeviceSequencer((what, e) => errors.push(`${what}: ${e.message}`));
    let table!: OffloadTable;
    const accounting = new DeviceAccounting(device, seq, { credit: (id, bytes, packets) => sim.node('r').creditRule(id, bytes, packets) });
    // Every neighbour of r is on the device, at the peer index of its neighbour id.
    table = new OffloadTable(device, seq, { peerOf: (n) => (n < device.params.peers ? n : undefined), counters: accounting });
    accounting.release = (c) => table.cam.releaseCounter(c);
    sim.addNode('a');
    sim.addNode('r', { table });
    sim.addNode('b');
    sim.link('a', 'r');
    sim.link('r', 'b');
    await sim.run(50);
    const a = sim.node('a');
    const hops = ['r', 'b'].map((n) => ({ publicKey: sim.node(n).publicKey, address: sim.node(n).address }));
    const route = await sim.settle(a.addRoute({ firstNeighbour: sim.neighbourId('a', 'r'), hops }));
    const data = testData(40_000, 3);
    const rx = await sendOver(sim, 'a', 'b', [route.id], 3, data);
    expect(sha256Hex(rx.received)).toBe(sha256Hex(data));
    await seq.idle();
    expect(errors).toEqual([]);

    const rules = sim.node('r').status().rules;
    const forward = rules.filter((r) => r.action.kind === 'forward');
    expect(forward).toHaveLength(2); // forward and back
    const layout = routeValueLayout(device.params);
    for (const r of forward) {
      expect(table.onDevice(r.routeId)).toBe(true);
      const v = dev.lookup(routeKey(r.from!, r.routeId));
      const hw = decodeAction(layout, v!)!;
      expect(hw).toMatchObject({ kind: 'forward', port: r.action.kind === 'forward' ? r.action.port : -1, nextRoute: BigInt(r.action.kind === 'forward' ? r.action.nextRoute : 0) });
      expect(hw.counter).toBe(accounting.counterOf(r.routeId));
      // From any other neighbour the same route ID misses, as in software.
      expect(dev.lookup(routeKey(r.from! + 1, r.routeId))).toBeUndefined();
    }

    // The device forwards 10 packets of 1,300 bytes under the first rule: the rule book hears of them once.
    const f = forward[0]!;
    const before = sim.node('r').status().rules.find((r) => r.routeId === f.routeId)!;
    dev.count('rule', accounting.counterOf(f.routeId)!, 13_000, 10);
    await accounting.poll();
    await accounting.poll();
    const after = sim.node('r').status().rules.find((r) => r.routeId === f.routeId)!;
    expect(after.bytes - before.bytes).toBe(13_000);
    expect(after.packets - before.packets).toBe(10);

    // Teardown: the rules leave the device, and counts the device made before the delete land in the settled record.
    dev.count('rule', accounting.counterOf(f.routeId)!, 700, 1);
    a.deleteRoute(route.id);
    await sim.run(200);
    await seq.idle();
    for (const r of forward) expect(dev.lookup(routeKey(r.from!, r.routeId))).toBeUndefined();
    const settled = sim.node('r').status().settled.find((s) => s.routeId === f.routeId)!;
    expect(settled.bytes).toBe(after.bytes + 700);
    expect(accounting.rules).toBe(0);
    expect(accounting.stats.late).toBe(0);
    expect(errors).toEqual([]);
  });
});

describe('key rotations on the device', () => {
  it('leave the key slots as the key-RAM model of the same events, installing each key once', async () => {
    const errors: string[] = [];
    const seq = new DeviceSequencer((what, e) => errors.push(`${what}: ${e.message}`));
    const sink = new DeviceKeySink(device, seq);
    const model = new KeyRamModel(device.params.peers);
    const logStart = dev.keyLog.length;
    // Side a is link 3 (the device's peer 3), rotating every 100 ms of virtual time under traffic.
    const net = new SimNet({ latencyMs: 3, link: { rotationIntervalMs: 100 }, sinks: [new TeeKeySink([sink, model]), new KeyRamModel(8)] });
    net.a.start(0);
    let sent = 0;
    for (let t = 50; t <= 4000; t += 50) {
      net.run(t, (now) => {
        if (now % 5 === 0 && net.a.send(numberedPayload(sent, 60), now)) sent++;
      });
      await seq.idle();
      for (let s = 12; s < 16; s++) {
        const slot = dev.keySlots[s]!;
        const dir = s & 2 ? 'rx' : 'tx';
        if (slot.valid) expect(model.lookup(3, dir, slot.generation), `slot ${s} generation ${slot.generation}`).toEqual(slot.key);
      }
      expect(dev.keySlots.slice(12, 16).filter((x) => x.valid).length).toBe(model.liveSlots());
      // The slots the device forwards with are the session's current keys.
      const current = { tx: -1, rx: -1 };
      for (const e of net.sinkA.events) {
        if (e.op === 'publish' && e.role === 'current') current[e.direction] = e.generation;
        if (e.op === 'retire' && current[e.direction] === e.generation) current[e.direction] = -1;
      }
      const ctrl = device.peerCtrlFields(3);
      expect(ctrl.tx_valid).toBe(current.tx >= 0 ? 1 : 0);
      if (current.tx >= 0) expect(Number(dev.dut.signal('cfg_peer3_ctrl_tx_slot').value)).toBe(current.tx & 1);
      if (current.rx >= 0) expect(ctrl.rx_slot).toBe(current.rx & 1);
    }
    expect(errors).toEqual([]);
    expect(net.a.stats.rotations).toBeGreaterThan(30);
    expect(net.delivered.b.length).toBeGreaterThan(700);
    const installs = dev.keyLog.slice(logStart).filter((e) => e.op === 'install');
    const seen = new Set(installs.map((e) => `${e.slot}:${e.generation}`));
    expect(seen.size).toBe(installs.length); // never the same key into its slot twice
    expect(installs.length).toBeGreaterThanOrEqual(2 * net.a.stats.rotations);
    expect(model.conflicts).toBe(0);
  });
});
