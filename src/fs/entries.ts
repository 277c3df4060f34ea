import { realpathSync, statSync, type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fsPath, hasRawBytes, nameFromBytes } from './names.js';
import { isInside } from './resolve.js';

/** One row of a folder listing: what both renderers (HTML and JSON) are made from. */
export interface Entry {
  readonly name: string;
  readonly type: 'file' | 'directory';
  /** Bytes for a file; 0 for a folder. */
  readonly size: number;
  readonly mtimeMs: number;
}

/** A folder listing as the renderers see it. */
export interface Listing {
  /** Mount prefix without a trailing slash (`''` at the top level, `/media` under Express). */
  readonly base: string;
  /** Decoded folder path relative to the mount, with leading and trailing slash (`/sub dir/`). */
  readonly path: string;
  /** Entries in display order. */
  readonly entries: readonly Entry[];
}

export interface ReadEntriesOptions {
  /** Root of the served tree (a real path): symlinks leading outside it are left out unless followed. */
  readonly root: string;
  readonly dotfiles: boolean;
  readonly followSymlinks: boolean;
  /** Told of each listed name that is not valid UTF-8 (it is listed and served all the same; see names.ts). */
  readonly onRawName?: (name: string) => void;
}

/** Entries stat'ed between two yields to the event loop (about a millisecond of work). */
const STAT_BATCH = 128;

/**
 * Read a folder into entries. Dotfiles are left out unless allowed; symlinks are listed as what they
 * point to, and left out when dangling or (without `followSymlinks`) when they lead outside the root
 * — a listing never shows what the server would refuse to serve. Sockets, FIFOs and devices are left out.
 *
 * The stats are synchronous in small batches with a yield to the event loop between them: for a
 * 10,000-entry folder that is 5–10x faster than 10,000 thread-pool round trips, and no batch holds
 * the loop for more than about a millisecond. File responses never take this path.
 */
export async function readEntries(dir: string, options: ReadEntriesOptions): Promise<Entry[]> {
  const dirents = await readNames(dir);
  const entries: Entry[] = [];
  for (let i = 0; i < dirents.length; i += STAT_BATCH) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    for (const d of dirents.slice(i, i + STAT_BATCH)) {
      const name = typeof d.name === 'string' ? d.name : nameFromBytes(d.name);
      if (!options.dotfiles && name.startsWith('.')) continue;
      if (!d.isFile() && !d.isDirectory() && !d.isSymbolicLink()) continue;
      if (hasRawBytes(name)) options.onRawName?.(name);
      const entry = describe(path.join(dir, name), name, d.isSymbolicLink(), options);
      if (entry) entries.push(entry);
    }
  }
  return entries;
}

/**
 * The folder's entries with exact names. Read as text (the fast way); a name that is not UTF-8 shows up
 * as U+FFFD there, and only then is the folder read again as bytes (see names.ts).
 */
async function readNames(dir: string): Promise<Dirent<string | Buffer>[]> {
  const asText = await readdir(fsPath(dir), { withFileTypes: true });
  if (!asText.some((d) => d.name.includes('\uFFFD'))) return asText;
  return readdir(fsPath(dir), { withFileTypes: true, encoding: 'buffer' });
}

function describe(full: string, name: string, symlink: boolean, options: ReadEntriesOptions): Entry | null {
  if (symlink && !options.followSymlinks) {
    let target: string;
    try {
      target = nameFromBytes(realpathSync(fsPath(full), { encoding: 'buffer' }));
    } catch {
      return null; // dangling, or a loop
    }
    if (!isInside(options.root, target)) return null;
  }
  let st;
  try {
    st = statSync(fsPath(full), { throwIfNoEntry: false });
  } catch {
    return null; // a symlink loop (ELOOP) or an unreadable entry: leave it out, never fail the page
  }
  if (!st) return null; // vanished between readdir and stat, or a dangling symlink
  if (st.isDirectory()) return { name, type: 'directory', size: 0, mtimeMs: st.mtimeMs };
  if (st.isFile()) return { name, type: 'file', size: st.size, mtimeMs: st.mtimeMs };
  return null;
}
