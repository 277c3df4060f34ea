import path from 'node:path';
import { describe, describeAll, type Entry, type NamedEntry, type ReadEntriesOptions } from './entries.js';
import { walkTree, type Walked } from './walk.js';

/**
 * Case and accents folded away: compatibility decomposition (NFKD: `ﬁ` → `fi`, `²` → `2`, `é` → `e` +
 * U+0301), combining marks dropped, lower-cased. "Amélie", "AMELIE" and the NFD "Ame\u0301lie" macOS
 * writes are one. The folder page's filter (assets/listing.js) folds the same way.
 */
export function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The words of a query, folded; a name matches when it holds every one of them, in any order. */
export function queryWords(query: string): string[] {
  return fold(query)
    .split(/\s+/)
    .filter((w) => w !== '');
}

export function matchesAll(name: string, words: readonly string[]): boolean {
  const folded = fold(name);
  return words.every((w) => folded.includes(w));
}

/** How far one walk may go: levels, entries looked at, milliseconds, results. */
export interface WalkLimits {
  readonly maxDepth: number;
  readonly maxVisited: number;
  readonly maxMs: number;
  readonly maxResults: number;
}

export const SEARCH_LIMITS: WalkLimits = Object.freeze({
  maxDepth: 16,
  maxVisited: 200_000,
  maxMs: 10_000,
  maxResults: 500,
});

/** What a walk did, filled in as it goes (read it once the results are consumed). */
export interface WalkReport {
  visited: number;
  /** Why it stopped before the whole tree was seen: a limit, or `null` when it saw everything in reach. */
  stopped: 'depth' | 'entries' | 'time' | 'results' | null;
}

/** One result: the folder it is in (names from the searched folder down) and its entry. */
export interface Hit {
  readonly parent: readonly string[];
  readonly entry: Entry;
}

/**
 * Entries below `top` whose names hold every one of `words` (see {@link fold}), yielded as they are
 * found. The walk is {@link walkTree}'s (listing rules, loops left out, the event loop given back) and
 * bounded by `limits`; only the hits are stat'ed (a result shows its size and date).
 */
export async function* searchTree(
  top: string,
  words: readonly string[],
  options: ReadEntriesOptions & { readonly limits: WalkLimits; readonly report: WalkReport },
): AsyncGenerator<Hit> {
  const { limits, report } = options;
  let results = 0;
  for await (const walked of bounded(top, options)) {
    if (!matchesAll(walked.name, words)) continue;
    const entry = await describe(path.dirname(walked.abs), { name: walked.name, kind: walked.type }, options);
    if (entry === null) continue; // vanished since it was listed
    yield { parent: walked.parent, entry };
    if (++results >= limits.maxResults) {
      report.stopped = 'results';
      return;
    }
  }
}

/** {@link walkTree} by names, cut short at `maxVisited` entries or `maxMs`, the report kept up to date. */
async function* bounded(
  top: string,
  options: ReadEntriesOptions & { readonly limits: WalkLimits; readonly report: WalkReport },
): AsyncGenerator<Walked> {
  const { limits, report } = options;
  const started = performance.now();
  const walk = walkTree(top, {
    ...options,
    maxDepth: limits.maxDepth,
    stat: false,
    sorted: false,
    onTooDeep: () => (report.stopped ??= 'depth'),
  });
  for await (const walked of walk) {
    if (report.visited >= limits.maxVisited) {
      report.stopped = 'entries';
      return;
    }
    if (performance.now() - started > limits.maxMs) {
      report.stopped = 'time';
      return;
    }
    report.visited++;
    yield walked;
  }
}

export const RECENT_LIMITS: WalkLimits = Object.freeze({
  maxDepth: 16,
  maxVisited: 100_000,
  maxMs: 5_000,
  maxResults: 24,
});

/**
 * The newest files below `top` that `wanted` accepts (by modification time), at most
 * `limits.maxResults`, newest first. Only the accepted files are stat'ed, a folder's at once through the
 * listing's shared stat slots; a small heap keeps the top N, so memory stays bounded whatever the tree.
 */
export async function recentFiles(
  top: string,
  wanted: (name: string) => boolean,
  options: ReadEntriesOptions & { readonly limits: WalkLimits; readonly report: WalkReport },
): Promise<Hit[]> {
  const heap = new TopN<Hit>(options.limits.maxResults, (a, b) => a.entry.mtimeMs - b.entry.mtimeMs);
  // The media of the folder being walked, stat'ed together once the walk leaves it.
  let folder: { dir: string; parent: readonly string[]; names: NamedEntry[] } = { dir: '', parent: [], names: [] };
  const flush = async (): Promise<void> => {
    const { dir, parent, names } = folder;
    if (names.length === 0) return;
    for (const entry of await describeAll(dir, names, options)) heap.add({ parent, entry });
  };
  for await (const walked of bounded(top, options)) {
    if (walked.type !== 'file' || !wanted(walked.name)) continue;
    const dir = path.dirname(walked.abs);
    if (folder.dir !== dir) {
      await flush();
      folder = { dir, parent: walked.parent, names: [] };
    }
    folder.names.push({ name: walked.name, kind: 'file' });
  }
  await flush();
  return heap.sorted();
}

/** The `size` greatest items seen (by `compare`), in a binary min-heap: O(log size) per item. */
export class TopN<T> {
  readonly #items: T[] = [];

  constructor(
    private readonly size: number,
    private readonly compare: (a: T, b: T) => number,
  ) {}

  add(item: T): void {
    const items = this.#items;
    if (this.size <= 0) return;
    if (items.length < this.size) {
      items.push(item);
      this.#up(items.length - 1);
    } else if (this.compare(item, items[0] as T) > 0) {
      items[0] = item;
      this.#down(0);
    }
  }

  /** The items kept, greatest first. */
  sorted(): T[] {
    return [...this.#items].sort((a, b) => this.compare(b, a));
  }

  #up(i: number): void {
    const items = this.#items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.compare(items[i] as T, items[p] as T) >= 0) return;
      [items[i], items[p]] = [items[p] as T, items[i] as T];
      i = p;
    }
  }

  #down(i: number): void {
    const items = this.#items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < items.length && this.compare(items[l] as T, items[min] as T) < 0) min = l;
      if (r < items.length && this.compare(items[r] as T, items[min] as T) < 0) min = r;
      if (min === i) return;
      [items[i], items[min]] = [items[min] as T, items[i] as T];
      i = min;
    }
  }
}
