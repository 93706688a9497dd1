import { FpDevice } from './testbed/forwarding/device.ts';
import { TwinRelay } from './testbed/forwarding/twin.ts';
import { Rng } from './sim/random.ts';
import { PEER_COUNTERS, peerCounterIndex, PORT_COUNTERS, portCounterIndex } from './spec/forwarding/counters.ts';
const AEAD = { width: 64, units: 2, stages: 1, lanes: 1, multiplier: 'fabric', mulStages: 2, reduceStages: 4, queueWords: 32, queueRam: 'block', fifoRam: 'block', outDepth: 64, seqBits: 4 };
const GEOMETRY = { entries: 256, ways: 4, stash: 2 };
const dev = await FpDevice.create({ ports: 2, peers: 4, routeEntries: 256, routeWays: 4, routeStash: 2, ruleCounters: 256, aead: AEAD, ram: 'inferred' });
const rng = new Rng(99);
const twin = new TwinRelay(dev, { peers: 4, rng, geometry: GEOMETRY, rotationIntervalMs: 600_000 });
twin.configure(); twin.establish();
const flows = [[0, 1], [1, 0], [2, 3], [3, 2]] as const;
flows.forEach(([from, to], i) => twin.addRule(0x7000_0000 + i, from, to, 0x7100_0000 + i));
const items = [];
for (let n = 0; n < 40; n++) for (let f = 0; f < 4; f++) { twin.peerSends(flows[f]![0], TwinRelay.routePacket(0x7000_0000 + f, n, rng.int(17, 1300))); items.push(twin.toRelay.pop()!); }
dev.txStall = 0.3; dev.rxGap = 0.5;
try { twin.burst(items); } catch (e) { console.log(String(e).slice(0, 150)); }
for (let port = 0; port < 2; port++) for (const k of PORT_COUNTERS) { const c = dev.counter('port', portCounterIndex(port, k)); if (c.frames) console.log('port', port, k, c.frames); }
for (let p = 0; p < 4; p++) for (const k of PEER_COUNTERS) { const c = dev.counter('peer', peerCounterIndex(p, k)); if (c.frames) console.log('peer', p, k, c.frames); }
console.log('errors', dev.read('ctrl', 'errors'));
