import type { FileHandle } from 'node:fs/promises';
import type { FileIdentity } from './cache/blocks.js';
import { descriptors, type DescriptorBudget, type Holder } from './descriptors.js';
import { Gate, POOL_SIZE } from './gate.js';
import { openKnown } from './open.js';

/**
 * Reads of running downloads share the pool with everything else: at most this many at once, so opens and
 * stats of new requests always find a thread, and each download's first read goes ahead of the others
 * (2,000 clients streaming at once must not keep the 2,001st from its first byte).
 */
const reads = new Gate(Math.max(1, POOL_SIZE - 1));

/** A descriptor lent to one download, and how to give it back: close it, or drop a share of it. */
export interface FileLease {
  readonly fh: FileHandle;
  /** Giving it back now would close the descriptor (no other download shares it). */
  readonly sole: boolean;
  release(): Promise<void>;
}

/** A lease on a descriptor of one's own: giving it back closes it. */
export function own(fh: FileHandle): FileLease {
  return { fh, sole: true, release: () => fh.close() };
}

/**
 * The file of one download: the handle the request opened (or, on a metadata-cache hit of a small cached
 * file, none until a block is missing). When descriptors run short and the client has not read for a
 * while, the budget takes the handle back; the next read opens the file again by its real path and
 * continues only if it is still the very same file (inode, size, mtime, ctime), else it fails.
 */
export class HeldFile implements Holder {
  private lease: FileLease | null;
  private opening: Promise<FileHandle> | null = null;
  private closed = false;
  private reads = 0;
  private used = false;

  constructor(
    private readonly abs: string,
    private readonly identity: FileIdentity,
    first: FileHandle | FileLease | null,
    private readonly budget: DescriptorBudget = descriptors,
  ) {
    this.lease = first === null || 'release' in first ? first : own(first);
    if (first) budget.touch(this);
  }

  get busy(): boolean {
    return this.reads > 0 || this.opening !== null;
  }

  /** Run `read` with the open handle (opened again first if it was given back); it is not taken meanwhile. */
  async use<T>(read: (fh: FileHandle) => Promise<T>): Promise<T> {
    const first = !this.used;
    this.used = true;
    this.reads++;
    try {
      const fh = await this.handle();
      this.budget.touch(this);
      return await reads.run(() => read(fh), first);
    } finally {
      this.reads--;
    }
  }

  /** The open handle, opening it now (identity-checked) if there is none. Rejects once closed. */
  handle(): Promise<FileHandle> {
    if (this.closed) return Promise.reject(new Error('file closed'));
    if (this.lease) return Promise.resolve(this.lease.fh);
    this.opening ??= openKnown(this.abs, this.identity, 'resume').then(
      async (fh) => {
        this.opening = null;
        if (this.closed) {
          await fh.close();
          throw new Error('file closed');
        }
        this.lease = own(fh);
        this.budget.touch(this);
        return fh;
      },
      (err: unknown) => {
        this.opening = null;
        throw err;
      },
    );
    return this.opening;
  }

  /** Give the handle back now (the budget asks; only when no read is in flight). True if that closed it. */
  release(): boolean {
    const lease = this.lease;
    this.lease = null;
    this.budget.drop(this);
    const closes = lease?.sole ?? false;
    void lease?.release().catch(() => undefined);
    return closes;
  }

  /** Close for good; later calls do nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.budget.drop(this);
    await this.opening?.catch(() => null); // an open under way closes what it opened: it sees `closed`
    const lease = this.lease;
    this.lease = null;
    await lease?.release();
  }
}
