// Drives the generated ChaCha packet cipher: key writes through the key port, packets cut
// into AXI-Stream beats with their context on the first beat, batched runs with random
// gaps and stalls, and the output cut back into packets. Shared by tests and the soak bench.

import { chachaPipeline } from '../../rtl-gen/chacha/pipeline.ts';
import { type ContextFormat, contextFormat, encodeContext } from '../../spec/chacha-stream.ts';
import { type CipheredPacket, cipherPacket } from '../golden/chacha-stream.ts';
import type { CounterLayout } from '../golden/chacha20.ts';
import { type SimDut, packBeats, runStreams, simulate, unpackBeats } from '../index.ts';
import { writeKeyWords } from './key-port.ts';
import { bigToBytes, bytesToBig } from '../../spec/bytes.ts';

export interface PipelineConfig {
  rounds: number;
  units: number;
  stages: number;
  width: number;
  keySlots: number;
  layout: CounterLayout;
  fifoRam?: 'lut' | 'block' | 'ecp5';
  outGather?: boolean;
  adders?: 'fabric' | 'ecp5';
  entryReg?: boolean;
}

export interface Packet {
  slot: number;
  nonce: Uint8Array;
  counter: bigint;
  data: Uint8Array;
}

export interface OutPacket {
  data: Uint8Array;
  wrappedBeats: boolean[];
}

const FIELDS = ['tdata', 'tkeep', 'tlast', 'tuser'];

export class PipelineDriver {
  readonly fmt: ContextFormat;
  readonly beatBytes: number;
  readonly keys: Uint8Array[];

  private constructor(
    readonly dut: SimDut,
    readonly cfg: PipelineConfig,
  ) {
    this.fmt = contextFormat(cfg.layout, cfg.keySlots);
    this.beatBytes = cfg.width / 8;
    this.keys = Array.from({ length: cfg.keySlots }, () => new Uint8Array(32));
  }

  static async create(cfg: PipelineConfig): Promise<PipelineDriver> {
    const dut = await simulate(chachaPipeline(cfg));
    const d = new PipelineDriver(dut, cfg);
    d.reset();
    return d;
  }

  get name(): string {
    return this.dut.module;
  }

  reset(cycles = 2): void {
    const d = this.dut;
    d.s_axis_tvalid.value = 0;
    d.m_axis_tready.value = 0;
    d.key_wr_valid.value = 0;
    d.rst.value = 1;
    d.tick(cycles);
    d.rst.value = 0;
    // Verilator gives the key RAM no reset; the model's shadow keys say zero, so write them.
    for (let s = 0; s < this.cfg.keySlots; s++) this.writeKey(s, this.keys[s]!);
    // The last word is still on its way into the key RAM (held for earlier requests, then
    // for in-flight blocks of its slot: a few cycles on an idle core); let it land so
    // latency measurements start from an idle core.
    d.tick(8);
  }

  /** Writes a 256-bit key into a slot, one 32-bit word per handshake; waits while the slot is busy. */
  writeKey(slot: number, key: Uint8Array, maxWait = 10_000): number {
    const waited = writeKeyWords(this.dut, slot, key, maxWait);
    this.keys[slot] = Uint8Array.from(key);
    return waited;
  }

  beatsOf(p: Packet): Array<Record<string, bigint | number>> {
    const n = this.beatBytes;
    const beats: Array<Record<string, bigint | number>> = [];
    const tuser = encodeContext(this.fmt, { slot: p.slot, nonce: p.nonce, counter: p.counter });
    for (let off = 0; off < p.data.length; off += n) {
      const chunk = p.data.subarray(off, Math.min(off + n, p.data.length));
      beats.push({
        tdata: bytesToBig(chunk),
        tkeep: (1n << BigInt(chunk.length)) - 1n,
        tlast: off + n >= p.data.length ? 1 : 0,
        tuser: off === 0 ? tuser : 0n,
      });
    }
    return beats;
  }

