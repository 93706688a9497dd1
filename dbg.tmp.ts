import { FpDevice } from './testbed/forwarding/device.ts';
import { encodeHostHeader } from './spec/forwarding/host-port.ts';
const AEAD = { width: 64, units: 2, stages: 1, lanes: 1, multiplier: 'fabric', mulStages: 2, reduceStages: 4, queueWords: 32, queueRam: 'block', fifoRam: 'block', outDepth: 64, seqBits: 4 };
const dev = await FpDevice.create({ ports: 2, peers: 4, routeEntries: 256, routeWays: 4, routeStash: 2, ruleCounters: 256, aead: AEAD, ram: 'inferred' });
for (const [port, len] of [[0, 174], [1, 174], [0, 174], [0, 61], [1, 100]]) {
  const f = new Uint8Array(len).map((_, i) => i);
  dev.hostSend(new Uint8Array([...encodeHostHeader({ kind: 'raw', port, peer: 0, length: f.length }), ...f]));
  dev.settle();
  console.log('sent', port, len, 'errors', dev.read('ctrl', 'errors'), 'tx', dev.tx[0].map((x) => x.length), dev.tx[1].map((x) => x.length));
}
