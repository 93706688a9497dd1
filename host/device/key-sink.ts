// host/link's KeySink on the forwarding plane: every key a link session publishes goes into
// the device's key slot (spec/key-slots.ts), and the peer's ctrl word says which slot is
// current in each direction, so the session's rotations reach the hardware unchanged.
//
// A key is installed once per (slot, generation): the session publishes a key as `next` and
// later promotes the same key to `current`, and installing it again would restart the
// device's transmit counter under a key already in use (a nonce reused). A promotion only
// flips the peer's current-slot bit. The session's `peer` is the device's peer index.
import type { KeyRef, KeySink, KeySlot } from '../link/key-sink.ts';
import { keySlotIndex } from '../../spec/key-slots.ts';
import type { Device } from './device.ts';
import type { DeviceSequencer } from './sequencer.ts';

export class DeviceKeySink implements KeySink {
  /** What each slot holds, as far as this sink knows (kept to program a device that restarted). */
  private readonly installed = new Map<number, { peer: number; direction: KeySlot['direction']; generation: number; key: Uint8Array }>();
  /** Per peer: the current generation of each direction, or undefined. */
  private readonly current = new Map<number, { tx?: number; rx?: number }>();
  readonly stats = { installs: 0, promotions: 0, retires: 0, ignored: 0 };

  constructor(
    private readonly device: Device,
    private readonly seq: DeviceSequencer,
  ) {}

  publish(s: KeySlot): void {
    if (s.peer < 0 || s.peer >= this.device.params.peers) {
      this.stats.ignored++;
      return;
    }
    const slot = keySlotIndex(s);
    if (this.installed.get(slot)?.generation !== s.generation) {
      const key = Uint8Array.from(s.key); // the session wipes its copy on retire
      this.installed.get(slot)?.key.fill(0);
      this.installed.set(slot, { peer: s.peer, direction: s.direction, generation: s.generation, key });
      this.stats.installs++;
      this.seq.run(`install ${s.direction} key generation ${s.generation} of peer ${s.peer}`, () => this.device.installKey({ peer: s.peer, direction: s.direction, generation: s.generation, key }));
    }
    if (s.role === 'current') {
      const cur = this.current.get(s.peer) ?? {};
      if (cur[s.direction] === s.generation) return;
      cur[s.direction] = s.generation;
      this.current.set(s.peer, cur);
      this.stats.promotions++;
      this.pushKeysInUse(s.peer);
    }
  }

  retire(r: KeyRef): void {
    if (r.peer < 0 || r.peer >= this.device.params.peers) return;
    const slot = keySlotIndex(r);
    const had = this.installed.get(slot);
    if (had?.generation !== r.generation) return;
    had.key.fill(0);
    this.installed.delete(slot);
    const cur = this.current.get(r.peer);
    if (cur && cur[r.direction] === r.generation) {
      delete cur[r.direction];
      this.pushKeysInUse(r.peer);
    }
    this.stats.retires++;
    this.seq.run(`retire ${r.direction} key generation ${r.generation} of peer ${r.peer}`, () => this.device.retireKey(r));
  }

  /**
   * The device restarted empty. By default every live key is installed again and the current
   * ones marked. With `reinstall: false` the keys are forgotten instead, for a device that
   * sealed and opened the links' frames itself: it restarts a transmit key's counter at 0 with
   * an install (its nonces would repeat) and a receive key's replay window empty (frames sent
   * before the restart could be replayed into it), so its sessions must agree new keys.
   */
  resync(opts: { reinstall: boolean } = { reinstall: true }): void {
    if (!opts.reinstall) {
      for (const k of this.installed.values()) k.key.fill(0);
      this.installed.clear();
      for (const peer of this.current.keys()) {
        this.current.set(peer, {});
        this.pushKeysInUse(peer);
      }
      return;
    }
    for (const k of this.installed.values()) {
      this.stats.installs++;
      this.seq.run(`reinstall ${k.direction} key generation ${k.generation} of peer ${k.peer}`, () => this.device.installKey(k));
    }
    for (const peer of this.current.keys()) this.pushKeysInUse(peer);
  }

  /** Slots this sink has installed and not retired. */
  get liveSlots(): number {
    return this.installed.size;
  }

  private pushKeysInUse(peer: number): void {
    const c = { ...(this.current.get(peer) ?? {}) };
    this.seq.run(`keys in use of peer ${peer}`, () =>
      this.device.setKeysInUse(peer, { txValid: c.tx !== undefined, txSlot: (c.tx ?? 0) & 1, rxValid: c.rx !== undefined, rxSlot: (c.rx ?? 0) & 1 }),
    );
  }
}