  expected(p: Packet): CipheredPacket {
    return cipherPacket({ key: this.keys[p.slot]!, nonce: p.nonce, counter: p.counter }, p.data, this.beatBytes, this.cfg.rounds, this.cfg.layout);
  }

  /**
   * Sends packets through the core inside the model and returns what came out, cut into
   * packets at tlast. `gaps` and `stalls` are repeating 0/1 patterns (1 = idle / not ready).
   */
  run(packets: Packet[], opts: { gaps?: Uint8Array; stalls?: Uint8Array; maxCycles?: number; expectBeats?: number } = {}): { out: OutPacket[]; cycles: number; beatsIn: number; beatsOut: number; sent: number } {
    const beats = packets.flatMap((p) => this.beatsOf(p));
    const expectBeats = opts.expectBeats ?? beats.length;
    const r = runStreams(this.dut, {
      sources: [{ prefix: 's_axis', fields: FIELDS, beats: packBeats(this.dut, 's_axis', FIELDS, beats), count: beats.length, gaps: opts.gaps }],
      sinks: [{ prefix: 'm_axis', fields: FIELDS, expect: expectBeats, stalls: opts.stalls }],
      maxCycles: opts.maxCycles ?? beats.length * 64 + 10_000,
    });
    // Sticky: the ring's slot schedule never failed during the run.
    if (this.dut.status_error.value !== 0) throw new Error(`${this.name}: status_error is set: a block request met a block going round the ring`);
    const got = unpackBeats(this.dut, 'm_axis', FIELDS, r.out[0]!, Math.min(r.received[0]!, expectBeats));
    const out: OutPacket[] = [];
    let bytes: number[] = [];
    let flags: boolean[] = [];
    for (const b of got) {
      const keep = BigInt(b.tkeep!);
      const data = bigToBytes(BigInt(b.tdata!), this.beatBytes);
      for (let i = 0; i < this.beatBytes; i++) {
        if ((keep >> BigInt(i)) & 1n) bytes.push(data[i]!);
        else if (data[i] !== 0) throw new Error(`${this.name}: output beat ${bytes.length} of packet ${out.length} has byte ${i} outside tkeep set to ${data[i]} (must be zero)`);
      }
      flags.push(Number(b.tuser) === 1);
      if (Number(b.tlast) === 1) {
        out.push({ data: Uint8Array.from(bytes), wrappedBeats: flags });
        bytes = [];
        flags = [];
      }
    }
    return { out, cycles: r.cycles, beatsIn: r.sent[0]!, beatsOut: r.received[0]!, sent: beats.length };
  }
}

/** Compares output packets with the golden model; throws on the first difference. */
export function checkPackets(drv: PipelineDriver, sent: Packet[], got: OutPacket[], expected?: CipheredPacket[]): void {
  if (got.length !== sent.length) throw new Error(`${drv.name}: ${got.length} packets out, ${sent.length} sent`);
  sent.forEach((p, i) => {
    const want = expected?.[i] ?? drv.expected(p);
    const g = got[i]!;
    if (Buffer.compare(Buffer.from(want.data), Buffer.from(g.data)) !== 0) {
      const at = want.data.findIndex((x, k) => x !== g.data[k]);
      throw new Error(`${drv.name}: packet #${i} (${p.data.length} bytes, slot ${p.slot}, counter ${p.counter}) differs at byte ${at}: ` +
        `expected ${Buffer.from(want.data.subarray(at, at + 16)).toString('hex')}, got ${Buffer.from(g.data.subarray(at, at + 16)).toString('hex')}`);
    }
    if (want.wrappedBeats.join() !== g.wrappedBeats.join()) {
      throw new Error(`${drv.name}: packet #${i} counter-wrap flags differ: expected ${want.wrappedBeats.map(Number).join('')}, got ${g.wrappedBeats.map(Number).join('')}`);
    }
  });
}
