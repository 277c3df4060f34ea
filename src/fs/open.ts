/**
 * Safe open: what a request may read is decided on the descriptor actually opened, not on a path checked
 * a moment before. Special files are refused before anything is opened, and nothing is ever opened in
 * a way that can block (a FIFO with no writer would hold a thread of Node's file-I/O pool forever).
 */
import { constants, readlinkSync, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { HttpError } from '../http/errors.js';
import { sameIdentity, type FileIdentity } from './cache/blocks.js';
import { fsPath, nameFromBytes } from './names.js';
import { isInside, resolveFsPath, type UrlPath } from './resolve.js';
import { Gate } from './gate.js';

/**
 * Read-only; never blocks on a FIFO or a device; refuses a symlink in the last component (the path was
 * just resolved, so a symlink there now means it was swapped under us).
 */
const SAFE_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;

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
const opens = new Gate(Math.max(1, Number(process.env.UV_THREADPOOL_SIZE ?? 4) - 1));

/**
 * Open what `url` names under `root`, which must be a regular file or a folder, inside the root (unless
 * `followSymlinks`). Order: resolve the real path and check containment (cheap refusals first) → stat
 * it and refuse anything but a file or folder without opening it → open it non-blocking and without
 * following a final symlink → fstat the descriptor: it must be the very file stat'ed → ask the kernel
 * where the descriptor really is (`/proc/self/fd`) and check that is inside the root. A folder swapped
 * for a symlink between any two steps is caught by one of the last two.
 *
 * Throws `HttpError(404)` for anything refused and the file system's errors (ENOENT…) as they are.
 */
export async function openInside(root: string, url: UrlPath, options: OpenInsideOptions): Promise<OpenedPath> {
  return opens.run(async () => {
    const abs = await resolveFsPath(root, url, options);
    const before = await stat(fsPath(abs));
    if (!before.isFile() && !before.isDirectory()) throw new HttpError(404, 'not a regular file or folder');
    const fh = await openNonBlocking(abs);
    try {
      const st = await fh.stat();
      if (st.ino !== before.ino || st.dev !== before.dev) throw new HttpError(404, 'replaced while being opened');
      if (!options.followSymlinks && !openedInside(fh, root, abs)) throw new HttpError(404, 'opened outside root');
      return { fh, stat: st, abs };
    } catch (err) {
      await fh.close();
      throw err;
    }
  });
}

/**
 * Open a file already resolved and checked (a metadata-cache hit, or a download taking its handle back)
 * and confirm it is still that very file: same inode, size, mtime and ctime — the same bytes. A file
 * with that identity is the one that was found inside the root, wherever a link swap points now.
 */
export async function openKnown(abs: string, expected: FileIdentity): Promise<FileHandle> {
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

async function openNonBlocking(abs: string): Promise<FileHandle> {
  try {
    return await open(fsPath(abs), SAFE_FLAGS);
  } catch (err) {
    // ELOOP: the last component became a symlink; ENXIO: a socket (or a FIFO swapped in); both name nothing here.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENXIO') throw new HttpError(404, 'not a regular file or folder');
    throw err;
  }
}

let procFd: boolean | null = null;

/**
 * Whether the open descriptor lies inside the root: on Linux the kernel's own answer (the link
 * `/proc/self/fd/N`, a memory-only lookup). Where there is no `/proc`, only the checks before it
 * (containment of the resolved path, same inode as stat'ed) stand.
 */
function openedInside(fh: FileHandle, root: string, abs: string): boolean {
  if (procFd !== false) {
    try {
      const where = nameFromBytes(readlinkSync(`/proc/self/fd/${fh.fd}`, { encoding: 'buffer' }));
      procFd = true;
      // A file unlinked since it was opened reads `<path> (deleted)`: its place can no longer be checked.
      return !where.endsWith(' (deleted)') && isInside(root, where);
    } catch (err) {
      if (procFd === true) throw err;
      procFd = false;
    }
  }
  return isInside(root, abs);
}
