import type { Entry } from './entries.js';

export type SortKey = 'name' | 'size' | 'date';
export type SortOrder = 'asc' | 'desc';
export interface SortState {
  readonly sort: SortKey;
  readonly order: SortOrder;
}

export const DEFAULT_SORT: SortState = Object.freeze({ sort: 'name', order: 'asc' });

/** The order a column header's link starts with: names A→Z, biggest and newest first. */
export const FIRST_ORDER: Readonly<Record<SortKey, SortOrder>> = Object.freeze({
  name: 'asc',
  size: 'desc',
  date: 'desc',
});

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * Natural order ("file2" before "file10"), ties broken by code units so the order is total. The page script uses the
 * same rule.
 */
export function compareNames(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

function byName(a: Entry, b: Entry): number {
  return compareNames(a.name, b.name);
}

const KEYS: Readonly<Record<Exclude<SortKey, 'name'>, (a: Entry, b: Entry) => number>> = {
  size: (a, b) => a.size - b.size,
  date: (a, b) => a.mtimeMs - b.mtimeMs,
};

/**
 * Folders first, then files; within each group by the key in the given order, ties broken by name
 * in natural order ("file2" before "file10"). Returns a new array.
 */
export function sortEntries(entries: readonly Entry[], state: SortState = DEFAULT_SORT): Entry[] {
  const sign = state.order === 'desc' ? -1 : 1;
  const folders = entries.filter((e) => e.type === 'directory');
  const files = entries.filter((e) => e.type !== 'directory');
  const order = (list: Entry[]): Entry[] => {
    if (state.sort === 'name') return list.sort((a, b) => sign * byName(a, b));
    const key = KEYS[state.sort];
    return list.sort((a, b) => sign * key(a, b) || byName(a, b));
  };
  return [...order(folders), ...order(files)];
}

/** Sort state from a query string (`?sort=size&order=desc`); unknown values fall back to the default. */
export function sortStateFrom(query: URLSearchParams): SortState {
  const sort = query.get('sort');
  const order = query.get('order');
  return {
    sort: sort === 'size' || sort === 'date' || sort === 'name' ? sort : DEFAULT_SORT.sort,
    order: order === 'desc' ? 'desc' : 'asc',
  };
}

/** How long one slice of a big sort may hold the event loop before it yields (milliseconds). */
const SLICE_MS = 4;
/** Runs sorted in one go before merging; a few thousand comparisons, well under a slice. */
const RUN = 256;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A stable merge sort that yields to the event loop every few milliseconds, so sorting 100,000 names
 * (about a second of `Intl.Collator` comparisons) never holds other requests up. Returns a new array.
 */
export async function sortInSlices<T>(items: readonly T[], compare: (a: T, b: T) => number): Promise<T[]> {
  const n = items.length;
  let from = items.slice();
  let deadline = performance.now() + SLICE_MS;
  const pause = async (): Promise<void> => {
    if (performance.now() < deadline) return;
    await yieldToLoop();
    deadline = performance.now() + SLICE_MS;
  };
  for (let lo = 0; lo < n; lo += RUN) {
    const run = from.slice(lo, lo + RUN).sort(compare);
    for (let k = 0; k < run.length; k++) from[lo + k] = run[k] as T;
    await pause();
  }
  let to = new Array<T>(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        to[k++] = compare(from[j] as T, from[i] as T) < 0 ? (from[j++] as T) : (from[i++] as T);
        if ((k & 1023) === 0) await pause();
      }
      while (i < mid) to[k++] = from[i++] as T;
      while (j < hi) to[k++] = from[j++] as T;
    }
    [from, to] = [to, from];
    await pause();
  }
  return from;
}

/** Folders first, then files, each A→Z in natural order (the listing's default order), in slices. */
export function sortNamed<T extends { readonly name: string; readonly kind: string }>(
  named: readonly T[],
): Promise<T[]> {
  return sortInSlices(named, (a, b) => {
    const dirA = a.kind === 'directory';
    return dirA !== (b.kind === 'directory') ? (dirA ? -1 : 1) : compareNames(a.name, b.name);
  });
}
