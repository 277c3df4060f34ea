import { stat, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { own, type FileLease } from '../held.js';
import { fsPath } from '../names.js';
import { openKnown } from '../open.js';
import { fileETag } from '../../http/etag.js';
import { identityKey, sameIdentity, type BlockCache, type FileIdentity } from './blocks.js';

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
  /** The one descriptor the downloads streaming it now share. */
  readonly handle: SharedHandle;
}

/**
 * One descriptor of a known file, shared by every download of it that runs now, as nginx's open_file_cache
 * does: the first opens it (identity-checked), the others take a share, the last to finish closes it. Ten
 * clients fetching one film cost one descriptor and no open per request; a file replaced meanwhile is a new
 * known file with its own descriptor, while the downloads already running keep reading the old one (POSIX
 * semantics).
 */
export class SharedHandle {
  private opening: Promise<FileHandle> | null = null;
  private shares = 0;

  constructor(
    private readonly abs: string,
    private readonly identity: FileIdentity,
  ) {}

  /** A share of the descriptor, opened first if no download holds it now. Rejects if it cannot be opened. */
  async acquire(): Promise<FileLease> {
    const opening = (this.opening ??= openKnown(this.abs, this.identity));
    this.shares++;
    let fh: FileHandle;
    try {
      fh = await opening;
    } catch (err) {
      this.shares--;
      if (this.opening === opening) this.opening = null;
      throw err;
    }
    return new Share(fh, this, opening);
  }

  /**
   * A share for a download that opened the file itself (its first request, or one that raced it): `fh` becomes the
   * shared descriptor when none is open; when one is, `fh` is closed and a share of that one is taken instead (so
   * simultaneous first requests end up on one descriptor). `fh` must be this very file (its identity checked).
   */
  async adopt(fh: FileHandle): Promise<FileLease> {
    if (this.opening === null) {
      this.opening = Promise.resolve(fh);
      return this.acquire();
    }
    const shared = await this.acquire().catch(() => null);
    if (!shared) return own(fh);
    await fh.close();
    return shared;
  }

  /** Whether the share of the descriptor `opening` is the only one left. */
  isSole(opening: Promise<FileHandle>): boolean {
    return this.shares === 1 && this.opening === opening;
  }

  /** A share of the descriptor `opening` is given back: the last one closes it. */
  giveBack(opening: Promise<FileHandle>, fh: FileHandle): Promise<void> {
    if (--this.shares > 0 || this.opening !== opening) return Promise.resolve();
    this.opening = null;
    return fh.close();
  }
}

/** One download's share of a {@link SharedHandle}, given back once. */
class Share implements FileLease {
  private released = false;

  constructor(
    readonly fh: FileHandle,
    private readonly handle: SharedHandle,
    private readonly opening: Promise<FileHandle>,
  ) {}

  get sole(): boolean {
    return !this.released && this.handle.isSole(this.opening);
  }

  release(): Promise<void> {
    if (this.released) return Promise.resolve();
    this.released = true;
    return this.handle.giveBack(this.opening, this.fh);
  }
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

  /**
   * The shared handle of the file just resolved and opened for `key`: this cache's, when it already knows that very
   * file (a request that raced the first one), else that of a new entry.
   */
  handleFor(key: string, file: { readonly abs: string; readonly joined: string; readonly stat: Stats }): SharedHandle {
    const { abs, joined, stat } = file;
    const prior = this.entries.get(key);
    if (prior && prior.abs === abs && sameIdentity(prior.identity, stat)) return prior.handle;
    const handle = new SharedHandle(abs, stat);
    this.set(key, {
      abs,
      joined,
      identity: stat,
      id: identityKey(stat),
      etag: fileETag(stat.size, stat.mtimeMs),
      handle,
    });
    return handle;
  }
}

/** A known file confirmed unchanged, ready to send: a share of its handle, or none when its one block is in memory. */
export interface KnownSource {
  readonly fh: FileHandle | null;
  /** The share `fh` belongs to: given back, never closed directly. */
  readonly lease?: FileLease;
  readonly abs: string;
  readonly stat: Stats;
  /** The {@link identityKey} of `stat`. */
  readonly id: string;
  /** The entity tag of `stat`. */
  readonly etag: string;
}

/**
 * The known file again, if `current` (a fresh stat of its URL's path) shows it unchanged; `null` when it
 * changed, vanished or was swapped (resolve it from scratch). A download holds (a share of) its descriptor
 * from the start, so a file replaced or deleted while it streams still sends the bytes it had when it started
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
  const lease = await known.handle.acquire().catch(() => null);
  return lease && { fh: lease.fh, lease, abs, stat: current, id, etag };
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
