import { stat } from 'node:fs/promises';
import { fsPath } from '../fs/names.js';
import { walkTree } from '../fs/walk.js';
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
 * in a fixed order (depth first, names in code-unit order), so the same tree always gives the same archive. The tree
 * is walked by the one walker ({@link walkTree}), with the listing's rules: whatever a listing leaves out is left out
 * here too. More than `maxEntries` entries, or a tree deeper than `maxDepth`, is refused with a 403 rather than cut
 * short: an archive never silently misses files.
 */
export async function walkFolder(abs: string, top: string, options: WalkOptions): Promise<ArchiveEntry[]> {
  const maxDepth = options.maxDepth ?? ARCHIVE_MAX_DEPTH;
  const entries: ArchiveEntry[] = [];
  const add = (entry: ArchiveEntry): void => {
    if (entries.length >= options.maxEntries) {
      throw new HttpError(403, `folder has more than ${options.maxEntries} entries to archive`);
    }
    entries.push(entry);
  };
  const topStat = await stat(fsPath(abs));
  add({ name: `${top}/`, type: 'directory', size: 0, mtimeMs: topStat.mtimeMs, abs });
  const walk = walkTree(abs, {
    ...options,
    maxDepth,
    stat: true,
    sorted: true,
    onTooDeep: () => {
      throw new HttpError(403, `folder is more than ${maxDepth} levels deep`);
    },
  });
  for await (const walked of walk) {
    const name = [top, ...walked.parent, walked.name].join('/');
    const { size, mtimeMs } = walked.entry ?? { size: 0, mtimeMs: topStat.mtimeMs };
    if (walked.type === 'file') add({ name, type: 'file', size, mtimeMs, abs: walked.abs });
    else add({ name: `${name}/`, type: 'directory', size: 0, mtimeMs, abs: walked.abs });
  }
  return entries;
}
