// The file service's format (file-transfer.ts): whatever pieces the stream delivers, the
// receiver's parser yields the offer, exactly the content after the accepted offset and the
// sender's digest; the receiver's records round-trip; damage and overruns are errors.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeOffer, encodeReply, FailCode, OfferParser, ReplyParser, ReplyType, safeFileName, type OfferEvent } from '../../host/daemon/file-transfer.ts';
import { Rng } from '../../sim/random.ts';

const ID = Uint8Array.from({ length: 16 }, (_, i) => i);

function feed(parser: OfferParser, all: Uint8Array, rng: Rng, maxPiece: number, offset = 0) {
  const data: Uint8Array[] = [];
  const events: OfferEvent[] = [];
  const take = (got: OfferEvent[] | string) => {
    if (typeof got === 'string') throw new Error(got);
    for (const e of got) {
      if (e.kind === 'data') data.push(Uint8Array.from(e.bytes));
      else events.push(e);
      if (e.kind === 'offer') take(parser.accept(offset));
    }
  };
  try {
    for (let at = 0; at < all.length; ) {
      const n = rng.int(1, maxPiece);
      take(parser.push(all.subarray(at, at + n)));
      at += n;
    }
  } catch (e) {
    return { error: (e as Error).message, data, events };
  }
  return { error: null, data, events };
}

describe('file transfer format', () => {
  it('offer: "SWF2", transfer id, u16 name length, name, u64 size', () => {
    expect([...encodeOffer(ID, 'ab', 258)]).toEqual([0x53, 0x57, 0x46, 0x32, ...ID, 0, 2, 0x61, 0x62, 0, 0, 0, 0, 0, 0, 1, 2]);
    expect(() => encodeOffer(ID, '', 1)).toThrow(RangeError);
    expect(() => encodeOffer(ID.subarray(1), 'a', 1)).toThrow(RangeError);
  });

  it.each([1, 7, 1500, 100_000])('yields the offer, the content after the accepted offset and the digest, from pieces of up to %i bytes', (maxPiece) => {
    const rng = new Rng(maxPiece);
    for (const [size, offset] of [[0, 0], [1, 0], [33, 0], [5000, 0], [5000, 1234], [5000, 5000]]) {
      const content = rng.bytes(size);
      const sha = createHash('sha256').update(content).digest();
      const wire = Uint8Array.from([...encodeOffer(ID, 'x.bin', size), ...content.subarray(offset), ...sha]);
      const p = new OfferParser();
      const r = feed(p, wire, rng, maxPiece, offset);
      expect(r.error).toBeNull();
      expect(Buffer.concat(r.data)).toEqual(Buffer.from(content.subarray(offset)));
      expect(r.events).toEqual([{ kind: 'offer', transferId: ID, name: 'x.bin', size }, { kind: 'trailer', sha256: sha.toString('hex') }]);
      expect(p.end()).toBeNull();
    }
  });

  it('reports a short stream, trailing bytes, bad magic and an over-long name', () => {
    const rng = new Rng(5);
    const content = rng.bytes(1000);
    const sha = createHash('sha256').update(content).digest();
    const whole = Uint8Array.from([...encodeOffer(ID, 'f', 1000), ...content, ...sha]);
    const short = new OfferParser();
    feed(short, whole.subarray(0, 600), rng, 64); // a 31-byte offer, then 569 bytes
    expect(short.end()).toBe('the stream ended with 431 bytes missing');
    expect(new OfferParser().end()).toBe('the stream ended before the file header');
    expect(feed(new OfferParser(), Uint8Array.from([...whole, 1]), rng, 5000).error).toBe('bytes after the end of the file');
    expect(new OfferParser().push(new TextEncoder().encode('HTTP/1.1 200 OK'))).toBe('not a file stream (bad magic)');
    const longName = encodeOffer(ID, 'n', 1);
    longName[21] = 0xff; // name length 0x00ff -> 0xffff
    longName[20] = 0xff;
    expect(new OfferParser().push(longName)).toBe('bad file name length 65535');
  });

  it('receiver records round-trip in any pieces; a broken record is an error', () => {
    const rng = new Rng(9);
    const replies = [
      { type: ReplyType.Accept, offset: 2 ** 40 + 3 },
      { type: ReplyType.Refuse, code: FailCode.Storage, reason: 'cannot create a file in the inbox: the file system is read-only (EROFS)' },
      { type: ReplyType.Done, sha256: 'ab'.repeat(32) },
      { type: ReplyType.Failed, code: FailCode.Checksum, reason: 'checksum mismatch' },
    ] as const;
    const wire = Uint8Array.from(replies.flatMap((r) => [...encodeReply(r)]));
    const p = new ReplyParser();
    const got: unknown[] = [];
    for (let at = 0; at < wire.length; ) {
      const n = rng.int(1, 7);
      const r = p.push(wire.subarray(at, at + n));
      if (typeof r === 'string') throw new Error(r);
      got.push(...r);
      at += n;
    }
    expect(got).toEqual(replies);
    expect(new ReplyParser().push(Uint8Array.of(9, 0, 0))).toBe('unknown receiver record 9');
    expect(new ReplyParser().push(Uint8Array.of(ReplyType.Accept, 0, 2, 0, 0))).toBe('bad Accept record');
  });

  it('file names from the wire cannot leave the inbox', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('..')).toBe('_');
    expect(safeFileName('.hidden')).toBe('_hidden');
    expect(safeFileName('a b\u0000c.txt')).toBe('a_b_c.txt');
    expect(safeFileName('/')).toBe('file');
  });
});
