// The software datapath: holds the published keys (a KeySink), the per-key transmit
// counters and receive replay windows, and seals/opens transport frames with them. It is
// what the FPGA will take over; the session logic only talks to it through KeySink plus
// seal/open.
import type { Aead } from '../crypto/aead.ts';
import { COUNTER_LIMIT, type InnerType, type PadBytes } from '../../spec/link-wire.ts';
import { openFrame, sealFrame, type FrameHeader, type FrameReject, type Inner } from './frame.ts';
import type { KeyRef, KeySink, KeySlot } from './key-sink.ts';
import { ReplayWindow } from './replay-window.ts';
import { equalBytes } from '../../spec/bytes.ts';

interface TxKey {
  generation: number;
  key: Uint8Array;
  /** Next counter to use; never reset while the key lives. */
  counter: number;
}

interface RxKey {
  generation: number;
  key: Uint8Array;
  window: ReplayWindow;
}

interface PeerKeys {
  txCurrent?: TxKey;
  txNext?: TxKey;
  rx: Map<number, RxKey>;
  /** Frames that authenticated, and the counter span they cover (what the peer sent meanwhile). */
  rxFrames: number;
  rxSpan: number;
}

export interface Opened extends Inner {
  generation: number;
}

/**
 * What a Link needs of its datapath: the keys it publishes, frames sealed and opened, and how
 * many frames its current transmit key has sealed. SoftwareDatapath is the node's own; a
 * forwarding plane's host port is another (host/device/host-datapath.ts).
 */
export interface Datapath extends KeySink {
  /** Seals under the current transmit key what the link transmits, or says why it cannot. */
  seal(peer: number, receiver: number, innerType: InnerType, payload: Uint8Array, pad: PadBytes): Uint8Array | 'noKey' | 'exhausted';
  /** Opens a frame whose header is already parsed; commits the counter only if it authenticates. */
  open(peer: number, frame: Uint8Array, header: FrameHeader): Opened | FrameReject;
  /** Frames sealed under the current transmit key. */
  txCounter(peer: number): number;
}

export class SoftwareDatapath implements Datapath {
  private readonly peers = new Map<number, PeerKeys>();
  /** Hard stop: no key ever sends a counter at or beyond this (tests lower it). */
  readonly counterLimit: number;

  constructor(
    readonly aead: Aead,
    opts: { counterLimit?: number } = {},
  ) {
    this.counterLimit = opts.counterLimit ?? COUNTER_LIMIT;
    if (!(this.counterLimit >= 1 && this.counterLimit <= COUNTER_LIMIT)) {
      throw new RangeError(`counterLimit must be in [1, ${COUNTER_LIMIT}], got ${opts.counterLimit}`);
    }
  }

  private keys(peer: number): PeerKeys {
    let p = this.peers.get(peer);
    if (!p) this.peers.set(peer, (p = { rx: new Map(), rxFrames: 0, rxSpan: 0 }));
    return p;
  }

  publish(slot: KeySlot): void {
    const p = this.keys(slot.peer);
    if (slot.direction === 'rx') {
      const have = p.rx.get(slot.generation);
      // Re-publishing the same key (e.g. promotion next -> current) keeps its replay window.
      if (!have || !equalBytes(have.key, slot.key)) {
        p.rx.set(slot.generation, { generation: slot.generation, key: Uint8Array.from(slot.key), window: new ReplayWindow() });
      }
      return;
    }
    const fresh = (): TxKey => ({ generation: slot.generation, key: Uint8Array.from(slot.key), counter: 0 });
    if (slot.role === 'next') {
      p.txNext = fresh();
      return;
    }
    // Becoming current: keep the counter if this very key is already current (never reuse a nonce).
    if (p.txCurrent && p.txCurrent.generation === slot.generation && equalBytes(p.txCurrent.key, slot.key)) return;
    if (p.txNext && p.txNext.generation === slot.generation && equalBytes(p.txNext.key, slot.key)) {
      p.txCurrent = p.txNext;
      p.txNext = undefined;
    } else {
      p.txCurrent = fresh();
    }
  }

  retire(ref: KeyRef): void {
    const p = this.peers.get(ref.peer);
    if (!p) return;
    if (ref.direction === 'rx') {
      p.rx.delete(ref.generation);
      return;
    }
    if (p.txCurrent?.generation === ref.generation) p.txCurrent = undefined;
    if (p.txNext?.generation === ref.generation) p.txNext = undefined;
  }

  /** Forgets every key of a peer (session torn down). */
  forget(peer: number): void {
    this.peers.delete(peer);
  }

  txGeneration(peer: number): number | undefined {
    return this.peers.get(peer)?.txCurrent?.generation;
  }

  /** Frames already sent under the current transmit key. */
  txCounter(peer: number): number {
    return this.peers.get(peer)?.txCurrent?.counter ?? 0;
  }

  hasRx(peer: number, generation: number): boolean {
    return this.peers.get(peer)?.rx.has(generation) ?? false;
  }

  rxGenerations(peer: number): number[] {
    return [...(this.peers.get(peer)?.rx.keys() ?? [])];
  }

  /** Seals under the current transmit key, or says why it cannot. */
  seal(peer: number, receiver: number, innerType: InnerType, payload: Uint8Array, pad: PadBytes): Uint8Array | 'noKey' | 'exhausted' {
    const tx = this.peers.get(peer)?.txCurrent;
    if (!tx) return 'noKey';
    if (tx.counter >= this.counterLimit) return 'exhausted';
    const counter = tx.counter++;
    return sealFrame(this.aead, tx.key, { receiver, generation: tx.generation, counter }, innerType, payload, pad);
  }

  /**
   * Frames received from a peer and the span of counters they cover, summed over its keys:
   * span − frames is what the peer sent and we never got (the link's loss toward us).
   */
  rxCounts(peer: number): { frames: number; span: number } {
    const p = this.peers.get(peer);
    return { frames: p?.rxFrames ?? 0, span: p?.rxSpan ?? 0 };
  }

  /** Opens a frame whose header is already parsed; commits the counter only if it authenticates. */
  open(peer: number, frame: Uint8Array, header: FrameHeader): Opened | FrameReject {
    const p = this.peers.get(peer);
    const rx = p?.rx.get(header.generation);
    if (!p || !rx) return 'wrongGeneration';
    const verdict = rx.window.check(header.counter);
    if (verdict !== 'fresh') return verdict;
    const inner = openFrame(this.aead, rx.key, frame, header);
    if (typeof inner === 'string') return inner;
    if (header.counter > rx.window.highest) p.rxSpan += header.counter - rx.window.highest;
    p.rxFrames++;
    rx.window.commit(header.counter);
    return { ...inner, generation: header.generation };
  }
}
