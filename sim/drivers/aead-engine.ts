// Drives the generated ChaCha20-Poly1305 packet engine: key writes through the key port,
// packets cut into AXI-Stream beats with their context on the first beat, batched runs
// with gaps and stalls inside the model, and the output cut back into packets with the
// verdict of each last beat. Shared by the tests, the soak benchmark and the explorer; the
// golden model (host/crypto's AEAD) stays with them.

import { aeadEngine } from '../../rtl-gen/aead/engine.ts';
import { bigToBytes, bytesToBig } from '../../spec/bytes.ts';
import { type AeadFormat, type AeadOp, AEAD_TAG_BYTES, aeadFormat, decodeAeadVerdict, encodeAeadContext } from '../../spec/aead-stream.ts';
import { type SimDut, packBeats, runStreams, simulate, unpackBeats } from '../index.ts';
import { writeKeyWords } from './key-port.ts';

export interface AeadConfig {
  width: number;
  units: number;
  stages?: number;
  keySlots: number;
  lanes?: number;
  multiplier?: 'ecp5' | 'fabric';
  mulStages?: number;
  reduceStages?: number;
  queueWords?: number;
  queueRam?: 'lut' | 'block' | 'ecp5';
  fifoRam?: 'lut' | 'block' | 'ecp5';
  outDepth?: number;
  seqBits?: number;
  adders?: 'fabric' | 'ecp5';
}

export interface AeadPacket {
  slot: number;
  op: AeadOp;
  counter: bigint;
  aad: Uint8Array;
  /** Seal: the plaintext. Open: ciphertext ‖ tag. */
  body: Uint8Array;
  /** The AAD length put in the context, when it is not aad.length (a malformed packet). */
  aadBytes?: number;
  /** The nonce's fixed field (0 for link frames). */
  fixed?: number;
}

export interface AeadOut {
  data: Uint8Array;
  ok: boolean;
  malformed: boolean;
}

const IN_FIELDS = ['tdata', 'tkeep', 'tlast', 'tuser'];
const OUT_FIELDS = ['tdata', 'tkeep', 'tlast', 'tuser'];

/** Bytes the engine puts out for a packet (whatever its verdict). */
export function outputBytes(p: AeadPacket): number {
  const total = p.aad.length + p.body.length;
  const a = Math.min(p.aadBytes ?? p.aad.length, total);
  if (p.op === 'seal') return total + AEAD_TAG_BYTES;
  const u = total - a;
  return a + (u >= AEAD_TAG_BYTES ? u - AEAD_TAG_BYTES : 0);
}

export class AeadDriver {
  readonly fmt: AeadFormat;
  readonly beatBytes: number;
  readonly keys: Uint8Array[];

  private constructor(
    readonly dut: SimDut,
    readonly cfg: AeadConfig,
  ) {
    this.fmt = aeadFormat(cfg.keySlots);
    this.beatBytes = cfg.width / 8;
    this.keys = Array.from({ length: cfg.keySlots }, () => new Uint8Array(32));
  }

  static async create(cfg: AeadConfig): Promise<AeadDriver> {
    const d = new AeadDriver(await simulate(aeadEngine(cfg)), cfg);
    d.reset();
    return d;
  }

  get name(): string {
    return this.dut.module;
  }

  /** Reset: drops every packet in flight. The key RAM keeps its keys (the engine's key path has no reset). */
  reset(cycles = 2): void {
    const d = this.dut;
    d.s_axis_tvalid.value = 0;
    d.m_axis_tready.value = 0;
    d.key_wr_valid.value = 0;
    d.rst.value = 1;
    d.tick(cycles);
    d.rst.value = 0;
    d.tick(2);
  }

  /** Writes a 256-bit key into a slot, one 32-bit word per handshake. */
  writeKey(slot: number, key: Uint8Array, maxWait = 100_000): void {
    writeKeyWords(this.dut, slot, key, maxWait);
    this.keys[slot] = Uint8Array.from(key);
  }

