import type { Entry } from './model.js';

export type SortKey = 'name' | 'size' | 'date';
export type SortOrder = 'asc' | 'desc';

/** How a listing is ordered; remembered in the URL as `?sort=size&order=desc`. */
export interface SortState {
  readonly sort: SortKey;
  readonly order: SortOrder;
}

export const DEFAULT_SORT: SortState = Object.freeze({ sort: 'name', order: 'asc' });

/** The order a column gets on its first click: names A→Z, biggest and newest first. */
export const FIRST_ORDER: Readonly<Record<SortKey, SortOrder>> = Object.freeze({ name: 'asc', size: 'desc', date: 'desc' });

const SORT_KEYS: readonly string[] = ['name', 'size', 'date'];

/**
 * Reads `sort` and `order` from a query string. Unknown or missing values fall back to the default
 * (never an error: a stale bookmark should still show the folder). A key given without an order gets
 * that key's natural first order.
 */
export function parseSortQuery(params: URLSearchParams): SortState {
  const rawSort = params.get('sort');
  const rawOrder = params.get('order');
  const sort: SortKey = rawSort !== null && SORT_KEYS.includes(rawSort) ? (rawSort as SortKey) : DEFAULT_SORT.sort;
  const order: SortOrder = rawOrder === 'asc' || rawOrder === 'desc' ? rawOrder : rawSort === null ? DEFAULT_SORT.order : FIRST_ORDER[sort];
  return { sort, order };
}

/** Natural order ("file2" before "file10"), case- and accent-insensitive; the browser script uses the same options. */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Names compared naturally, ties broken by code units so the order is total and stable across runs. */
export function compareNames(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * A new array of the entries: folders first (in every order), then by the key; equal keys fall back to
 * the name ascending, so `size desc` lists same-sized files A→Z. Folders keep A→Z under a size sort.
 */
export function sortEntries(entries: readonly Entry[], sort: SortKey, order: SortOrder): Entry[] {
  const sign = order === 'asc' ? 1 : -1;
  const byKey = (a: Entry, b: Entry): number => {
    switch (sort) {
      case 'name':
        return sign * compareNames(a.name, b.name);
      case 'size':
        // A folder's own size says nothing about its contents: folders stay A→Z under a size sort.
        if (a.type === 'directory') return compareNames(a.name, b.name);
        return sign * (a.size - b.size) || compareNames(a.name, b.name);
      case 'date':
        return sign * (a.mtimeMs - b.mtimeMs) || compareNames(a.name, b.name);
    }
  };
  return [...entries].sort((a, b) => {
    if (a.type !== b.type) return a.type === 'directory' ? -1 : 1;
    return byKey(a, b);
  });
}
