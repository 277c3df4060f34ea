import { opendir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { isInside } from '../resolve.js';

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

/**
 * Read a folder into entries. Dotfiles are left out unless allowed; symlinks are listed as what they
 * point to, and left out when dangling or (without `followSymlinks`) when they lead outside the root
 * — a listing never shows what the server would refuse to serve. Sockets, FIFOs and devices are left out.
 */
export async function readEntries(dir: string, options: ReadEntriesOptions): Promise<Entry[]> {
  const handle = await opendir(dir, { bufferSize: 256 });
  const names: { name: string; symlink: boolean }[] = [];
  for await (const d of handle) {
    if (!options.dotfiles && d.name.startsWith('.')) continue;
    if (d.isFile() || d.isDirectory() || d.isSymbolicLink()) names.push({ name: d.name, symlink: d.isSymbolicLink() });
  }
  const entries = await Promise.all(names.map((n) => describe(dir, n.name, n.symlink, options)));
  return entries.filter((e): e is Entry => e !== null);
}

async function describe(dir: string, name: string, symlink: boolean, options: ReadEntriesOptions): Promise<Entry | null> {
  const full = path.join(dir, name);
  try {
    if (symlink && !options.followSymlinks && !isInside(options.root, await realpath(full))) return null;
    const st = await stat(full);
    if (st.isDirectory()) return { name, type: 'directory', size: 0, mtimeMs: st.mtimeMs };
    if (st.isFile()) return { name, type: 'file', size: st.size, mtimeMs: st.mtimeMs };
    return null;
  } catch {
    return null; // vanished between readdir and stat, or a dangling symlink
  }
}
