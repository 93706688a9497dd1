// The daemon's folders: where its control socket lives (the runtime folder) and where received
// files are written (the inbox). A root daemon writing into a folder another user controls
// can be made to overwrite any file through a planted symlink, and a control socket in a
// shared folder can be squatted, so both folders are checked the way OpenSSH checks the path
// of an authorized_keys file:
//   - every folder above is owned by root or by us and cannot be changed by anyone else
//     (not writable by group or others, or sticky like /tmp, where nobody can rename or
//     delete what we created);
//   - the folder itself is a real folder (not a symlink), owned by us, created with mode 0700
//     when missing, and not writable by group or others (so nobody else can create a name in
//     it first: a symlink where a received file will go, or a socket where ours will).
// Names inside a checked folder can then only be changed by us, so opening files there by
// name is safe (Node has no openat()).
import { lstatSync, mkdirSync, realpathSync, type Stats } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, parse, resolve, sep } from 'node:path';

/** Mode bits that must be clear on our own folders: nobody else may create or rename entries. */
const FORBIDDEN_BITS = 0o022;

export class UnsafeFolderError extends Error {
  override name = 'UnsafeFolderError';
}

function euid(): number {
  return process.geteuid?.() ?? 0;
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** Owned by root or by us: nobody else can change its mode or replace what is in it. */
function trustedOwner(st: Stats): boolean {
  return st.uid === 0 || st.uid === euid();
}

/** A folder above ours: trusted owner, and others cannot rename entries (not writable, or sticky). */
function checkAncestor(path: string, st: Stats): void {
  if (!st.isDirectory()) throw new UnsafeFolderError(`${path} is not a folder`);
  if (!trustedOwner(st)) throw new UnsafeFolderError(`${path} belongs to uid ${st.uid}, not to root or to us (uid ${euid()})`);
  const sticky = (st.mode & 0o1000) !== 0;
  if ((st.mode & 0o022) !== 0 && !sticky) throw new UnsafeFolderError(`${path} can be changed by other users (mode ${octal(st.mode)})`);
}

/**
 * Checks every folder from / down to `dir` (exclusive) as an ancestor. Symlinks on the way are
 * allowed only when root or we own them (so nobody else can retarget them), and the folders
 * they lead to are checked too.
 */
function checkAncestors(dir: string): void {
  const { root } = parse(dir);
  const parts = dir.slice(root.length).split(sep).filter(Boolean);
  let at = root;
  checkAncestor(at, lstatSync(at));
  for (const p of parts) {
    at = join(at, p);
    const st = lstatSync(at);
    if (st.isSymbolicLink()) {
      if (!trustedOwner(st)) throw new UnsafeFolderError(`${at} is a symlink owned by uid ${st.uid}`);
      const real = realpathSync(at);
      checkAncestors(real);
      checkAncestor(real, lstatSync(real));
    } else checkAncestor(at, st);
  }
}

/**
 * Makes sure `dir` exists as a private folder of this user and returns its path. Missing
 * folders (and missing parents) are created with mode 0700. Throws UnsafeFolderError with a
 * reason a user can act on.
 */
export function ensurePrivateDir(dir: string): string {
  if (!isAbsolute(dir)) throw new UnsafeFolderError(`${dir} is not an absolute path`);
  dir = resolve(dir);
  const parent = dirname(dir);
  if (parent !== dir) {
    let pst: Stats | undefined;
    try {
      pst = lstatSync(parent);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    // A missing parent is created private too (for example ~/.local/share/skywire).
    if (!pst) ensurePrivateDir(parent);
    checkAncestors(parent);
  }
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    // EEXIST: a folder, a file or a symlink is there already; lstat says which.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new UnsafeFolderError(`cannot create ${dir}: ${codeOf(e)}`);
  }
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) throw new UnsafeFolderError(`${dir} is a symlink; refusing to follow it (use the real folder's path)`);
  if (!st.isDirectory()) throw new UnsafeFolderError(`${dir} exists and is not a folder`);
  if (st.uid !== euid()) throw new UnsafeFolderError(`${dir} belongs to uid ${st.uid}, not to us (uid ${euid()}); someone else created it`);
  if (st.mode & FORBIDDEN_BITS) throw new UnsafeFolderError(`${dir}: other users can write to it (mode ${octal(st.mode)}); run chmod 700 ${dir}`);
  return dir;
}

/**
 * The CLI's check before it talks to a control socket: the socket lies in a folder nobody else
 * can write to (so nobody could have put it there in place of the daemon's), below folders
 * nobody else can change, and belongs to the folder's owner.
 */
export function checkControlSocket(path: string): void {
  const dir = dirname(resolve(path));
  checkAncestors(dir);
  const d = lstatSync(dir);
  if (!d.isDirectory() || !trustedOwner(d)) throw new UnsafeFolderError(`${dir} belongs to uid ${d.uid}, not to root or to us (uid ${euid()})`);
  if (d.mode & FORBIDDEN_BITS) throw new UnsafeFolderError(`${dir} can be written by other users (mode ${octal(d.mode)}), so anyone could have put a socket there`);
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // nothing there: the connection says so
    throw e;
  }
  if (!st.isSocket()) throw new UnsafeFolderError(`${path} is not a socket`);
  if (st.uid !== d.uid && st.uid !== euid()) throw new UnsafeFolderError(`${path} belongs to uid ${st.uid}, not to the owner of ${dir}`);
}

/**
 * Where this user's daemons keep their control sockets: /run/skywire for root,
 * $XDG_RUNTIME_DIR/skywire otherwise, and a private folder in the temporary folder when
 * there is no runtime folder (checked like every other: it must be ours and mode 0700).
 */
export function defaultRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (euid() === 0) return '/run/skywire';
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'skywire');
  return join(tmpdir(), `skywire-${euid()}`);
}

/** Where received files go by default: $XDG_DATA_HOME/skywire/inbox/<node>, else ~/.local/share/... */
export function defaultInbox(node: string, env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_DATA_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'skywire', 'inbox', node);
}

export function codeOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}
