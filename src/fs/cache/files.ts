import { stat, type Stats } from 'node:fs';
import type { FileIdentity } from './blocks.js';

/** A URL path already resolved to a regular file inside the root (symlinks and containment checked). */
export interface KnownFile {
  /** Real path, as resolved. */
  readonly abs: string;
  /** Root joined with the URL's segments: what a later request stats to revalidate. */
  readonly joined: string;
  /** The file as it was when resolved: a later stat must match it exactly. */
  readonly identity: FileIdentity;
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
          stat(path, (err, st) => resolve(err ? null : st));
        });
      });
      this.waiting.set(path, pending);
    }
    return pending;
  }
}
