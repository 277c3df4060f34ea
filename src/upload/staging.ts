/**
 * The staging folder: `<root>/.aqua-uploads/`, on the root's file system so that a finished upload is renamed
 * (or hard-linked) into place, never copied. Never served, listed or archived (`fs/names.ts` STAGING_NAME).
 * Holds `put-<random>.part` (a plain PUT in progress), `<id>.part` + `<id>.json` (a tus upload and its state),
 * and `*.tmp` (a state file being written). Abandoned files are removed by {@link sweepStaging}.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, statfs, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { fsPath, STAGING_NAME } from '../fs/names.js';
import { HttpError } from '../http/errors.js';

/** The staging folder of `root` (a real path), created (mode 0700) when missing; refused if it is not a folder. */
export async function stagingDir(root: string): Promise<string> {
  const dir = path.join(root, STAGING_NAME);
  await mkdir(fsPath(dir), { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  const st = await lstat(fsPath(dir));
  if (!st.isDirectory()) throw new HttpError(500, 'the staging folder is not a folder');
  return dir;
}

/**
 * A new, empty staging file (exclusive create, never following a link), open for writing. Mode 0644 less the
 * umask, as the file will have once in place (the staging folder itself is 0700); state files pass 0600.
 */
export async function createStaged(file: string, mode = 0o644): Promise<FileHandle> {
  return open(fsPath(file), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
}

/** A random name part: 32 hex digits. */
export function randomId(): string {
  return randomBytes(16).toString('hex');
}

/** Bytes free for an unprivileged writer on the file system holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(fsPath(dir));
  return s.bavail * s.bsize;
}

/**
 * Throw 507 (Insufficient Storage) when fewer than `needed` bytes are free where `dir` is. A file system that
 * cannot say (statfs failing) is let through: the writes themselves still fail with ENOSPC.
 */
export async function requireSpace(dir: string, needed: number): Promise<void> {
  const free = await freeBytes(dir).catch(() => Infinity);
  if (needed > free) throw new HttpError(507, 'not enough free space');
}

/** Write `data` as JSON to `file` atomically: a temporary file beside it, fsync'ed, then renamed over it. */
export async function writeJsonAtomic(file: string, data: unknown): Promise<void> {
  const tmp = `${file}.${randomId().slice(0, 8)}.tmp`;
  const fh = await createStaged(tmp, 0o600);
  try {
    await fh.writeFile(JSON.stringify(data));
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(fsPath(tmp), { force: true });
    throw err;
  }
  await fh.close();
  await rename(fsPath(tmp), fsPath(file));
}

/** fsync a folder, so that a rename or link in it survives a crash. Best effort: some file systems refuse. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(fsPath(dir), constants.O_RDONLY | constants.O_DIRECTORY).catch(() => null);
  if (!fh) return;
  try {
    await fh.sync();
  } catch {
    // EINVAL on file systems that do not sync folders: nothing more can be done
  } finally {
    await fh.close();
  }
}

/**
 * Remove every staging file not written to for `maxAgeMs` (an upload's `.part` and `.json` go together:
 * the younger of the two keeps both), unless `inUse` says a request is writing to that upload now. Returns
 * the names removed. Never throws for one file.
 */
export async function sweepStaging(
  dir: string,
  maxAgeMs: number,
  now = Date.now(),
  inUse: (upload: string) => boolean = () => false,
): Promise<string[]> {
  const names = await readdir(fsPath(dir) as string).catch(() => [] as string[]);
  const ages = new Map<string, number>();
  for (const name of names) {
    const st = await lstat(fsPath(path.join(dir, name))).catch(() => null);
    if (!st) continue;
    const key = groupOf(name);
    ages.set(key, Math.max(ages.get(key) ?? 0, st.mtimeMs));
  }
  const removed: string[] = [];
  for (const name of names) {
    const newest = ages.get(groupOf(name)) ?? now;
    if (now - newest < maxAgeMs || inUse(groupOf(name))) continue;
    await rm(fsPath(path.join(dir, name)), { force: true, recursive: true }).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}

/** `abc.part`, `abc.json` and `abc.json.1234.tmp` belong to upload `abc`. */
function groupOf(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? name : name.slice(0, dot);
}
