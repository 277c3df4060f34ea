/**
 * Safe open: what a request may read is decided on the descriptor actually opened, not on a path checked
 * a moment before. Nothing is ever opened in a way that can block (a FIFO with no writer, opened for
 * reading, would hold a thread of Node's file-I/O pool forever), and special files are refused before a
 * byte is read.
 */
import { constants, existsSync, readlinkSync, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { HttpError } from '../http/errors.js';
import { sameIdentity, type FileIdentity } from './cache/blocks.js';
import { fsPath, nameFromBytes } from './names.js';
import { isInside, resolveFsPath, type UrlPath } from './resolve.js';
import { Gate, POOL_SIZE } from './gate.js';
import { descriptors } from './descriptors.js';

/**
 * Read-only; never blocks on a FIFO or a device; refuses a symlink in the last component (the path was
 * just resolved, so a symlink there now means it was swapped under us).
 */
const SAFE_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;
/** The same, following symlinks: where they led is checked on the descriptor afterwards. */
const FOLLOW_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** A regular file or a folder, open, with the stat of its descriptor. */
export interface OpenedPath {
  readonly fh: FileHandle;
  readonly stat: Stats;
  /** The real path it was opened by (names as in names.ts). */
  readonly abs: string;
}

export interface OpenInsideOptions {
  readonly followSymlinks: boolean;
}

/**
 * Resolving and opening is the one kind of request that can be slow on a sick disk: at most this many
 * run at once, so they can never take every thread of the pool (default 4) from the reads of running
 * downloads.
 */
const opens = new Gate(Math.max(1, POOL_SIZE - 1));

/**
 * Open what `url` names under `root`, which must be a regular file or a folder, inside the root (unless
 * `followSymlinks`). On Linux: open the joined path non-blocking (a FIFO opens at once, a socket fails
 * with ENXIO; neither is ever read) → fstat the descriptor and refuse anything but a file or folder →
 * ask the kernel where the descriptor really is (`/proc/self/fd/N`, symlinks resolved) and require that
 * to be inside the root. What is checked is what was opened, so a folder swapped for a symlink at any
 * moment cannot lead out. Two trips to the thread pool. Elsewhere: see {@link openByRealPath}.
 *
 * Throws `HttpError(404)` for anything refused, `HttpError(503)` when descriptors are short (see
 * descriptors.ts), and the file system's errors (ENOENT…) as they are.
 */
export async function openInside(root: string, url: UrlPath, options: OpenInsideOptions): Promise<OpenedPath> {
  return opens.run(async () => {
    if (!HAVE_PROC_FD) return openByRealPath(root, url, options);
    const joined = url.segments.length === 0 ? root : path.join(root, ...url.segments);
    descriptors.admit('new');
    const fh = await openNonBlocking(joined, FOLLOW_FLAGS);
    try {
      const st = await fh.stat();
      if (!st.isFile() && !st.isDirectory()) throw new HttpError(404, 'not a regular file or folder');
      const abs = openedPath(fh);
      if (abs === null) throw new HttpError(404, 'deleted while being opened');
      if (!options.followSymlinks && !isInside(root, abs)) throw new HttpError(404, 'opened outside root');
      return { fh, stat: st, abs };
    } catch (err) {
      await fh.close();
      throw err;
    }
  });
}

/**
 * Without `/proc`: resolve the real path and check containment → stat it and refuse anything but a file
 * or folder unopened → open it without following a final symlink → its fstat must be the inode stat'ed.
 * A swap of an intermediate folder between the resolve and the open is not caught here.
 */
async function openByRealPath(root: string, url: UrlPath, options: OpenInsideOptions): Promise<OpenedPath> {
  const abs = await resolveFsPath(root, url, options);
  const before = await stat(fsPath(abs));
  if (!before.isFile() && !before.isDirectory()) throw new HttpError(404, 'not a regular file or folder');
  descriptors.admit('new');
  const fh = await openNonBlocking(abs, SAFE_FLAGS);
  try {
    const st = await fh.stat();
    if (st.ino !== before.ino || st.dev !== before.dev) throw new HttpError(404, 'replaced while being opened');
    return { fh, stat: st, abs };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * Open a file already resolved and checked (a metadata-cache hit, or a download taking its handle back)
 * and confirm it is still that very file: same inode, size, mtime and ctime — the same bytes. A file
 * with that identity is the one that was found inside the root, wherever a link swap points now.
 */
export async function openKnown(
  abs: string,
  expected: FileIdentity,
  kind: 'new' | 'resume' = 'new',
): Promise<FileHandle> {
  descriptors.admit(kind, expected.size);
  const fh = await openNonBlocking(abs).catch(() => {
    throw new FileGoneError();
  });
  let same = false;
  try {
    const st = await fh.stat();
    same = st.isFile() && sameIdentity(st, expected);
  } catch {
    // unreadable now: treated like a changed file
  }
  if (same) return fh;
  await fh.close();
  throw new FileGoneError();
}

/** The file opened by path is no longer the one the response was planned for (replaced, changed, gone). */
export class FileGoneError extends HttpError {
  constructor() {
    super(404, 'file changed or vanished');
    this.name = 'FileGoneError';
  }
}

async function openNonBlocking(abs: string, flags = SAFE_FLAGS): Promise<FileHandle> {
  try {
    return descriptors.track(await open(fsPath(abs), flags));
  } catch (err) {
    // ELOOP: the last component became a symlink; ENXIO: a socket (or a FIFO swapped in); both name nothing here.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENXIO') throw new HttpError(404, 'not a regular file or folder');
    throw err;
  }
}

/** Linux and its like: the kernel tells where an open descriptor is. */
const HAVE_PROC_FD = existsSync('/proc/self/fd');

/**
 * The real path of what the descriptor holds, from the kernel (`/proc/self/fd/N`: a memory-only lookup,
 * names exact as bytes), or `null` for a file unlinked since it was opened (`<path> (deleted)`).
 */
function openedPath(fh: FileHandle): string | null {
  const where = nameFromBytes(readlinkSync(`/proc/self/fd/${fh.fd}`, { encoding: 'buffer' }));
  return where.endsWith(' (deleted)') ? null : where;
}

/**
 * Whether a descriptor opened by path (following links) holds something inside `root`, asked of the
 * kernel. Without `/proc` this cannot be told and is taken as true: the caller's own checks on the path
 * are all there is (see {@link openByRealPath}).
 */
export function openedInside(fh: FileHandle, root: string): boolean {
  if (!HAVE_PROC_FD) return true;
  const where = openedPath(fh);
  return where !== null && isInside(root, where);
}

/**
 * Run `task` with a path that reaches the very folder opened at `abs` now, whatever is renamed or
 * swapped for a symlink meanwhile: on Linux `/proc/self/fd/N` of a descriptor checked to be a folder
 * inside the root (unless `followSymlinks`), so names read and stats made through it never come from a
 * folder outside. `task` also gets that folder's stat (its identity, for caches). The descriptor is
 * closed when `task` settles. A folder that is no longer one, or now outside, is `HttpError(404)`.
 * Without `/proc`, `task` gets `abs` itself (a swap of a folder on the path is not caught there).
 */
export async function withFolder<T>(
  abs: string,
  options: { readonly root: string; readonly followSymlinks: boolean },
  task: (dir: string, st: Stats) => Promise<T>,
): Promise<T> {
  descriptors.admit('resume');
  const fh = await openNonBlocking(abs, FOLLOW_FLAGS | constants.O_DIRECTORY).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'ENOENT') throw new HttpError(404, 'folder vanished');
    throw err;
  });
  try {
    const st = await fh.stat();
    if (!st.isDirectory() || (!options.followSymlinks && !openedInside(fh, options.root)))
      throw new HttpError(404, 'folder moved outside the root');
    return await task(HAVE_PROC_FD ? `/proc/self/fd/${fh.fd}` : abs, st);
  } finally {
    await fh.close();
  }
}
