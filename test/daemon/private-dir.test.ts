// The daemon's private folders (private-dir.ts): created with mode 0700 where missing, refused
// under a folder others may change, refused as a symlink or someone else's (issue 16, defect 1);
// the CLI's check of a control socket before it talks to it.
import { chmodSync, mkdirSync, mkdtempSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkControlSocket, ensurePrivateDir, UnsafeFolderError } from '../../host/daemon/private-dir.ts';

const mode = (p: string) => statSync(p).mode & 0o777;

describe('private folders', () => {
  it('creates missing private folders with mode 0700 and refuses a folder under one others may change', () => {
    const base = mkdtempSync(join(tmpdir(), 'swpriv-'));
    const made = ensurePrivateDir(join(base, 'a', 'b', 'inbox'));
    for (const p of [join(base, 'a'), join(base, 'a', 'b'), made]) expect(mode(p)).toBe(0o700);
    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777); // writable by all and not sticky: anyone could swap our folder out
    expect(() => ensurePrivateDir(join(open, 'inbox'))).toThrow(UnsafeFolderError);
    expect(() => ensurePrivateDir(join(open, 'inbox'))).toThrow(/open can be changed by other users \(mode 0777\)/);
  });

  it('refuses a symlink in its place, and the CLI refuses a socket in a folder others can write to', () => {
    const base = mkdtempSync(join(tmpdir(), 'swpriv-'));
    mkdirSync(join(base, 'real'), { mode: 0o700 });
    symlinkSync(join(base, 'real'), join(base, 'link'));
    expect(() => ensurePrivateDir(join(base, 'link'))).toThrow(/link is a symlink; refusing to follow it/);
    const shared = join(base, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    expect(() => checkControlSocket(join(shared, 'a.sock'))).toThrow(/can be written by other users \(mode 1777\)/);
    expect(() => checkControlSocket(join(base, 'real', 'a.sock'))).not.toThrow(); // nothing there yet: the connection says so
  });
});
