// Fixed-size circular byte store addressed by absolute stream offset: offset o lives at
// o mod size. The owner guarantees it never holds more than `size` bytes at once (that is
// what credit is for), so writes never overwrite bytes still needed.
export class ByteRing {
  readonly buf: Uint8Array;

  constructor(readonly size: number) {
    this.buf = new Uint8Array(size);
  }

  write(offset: number, bytes: Uint8Array): void {
    const at = offset % this.size;
    const first = Math.min(bytes.length, this.size - at);
    this.buf.set(bytes.subarray(0, first), at);
    if (first < bytes.length) this.buf.set(bytes.subarray(first), 0);
  }

  /** Copies [offset, offset + n) out. */
  read(offset: number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    const at = offset % this.size;
    const first = Math.min(n, this.size - at);
    out.set(this.buf.subarray(at, at + first), 0);
    if (first < n) out.set(this.buf.subarray(0, n - first), first);
    return out;
  }
}
