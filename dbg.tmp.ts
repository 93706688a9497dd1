import { FpDevice } from './testbed/forwarding/device.ts';
import { TwinRelay } from './testbed/forwarding/twin.ts';
import { Rng } from './sim/random.ts';
const AEAD = { width: 64, units: 2, stages: 1, lanes: 1, multiplier: 'fabric', mulStages: 2, reduceStages: 4, queueWords: 32, queueRam: 'block', fifoRam: 'block', outDepth: 64, seqBits: 4 };
const GEOMETRY = { entries: 256, ways: 4, stash: 2 };
const ROUTES = [[0x1000_0001, 0, 1], [0x1000_0002, 1, 2], [0x1000_0003, 2, 3], [0x1000_0004, 3, 0], [0x1000_0005, 0, 2], [0x1000_0006, 1, 3]] as const;
const dev = await FpDevice.create({ ports: 2, peers: 4, routeEntries: 256, routeWays: 4, routeStash: 2, ruleCounters: 256, aead: AEAD, ram: 'inferred' });
const rng = new Rng(77);
const twin = new TwinRelay(dev, { peers: 4, rng, geometry: GEOMETRY });
twin.configure(); twin.establish();
console.log('established');
for (const [route, from, to] of ROUTES) twin.addRule(route, from, to, route + 0x1000_0000);
for (let i = 0; i < 30; i++) { const [route, from] = ROUTES[rng.int(0, ROUTES.length - 1)]!; twin.peerSends(from, TwinRelay.routePacket(route, i, rng.int(17, 1300))); twin.pump(); }
console.log('traffic ok', twin.peers.map((p) => p.relay.generation));
dev.txStall = 0.5;
twin.advance(1000); twin.pump();
console.log('rot ok', twin.peers.map((p) => p.relay.generation));
