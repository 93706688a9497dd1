// The file service's format: whatever pieces the stream delivers, the receiver yields the
// same bytes and a hash equal to node:crypto's of the original; damage is reported.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeFileHeader, FileReceiver, safeFileName } from '../../host/daemon/file-transfer.ts';
import { Rng } from '../../sim/random.ts';

function fileStream(name: string, content: Uint8Array, digest = createHash('sha256').update(content).digest()): Uint8Array {
  return Uint8Array.from([...encodeFileHeader(name, content.length), ...content, ...digest]);
}

function feed(rx: FileReceiver, all: Uint8Array, rng: Rng, maxPiece: number) {
  const data: Uint8Array[] = [];
  const events: any[] = [];
  for (let at = 0; at < all.length; ) {
    const n = rng.int(1, maxPiece);
    const got = rx.push(all.subarray(at, at + n));
    if (typeof got === 'string') return { error: got, data, events };
    for (const e of got) (e.kind === 'data' ? data.push(Uint8Array.from(e.bytes)) : events.push(e));
    at += n;
  }
  return { error: null, data, events };
}

describe('file stream format', () => {
  it('header: "SWF1", u16 name length, name, u64 size', () => {
    expect([...encodeFileHeader('ab', 258)]).toEqual([0x53, 0x57, 0x46, 0x31, 0, 2, 0x61, 0x62, 0, 0, 0, 0, 0, 0, 1, 2]);
    expect(() => encodeFileHeader('', 1)).toThrow(RangeError);
  });

  it.each([1, 7, 1500, 100_000])('reassembles the file and its hash from pieces of up to %i bytes', (maxPiece) => {
    const rng = new Rng(maxPiece);
    for (const size of [0, 1, 31, 32, 33, 5000]) {
      const content = rng.bytes(size);
      const rx = new FileReceiver();
      const r = feed(rx, fileStream('x.bin', content), rng, maxPiece);
      expect(r.error).toBeNull();
      expect(Buffer.concat(r.data)).toEqual(Buffer.from(content));
      const sha = createHash('sha256').update(content).digest('hex');
      expect(r.events).toEqual([{ kind: 'header', name: 'x.bin', size }, { kind: 'done', sha256: sha, senderSha256: sha, ok: true }]);
      expect(rx.end()).toBeNull();
    }
  });

  it('reports a flipped byte as a checksum mismatch, a short stream as truncated, trailing bytes and bad magic as errors', () => {
    const rng = new Rng(5);
    const content = rng.bytes(1000);
    const damaged = fileStream('f', content);
    damaged[20 + 500] ^= 1;
    const r = feed(new FileReceiver(), damaged, rng, 64);
    expect(r.events.at(-1)).toMatchObject({ kind: 'done', ok: false });

    const short = new FileReceiver();
    feed(short, fileStream('f', content).subarray(0, 600), rng, 64); // a 15-byte header, then 585 bytes
    expect(short.end()).toBe('the stream ended after 585 of 1000 bytes');
    expect(new FileReceiver().end()).toBe('the stream ended before the file header');

    const extra = feed(new FileReceiver(), Uint8Array.from([...fileStream('f', content), 1]), rng, 5000);
    expect(extra.error).toBe('bytes after the end of the file');
    expect(new FileReceiver().push(new TextEncoder().encode('HTTP/1.1 200'))).toBe('not a file stream (bad magic)');
  });

  it('file names from the wire cannot leave the inbox', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('..')).toBe('_');
    expect(safeFileName('.hidden')).toBe('_hidden');
    expect(safeFileName('a b\u0000c.txt')).toBe('a_b_c.txt');
    expect(safeFileName('/')).toBe('file');
  });
});
