import {
  describeAll,
  readNames,
  resolveLinkKinds,
  type Entry,
  type NamedEntry,
  type ReadEntriesOptions,
} from './entries.js';
import type { Stats } from 'node:fs';
import { withFolder } from './open.js';
import { sortInSlices, sortNamed, type SortState } from './sort.js';

/** Rows stat'ed and rendered together: a batch is a few dozen KiB of HTML. */
export const BATCH = 256;

/** Folders whose name order is kept, and the most names kept over all of them. */
const MAX_FOLDERS = 64;
const MAX_NAMES = 1_000_000;
/**
 * A folder modified this recently is not cached: its mtime may not change again for a write in the
 * same clock tick (ext4 timestamps are coarse), which would leave a cached order silently stale.
 */
const RACY_MS = 2000;

interface Cached {
  readonly identity: string;
  readonly names: Promise<readonly NamedEntry[]>;
  size: number;
}

/**
 * A folder's names in the listing's default order (folders first, natural A→Z), kept per folder
 * identity (device, inode, mtime, ctime: what changes when an entry is added, removed or renamed), so
 * a second request for a 100,000-entry folder does not sort it again. Concurrent requests for one
 * folder share one read. Sizes and dates are never cached: rows are stat'ed for each response.
 */
export class FolderNames {
  readonly #folders = new Map<string, Cached>();
  #total = 0;

  /**
   * The names of the folder at real path `dir`, read through {@link withFolder}: from the very folder
   * opened inside the root, never from one swapped in for it.
   */
  get(dir: string, options: ReadEntriesOptions): Promise<readonly NamedEntry[]> {
    return withFolder(dir, options, (reach, st) => this.#names(dir, reach, st, options));
  }

  #names(dir: string, reach: string, st: Stats, options: ReadEntriesOptions): Promise<readonly NamedEntry[]> {
    const identity = `${st.dev}:${st.ino}:${st.mtimeMs}:${st.ctimeMs}:${options.dotfiles}:${options.followSymlinks}`;
    const cached = this.#folders.get(dir);
    if (cached?.identity === identity) {
      this.#folders.delete(dir); // re-insert: most recently used last
      this.#folders.set(dir, cached);
      return cached.names;
    }
    if (cached) this.#forget(dir, cached);
    const names = readNames(reach, options)
      .then((named) => resolveLinkKinds(reach, named, options))
      .then(sortNamed);
    const entry: Cached = { identity, names, size: 0 };
    this.#folders.set(dir, entry);
    const racy = Date.now() - Math.max(st.mtimeMs, st.ctimeMs) < RACY_MS;
    names.then(
      (list) => (racy ? this.#forget(dir, entry) : this.#account(entry, list.length)),
      () => this.#forget(dir, entry),
    );
    return names;
  }

  #account(entry: Cached, size: number): void {
    entry.size = size;
    this.#total += size;
    for (const [dir, oldest] of this.#folders) {
      if (this.#folders.size <= MAX_FOLDERS && this.#total <= MAX_NAMES) break;
      this.#forget(dir, oldest);
    }
  }

  #forget(dir: string, entry: Cached): void {
    if (this.#folders.get(dir) !== entry) return;
    this.#folders.delete(dir);
    this.#total -= entry.size;
  }
}

/**
 * The entries of a folder in the order `state` asks, in batches of {@link BATCH}, stat'ed as they are
 * needed. In name order only the batch being sent is stat'ed, so the first rows go out at once even
 * in a huge folder; sorting by size or date needs every stat first (then sorts in slices).
 */
export async function* orderedEntries(
  dir: string,
  named: readonly NamedEntry[],
  state: SortState,
  options: ReadEntriesOptions,
): AsyncGenerator<Entry[]> {
  if (state.sort === 'name') {
    const order = state.order === 'asc' ? named : reverseWithinGroups(named);
    // The next batch is stat'ed while this one is written, so the stats and the socket overlap.
    const batchAt = (i: number): Promise<Entry[]> | null =>
      i < order.length ? describeIn(dir, order.slice(i, i + BATCH), options) : null;
    let next = batchAt(0);
    for (let i = 0; next !== null; i += BATCH) {
      const current = next;
      next = batchAt(i + BATCH);
      yield await current;
    }
    return;
  }
  const all = await describeIn(dir, named, options);
  const rank = new Map<Entry, number>(all.map((e, i) => [e, i]));
  const sign = state.order === 'desc' ? -1 : 1;
  const key = state.sort === 'size' ? (e: Entry) => e.size : (e: Entry) => e.mtimeMs;
  const sorted = await sortInSlices(all, (a, b) => {
    const dirA = a.type === 'directory';
    if (dirA !== (b.type === 'directory')) return dirA ? -1 : 1;
    return sign * (key(a) - key(b)) || (rank.get(a) as number) - (rank.get(b) as number);
  });
  for (let i = 0; i < sorted.length; i += BATCH) yield sorted.slice(i, i + BATCH);
}

/**
 * {@link describeAll} of names in the folder at real path `dir`, stat'ed through {@link withFolder}: a
 * row's size and date never come from a folder swapped in outside the root.
 */
export function describeIn(dir: string, names: readonly NamedEntry[], options: ReadEntriesOptions): Promise<Entry[]> {
  return withFolder(dir, options, (reach) => describeAll(reach, names, options));
}

/** Name order Z→A with folders still first. */
function reverseWithinGroups(named: readonly NamedEntry[]): NamedEntry[] {
  const folders = named.filter((n) => n.kind === 'directory').reverse();
  const files = named.filter((n) => n.kind !== 'directory').reverse();
  return [...folders, ...files];
}
