// The inbox (receiving end of the file service): files are written to private partial files,
// named without ever replacing a file (also after a restart), verified, claimed by `recv` in
// order; a cut transfer keeps its partial file and resumes from it, also in a new daemon
// process; planted symlinks are never followed; every failure reaches the sender as a record.
// The streams here are stand-ins that deliver bytes the test chose and record the replies.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeOffer, ReplyParser, ReplyType, type Reply } from '../../host/daemon/file-transfer.ts';
import { Inbox } from '../../host/daemon/inbox.ts';
import type { MeshStream } from '../../host/mesh/api.ts';

type FakeStream = MeshStream & { replies: () => Reply[]; ended: boolean; closed: boolean; cut(reason: string): void };

function fakeStream(id: string): FakeStream {
  const parser = new ReplyParser();
  const got: Reply[] = [];
  let reason: string | undefined;
  const s: FakeStream = {
    id,
    ended: false,
    closed: false,
    onData: undefined,
    onEnd: undefined,
    onClose: undefined,
    get closeReason() {
      return reason;
    },
    write: (b) => {
      const r = parser.push(b);
      if (typeof r === 'string') throw new Error(r);
      got.push(...r);
      return b.length;
    },
    writeAll: async () => {},
    end() {
      this.ended = true;
    },
    finished: new Promise<void>(() => {}),
    close() {
      this.cut('closed by this end');
    },
    cut(why: string) {
      if (reason !== undefined) return;
      reason = why;
      this.closed = true;
      this.onClose?.(why);
    },
    status: () => ({ id, role: 'acceptor', channel: 5, routes: [], bytesWritten: 0, bytesAcked: 0, bytesReceived: 0, sendBuffered: 0, recvBuffered: 0, retransmits: 0, repairs: 0 }),
    replies: () => got,
  };
  return s;
}

const never = new AbortController().signal;
const tick = () => new Promise((r) => setTimeout(r, 20));
const ID1 = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const ID2 = Uint8Array.from({ length: 16 }, (_, i) => 100 + i);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest();

function newInbox(dir = mkdtempSync(join(tmpdir(), 'swinbox-')), stallMs = 60_000): Inbox {
  return new Inbox(dir, () => performance.now(), { stallMs });
}

/** Offers a file on a fresh stream and waits for the receiver's Accept. */
async function offer(inbox: Inbox, id: Uint8Array, name: string, content: Uint8Array): Promise<{ s: FakeStream; offset: number }> {
  const s = fakeStream(Buffer.from(id).toString('hex'));
  inbox.accept(s);
  s.onData!(encodeOffer(id, name, content.length));
  await tick();
  const a = s.replies()[0];
  if (a?.type !== ReplyType.Accept) throw new Error(`no Accept: ${JSON.stringify(s.replies())}`);
  return { s, offset: a.offset };
}

async function sendAll(inbox: Inbox, id: Uint8Array, name: string, content: Uint8Array): Promise<FakeStream> {
  const { s, offset } = await offer(inbox, id, name, content);
  s.onData!(content.subarray(offset));
  s.onData!(sha(content));
  return s;
}

