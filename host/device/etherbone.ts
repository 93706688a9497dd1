// Etherbone: Wishbone bus cycles carried in UDP datagrams, as LiteX's host tools
// (litex_server --udp, RemoteClient) and LiteEth's Etherbone core speak it. This file is the
// wire format only: packets and records to and from bytes, every length checked.
//
// A packet is an 8-byte header, then records (all fields big-endian, 32-bit addresses and
// data, the only widths LiteEth builds):
//
//   magic u16 = 0x4e6f | version u4 = 1, 0 u1, NR u1, PR u1, PF u1 | addr size u4 = 4, port size u4 = 4 | zero u32
//
// PF asks the other end to answer with PR set (a probe: `litex_server` sends one with 4 bytes
// of zero payload before anything else). A record is
//
//   flags u8 | byte enable u8 (0x0f) | wcount u8 | rcount u8
//   if wcount: base address u32, then wcount data words written to base, base+4, ...
//   if rcount: return address u32, then rcount addresses to read
//
// and its reads are answered by a record whose writes carry the values, addressed to the
// return address (LiteX's host tools put a sequence number there to match the answer).
// LiteEth takes one record per packet, performs the writes before the reads, and answers only
// records that read: a write is acknowledged by nothing but a read behind it in its record.
// Flags (LiteX's bit order: BCA 0, RCA 1, RFF 2, CYC 4, WCA 5, WFF 6) select configuration
// spaces and FIFO addressing that LiteEth does not implement; this codec carries them and the
// server refuses a record that sets them.

export const ETHERBONE_MAGIC = 0x4e6f;
export const ETHERBONE_VERSION = 1;
/** The UDP port LiteX and LiteEth use by convention. */
export const ETHERBONE_PORT = 1234;
export const PACKET_HEADER_BYTES = 8;
export const RECORD_HEADER_BYTES = 4;
/** A record's counts are u8. */
export const MAX_RECORD_OPS = 255;
/** Address and data width of every access (bytes). */
export const WORD_BYTES = 4;
/**
 * Largest UDP payload we send: one Ethernet frame (1,500 bytes of IPv4 less 20 of IP and 8 of
 * UDP), because LiteEth's Etherbone does not reassemble fragments.
 */
export const MAX_DATAGRAM_BYTES = 1472;

export const RecordFlag = { bca: 0x01, rca: 0x02, rff: 0x04, cyc: 0x10, wca: 0x20, wff: 0x40 } as const;

export interface EtherboneRecord {
  /** Flag bits (RecordFlag); zero for plain Wishbone accesses. */
  readonly flags?: number;
  /** Byte lanes of every access; 0x0f (all four) unless a device wants less. */
  readonly byteEnable?: number;
  /** Words written to base, base + 4, ... (at most 255). */
  readonly writes?: { readonly base: number; readonly data: readonly number[] };
  /** Addresses read (at most 255); their values come back addressed to `returnBase`. */
  readonly reads?: { readonly returnBase: number; readonly addresses: readonly number[] };
}

export interface EtherbonePacket {
  /** PF: please answer with PR set. */
  readonly probe?: boolean;
  /** PR: this answers a probe. */
  readonly probeReply?: boolean;
  /** NR: no reads follow (a hint; LiteEth ignores it). */
  readonly noReads?: boolean;
  readonly records: readonly EtherboneRecord[];
  /** Bytes after the header that are no record (a probe's padding). */
  readonly padding?: number;
}

export class EtherboneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EtherboneError';
  }
}

const u32 = (what: string, v: number): number => {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new EtherboneError(`${what} ${v} is not a u32`);
  return v;
};

/** Bytes a record takes on the wire. */
export function recordBytes(r: { writes?: number; reads?: number }): number {
  const w = r.writes ?? 0;
  const rd = r.reads ?? 0;
  return RECORD_HEADER_BYTES + (w ? WORD_BYTES * (w + 1) : 0) + (rd ? WORD_BYTES * (rd + 1) : 0);
}

