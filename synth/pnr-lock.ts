// One place-and-route job at a time on this machine. nextpnr fills a core for minutes to
// hours and its result (fmax) does not depend on the load, but two runs at once on two cores
// starve everything else (tests, simulation) and each other, so every flow entry point that
// places and routes takes this lock first. The lock is flock(1) on a file in the system's
// temporary folder, shared by every checkout on the machine; it is held by a child process
// that reads our stdin, so it is released when we release it or when this process dies.

import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PNR_LOCK_FILE = process.env.SKYWIRE_PNR_LOCK ?? join(tmpdir(), 'skywire-hw-pnr.lock');

/** Waits for the machine-wide place-and-route lock; resolves to the function that releases it. */
export function acquirePnrLock(what: string, onWait?: (msg: string) => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const holder = spawn('flock', ['--exclusive', PNR_LOCK_FILE, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let got = false;
    const waitTimer = setTimeout(() => onWait?.(`${what}: waiting for another place-and-route job (lock ${PNR_LOCK_FILE})`), 2000);
    holder.stdout.on('data', (d: Buffer) => {
      if (got || !d.toString().includes('locked')) return;
      got = true;
      clearTimeout(waitTimer);
      resolve(() => holder.stdin.end());
    });
    holder.on('error', (e) => {
      clearTimeout(waitTimer);
      reject(new Error(`cannot take the place-and-route lock: flock(1) failed: ${e.message} (Debian package util-linux)`));
    });
    holder.on('close', (code) => {
      clearTimeout(waitTimer);
      if (!got) reject(new Error(`cannot take the place-and-route lock ${PNR_LOCK_FILE}: flock exited ${code}`));
    });
  });
}

/** Runs `job` holding the place-and-route lock. */
export async function withPnrLock<T>(what: string, job: () => Promise<T>): Promise<T> {
  const release = await acquirePnrLock(what, (m) => process.stderr.write(`${m}\n`));
  try {
    return await job();
  } finally {
    release();
  }
}
