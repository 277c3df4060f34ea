import { realpathSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
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
  const dirents = await readdir(dir, { withFileTypes: true });
  const entries: Entry[] = [];
  for (let i = 0; i < dirents.length; i += STAT_BATCH) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    for (const d of dirents.slice(i, i + STAT_BATCH)) {
      if (!options.dotfiles && d.name.startsWith('.')) continue;
      if (!d.isFile() && !d.isDirectory() && !d.isSymbolicLink()) continue;
      const entry = describe(path.join(dir, d.name), d.name, d.isSymbolicLink(), options);
      if (entry) entries.push(entry);
    }
  }
  return entries;
}

function describe(full: string, name: string, symlink: boolean, options: ReadEntriesOptions): Entry | null {
  if (symlink && !options.followSymlinks) {
    let target: string;
    try {
      target = realpathSync(full);
    } catch {
      return null; // dangling
    }
    if (!isInside(options.root, target)) return null;
  }
  const st = statSync(full, { throwIfNoEntry: false });
  if (!st) return null; // vanished between readdir and stat, or a dangling symlink
  if (st.isDirectory()) return { name, type: 'directory', size: 0, mtimeMs: st.mtimeMs };
  if (st.isFile()) return { name, type: 'file', size: st.size, mtimeMs: st.mtimeMs };
  return null;
}
