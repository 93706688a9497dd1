// Hello is reliable: repeated until the neighbour acknowledges it, so a Hello lost on the
// wire, or dropped by a neighbour whose transport had not registered the link yet, still
// tells the neighbour our key and services.
import { describe, expect, it } from 'vitest';
import { HELLO_MAX_RETRY_MS } from '../../host/mesh/constants.ts';
import { CONTROL_CHANNEL, ControlMsg } from '../../spec/route-wire.ts';
import { decodeDatagramFrames } from '../../host/mesh/framing.ts';
import { deterministicRandom } from '../../host/crypto/random.ts';
import { generateIdentity } from '../../host/identity/identity.ts';
import { MeshNode } from '../../host/mesh/node.ts';
import { SimMesh, type WireEvent } from '../../testbed/sim-mesh.ts';
import { VirtualClock } from '../../testbed/virtual-clock.ts';

const isControl = (e: WireEvent, type: number) => decodeDatagramFrames(e.bytes).frames.some((f) => f.channel === CONTROL_CHANNEL && f.payload[0] === type);

describe('Hello', () => {
  it('is repeated until acknowledged when the first ones are lost, then stops', async () => {
    const sim = new SimMesh('hello-lost');
    sim.addNode('a', { services: ['gateway'] });
    sim.addNode('b');
    // Every Hello from a is lost for the first 700 ms, and b's first two acknowledgements too.
    let acksDropped = 0;
    sim.dropRules.push((e) => e.from === 'a' && e.at < 700 && isControl(e, ControlMsg.Hello));
    sim.dropRules.push((e) => e.from === 'b' && isControl(e, ControlMsg.HelloAck) && acksDropped++ < 2);
    let hellosFromA = 0;
    sim.observers.push((e) => {
      if (e.from === 'a' && isControl(e, ControlMsg.Hello)) hellosFromA++;
    });
    sim.link('a', 'b');
    const b = sim.node('b');
    const servicesOfA = () => b.status().links.find((l) => l.neighbour === sim.neighbourId('b', 'a'))?.services ?? [];
    await sim.run(600);
    expect(servicesOfA()).toEqual([]);
    expect(await sim.runUntil(() => servicesOfA().includes('gateway'), 10_000)).toBe(true);
    // Once acknowledged, a stops repeating.
    await sim.run(2 * HELLO_MAX_RETRY_MS);
    const settled = hellosFromA;
    await sim.run(4 * HELLO_MAX_RETRY_MS);
    expect(hellosFromA).toBe(settled);
    sim.close();
  });

  it('reaches a neighbour that registered the link only after our first Hello arrived', async () => {
    // Two nodes on a transport by hand: b's side registers the link (linkUp) 300 ms after a's;
    // what arrives before is dropped by b as from an unknown neighbour.
    const clock = new VirtualClock();
    const nodes: MeshNode[] = [];
    const make = (name: string, services: string[], to: () => MeshNode) =>
      new MeshNode({
        secretKey: generateIdentity(deterministicRandom(`hello-late/${name}`)).secretKey,
        random: deterministicRandom(`hello-late/random/${name}`),
        timers: clock,
        services,
        transport: {
          send: (_n, bytes) => {
            const copy = bytes.slice();
            clock.setTimeout(() => to().receive(0, copy), 5);
            return true;
          },
        },
      });
    const a = make('a', ['gateway'], () => nodes[1]);
    const b = make('b', [], () => nodes[0]);
    nodes.push(a, b);
    a.linkUp(0, { kind: 'datagram', publicKey: b.publicKey });
    clock.runUntil(300);
    expect(b.status().counters.unknownNeighbour).toBeGreaterThan(0); // the first Hello was dropped
    b.linkUp(0, { kind: 'datagram', publicKey: a.publicKey });
    clock.runUntil(10_000);
    expect(b.status().links[0].services).toEqual(['gateway']);
    a.close();
    b.close();
  });
});