  /**
   * Watches m_axis one cycle at a time (call sample() before each tick): the packets taken,
   * with the verdict of each last beat, and how many other beats carried a verdict bit.
   */
  watchOutput(): { sample(): void; out: AeadOut[]; marked: number } {
    const d = this.dut;
    const w = { out: [] as AeadOut[], marked: 0, sample: () => undefined as void };
    let bytes: number[] = [];
    w.sample = () => {
      if (d.m_axis_tvalid.value !== 1 || d.m_axis_tready.value !== 1) return;
      const keep = d.m_axis_tkeep.big;
      const data = bigToBytes(d.m_axis_tdata.big, this.beatBytes);
      for (let i = 0; i < this.beatBytes; i++) if ((keep >> BigInt(i)) & 1n) bytes.push(data[i]!);
      const verdict = decodeAeadVerdict(Number(d.m_axis_tuser.value));
      if (d.m_axis_tlast.value === 1) {
        w.out.push({ data: Uint8Array.from(bytes), ...verdict });
        bytes = [];
      } else if (verdict.ok || verdict.malformed) w.marked++;
    };
    return w;
  }

  beatsOf(p: AeadPacket): Array<Record<string, bigint | number>> {
    const n = this.beatBytes;
    const bytes = new Uint8Array(p.aad.length + p.body.length);
    bytes.set(p.aad, 0);
    bytes.set(p.body, p.aad.length);
    const tuser = encodeAeadContext(this.fmt, { slot: p.slot, op: p.op, aadBytes: p.aadBytes ?? p.aad.length, counter: p.counter, fixed: p.fixed });
    if (bytes.length === 0) return [{ tdata: 0n, tkeep: 0n, tlast: 1, tuser }];
    const beats: Array<Record<string, bigint | number>> = [];
    for (let off = 0; off < bytes.length; off += n) {
      const chunk = bytes.subarray(off, Math.min(off + n, bytes.length));
      beats.push({ tdata: bytesToBig(chunk), tkeep: (1n << BigInt(chunk.length)) - 1n, tlast: off + n >= bytes.length ? 1 : 0, tuser: off === 0 ? tuser : 0n });
    }
    return beats;
  }

  outBeatsOf(p: AeadPacket): number {
    return Math.max(1, Math.ceil(outputBytes(p) / this.beatBytes));
  }

  /**
   * Sends packets through the engine inside the model and returns what came out, cut into
   * packets at tlast. `gaps` and `stalls` are repeating 0/1 patterns (1 = idle / not ready).
   */
  run(packets: AeadPacket[], opts: { gaps?: Uint8Array; stalls?: Uint8Array; maxCycles?: number; expectBeats?: number } = {}): {
    out: AeadOut[]; cycles: number; beatsIn: number; beatsOut: number; sent: number;
  } {
    const beats = packets.flatMap((p) => this.beatsOf(p));
    const expectBeats = opts.expectBeats ?? packets.reduce((n, p) => n + this.outBeatsOf(p), 0);
    const r = runStreams(this.dut, {
      sources: [{ prefix: 's_axis', fields: IN_FIELDS, beats: packBeats(this.dut, 's_axis', IN_FIELDS, beats), count: beats.length, gaps: opts.gaps }],
      sinks: [{ prefix: 'm_axis', fields: OUT_FIELDS, expect: expectBeats, stalls: opts.stalls }],
      maxCycles: opts.maxCycles ?? beats.length * 64 + 20_000,
    });
    const got = unpackBeats(this.dut, 'm_axis', OUT_FIELDS, r.out[0]!, Math.min(r.received[0]!, expectBeats));
    const out: AeadOut[] = [];
    let bytes: number[] = [];
    for (const b of got) {
      const keep = BigInt(b.tkeep!);
      const data = bigToBytes(BigInt(b.tdata!), this.beatBytes);
      for (let i = 0; i < this.beatBytes; i++) if ((keep >> BigInt(i)) & 1n) bytes.push(data[i]!);
      if (Number(b.tlast) === 1) {
        out.push({ data: Uint8Array.from(bytes), ...decodeAeadVerdict(Number(b.tuser)) });
        bytes = [];
      }
    }
    return { out, cycles: r.cycles, beatsIn: r.sent[0]!, beatsOut: r.received[0]!, sent: beats.length };
  }
}
