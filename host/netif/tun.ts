// A TUN device through the native helper (tun-helper.c): packets come and go as
// length-prefixed frames on the helper's stdout and stdin. The helper is compiled on first
// use (like the test bed's tools); the device dies with the helper, and the helper with us.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCE = join(ROOT, 'host', 'netif', 'tun-helper.c');
const BINARY = join(ROOT, 'build', 'native', 'skywire-tun');
/** Packets waiting for the helper beyond this are dropped (the kernel queue is full too). */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;
/** Linux interface names: at most 15 characters, no slash, space or colon. */
export const DEVICE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;

export class NetifError extends Error {
  override name = 'NetifError';
}

/** The helper's path, compiled when missing or older than its source. */
export function tunHelper(): string {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return BINARY;
  mkdirSync(join(ROOT, 'build', 'native'), { recursive: true });
  const tmp = `${BINARY}.${process.pid}`;
  const r = spawnSync('cc', ['-O2', '-Wall', '-Werror', '-o', tmp, SOURCE], { encoding: 'utf8' });
  if (r.status !== 0) throw new NetifError(`cannot build the TUN helper (cc ${SOURCE}): ${(r.stderr || String(r.error)).trim()}`);
  renameSync(tmp, BINARY); // atomic: two daemons compiling at once both end with a whole binary
  return BINARY;
}

/**
 * Ends a helper that lives as long as its stdin (the TUN helper, `nft -i`): writes its last
 * words, closes the pipe and waits for it to exit, killing it if it has not within 2 s.
 */
export function endChild(child: ChildProcess, lastWords?: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    if (lastWords) child.stdin!.write(lastWords);
    child.stdin!.end();
  });
}

export class TunDevice {
  /** Packets from the device (the kernel routed them here). */
  onPacket: (packet: Uint8Array) => void = () => {};
  /** The helper exited (device gone) while we did not close it. */
  onExit: (why: string) => void = () => {};
  packetsRead = 0;
  packetsWritten = 0;
  /** Packets dropped because the helper could not keep up. */
  writeDrops = 0;
  private buf: Buffer = Buffer.alloc(0);
  private closing = false;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {}

  /** Creates the device (in this process's network namespace); resolves once it exists. */
  static open(name: string): Promise<TunDevice> {
    if (!DEVICE_NAME.test(name)) return Promise.reject(new NetifError(`device name "${name}" must be 1-15 letters, digits, ".", "_" or "-"`));
    if (!existsSync('/dev/net/tun')) return Promise.reject(new NetifError('no /dev/net/tun on this machine (load the tun module)'));
    const child = spawn(tunHelper(), [name], { stdio: ['pipe', 'pipe', 'pipe'] });
    const dev = new TunDevice(name, child);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
    return new Promise((resolve, reject) => {
      let ready = false;
      child.once('error', (e) => reject(new NetifError(`cannot start the TUN helper: ${e.message}`)));
      child.once('exit', (code, signal) => {
        const why = stderr.trim() || `exit ${code ?? signal}`;
        if (!ready) reject(new NetifError(why.includes('Operation not permitted') ? `${why} (the tunnel needs root or CAP_NET_ADMIN)` : why));
        else if (!dev.closing) dev.onExit(why);
      });
      child.stdin!.on('error', () => {});
      child.stdout!.on('data', (chunk: Buffer) => {
        dev.buf = dev.buf.length ? Buffer.concat([dev.buf, chunk]) : chunk;
        if (!ready) {
          if (dev.buf.length < 2) return;
          // The first frame is empty: the device exists.
          ready = true;
          dev.buf = dev.buf.subarray(2);
          resolve(dev);
        }
        dev.drain();
      });
    });
  }

  private drain(): void {
    let at = 0;
    const b = this.buf;
    while (b.length - at >= 2) {
      const len = (b[at] << 8) | b[at + 1];
      if (b.length - at < len + 2) break;
      this.packetsRead++;
      this.onPacket(new Uint8Array(b.buffer, b.byteOffset + at + 2, len));
      at += len + 2;
    }
    this.buf = at === b.length ? Buffer.alloc(0) : b.subarray(at);
  }

  /** Hands one IP packet to the kernel. */
  write(packet: Uint8Array): void {
    const stdin = this.child.stdin!;
    if (this.closing || stdin.destroyed || packet.length > 0xffff || stdin.writableLength > MAX_PENDING_BYTES) {
      this.writeDrops++;
      return;
    }
    const frame = Buffer.allocUnsafe(packet.length + 2);
    frame[0] = packet.length >> 8;
    frame[1] = packet.length & 0xff;
    frame.set(packet, 2);
    stdin.write(frame);
    this.packetsWritten++;
  }

  /** Removes the device: the helper exits when its stdin closes. */
  close(): Promise<void> {
    this.closing = true;
    return endChild(this.child);
  }
}
