// The control socket protocol: JSON lines over a Unix socket, checked with a raw socket (not
// our client) so the wire format itself is what is tested; then the client against it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, lstatSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../../host/daemon/control-client.ts';
import { LineSplitter, MAX_CONTROL_LINE_BYTES, parseRequest } from '../../host/daemon/control-protocol.ts';
import { ControlServer, type Handler } from '../../host/daemon/control-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'swctl-'));
let n = 0;
const sockPath = () => join(dir, `c${n++}.sock`);

/** A raw connection that collects parsed reply lines. */
async function raw(path: string): Promise<{ s: Socket; lines: any[]; send: (text: string) => void; wait: (k: number) => Promise<any[]> }> {
  const s = createConnection(path);
  await new Promise<void>((r) => s.once('connect', () => r()));
  const lines: any[] = [];
  let buf = '';
  s.setEncoding('utf8');
  s.on('data', (d: string) => {
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const p of parts) lines.push(JSON.parse(p));
  });
  return {
    s,
    lines,
    send: (text) => s.write(text),
    wait: async (k) => {
      const t0 = Date.now();
      while (lines.length < k) {
        if (Date.now() - t0 > 3000) throw new Error(`only ${lines.length} of ${k} lines: ${JSON.stringify(lines)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return lines;
    },
  };
}

let aborted = 0;
const handlers: Record<string, Handler> = {
  echo: (p) => ({ got: p }),
  count: async (p, emit) => {
    for (let i = 1; i <= (p.n as number); i++) emit({ i });
    return { done: p.n };
  },
  slow: async (p) => {
    await new Promise((r) => setTimeout(r, p.ms as number));
    return { slept: p.ms };
  },
  fail: () => {
    throw new Error('route 9 does not exist\n    at someFunction (file.ts:1:1)');
  },
  hang: (_p, _e, signal) =>
    new Promise((_r, reject) =>
      signal.addEventListener('abort', () => {
        aborted++;
        reject(new Error('cancelled'));
      }),
    ),
};

describe('control socket protocol', { timeout: 15_000 }, () => {
  let server: ControlServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers requests by id, events before the reply, and keeps the connection after bad lines', async () => {
    const path = sockPath();
    server = await ControlServer.listen(path, handlers);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const c = await raw(path);
    c.send('{"id": 1, "method": "count", "params": {"n": 3}}\n');
    await c.wait(4);
    expect(c.lines).toEqual([{ id: 1, event: { i: 1 } }, { id: 1, event: { i: 2 } }, { id: 1, event: { i: 3 } }, { id: 1, result: { done: 3 } }]);
    // Not JSON; JSON but not a request; an unknown method; a handler that throws (one line, no stack).
    c.send('hello\n{"id": "x", "method": "echo"}\n{"id": 2, "method": "nope"}\n{"id": 3, "method": "fail"}\n');
    await c.wait(8);
    expect(c.lines.slice(4)).toEqual([
      { id: null, error: 'malformed request: not JSON' },
      { id: null, error: 'malformed request: "id" must be an integer' },
      { id: 2, error: "unknown method 'nope' (known: count, echo, fail, hang, slow)" },
      { id: 3, error: 'route 9 does not exist' },
    ]);
    // A request split over several writes, and params defaulting to {}.
    c.send('{"id": 4, "meth');
    await new Promise((r) => setTimeout(r, 20));
    c.send('od": "echo"}\n');
    await c.wait(9);
    expect(c.lines[8]).toEqual({ id: 4, result: { got: {} } });
    c.s.destroy();
  });

  it('runs requests concurrently; a slow one does not hold up a fast one', async () => {
    const path = sockPath();
    server = await ControlServer.listen(path, handlers);
    const c = await raw(path);
    c.send('{"id": 10, "method": "slow", "params": {"ms": 200}}\n{"id": 11, "method": "echo", "params": {"a": 1}}\n');
    await c.wait(2);
    expect(c.lines.map((l) => l.id)).toEqual([11, 10]);
    c.s.destroy();
  });

  it('tells a running request to stop when its client goes away', async () => {
    const path = sockPath();
    server = await ControlServer.listen(path, handlers);
    const c = await raw(path);
    const before = aborted;
    c.send('{"id": 1, "method": "hang"}\n');
    await new Promise((r) => setTimeout(r, 50));
    c.s.destroy();
    const t0 = Date.now();
    while (aborted === before && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 5));
    expect(aborted).toBe(before + 1);
  });

  it('replaces a stale socket file, refuses a socket a live server holds and anything that is not a socket', async () => {
    const path = sockPath();
    // A daemon that died without cleaning up leaves its socket file behind.
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(lstatSync(path).isSocket()).toBe(true);
    server = await ControlServer.listen(path, handlers);
    await expect(ControlServer.listen(path, handlers)).rejects.toThrow(`another daemon is listening on ${path}`);
    const file = sockPath();
    writeFileSync(file, 'not a socket');
    await expect(ControlServer.listen(file, handlers)).rejects.toThrow(`${file} exists and is not a socket; refusing to replace it`);
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
  });

  it('the client: results, events, daemon errors, and a clear error when nobody listens', async () => {
    const path = sockPath();
    server = await ControlServer.listen(path, handlers);
    const client = await ControlClient.connect(path);
    const events: unknown[] = [];
    expect(await client.request('count', { n: 2 }, (e) => events.push(e))).toEqual({ done: 2 });
    expect(events).toEqual([{ i: 1 }, { i: 2 }]);
    await expect(client.request('fail')).rejects.toThrow(/^route 9 does not exist$/);
    client.close();
    const missing = join(dir, 'nobody.sock');
    await expect(ControlClient.connect(missing)).rejects.toThrow(`no node is running with control socket ${missing}`);
  });

  it('line splitting refuses overlong lines; request parsing names what is wrong', () => {
    const ls = new LineSplitter();
    expect(ls.push('{"a":1}\n\n{"b"')).toEqual(['{"a":1}']);
    expect(ls.push(':2}\n')).toEqual(['{"b":2}']);
    expect(new LineSplitter().push('x'.repeat(MAX_CONTROL_LINE_BYTES + 1))).toBe('tooLong');
    expect(parseRequest('[1]')).toBe('malformed request: expected an object');
    expect(parseRequest('{"id":1,"method":"m","params":[]}')).toBe('malformed request: "params" must be an object');
    expect(parseRequest('{"id":1,"method":""}')).toBe('malformed request: "method" must be a string');
  });
});
