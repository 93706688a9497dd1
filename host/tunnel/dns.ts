// The gateway's DNS for its clients: a forwarder on the gateway's inner address, port 53
// (UDP), so clients resolve through the tunnel and their names never reach their local
// network. Each query goes to an upstream resolver of the gateway from a socket of its own
// (so answers cannot be confused between queries) and the answer goes back to the asker.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';

/** An upstream that has not answered within this long is given up (the client retries). */
export const DNS_TIMEOUT_MS = 2500;
/** Queries in flight at once, at most (beyond: dropped and counted). */
export const DNS_MAX_INFLIGHT = 256;
const DNS_HEADER_BYTES = 12;

export interface Upstream {
  host: string;
  port: number;
}

/** "1.2.3.4" or "1.2.3.4:53". */
export function parseUpstream(text: string): Upstream | undefined {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text);
  if (!m) return undefined;
  const port = m[2] ? Number(m[2]) : 53;
  return port >= 1 && port <= 65535 ? { host: m[1], port } : undefined;
}

/** The IPv4 nameservers of a resolv.conf, minus `except` (the gateway must not ask itself). */
export function systemUpstreams(path = '/etc/resolv.conf', except: string[] = []): Upstream[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .flatMap((a) => (a && !except.includes(a) ? [parseUpstream(a)].filter((u): u is Upstream => !!u) : []));
}

export class DnsForwarder {
  queries = 0;
  answers = 0;
  timeouts = 0;
  dropped = 0;
  private inflight = 0;
  private next = 0;
  private readonly pending = new Set<Socket>();

  private constructor(
    private readonly socket: Socket,
    private readonly upstreams: Upstream[],
  ) {
    socket.on('message', (q, from) => this.forward(q, from));
  }

  static listen(address: string, upstreams: Upstream[], port = 53): Promise<DnsForwarder> {
    if (upstreams.length === 0) return Promise.reject(new Error('no upstream DNS server (set gateway.dnsUpstream, or give the gateway a resolv.conf with an IPv4 nameserver)'));
    const s = createSocket('udp4');
    return new Promise((resolve, reject) => {
      s.once('error', (e) => reject(new Error(`DNS forwarder cannot listen on ${address}:${port}: ${(e as NodeJS.ErrnoException).code ?? e.message}`)));
      s.bind(port, address, () => {
        s.removeAllListeners('error');
        s.on('error', () => {});
        resolve(new DnsForwarder(s, upstreams));
      });
    });
  }

  private forward(query: Buffer, from: RemoteInfo): void {
    if (query.length < DNS_HEADER_BYTES || query[2] & 0x80) {
      this.dropped++; // too short for a header, or a response
      return;
    }
    if (this.inflight >= DNS_MAX_INFLIGHT) {
      this.dropped++;
      return;
    }
    this.queries++;
    this.inflight++;
    const up = this.upstreams[this.next++ % this.upstreams.length];
    const s = createSocket('udp4');
    this.pending.add(s);
    const done = () => {
      clearTimeout(t);
      if (!this.pending.delete(s)) return;
      this.inflight--;
      s.close();
    };
    const t = setTimeout(() => {
      this.timeouts++;
      done();
    }, DNS_TIMEOUT_MS);
    s.on('error', done);
    s.on('message', (answer, rinfo) => {
      // Only the upstream's answer to this query (same ID) goes back.
      if (rinfo.address !== up.host || rinfo.port !== up.port || answer.length < DNS_HEADER_BYTES || answer.readUInt16BE(0) !== query.readUInt16BE(0)) return;
      this.answers++;
      this.socket.send(answer, from.port, from.address);
      done();
    });
    s.send(query, up.port, up.host);
  }

  status(): Record<string, number> {
    return { queries: this.queries, answers: this.answers, timeouts: this.timeouts, dropped: this.dropped, inflight: this.inflight };
  }

  close(): void {
    for (const s of this.pending) s.close();
    this.pending.clear();
    this.socket.close();
  }
}
