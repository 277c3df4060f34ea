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
