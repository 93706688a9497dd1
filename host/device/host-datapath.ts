// The datapath of links a forwarding plane carries (host/link/datapath.ts's Datapath, for the
// Link sessions of the device's peers). The device holds their keys, transmit counters and
// replay windows; the host keeps the session logic (handshakes, rotations, what a frame means).
//
// - seal: the host does not seal. It hands the device a seal job (the inner message, which the
//   device pads, seals under the peer's current transmit key and next counter and sends in the
//   peer's header template), so each key has one counter space shared by the frames the device
//   forwards and the ones the host sends. The job is what the Link transmits; the link's
//   transport recognises it (`isJob`) and sends it down the host port as is.
// - open: a frame the device opened comes up without ciphertext (`opened`: the link header and
//   the inner message, its counter already in the device's replay window). It is handed to
//   `handUp` and the Link then receives a stand-in frame of that header; opening the stand-in
//   returns what the device opened. A transport frame the device hands up unopened (forwarding
//   switched off after a restart, a peer not described yet) is refused, not opened here: the
//   replay windows are the device's, and a second window here would let a frame through twice
//   (once here, once there).
// - txCounter: frames the device sealed under the peer's current key, as last read from it.
import { FRAME_HEADER_BYTES, INNER_HEADER_BYTES, MIN_FRAME_BYTES, type FrameReject, type InnerType, type PadBytes } from '../../spec/link-wire.ts';
import type { Datapath, Opened } from '../link/datapath.ts';
import { readFrameHeader, type FrameHeader } from '../link/frame.ts';
import type { KeyRef, KeySlot } from '../link/key-sink.ts';
import { sealJob } from './host-port.ts';

/** What an `opened` host frame carries once split. */
export interface HandedUp {
  /** A stand-in transport frame of the opened frame's header (for Link.receive). */
  standIn: Uint8Array;
  header: FrameHeader;
  innerType: number;
  payload: Uint8Array;
}

/** Splits an `opened` host frame's body (link header, then type u8 | length u16 | payload); a string names what is wrong. */
export function splitOpened(body: Uint8Array): HandedUp | string {
  if (body.length < FRAME_HEADER_BYTES + INNER_HEADER_BYTES) return `an opened frame of ${body.length} bytes is shorter than a link header and an inner header`;
  const standIn = new Uint8Array(MIN_FRAME_BYTES);
  standIn.set(body.subarray(0, FRAME_HEADER_BYTES));
  const header = readFrameHeader(standIn);
  if (typeof header === 'string') return `an opened frame's link header is bad (${header})`;
  const at = FRAME_HEADER_BYTES;
  const length = (body[at + 1]! << 8) | body[at + 2]!;
  if (at + INNER_HEADER_BYTES + length !== body.length) return `an opened frame says ${length} payload bytes; ${body.length - at - INNER_HEADER_BYTES} follow`;
  return { standIn, header, innerType: body[at]!, payload: body.slice(at + INNER_HEADER_BYTES) };
}

export class HostPortDatapath implements Datapath {
  /** Per peer: the generation of the current transmit key, if any. */
  private readonly txCurrent = new Map<number, number>();
  /** Per peer: what the device opened, waiting for the Link to open its stand-in. */
  private readonly handed = new Map<number, HandedUp>();
  private readonly jobs = new WeakSet<Uint8Array>();
  readonly stats = { sealJobs: 0, handedUp: 0, refusedUnopened: 0 };

  constructor(
    /** The device port a peer is reached on. */
    private readonly portOf: (peer: number) => number,
    /** Frames sealed under a peer's current transmit key, as last read from the device. */
    private readonly deviceTxCounter: (peer: number) => number = () => 0,
  ) {}

  /** Keys go to the device (the Link's observer); here only whether a transmit key is current. */
  publish(slot: KeySlot): void {
    if (slot.direction === 'tx' && slot.role === 'current') this.txCurrent.set(slot.peer, slot.generation);
  }

  retire(ref: KeyRef): void {
    if (ref.direction === 'tx' && this.txCurrent.get(ref.peer) === ref.generation) this.txCurrent.delete(ref.peer);
  }

  seal(peer: number, _receiver: number, innerType: InnerType, payload: Uint8Array, _pad: PadBytes): Uint8Array | 'noKey' | 'exhausted' {
    // The receiver ID and the padding are the peer's registers in the device (written from the same session).
    if (!this.txCurrent.has(peer)) return 'noKey';
    const job = sealJob(peer, this.portOf(peer), innerType, payload);
    this.jobs.add(job);
    this.stats.sealJobs++;
    return job;
  }

  /** True for what `seal` returned: a job for the host port, not a frame for the wire. */
  isJob(b: Uint8Array): boolean {
    return this.jobs.has(b);
  }

  /** A frame the device opened for `peer`; the Link's next open of its stand-in returns it. */
  handUp(peer: number, h: HandedUp): void {
    this.handed.set(peer, h);
    this.stats.handedUp++;
  }

  open(peer: number, frame: Uint8Array, header: FrameHeader): Opened | FrameReject {
    const h = this.handed.get(peer);
    if (h && h.standIn === frame) {
      this.handed.delete(peer);
      return { innerType: h.innerType, payload: h.payload, generation: header.generation };
    }
    this.stats.refusedUnopened++;
    return 'wrongGeneration';
  }

  txCounter(peer: number): number {
    return this.deviceTxCounter(peer);
  }
}
