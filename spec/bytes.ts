// Bytes as every format here lays them out: big-endian integers (network order) with a
// reader and writer for the wire codecs, 48-bit fields, comparison, concatenation, hex, and
// the little-endian byte order of an AXI-Stream tdata word (byte 0 in bits 7:0). The one
// module for byte handling, shared by the generators, the simulator and the node.
//
// The reader never reads past its input: a short or inconsistent message makes `decode`
// functions return undefined, never throw, because every decoder runs on bytes a neighbour
// sent.

/** Thrown only inside decoders and caught at their boundary (see `decodeWith`). */
class ShortInput extends Error {}

export class Reader {
  private at = 0;
  private readonly v: DataView;

  constructor(private readonly b: Uint8Array) {
    this.v = new DataView(b.buffer, b.byteOffset, b.length);
  }

  get remaining(): number {
    return this.b.length - this.at;
  }

  private need(n: number): number {
    if (n < 0 || this.at + n > this.b.length) throw new ShortInput();
    const p = this.at;
    this.at += n;
    return p;
  }

  u8(): number {
    return this.v.getUint8(this.need(1));
  }
  u16(): number {
    return this.v.getUint16(this.need(2));
  }
  u32(): number {
    return this.v.getUint32(this.need(4));
  }
  /** 48-bit unsigned (stream offsets). */
  u48(): number {
    return getU48(this.v, this.need(6));
  }
  f64(): number {
    return this.v.getFloat64(this.need(8));
  }
  /** A view of the next n bytes (valid as long as the input is). */
  bytes(n: number): Uint8Array {
    const p = this.need(n);
    return this.b.subarray(p, p + n);
  }
  /** Everything left. */
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }
  /** u8 length, then that many bytes of ASCII. */
  shortString(max: number): string {
    const n = this.u8();
    if (n > max) throw new ShortInput();
    const b = this.bytes(n);
    for (const c of b) if (c < 0x20 || c > 0x7e) throw new ShortInput();
    return String.fromCharCode(...b);
  }
  /** Fails the decode when input is left over (a message has exactly one length). */
  end(): void {
    if (this.at !== this.b.length) throw new ShortInput();
  }
  fail(): never {
    throw new ShortInput();
  }
}

/** Runs a decoder; any ShortInput (or other error from bad bytes) becomes undefined. */
export function decodeWith<T>(b: Uint8Array, f: (r: Reader) => T): T | undefined {
  try {
    return f(new Reader(b));
  } catch (e) {
    if (e instanceof ShortInput || e instanceof RangeError) return undefined;
    throw e;
  }
}

export class Writer {
  private buf: Uint8Array;
  private v: DataView;
  private at = 0;

  constructor(initial = 64) {
    this.buf = new Uint8Array(initial);
    this.v = new DataView(this.buf.buffer);
  }

  private room(n: number): number {
    if (this.at + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
      next.set(this.buf.subarray(0, this.at));
      this.buf = next;
      this.v = new DataView(next.buffer);
    }
    const p = this.at;
    this.at += n;
    return p;
  }

  // `this.v` must be read after `room` (which may replace it), hence these helpers.
  private putUint8(p: number, x: number): void {
    this.v.setUint8(p, x);
  }
  private putUint16(p: number, x: number): void {
    this.v.setUint16(p, x);
  }
  private putUint32(p: number, x: number): void {
    this.v.setUint32(p, x);
  }
  private putFloat64(p: number, x: number): void {
    this.v.setFloat64(p, x);
  }

  u8(x: number): this {
    this.putUint8(this.room(1), x);
    return this;
  }
  u16(x: number): this {
    this.putUint16(this.room(2), x);
    return this;
  }
  u32(x: number): this {
    this.putUint32(this.room(4), x >>> 0);
    return this;
  }
  u48(x: number): this {
    const p = this.room(6); // may grow the buffer and replace the view
    putU48(this.v, p, x);
    return this;
  }
  f64(x: number): this {
    this.putFloat64(this.room(8), x);
    return this;
  }
  bytes(b: Uint8Array): this {
    const p = this.room(b.length);
    this.buf.set(b, p);
    return this;
  }
  shortString(s: string): this {
    const b = new TextEncoder().encode(s);
    if (b.length > 255) throw new RangeError(`string too long: ${s}`);
    return this.u8(b.length).bytes(b);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.at);
  }
}

/** 48-bit unsigned big-endian (stream offsets), exact below 2^48. */
export function putU48(v: DataView, at: number, x: number): void {
  v.setUint16(at, Math.floor(x / 2 ** 32));
  v.setUint32(at + 2, x >>> 0);
}
export function getU48(v: DataView, at: number): number {
  return v.getUint16(at) * 2 ** 32 + v.getUint32(at + 2);
}

/**
 * Equal length and bytes. It looks at every byte whatever it finds (no early exit), so it
 * is also the comparison for keys and signatures, where timing must not tell how much matched.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** The parts one after another in a new array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** AXI-Stream order, little-endian: byte i of `bytes` lands in bits 8i+7..8i. */
export function bytesToBig(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

/** The inverse of bytesToBig: the low `length` bytes of `v`, least significant first. */
export function bigToBytes(v: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}
