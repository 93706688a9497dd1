// What the kernel knows about a UDP socket and Node does not tell: datagrams dropped because
// the receive buffer was full, and bytes waiting in it. Linux has SO_RXQ_OVFL for the first,
// but Node exposes no socket options beyond buffer sizes, so this reads the socket's line in
// /proc/self/net/udp (the `drops` and `rx_queue` columns), found by the socket's inode among
// this process's descriptors. Elsewhere (no /proc) the figures are simply unavailable.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface KernelSocketStats {
  /** Datagrams the kernel dropped for this socket (receive buffer full, or bad checksum). */
  drops: number;
  /** Bytes queued in the receive buffer, not yet read by us. */
  rxQueueBytes: number;
}

/** Inodes of this process's sockets (from /proc/self/fd), or undefined without /proc. */
function ownSocketInodes(): Set<string> | undefined {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return undefined;
  }
  const out = new Set<string>();
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) out.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

interface UdpLine {
  localPort: number;
  inode: string;
  rxQueue: number;
  drops: number;
}

function readUdpTable(): UdpLine[] | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/net/udp', 'utf8');
  } catch {
    return undefined;
  }
  const out: UdpLine[] = [];
  for (const line of text.split('\n').slice(1)) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    out.push({
      localPort: parseInt(f[1].split(':')[1], 16),
      inode: f[9],
      rxQueue: parseInt(f[4].split(':')[1], 16),
      drops: Number(f[12]),
    });
  }
  return out;
}

/** Reads one bound UDP socket's kernel counters; finds the socket once, by port and inode. */
export class UdpKernelStats {
  private inode: string | undefined;
  private unavailable = false;

  constructor(private readonly port: number) {}

  read(): KernelSocketStats | undefined {
    if (this.unavailable) return undefined;
    const table = readUdpTable();
    if (!table) {
      this.unavailable = true;
      return undefined;
    }
    if (!this.inode) {
      const mine = ownSocketInodes();
      const line = table.find((l) => l.localPort === this.port && (!mine || mine.has(l.inode)));
      if (!line) return undefined;
      this.inode = line.inode;
    }
    const line = table.find((l) => l.inode === this.inode);
    return line ? { drops: line.drops, rxQueueBytes: line.rxQueue } : undefined;
  }
}
