// An Etherbone device on loopback whose datagrams meet the fates a test chooses: delivered,
// request lost, answer lost, answer duplicated, answer delayed.
import { createSocket, type Socket } from 'node:dgram';
import type { WordSpace } from '../../../host/device/bus.ts';
import { type EtherboneServerStats, serveDatagram } from '../../../host/device/etherbone-server.ts';

export type Fate = 'deliver' | 'drop-request' | 'drop-answer' | 'duplicate-answer' | { delayMs: number };

/** An Etherbone device on loopback whose datagrams meet the fates a test chooses. */
export async function faultyDevice(space: WordSpace, fate: (n: number, datagram: Uint8Array) => Fate): Promise<{ socket: Socket; port: number; stats: EtherboneServerStats; datagrams: Uint8Array[] }> {
  const socket = createSocket('udp4');
  const stats: EtherboneServerStats = { packets: 0, probes: 0, records: 0, writes: 0, reads: 0, malformed: 0, unsupported: 0 };
  const datagrams: Uint8Array[] = [];
  let n = 0;
  socket.on('message', (msg, r) => {
    const b = Uint8Array.from(msg);
    const f = fate(n++, b);
    datagrams.push(b);
    if (f === 'drop-request') return;
    const answer = serveDatagram(space, b, stats);
    if (!answer || f === 'drop-answer') return;
    const send = (): void => void socket.send(answer, r.port, r.address);
    if (typeof f === 'object') setTimeout(send, f.delayMs);
    else {
      send();
      if (f === 'duplicate-answer') send();
    }
  });
  await new Promise<void>((res) => socket.bind(0, '127.0.0.1', () => res()));
  return { socket, port: socket.address().port, stats, datagrams };
}

