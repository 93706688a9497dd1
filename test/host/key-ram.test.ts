// The key-slot interface against a model of the FPGA key RAM: four slots per peer are
// enough, the live key for every frame is found by (peer, direction, generation & 1), and
// the RAM holds exactly what the session published.
import { describe, expect, it } from 'vitest';
import { MessageType } from '../../spec/link-wire.ts';
import { openFrame, readFrameHeader } from '../../host/link/frame.ts';
import { KeyRamModel } from '../../host/link/key-ram.ts';
import { SLOTS_PER_PEER } from '../../spec/key-slots.ts';
import { nodeBackend } from '../../host/crypto/backend.ts';
import { numberedPayload, SimNet } from '../../testbed/sim-link.ts';

describe('key RAM model as the key sink', () => {
  it('never needs more than 4 slots per peer and always holds the key each frame needs', () => {
    const ramA = new KeyRamModel(8);
    const ramB = new KeyRamModel(8);
    const net = new SimNet({ latencyMs: 3, link: { rotationIntervalMs: 100 }, sinks: [ramA, ramB] });
    let x = 7;
    const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
    net.hook = (w) => (rnd() < 0.05 ? [] : [{ bytes: w.bytes, extraDelay: Math.floor(rnd() * 4) }]);
    net.a.start(0);
    let checked = 0;
    let seq = 0;
    net.run(5000, (t) => {
      if (t % 2 === 0 && net.a.send(numberedPayload(seq, 50), t)) seq++;
      // Every frame B accepts must be openable with the key B's RAM holds for it right now.
      const w = net.wireLog.at(-1);
      if (w && w.at === t && w.from === 'a' && w.bytes[1] === MessageType.Transport) {
        const h = readFrameHeader(w.bytes);
        if (typeof h === 'string') throw new Error(h);
        const txKey = ramA.lookup(3, 'tx', h.generation);
        expect(txKey).toBeDefined();
        const inner = openFrame(nodeBackend.aead, txKey!, w.bytes, h);
        expect(typeof inner).not.toBe('string');
        checked++;
      }
      expect(ramA.liveSlots()).toBeLessThanOrEqual(SLOTS_PER_PEER);
      expect(ramB.liveSlots()).toBeLessThanOrEqual(SLOTS_PER_PEER);
    });
    expect(net.a.stats.rotations).toBeGreaterThan(30);
    expect(checked).toBeGreaterThan(1000);
    expect(ramA.conflicts + ramB.conflicts).toBe(0);
    expect(ramA.outOfRange + ramB.outOfRange).toBe(0);
    // What A transmits under is what B receives under, slot for slot.
    const g = net.a.generation;
    expect(ramB.lookup(5, 'rx', g)).toEqual(ramA.lookup(3, 'tx', g));
  });
});
