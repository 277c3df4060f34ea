import { stat, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { fsPath } from '../names.js';
import { openKnown } from '../open.js';
import { sameIdentity, type BlockCache, type FileIdentity } from './blocks.js';

/** A URL path already resolved to a regular file inside the root (symlinks and containment checked). */
export interface KnownFile {
  /** Real path, as resolved. */
  readonly abs: string;
  /** Root joined with the URL's segments: what a later request stats to revalidate. */
  readonly joined: string;
  /** The file as it was when resolved: a later stat must match it exactly. */
  readonly identity: FileIdentity;
  /** Its {@link identityKey}, made once (the block cache's key for its blocks). */
  readonly id: string;
  /** Its entity tag, made once. */
  readonly etag: string;
}

/**
 * URL paths already resolved to files, so that a repeat request costs one `stat` instead of
 * realpath + open + fstat + close. An entry is only trusted when a fresh stat of the same path
 * shows the same inode, size, mtime and ctime — a changed, replaced or re-linked file is resolved
 * again from scratch. Bounded: the oldest entries go first.
 */
export class KnownFiles {
  private readonly entries = new Map<string, KnownFile>();

  constructor(private readonly max = 10_000) {}

  get(key: string): KnownFile | undefined {
    return this.entries.get(key);
  }

  set(key: string, file: KnownFile): void {
    this.entries.delete(key);
    this.entries.set(key, file);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

/** A known file confirmed unchanged, ready to send: its handle, or `null` when its one block is in memory. */
export interface KnownSource {
  readonly fh: FileHandle | null;
  readonly abs: string;
  readonly stat: Stats;
  /** The {@link identityKey} of `stat`. */
  readonly id: string;
  /** The entity tag of `stat`. */
  readonly etag: string;
}

/**
 * The known file again, if `current` (a fresh stat of its URL's path) shows it unchanged; `null` when it
 * changed, vanished or was swapped (resolve it from scratch). A download holds its descriptor from the
 * start, so a file replaced or deleted while it streams still sends the bytes it had when it started
 * (POSIX semantics) — except a file of one block already in the memory cache, whose bytes are sent from
 * there (the same bytes) without opening it: the hot path of small files stays one `stat`.
 */
export async function reopenKnown(
  known: KnownFile,
  current: Stats | null,
  blocks: BlockCache,
): Promise<KnownSource | null> {
  if (!current || !sameIdentity(current, known.identity)) return null;
  const { abs, id, etag } = known;
  if (current.size === 0 || (current.size <= blocks.blockSize && blocks.peek(id, 0))) {
    return { fh: null, abs, stat: current, id, etag };
  }
  const fh = await openKnown(abs, current).catch(() => null);
  return fh && { fh, abs, stat: current, id, etag };
}

/**
 * `fs.stat` for revalidating known files, shared by the requests that arrive in the same turn of the
 * event loop: the first request for a path schedules one stat for the end of the turn
 * (`setImmediate`), later requests in that turn join it, and a request arriving after it was
 * dispatched schedules a new one. Every request therefore gets a stat that started after the request
 * arrived — never a stale answer — while a burst of requests for one hot file costs one thread-pool
 * round trip instead of one each. Resolves to `null` on any error.
 */
export class StatBatcher {
  private readonly waiting = new Map<string, Promise<Stats | null>>();

  stat(path: string): Promise<Stats | null> {
    let pending = this.waiting.get(path);
    if (!pending) {
      pending = new Promise((resolve) => {
        setImmediate(() => {
          this.waiting.delete(path);
          stat(fsPath(path), (err, st) => resolve(err ? null : st));
        });
      });
      this.waiting.set(path, pending);
    }
    return pending;
  }
}