describe('inbox', () => {
  it('writes a file as it arrives to a private .part file, names it when verified, and hands transfers to recv in arrival order', async () => {
    const inbox = newInbox();
    const content = Buffer.from('the quick brown fox '.repeat(500));
    const { s, offset } = await offer(inbox, ID1, '../first.txt', content);
    expect(offset).toBe(0);
    const second = await sendAll(inbox, ID2, 'second.txt', Buffer.from('abc'));
    expect(second.replies().at(-1)).toEqual({ type: ReplyType.Done, sha256: sha(Buffer.from('abc')).toString('hex') });
    const fox = await inbox.claim(1000, never);
    expect(fox.name).toBe('first.txt'); // the path part of the sender's name is dropped
    expect(fox.path).toMatch(/first\.txt\.[0-9a-f]{32}\.part$/); // incomplete files say so
    expect(lstatSync(fox.path).mode & 0o777).toBe(0o600);
    expect((await inbox.claim(1000, never)).name).toBe('second.txt');
    const seen: number[] = [];
    const done = inbox.follow(fox, (t) => seen.push(t.bytes), never);
    s.onData!(content.subarray(0, 4000));
    s.onData!(Uint8Array.from([...content.subarray(4000), ...sha(content)]));
    const t = await done;
    expect(t).toMatchObject({ state: 'done', verified: true, bytes: content.length, sha256: sha(content).toString('hex'), path: join(inbox.dir, 'first.txt') });
    expect(readFileSync(t.path).equals(content)).toBe(true);
    expect(seen.at(-1)).toBe(content.length);
    expect(s.replies().map((r) => r.type)).toEqual([ReplyType.Accept, ReplyType.Done]);
    expect(s.ended).toBe(true);
    expect(readdirSync(inbox.dir).sort()).toEqual(['first.txt', 'second.txt']);
    await expect(inbox.claim(50, never)).rejects.toThrow('no file arrived within 0 s');
    inbox.close();
  });

  it('never replaces a file already in the inbox, also after a restart (issue 16, defect 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swinbox-'));
    const first = newInbox(dir);
    await sendAll(first, ID1, 'report.pdf', Buffer.from('first'));
    first.close();
    const restarted = newInbox(dir); // a new daemon process: nothing remembered but the folder
    await sendAll(restarted, ID2, 'report.pdf', Buffer.from('second'));
    await sendAll(restarted, Uint8Array.from({ length: 16 }, () => 7), 'report.pdf', Buffer.from('third'));
    expect(readFileSync(join(dir, 'report.pdf'), 'utf8')).toBe('first');
    expect(readFileSync(join(dir, 'report-1.pdf'), 'utf8')).toBe('second');
    expect(readFileSync(join(dir, 'report-2.pdf'), 'utf8')).toBe('third');
    restarted.close();
  });

  it('never writes through a symlink planted at the next name or at the partial file (issue 16, defect 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swinbox-'));
    const victim = join(mkdtempSync(join(tmpdir(), 'swvictim-')), 'passwd');
    writeFileSync(victim, 'root:x:0:0');
    symlinkSync(victim, join(dir, 'passwd'));
    symlinkSync(victim, join(dir, `passwd.${Buffer.from(ID2).toString('hex')}.part`));
    const inbox = newInbox(dir);
    await sendAll(inbox, ID1, 'passwd', Buffer.from('owned'));
    const refused = fakeStream('x');
    inbox.accept(refused);
    refused.onData!(encodeOffer(ID2, 'passwd', 5));
    await tick();
    expect(readFileSync(victim, 'utf8')).toBe('root:x:0:0');
    expect(readFileSync(join(dir, 'passwd-1'), 'utf8')).toBe('owned');
    // The planted partial file is a symlink: opening it with O_NOFOLLOW fails, the offer is refused.
    expect(refused.replies()[0]).toMatchObject({ type: ReplyType.Refuse, reason: expect.stringContaining('symlink') });
    inbox.close();
  });

  it('a cut transfer keeps its .part file and resumes where it ends, in this process or after a restart (issue 16, defect 3)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swinbox-'));
    const content = Uint8Array.from({ length: 700_000 }, (_, i) => (i * 7) & 255);
    let inbox = newInbox(dir);
    const a = await offer(inbox, ID1, 'big.bin', content);
    a.s.onData!(content.subarray(0, 300_000));
    a.s.cut('no route to the destination'); // a route lost: the sender may come back
    const rec = (await inbox.claim(100, never));
    expect(rec.state).toBe('receiving');
    // Same process: the next attempt takes over the same record, from byte 300,000.
    const b = await offer(inbox, ID1, 'big.bin', content);
    expect(b.offset).toBe(300_000);
    b.s.onData!(content.subarray(300_000, 500_000));
    inbox.close(); // the daemon dies here (what was received is flushed to the .part file)
    expect(inbox.partials().map((p) => [p.file, p.bytes])).toEqual([[`big.bin.${Buffer.from(ID1).toString('hex')}.part`, 500_000]]);
    inbox = newInbox(dir);
    expect(inbox.sweepPartials().length).toBe(1);
    const c = await offer(inbox, ID1, 'big.bin', content);
    expect(c.offset).toBe(500_000);
    c.s.onData!(content.subarray(500_000));
    c.s.onData!(sha(content));
    const t = await inbox.follow(await inbox.claim(100, never), () => {}, never);
    expect(t).toMatchObject({ state: 'done', verified: true, resumedFrom: 500_000 });
    expect(readFileSync(join(dir, 'big.bin')).equals(Buffer.from(content))).toBe(true);
    expect(inbox.partials()).toEqual([]);
    // An offer of a transfer that is done here is answered Done at once (its Done was lost).
    const again = fakeStream('again');
    inbox.accept(again);
    again.onData!(encodeOffer(ID1, 'big.bin', content.length));
    await tick();
    expect(again.replies()).toEqual([{ type: ReplyType.Done, sha256: sha(content).toString('hex') }]);
    inbox.close();
  });

  it('tells the sender about a checksum mismatch and a stall, and recv gets the same reason', async () => {
    const inbox = newInbox(undefined, 300);
    const bad = await offer(inbox, ID1, 'b', Buffer.from([7, 7]));
    bad.s.onData!(Uint8Array.from([7, 7, ...new Uint8Array(32)]));
    const b = await inbox.follow(await inbox.claim(1000, never), () => {}, never);
    expect(b.state).toBe('failed');
    expect(b.error).toMatch(/^checksum mismatch: sender 0{64}, received [0-9a-f]{64}$/);
    expect(bad.s.replies().at(-1)).toMatchObject({ type: ReplyType.Failed, reason: b.error });
    expect(existsSync(b.path)).toBe(false); // a damaged file is not kept for a resume

    const slow = await offer(inbox, ID2, 'slow', new Uint8Array(10));
    slow.s.onData!(new Uint8Array(3));
    const t = await inbox.follow(await inbox.claim(1000, never), () => {}, never);
    expect(t.error).toMatch(/^no data from the sender for 0 s; 3 of 10 bytes kept in slow\.[0-9a-f]{32}\.part for a resume$/);
    expect(slow.s.replies().at(-1)).toMatchObject({ type: ReplyType.Failed });
    inbox.close();
  });

  it('a transfer the sender aborts fails at once; waiting recv requests stop when the client goes away', async () => {
    const inbox = newInbox();
    const { s } = await offer(inbox, ID1, 'x', new Uint8Array(100));
    s.cut('the opening end closed the stream');
    const t = await inbox.follow(await inbox.claim(100, never), () => {}, never);
    expect(t).toMatchObject({ state: 'failed', error: 'the sender stopped the transfer after 0 of 100 bytes' });
    const ac = new AbortController();
    const p = inbox.claim(10_000, ac.signal);
    ac.abort();
    await expect(p).rejects.toThrow('cancelled');
    inbox.close();
  });

  it('refuses an offer it cannot store, and says why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swinbox-'));
    const inbox = newInbox(join(dir, 'gone'));
    mkdirSync(join(dir, 'other'));
    const s = fakeStream('x');
    inbox.accept(s); // the inbox folder does not exist (it was removed under the daemon)
    s.onData!(encodeOffer(ID1, 'a.txt', 5));
    await tick();
    expect(s.replies()).toEqual([{ type: ReplyType.Refuse, code: 1, reason: expect.stringMatching(/^cannot create a file in the inbox .*gone: no such file or folder \(ENOENT\)$/) }]);
    const t = await inbox.claim(100, never);
    expect(t).toMatchObject({ state: 'failed', error: s.replies()[0].type === ReplyType.Refuse ? (s.replies()[0] as any).reason : '' });
    inbox.close();
  });
});
