// The device side of Etherbone over UDP: answers probes and runs records against a register
// space, as LiteEth's Etherbone core does on a board (writes before reads in a record, an
// answer only for records that read, addressed to the record's return address). The simulated
// device serves its CSR block with it, so the driver and `litex_server --udp` reach the
// simulation exactly as they would reach a board. Unlike LiteEth it runs every record of a
// datagram, not only the first. Records asking for configuration space or FIFO addressing
// (flags LiteEth does not implement) are refused and counted, never half run.
import { createSocket, type Socket } from 'node:dgram';
import type { WordSpace } from './bus.ts';
import { decodePacket, encodePacket, type EtherboneRecord } from './etherbone.ts';

export interface EtherboneServerStats {
  packets: number;
  probes: number;
  records: number;
  writes: number;
  reads: number;
  /** Datagrams that were not Etherbone (named by the decoder), dropped. */
  malformed: number;
  /** Records with flags LiteEth does not implement, dropped. */
  unsupported: number;
}

/** Runs one datagram against `space`; the answer datagram, or undefined when nothing is answered. */
export function serveDatagram(space: WordSpace, b: Uint8Array, st: EtherboneServerStats): Uint8Array | undefined {
  const p = decodePacket(b);
  st.packets++;
  if (typeof p === 'string') {
    st.malformed++;
    return undefined;
  }
  if (p.probe) {
    st.probes++;
    // LiteEth sends the probe back with PF cleared and PR set.
    return encodePacket({ probeReply: true, records: [], padding: b.length - 8 });
  }
  const answers: EtherboneRecord[] = [];
  for (const r of p.records) {
    if (r.flags) {
      st.unsupported++;
      continue;
    }
    st.records++;
    if (r.writes) {
      r.writes.data.forEach((d, i) => space.write((r.writes!.base + 4 * i) >>> 0, d));
      st.writes += r.writes.data.length;
    }
    if (r.reads) {
      const data = r.reads.addresses.map((a) => space.read(a) >>> 0);
      st.reads += data.length;
      answers.push({ byteEnable: r.byteEnable ?? 0x0f, writes: { base: r.reads.returnBase, data } });
    }
  }
  return answers.length ? encodePacket({ records: answers }) : undefined;
}

export class EtherboneServer {
  readonly stats: EtherboneServerStats = { packets: 0, probes: 0, records: 0, writes: 0, reads: 0, malformed: 0, unsupported: 0 };

  private constructor(
    private readonly socket: Socket,
    space: WordSpace,
  ) {
    socket.on('message', (msg, rinfo) => {
      const answer = serveDatagram(space, new Uint8Array(msg.buffer, msg.byteOffset, msg.length), this.stats);
      if (answer) socket.send(answer, rinfo.port, rinfo.address);
    });
    socket.on('error', () => {});
  }

  static listen(space: WordSpace, opts: { host?: string; port?: number } = {}): Promise<EtherboneServer> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        socket.off('error', reject);
        resolve(new EtherboneServer(socket, space));
      });
    });
  }

  get address(): { host: string; port: number } {
    const a = this.socket.address();
    return { host: a.address, port: a.port };
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}
