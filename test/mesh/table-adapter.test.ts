// The route control plane driving the FPGA route table's manager: every rule a relay
// installs reaches a model of the CAM as commands, and the CAM answers each route ID with
// the action the software forwarder would have taken.
import { describe, expect, it } from 'vitest';
import { AssociativeGeometry, HashGeometry, type TableGeometry } from '../../spec/route-table/geometry.ts';
import { decodeAction, valueLayout } from '../../spec/route-table/layout.ts';
import { TableManager } from '../../host/table/manager.ts';
import { SlotModel } from '../../host/table/model.ts';
import { CamForwardingTable } from '../../host/mesh/table-adapter.ts';
import { tableAction } from '../../host/mesh/forwarding.ts';
import { SimMesh } from '../../testbed/sim-mesh.ts';
import { sendOver, sha256Hex, testData } from './support/fixtures.ts';

describe.each<[string, () => TableGeometry]>([
  ['hashed (cuckoo) CAM', () => new HashGeometry(64, 4, 4, 32, 64)],
  ['register CAM', () => new AssociativeGeometry('register', 8, 32, 64)],
])('relays on a %s', (_name, geometry) => {
  it('install rules the hardware model agrees with, carry a stream, and remove them on teardown', async () => {
    const sim = new SimMesh('cam');
    const cams = new Map<string, SlotModel>();
    for (const n of ['a', 'b', 'c', 'd']) {
      const g = geometry();
      const model = new SlotModel(g);
      cams.set(n, model);
      sim.addNode(n, { table: new CamForwardingTable(new TableManager(g), (cmds) => cmds.forEach((c) => model.apply(c))) });
    }
    sim.link('a', 'b');
    sim.link('b', 'c');
    sim.link('c', 'd');
    await sim.run(50);
    const a = sim.node('a');
    const hops = ['b', 'c', 'd'].map((n) => ({ publicKey: sim.node(n).publicKey, address: sim.node(n).address }));
    const route = await sim.settle(a.addRoute({ firstNeighbour: sim.neighbourId('a', 'b'), hops }));
    await sim.run(20);
    const layout = valueLayout(64);
    for (const n of ['a', 'b', 'c', 'd']) {
      const rules = sim.node(n).status().rules;
      expect(rules.length).toBeGreaterThan(0);
      for (const r of rules) {
        const hit = cams.get(n)!.lookup(BigInt(r.routeId));
        expect(hit.hit).toBe(true);
        const hw = decodeAction(layout, hit.value)!;
        expect(hw.kind === 'forward' ? { kind: 'forward', port: hw.port, nextRoute: Number(hw.nextRoute), qos: hw.qos } : { kind: 'local', channel: Number(hw.channel), qos: hw.qos }).toEqual(tableAction(r.action));
      }
    }
    const data = testData(50_000, 5);
    const rx = await sendOver(sim, 'a', 'd', [route.id], 3, data);
    expect(sha256Hex(rx.received)).toBe(sha256Hex(data));
    const ids = sim.node('b').status().rules.map((r) => r.routeId);
    a.deleteRoute(route.id);
    await sim.run(50);
    for (const id of ids) expect(cams.get('b')!.lookup(BigInt(id)).hit).toBe(false);
  });
});