export function encodePacket(p: EtherbonePacket): Uint8Array {
  let size = PACKET_HEADER_BYTES + (p.padding ?? 0);
  for (const r of p.records) {
    const w = r.writes?.data.length ?? 0;
    const rd = r.reads?.addresses.length ?? 0;
    if (w > MAX_RECORD_OPS || rd > MAX_RECORD_OPS) throw new EtherboneError(`a record carries at most ${MAX_RECORD_OPS} writes and ${MAX_RECORD_OPS} reads; got ${w} and ${rd}`);
    size += recordBytes({ writes: w, reads: rd });
  }
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint16(0, ETHERBONE_MAGIC);
  out[2] = (ETHERBONE_VERSION << 4) | (p.noReads ? 4 : 0) | (p.probeReply ? 2 : 0) | (p.probe ? 1 : 0);
  out[3] = (WORD_BYTES << 4) | WORD_BYTES;
  let at = PACKET_HEADER_BYTES;
  for (const r of p.records) {
    const w = r.writes?.data ?? [];
    const rd = r.reads?.addresses ?? [];
    out[at] = (r.flags ?? 0) & 0xff;
    out[at + 1] = r.byteEnable ?? 0x0f;
    out[at + 2] = w.length;
    out[at + 3] = rd.length;
    at += RECORD_HEADER_BYTES;
    if (w.length) {
      v.setUint32(at, u32('write base address', r.writes!.base));
      at += 4;
      for (const d of w) {
        v.setUint32(at, u32('write data', d));
        at += 4;
      }
    }
    if (rd.length) {
      v.setUint32(at, u32('read return address', r.reads!.returnBase));
      at += 4;
      for (const a of rd) {
        v.setUint32(at, u32('read address', a));
        at += 4;
      }
    }
  }
  return out;
}

/**
 * The packet in `b`, or a sentence naming what is wrong with it. Bytes after the last whole
 * record are padding only when they are too few for a record header (a probe's 4 bytes are
 * exactly one header of zero counts, which is read as an empty record and dropped).
 */
export function decodePacket(b: Uint8Array): EtherbonePacket | string {
  if (b.length < PACKET_HEADER_BYTES) return `packet of ${b.length} bytes is shorter than the ${PACKET_HEADER_BYTES}-byte Etherbone header`;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = v.getUint16(0);
  if (magic !== ETHERBONE_MAGIC) return `magic 0x${magic.toString(16).padStart(4, '0')} is not Etherbone's 0x4e6f`;
  const version = b[2]! >> 4;
  if (version !== ETHERBONE_VERSION) return `Etherbone version ${version}; only ${ETHERBONE_VERSION} is spoken`;
  if (b[2]! & 0x08) return 'reserved bit 3 of the flags byte is set';
  const addrSize = b[3]! >> 4;
  const portSize = b[3]! & 0x0f;
  // A probe may offer several widths (a bit per size); anything else must be 32-bit.
  const probe = (b[2]! & 1) === 1;
  if (!probe && (addrSize !== WORD_BYTES || portSize !== WORD_BYTES)) return `address size ${addrSize} and port size ${portSize} bytes; only 32-bit (4) is spoken`;
  const records: EtherboneRecord[] = [];
  let at = PACKET_HEADER_BYTES;
  while (b.length - at >= RECORD_HEADER_BYTES) {
    const flags = b[at]!;
    const byteEnable = b[at + 1]!;
    const wcount = b[at + 2]!;
    const rcount = b[at + 3]!;
    const need = recordBytes({ writes: wcount, reads: rcount });
    if (b.length - at < need) return `record ${records.length} needs ${need} bytes (${wcount} writes, ${rcount} reads); ${b.length - at} remain`;
    at += RECORD_HEADER_BYTES;
    let writes: EtherboneRecord['writes'];
    let reads: EtherboneRecord['reads'];
    if (wcount) {
      const base = v.getUint32(at);
      const data = Array.from({ length: wcount }, (_, i) => v.getUint32(at + 4 + 4 * i));
      writes = { base, data };
      at += 4 * (wcount + 1);
    }
    if (rcount) {
      const returnBase = v.getUint32(at);
      const addresses = Array.from({ length: rcount }, (_, i) => v.getUint32(at + 4 + 4 * i));
      reads = { returnBase, addresses };
      at += 4 * (rcount + 1);
    }
    if (wcount || rcount || flags) records.push({ flags, byteEnable, ...(writes ? { writes } : {}), ...(reads ? { reads } : {}) });
  }
  const f = b[2]!;
  return {
    ...(f & 1 ? { probe: true } : {}),
    ...(f & 2 ? { probeReply: true } : {}),
    ...(f & 4 ? { noReads: true } : {}),
    records,
    ...(b.length > at ? { padding: b.length - at } : {}),
  };
}
