/** Next and previous across seasons: the last episode of `Season 1/` leads to the first of `Season 2/`. */
import path from 'node:path';
import type { ReadEntriesOptions } from '../fs/entries.js';
import { describeIn, type FolderNames } from '../fs/folder.js';
import { adjacentSeason, NEARBY, seasonOf } from '../pages/view/siblings.js';

/** A file in another folder: its folder's decoded path (slashes both ends) and its name. */
export interface Elsewhere {
  readonly folder: string;
  readonly name: string;
}

/**
 * When the file's folder is a season (`Season 1`), the first (`step` 1) or last (`step` -1) file that
 * `same` accepts in the adjacent season's folder beside it. Names come from the folder-name cache
 * (sorted, folders first, so the parent is scanned only up to its first file); only the few
 * candidates nearest the start (or end) are stat'ed, so a season of 100,000 files costs a few stats.
 */
export async function acrossSeasons(
  dir: string,
  folderPath: string,
  step: 1 | -1,
  env: { readonly folders: FolderNames; readonly options: ReadEntriesOptions; readonly same: (n: string) => boolean },
): Promise<Elsewhere | null> {
  const segments = folderPath.split('/').filter((s) => s !== '');
  const here = segments.at(-1);
  const season = here === undefined ? null : seasonOf(here);
  if (season === null) return null;
  const parentDir = path.dirname(dir);
  const parentNames = await env.folders.get(parentDir, env.options).catch(() => null);
  if (parentNames === null) return null;
  const subfolders: string[] = [];
  for (const n of parentNames) {
    if (n.kind !== 'directory') break; // folders come first
    subfolders.push(n.name);
  }
  const other = adjacentSeason(subfolders, season, step);
  if (other === null) return null;
  const otherDir = path.join(parentDir, other);
  const names = await env.folders.get(otherDir, env.options).catch(() => null);
  if (names === null) return null;
  const candidates: string[] = [];
  const files = step === 1 ? names : [...names].reverse();
  for (const n of files) {
    if (n.kind === 'directory' || !env.same(n.name)) continue;
    candidates.push(n.name);
    if (candidates.length >= NEARBY) break;
  }
  for (const name of candidates) {
    const [entry] = await describeIn(otherDir, [{ name, kind: 'symlink' }], env.options);
    if (entry?.type === 'file') return { folder: `/${[...segments.slice(0, -1), other].join('/')}/`, name };
  }
  return null;
}
