// Changes to the machine's network, each recorded in a journal file before it is made, so
// that whatever the daemon did is undone: on a clean stop, and on the next start after a
// crash or SIGKILL. What cannot outlive the daemon is not journaled at all: the TUN device
// dies with its helper (tun.ts), and nftables tables are created with the "owner" flag by an
// `nft -i` child that holds them (nft.ts), so the kernel drops them when that child goes.
// The journal holds the rest: routes through other devices, the resolver file, sysctls.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { NetifError } from './tun.ts';

export type UndoStep =
  | { kind: 'route'; dst: string; via?: string; dev: string }
  | { kind: 'link'; dev: string }
  | { kind: 'resolv'; path: string; content?: string; symlink?: string; absent?: boolean }
  | { kind: 'sysctl'; key: string; value: string };

/** Runs a command; throws a NetifError naming it and its stderr when it fails. */
export function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new NetifError(`${cmd}: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed' : r.error.message}`);
  if (r.status !== 0) throw new NetifError(`${cmd} ${args.join(' ')}: ${(r.stderr || '').trim() || `exit ${r.status}`}`);
  return r.stdout;
}

/** Like run, but a failure is only reported (undoing what may already be gone). */
function tryRun(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { encoding: 'utf8' }).status === 0;
}

export function linkExists(dev: string): boolean {
  return tryRun('ip', ['link', 'show', 'dev', dev]);
}

/** How the kernel reaches `address` now: the device and the gateway, if any. */
export function routeTo(address: string): { dev: string; via?: string } | undefined {
  const r = spawnSync('ip', ['-o', 'route', 'get', address], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const dev = /\bdev (\S+)/.exec(r.stdout)?.[1];
  const via = /\bvia (\S+)/.exec(r.stdout)?.[1];
  return dev ? { dev, via } : undefined;
}

export function readSysctl(key: string): string {
  return readFileSync(`/proc/sys/${key.replace(/\./g, '/')}`, 'utf8').trim();
}

export function writeSysctl(key: string, value: string): void {
  writeFileSync(`/proc/sys/${key.replace(/\./g, '/')}`, value);
}

/**
 * The undo journal: one JSON step per line, appended (and flushed) before each change, so a
 * crash between the two leaves at worst a step whose undo finds nothing to do.
 */
export class Journal {
  constructor(readonly path: string) {}

  private read(): UndoStep[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as UndoStep];
        } catch {
          return []; // a line cut short by a crash
        }
      });
  }

  record(step: UndoStep): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    writeFileSync(this.path, JSON.stringify(step) + '\n', { flag: 'a', mode: 0o600 });
  }

  /** Steps waiting to be undone (what a crashed daemon left). */
  pending(): UndoStep[] {
    return this.read();
  }

  /** Undoes every recorded step, newest first, and empties the journal. Returns what was undone. */
  undoAll(): string[] {
    const done: string[] = [];
    for (const s of this.read().reverse()) {
      done.push(undo(s));
    }
    if (existsSync(this.path)) unlinkSync(this.path);
    return done;
  }
}

function undo(s: UndoStep): string {
  switch (s.kind) {
    case 'route': {
      const ok = tryRun('ip', ['route', 'del', s.dst, ...(s.via ? ['via', s.via] : []), 'dev', s.dev]);
      return `route ${s.dst} via ${s.via ?? '-'} dev ${s.dev}: ${ok ? 'removed' : 'already gone'}`;
    }
    case 'link': {
      const ok = linkExists(s.dev) && tryRun('ip', ['link', 'del', 'dev', s.dev]);
      return `device ${s.dev}: ${ok ? 'removed' : 'already gone'}`;
    }
    case 'resolv':
      restoreResolv(s);
      return `resolver ${s.path}: restored`;
    case 'sysctl':
      try {
        writeSysctl(s.key, s.value);
        return `${s.key} = ${s.value}: restored`;
      } catch (e) {
        return `${s.key}: ${(e as Error).message}`;
      }
  }
}

// ---- steps ---------------------------------------------------------------------------------

/** Adds a route (journaled first). */
export function addRoute(j: Journal, dst: string, dev: string, via?: string): void {
  const step: UndoStep = { kind: 'route', dst, dev, ...(via ? { via } : {}) };
  j.record(step);
  run('ip', ['route', 'replace', dst, ...(via ? ['via', via] : []), 'dev', dev]);
}

/** Replaces the resolver file with `content` (journaled first, with what was there). */
export function replaceResolv(j: Journal, path: string, content: string): void {
  let before: UndoStep;
  if (!existsSync(path) && !isSymlink(path)) before = { kind: 'resolv', path, absent: true };
  else if (isSymlink(path)) before = { kind: 'resolv', path, symlink: readlinkSync(path) };
  else before = { kind: 'resolv', path, content: readFileSync(path, 'utf8') };
  j.record(before);
  // A symlink (a resolver daemon's stub) is replaced by a file, never written through.
  if (isSymlink(path)) unlinkSync(path);
  // Written in place, not renamed over: the path may be a bind mount (ip netns exec does that).
  writeFileSync(path, content);
}

function restoreResolv(s: Extract<UndoStep, { kind: 'resolv' }>): void {
  if (s.symlink !== undefined) {
    if (existsSync(s.path) || isSymlink(s.path)) unlinkSync(s.path);
    const tmp = `${s.path}.skywire-restore`;
    symlinkSync(s.symlink, tmp);
    renameSync(tmp, s.path);
  } else if (s.absent) {
    if (existsSync(s.path)) unlinkSync(s.path);
  } else writeFileSync(s.path, s.content ?? '');
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Sets a sysctl, journaling the old value, when it differs. */
export function setSysctl(j: Journal, key: string, value: string): void {
  const old = readSysctl(key);
  if (old === value) return;
  j.record({ kind: 'sysctl', key, value: old });
  writeSysctl(key, value);
}
