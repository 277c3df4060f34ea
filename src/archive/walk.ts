import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { readEntries, type Entry } from '../fs/entries.js';
import { fsPath } from '../fs/names.js';
import { withFolder } from '../fs/open.js';
import { HttpError } from '../http/errors.js';
import type { ArchiveEntry } from './entry.js';

/** Folder levels below the archived folder that an archive may reach; deeper trees are refused. */
export const ARCHIVE_MAX_DEPTH = 32;

export interface WalkOptions {
  /** Real path of the served root. */
  readonly root: string;
  readonly dotfiles: boolean;
  readonly followSymlinks: boolean;
  /** Most entries (files and folders, the top folder included) an archive may have (`--archive-max-files`). */
  readonly maxEntries: number;
  readonly maxDepth?: number;
}

/**
 * The members of an archive of the folder `abs`: the folder itself as `<top>/`, then every file and folder below it
 * in a fixed order (depth first, names in code-unit order), so the same tree always gives the same archive. Each
 * folder is read with the listing's own {@link readEntries}: whatever a listing leaves out (dotfiles, symlinks that
 * lead out of the root or nowhere, FIFOs, sockets, devices) is left out here too. A folder symlinked into one of its
 * own ancestors is left out (it would never end). More than `maxEntries` entries, or a tree deeper than `maxDepth`,
 * is refused with a 403 rather than cut short: an archive never silently misses files.
 */
export async function walkFolder(abs: string, top: string, options: WalkOptions): Promise<ArchiveEntry[]> {
  const walk = new Walk(options);
  const topStat = await stat(fsPath(abs));
  walk.add({ name: `${top}/`, type: 'directory', size: 0, mtimeMs: topStat.mtimeMs, abs });
  await walk.into(abs, `${top}/`, 1, new Set([await realKey(abs)]));
  return walk.entries;
}

class Walk {
  readonly entries: ArchiveEntry[] = [];
  private readonly maxDepth: number;

  constructor(private readonly options: WalkOptions) {
    this.maxDepth = options.maxDepth ?? ARCHIVE_MAX_DEPTH;
  }

  add(entry: ArchiveEntry): void {
    if (this.entries.length >= this.options.maxEntries) {
      throw new HttpError(403, `folder has more than ${this.options.maxEntries} entries to archive`);
    }
    this.entries.push(entry);
  }

  async into(dir: string, prefix: string, depth: number, ancestors: Set<string>): Promise<void> {
    const listed = await withFolder(dir, this.options, (reach) => readEntries(reach, this.options));
    listed.sort(byName);
    for (const entry of listed) {
      const abs = path.join(dir, entry.name);
      if (entry.type === 'file') {
        this.add({ name: prefix + entry.name, type: 'file', size: entry.size, mtimeMs: entry.mtimeMs, abs });
        continue;
      }
      const real = await realKey(abs).catch(() => null);
      if (real === null || ancestors.has(real)) continue; // vanished, or a loop back up the tree
      if (depth >= this.maxDepth) throw new HttpError(403, `folder is more than ${this.maxDepth} levels deep`);
      const name = `${prefix}${entry.name}/`;
      this.add({ name, type: 'directory', size: 0, mtimeMs: entry.mtimeMs, abs });
      ancestors.add(real);
      await this.into(abs, name, depth + 1, ancestors);
      ancestors.delete(real);
    }
  }
}

/** The real path of a folder, as a key (its bytes in hex: a name need not be UTF-8). */
async function realKey(abs: string): Promise<string> {
  return (await realpath(fsPath(abs), { encoding: 'buffer' })).toString('hex');
}

function byName(a: Entry, b: Entry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
