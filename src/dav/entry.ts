/**
 * The file-system steps WebDAV writes share, always on a name inside a folder reached and checked by
 * `withTargetFolder` (upload/place.ts): what is there (never following a symlink), removing it, staging a copy
 * of a served file, and placing a staged file under a name that must still be free.
 */
import type { Stats } from 'node:fs';
import { link, lstat, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fsPath } from '../fs/names.js';
import { openInside } from '../fs/open.js';
import { HttpError } from '../http/errors.js';
import { createStaged, randomId, requireSpace, syncDir } from '../upload/staging.js';
import type { TargetFolder } from '../upload/place.js';
import type { DavWrite } from './context.js';

/** The folder a resource is in, as an upload target (it must exist: 409 otherwise). */
export function parentOf(d: DavWrite, segments: readonly string[]): TargetFolder {
  return { root: d.root, area: d.upload.folder, folder: segments.slice(0, -1), create: false };
}

/**
 * What is at `name` in the checked folder `dir`, not following a symlink; `null` when nothing. A symlink or a
 * special file is 403: WebDAV never changes what the listing does not show as a file or folder.
 */
export async function entryIn(dir: string, name: string): Promise<Stats | null> {
  const st = await lstat(fsPath(path.join(dir, name))).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (st && !st.isFile() && !st.isDirectory()) throw new HttpError(403, 'not a regular file or folder');
  return st;
}

/** Remove a file or a whole folder at `name` in `dir` (symlinks inside are removed, never followed). */
export async function removeEntry(dir: string, name: string, st: Stats): Promise<void> {
  const where = fsPath(path.join(dir, name));
  await rm(where, { recursive: st.isDirectory(), force: true });
}

/** Whether the folder at `name` in `dir` has any entry (hidden ones too). */
export async function hasEntries(dir: string, name: string): Promise<boolean> {
  return (await readdir(fsPath(path.join(dir, name)) as string)).length > 0;
}

/**
 * Copy the served file at `segments` (opened as reads open it: inside the root, a regular file) into a new
 * staging file, fsync'ed; resolves with the staging file's path. The caller places or removes it.
 */
export async function stageCopy(d: DavWrite, segments: readonly string[]): Promise<string> {
  const { fh, stat } = await openInside(d.root, { segments, trailingSlash: false }, d.options);
  const dir = await d.uploads.staging();
  const staged = path.join(dir, `dav-${randomId()}.part`);
  try {
    if (!stat.isFile()) throw new HttpError(403, 'not a regular file');
    await requireSpace(dir, stat.size);
    const out = await createStaged(staged);
    try {
      const buffer = Buffer.allocUnsafe(64 * 1024);
      for (let position = 0; ;) {
        const { bytesRead } = await fh.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) break;
        await out.write(buffer, 0, bytesRead, position);
        position += bytesRead;
      }
      await out.sync();
    } finally {
      await out.close();
    }
    return staged;
  } catch (err) {
    await rm(fsPath(staged), { force: true });
    throw err;
  } finally {
    await fh.close();
  }
}

/**
 * Move the staged file to `name` in `dir`. With `replace` it is renamed over what is there (a folder there is
 * removed first); without, `name` must still be free (a hard link fails if it is not: 412), so a write that
 * raced in meanwhile is never replaced. The folder is fsync'ed.
 */
export async function placeStaged(staged: string, dir: string, name: string, replace: boolean): Promise<void> {
  const dest = path.join(dir, name);
  if (replace) {
    const st = await entryIn(dir, name);
    if (st?.isDirectory()) await removeEntry(dir, name, st);
    await rename(fsPath(staged), fsPath(dest));
  } else {
    try {
      await link(fsPath(staged), fsPath(dest));
      await rm(fsPath(staged), { force: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new HttpError(412, 'the name was taken meanwhile');
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
      if (await entryIn(dir, name)) throw new HttpError(412, 'the name was taken meanwhile');
      await rename(fsPath(staged), fsPath(dest)); // no hard links here: a check, then a rename
    }
  }
  await syncDir(dir);
}
