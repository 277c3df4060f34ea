import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { describe, readEntries, readNames, type Entry, type ReadEntriesOptions } from './entries.js';
import { Gate, POOL_SIZE } from './gate.js';
import { fsPath } from './names.js';
import { withFolder } from './open.js';

/** How a tree is walked (the listing's rules for what is shown, plus the walk's own). */
export interface TreeWalkOptions extends ReadEntriesOptions {
  /** Folder levels below the top that are entered; a folder at this depth is yielded but not entered. */
  readonly maxDepth: number;
  /**
   * `true`: every entry is stat'ed (its size and date are known, as an archive needs). `false`: names and
   * directory-entry types only; just the symlinks are stat'ed, to apply the symlink rule (as a search needs).
   */
  readonly stat: boolean;
  /** Names of each folder in code-unit order (the same tree gives the same walk); else as the folder lists them. */
  readonly sorted: boolean;
  /** Told of a folder at `maxDepth` before it is yielded (not entered); may throw to refuse the whole walk. */
  readonly onTooDeep?: (abs: string) => void;
}

/** One entry met by {@link walkTree}. */
export interface Walked {
  /** Its path (the top's real path joined with the names below it). */
  readonly abs: string;
  /** The names of the folders from the top down to the one holding it (`[]` for the top's own entries). */
  readonly parent: readonly string[];
  readonly name: string;
  readonly type: 'file' | 'directory';
  /** 1 for the top's own entries. */
  readonly depth: number;
  /** Size and date, when the walk stats (`stat: true`); `null` otherwise. */
  readonly entry: Entry | null;
}

/** Work done between two checks of the clock; past {@link SLICE_MS} the walk lets other requests run. */
const CHECK_EVERY = 256;
const SLICE_MS = 4;

/**
 * Every file and folder below the folder `top`, depth first, a folder just before what it holds. Each
 * folder is read with the listing's own rules ({@link readNames}, {@link describe}): whatever a listing
 * leaves out (dotfiles, symlinks that lead out of the root or nowhere, FIFOs, sockets, devices) is left
 * out here too. A folder symlinked into one of its own ancestors is left out (it would never end). The
 * walk gives the event loop back every few milliseconds, so a 100,000-entry folder holds nothing up;
 * the consumer bounds it in count and time by stopping (which returns the generator).
 */
export async function* walkTree(top: string, options: TreeWalkOptions): AsyncGenerator<Walked> {
  const clock = { since: performance.now(), work: 0 };
  const ancestors = new Set([await realKey(top)]);
  yield* into(top, [], 1, ancestors, options, clock);
}

async function* into(
  dir: string,
  parent: readonly string[],
  depth: number,
  ancestors: Set<string>,
  options: TreeWalkOptions,
  clock: { since: number; work: number },
): AsyncGenerator<Walked> {
  const listed = await readFolder(dir, options);
  if (options.sorted) listed.sort(byName);
  for (const { name, type, entry } of listed) {
    if (++clock.work % CHECK_EVERY === 0 && performance.now() - clock.since > SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      clock.since = performance.now();
    }
    const abs = path.join(dir, name);
    if (type === 'file') {
      yield { abs, parent, name, type, depth, entry };
      continue;
    }
    const real = await realKey(abs).catch(() => null);
    if (real === null || ancestors.has(real)) continue; // vanished, or a loop back up the tree
    const deep = depth >= options.maxDepth;
    if (deep) options.onTooDeep?.(abs);
    yield { abs, parent, name, type, depth, entry };
    if (deep) continue;
    ancestors.add(real);
    try {
      yield* into(abs, [...parent, name], depth + 1, ancestors, options, clock);
    } finally {
      ancestors.delete(real);
    }
  }
}

interface Listed {
  readonly name: string;
  readonly type: 'file' | 'directory';
  readonly entry: Entry | null;
}

/**
 * Folder reads of all walks together (searches, recently added, archives) at once: however many walks
 * run, they leave the rest of the thread pool to downloads and listings.
 */
const reads = new Gate(Math.max(1, POOL_SIZE - 2));

/** A folder's entries as the walk meets them: stat'ed (archive), or names with only the symlinks stat'ed. */
function readFolder(dir: string, options: TreeWalkOptions): Promise<Listed[]> {
  return reads.run(() => readOnce(dir, options));
}

async function readOnce(dir: string, options: TreeWalkOptions): Promise<Listed[]> {
  return withFolder(dir, options, async (reach) => {
    if (options.stat) return (await readEntries(reach, options)).map((e) => ({ name: e.name, type: e.type, entry: e }));
    const out: Listed[] = [];
    for (const named of await readNames(reach, options)) {
      if (named.kind !== 'symlink') out.push({ name: named.name, type: named.kind, entry: null });
      else {
        const shown = await describe(reach, named, options); // the symlink rule, and what it points to
        if (shown) out.push({ name: named.name, type: shown.type, entry: null });
      }
    }
    return out;
  });
}

/** The real path of a folder, as a key (its bytes in hex: a name need not be UTF-8). */
async function realKey(abs: string): Promise<string> {
  return (await realpath(fsPath(abs), { encoding: 'buffer' })).toString('hex');
}

function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
