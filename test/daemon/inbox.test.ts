// The inbox: files arriving on streams are written as they come, claimed by `recv` in order,
// followed to the end; a stream that ends early or carries damage is a failed transfer.
// The streams here are stand-ins that deliver bytes the test chose.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeFileHeader } from '../../host/daemon/file-transfer.ts';
import { Inbox } from '../../host/daemon/inbox.ts';
import type { MeshStream } from '../../host/mesh/api.ts';

function fakeStream(id: string): MeshStream & { closed: boolean } {
  return {
    id,
    closed: false,
    onData: undefined,
    onEnd: undefined,
    write: () => 0,
    writeAll: async () => {},
    end: () => {},
    finished: Promise.resolve(),
    close() {
      this.closed = true;
    },
    pause: () => {},
    resume: () => {},
    status: () => ({ id, role: 'acceptor', channel: 5, routes: [], bytesWritten: 0, bytesAcked: 0, bytesReceived: 0, sendBuffered: 0, recvBuffered: 0, retransmits: 0, repairs: 0 }),
  };
}

const never = new AbortController().signal;

describe('inbox', () => {
  it('writes a file as it arrives and hands transfers to recv in arrival order', async () => {
    const inbox = new Inbox(mkdtempSync(join(tmpdir(), 'swinbox-')), () => Date.now());
    const content = Buffer.from('the quick brown fox '.repeat(500));
    const digest = createHash('sha256').update(content).digest();
    const s1 = fakeStream('s1');
    const s2 = fakeStream('s2');
    inbox.accept(s1);
    inbox.accept(s2);
    // Order is by the header's arrival, not by when the stream opened.
    s2.onData!(encodeFileHeader('second.txt', 3));
    s1.onData!(encodeFileHeader('../first.txt', content.length));
    expect((await inbox.claim(1000, never)).name).toBe('second.txt');
    const fox = await inbox.claim(1000, never);
    expect(fox.name).toBe('first.txt'); // the path part of the sender's name is dropped
    expect(fox.path.startsWith(inbox.dir)).toBe(true);
    const seen: number[] = [];
    const done = inbox.follow(fox, (t) => seen.push(t.bytes), never);
    s1.onData!(content.subarray(0, 4000));
    s1.onData!(Uint8Array.from([...content.subarray(4000), ...digest]));
    s1.onEnd!();
    const t = await done;
    expect(t).toMatchObject({ state: 'done', verified: true, bytes: content.length, sha256: digest.toString('hex') });
    expect(readFileSync(t.path).equals(content)).toBe(true);
    expect(seen.at(-1)).toBe(content.length);
    await expect(inbox.claim(50, never)).rejects.toThrow('no file arrived within 0 s');
  });

  it('fails a transfer that ends early or whose hash does not match, and closes its stream', async () => {
    const inbox = new Inbox(mkdtempSync(join(tmpdir(), 'swinbox-')), () => Date.now());
    const short = fakeStream('short');
    inbox.accept(short);
    short.onData!(Uint8Array.from([...encodeFileHeader('a', 10), 1, 2, 3]));
    short.onEnd!();
    const a = await inbox.follow(await inbox.claim(1000, never), () => {}, never);
    expect(a).toMatchObject({ state: 'failed', error: 'the stream ended after 3 of 10 bytes' });

    const bad = fakeStream('bad');
    inbox.accept(bad);
    bad.onData!(Uint8Array.from([...encodeFileHeader('b', 2), 7, 7, ...new Uint8Array(32)]));
    const b = await inbox.follow(await inbox.claim(1000, never), () => {}, never);
    expect(b.state).toBe('failed');
    expect(b.error).toMatch(/^checksum mismatch: sender 0{64}, received [0-9a-f]{64}$/);
    expect(bad.closed).toBe(true);
  });

  it('stops waiting when the client goes away', async () => {
    const inbox = new Inbox(mkdtempSync(join(tmpdir(), 'swinbox-')), () => Date.now());
    const ac = new AbortController();
    const p = inbox.claim(10_000, ac.signal);
    ac.abort();
    await expect(p).rejects.toThrow('cancelled');
  });
});
