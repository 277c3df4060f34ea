/**
 * Where a finished upload goes, and putting it there. The target folder is reached one segment at a time
 * from the upload folder, each one opened and checked on its descriptor (a folder, still inside the upload
 * folder: no symlink leads out), and the file is linked or renamed into the very folder that was checked
 * (`/proc/self/fd/N/name`), so a folder swapped for a symlink meanwhile cannot redirect it. Names come from
 * the same resolver as reads (`fs/resolve.ts`), NFC/NFD and raw bytes kept as sent.
 */
import { constants, existsSync } from 'node:fs';
import { link, lstat, mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { fsPath } from '../fs/names.js';
import { openedInside } from '../fs/open.js';
import { isInside, realName } from '../fs/resolve.js';
import { HttpError } from '../http/errors.js';
import { syncDir } from './staging.js';

/** The folder a file is uploaded into. */
export interface TargetFolder {
  /** Real path of the served root. */
  readonly root: string;
  /** URL segments of the upload folder (`--upload <subfolder>`; `[]` for the whole tree). */
  readonly area: readonly string[];
  /** URL segments of the target folder, from the root. */
  readonly folder: readonly string[];
  /** Create missing folders below the upload folder (tus relative paths); else a missing one is 409. */
  readonly create: boolean;
}

/** Whether `folder` is the upload folder or below it. */
export function insideArea(area: readonly string[], folder: readonly string[]): boolean {
  return folder.length >= area.length && area.every((segment, i) => folder[i] === segment);
}

const HAVE_PROC_FD = existsSync('/proc/self/fd');

interface OpenDir {
  readonly fh: FileHandle;
  /** A path that reaches this very folder (its descriptor's `/proc` entry, where there is one). */
  readonly ref: string;
}

/** The 409 for a folder that does not exist (tus creation tells it from a file in the way). */
export class MissingFolderError extends HttpError {
  constructor() {
    super(409, 'the target folder does not exist');
    this.name = 'MissingFolderError';
  }
}

/** Open `where` as a folder and check it is one, inside `areaReal`: 409 for a file in the way, 403 outside. */
async function openDir(where: string, areaReal: string): Promise<OpenDir> {
  const fh = await open(fsPath(where), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NONBLOCK).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new MissingFolderError();
      if (err.code === 'ENOTDIR' || err.code === 'ELOOP') throw new HttpError(409, 'not a folder in the way');
      throw err;
    },
  );
  try {
    if (!(await fh.stat()).isDirectory()) throw new HttpError(409, 'not a folder in the way');
    if (HAVE_PROC_FD) {
      if (!openedInside(fh, areaReal)) throw new HttpError(403, 'the folder leads outside the upload folder');
      return { fh, ref: `/proc/self/fd/${fh.fd}` };
    }
    const real = await realName(where);
    if (!isInside(areaReal, real)) throw new HttpError(403, 'the folder leads outside the upload folder');
    return { fh, ref: real };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * Run `task` with a path that reaches the target folder, checked as described above; the folder's
 * descriptor is closed when `task` settles. 403 outside the upload folder, 409 for a missing folder
 * (unless `create`) or a file in the way.
 */
export async function withTargetFolder<T>(target: TargetFolder, task: (dir: string) => Promise<T>): Promise<T> {
  if (!insideArea(target.area, target.folder)) throw new HttpError(403, 'outside the upload folder');
  const areaReal = await realName(path.join(target.root, ...target.area)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new HttpError(409, 'the upload folder is gone');
    throw err;
  });
  if (!isInside(target.root, areaReal)) throw new HttpError(403, 'the upload folder leads outside the root');
  let dir = await openDir(areaReal, areaReal);
  try {
    for (const segment of target.folder.slice(target.area.length)) {
      const next = path.join(dir.ref, segment);
      if (target.create) {
        await mkdir(fsPath(next), { mode: 0o755 }).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
        });
      }
      const child = await openDir(next, areaReal);
      await dir.fh.close();
      dir = child;
    }
    return await task(dir.ref);
  } finally {
    await dir.fh.close();
  }
}

/** Where a file landed: its name in the folder, and whether it replaced one. */
export interface Placed {
  readonly name: string;
  readonly replaced: boolean;
}

/** Most `name (n).ext` tried before giving up (409). */
const MAX_NUMBERED = 9999;

/**
 * Move the complete, fsync'ed `staged` file into folder `dir` as `name`. With `overwrite` it is renamed over an
 * existing regular file (anything else there is 409). Without, it is hard-linked under the first free name of
 * `name`, `name (1).ext`, `name (2).ext`… — `link` fails when the name exists, so two uploads racing for one
 * name can never replace each other — then unlinked from staging. File systems without hard links fall back
 * to a check then rename. The folder is fsync'ed afterwards.
 */
export async function placeFile(
  staged: string,
  dir: string,
  name: string,
  overwrite: boolean,
  configFile: string | null = null,
): Promise<Placed> {
  if (configFile !== null && (await isConfigFile(dir, name, configFile)))
    throw new HttpError(403, 'the config file is not writable by uploads');
  const placed = overwrite ? await replace(staged, dir, name) : await addNew(staged, dir, name);
  await syncDir(dir);
  return placed;
}

/**
 * Whether `name` in `dir` (a descriptor path) is the site's config file, made or replaced by an upload: the same
 * name in the same folder (by device and inode), whether the file exists yet or not. It is the server's own
 * settings (headers, redirects), not a file of the share.
 */
async function isConfigFile(dir: string, name: string, configFile: string): Promise<boolean> {
  if (name !== path.basename(configFile)) return false;
  const [here, there] = await Promise.all([stat(fsPath(dir)), stat(path.dirname(configFile)).catch(() => null)]);
  return there !== null && here.dev === there.dev && here.ino === there.ino;
}

async function replace(staged: string, dir: string, name: string): Promise<Placed> {
  const dest = path.join(dir, name);
  const st = await lstat(fsPath(dest)).catch(() => null);
  if (st && !st.isFile()) throw new HttpError(409, 'not a regular file in the way');
  await rename(fsPath(staged), fsPath(dest));
  return { name, replaced: st !== null };
}

async function addNew(staged: string, dir: string, name: string): Promise<Placed> {
  for (let n = 0; n <= MAX_NUMBERED; n++) {
    const candidate = numberedName(name, n);
    const dest = fsPath(path.join(dir, candidate));
    try {
      await link(fsPath(staged), dest);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
      // No hard links here (FAT, some network file systems): check, then rename (a race can lose here).
      if (
        await lstat(dest).then(
          () => true,
          () => false,
        )
      )
        continue;
      await rename(fsPath(staged), dest);
      return { name: candidate, replaced: false };
    }
    await rm(fsPath(staged), { force: true });
    return { name: candidate, replaced: false };
  }
  throw new HttpError(409, 'too many files of that name');
}

/**
 * `name` for n = 0, else `stem (n).ext`: `a.txt` → `a (1).txt`, `a.tar.gz` → `a (1).tar.gz`, `README` →
 * `README (1)`, `.env` → `.env (1)`.
 */
export function numberedName(name: string, n: number): string {
  if (n === 0) return name;
  const ext = /(\.tar)?\.[^.\s]{1,16}$/i.exec(name);
  const at = ext && ext.index > 0 ? ext.index : name.length;
  return `${name.slice(0, at)} (${n})${name.slice(at)}`;
}
