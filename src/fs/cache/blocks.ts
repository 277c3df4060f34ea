import type { FileHandle } from 'node:fs/promises';

/** What identifies one version of a file's content: the same key means the same bytes. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

export function identityKey(id: FileIdentity): string {
  return `${id.dev}:${id.ino}:${id.size}:${id.mtimeMs}:${id.ctimeMs}`;
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/** A file ended before the bytes promised to the client could be read (it shrank or was replaced). */
export class FileChangedError extends Error {
  constructor() {
    super('file changed while it was being read');
    this.name = 'FileChangedError';
  }
}

/** Files read in runs ({@link BlockCache.getRun}) are cached only up to this share of the cache's size. */
export const RUN_CACHE_SHARE = 1 / 4;

/** The share of the cache that blocks hit at least once may fill; the rest is for blocks read once. */
export const PROTECTED_SHARE = 3 / 4;

/**
 * A bounded, shared cache of aligned blocks of files (second-chance LRU), keyed by file identity and block index: many
 * clients streaming the same film cost one copy of each block and one read of it. Blocks are
 * immutable; an evicted block lives on only while a response still holds it. Concurrent misses on the
 * same block share one read. A file that changes gets a new identity, so a changed file is never
 * served from old blocks.
 */
export class BlockCache {
  readonly blockSize: number;
  readonly maxBytes: number;
  /**
   * Segmented LRU, so that a scan cannot flush the blocks in use: a block enters `probation`; a hit there moves it to
   * `protected` (at most {@link PROTECTED_SHARE} of the budget; past it, the oldest protected block goes back to
   * probation). Eviction takes the oldest probation block first. Thousands of downloads of large files each read
   * their blocks once, and churn probation only; a page asked for every 100 ms stays. Map order is age order.
   */
  private readonly probation = new Map<string, Buffer>();
  /** `used`: hit since its last pass, a second chance (CLOCK) instead of a Map re-insert on every hit. */
  private readonly protected = new Map<string, { block: Buffer; used: boolean }>();
  private protectedBytes = 0;
  private readonly loading = new Map<string, Promise<Buffer>>();
  private bytes = 0;

  constructor(options: { blockSize: number; maxBytes: number }) {
    this.blockSize = options.blockSize;
    this.maxBytes = options.maxBytes;
  }

  /** Bytes held by the cache (not counting blocks that responses still hold after eviction). */
  get size(): number {
    return this.bytes;
  }

  /** The cached block, if present (and marked as recently used). */
  peek(id: string, index: number): Buffer | undefined {
    return this.hit(`${id}#${index}`);
  }

  /** A hit: a protected block is marked used; a probation block is promoted. */
  private hit(key: string): Buffer | undefined {
    const kept = this.protected.get(key);
    if (kept) {
      kept.used = true;
      return kept.block;
    }
    const block = this.probation.get(key);
    if (!block) return undefined;
    this.probation.delete(key);
    this.protected.set(key, { block, used: false });
    this.protectedBytes += block.length;
    // Over its share: the oldest protected block not used since its last pass goes back to probation.
    for (const [oldKey, old] of this.protected) {
      if (this.protectedBytes <= this.maxBytes * PROTECTED_SHARE) break;
      this.protected.delete(oldKey);
      if (old.used && oldKey !== key) {
        old.used = false;
        this.protected.set(oldKey, old);
        continue;
      }
      this.protectedBytes -= old.block.length;
      this.probation.set(oldKey, old.block);
    }
    return block;
  }

  /** Cached, in either segment. */
  private has(key: string): boolean {
    return this.probation.has(key) || this.protected.has(key);
  }

  /**
   * Block `index` of the file open as `fh`, whose identity is `id` and size `fileSize`: from the
   * cache, or read (once, however many callers ask at the same time) and cached.
   * Throws {@link FileChangedError} if the file is shorter than its identity says.
   */
  async get(fh: FileHandle, id: string, index: number, fileSize: number): Promise<Buffer> {
    const cached = this.peek(id, index);
    if (cached) return cached;
    const key = `${id}#${index}`;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.read(fh, index, fileSize).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
      const block = await pending;
      this.store(key, block);
      return block;
    }
    return pending;
  }

  /**
   * Blocks `first` to `first + count - 1` (fewer at the end of the file) read with one read into one buffer, which is
   * returned. One large read costs one thread-pool round trip instead of `count`: for a lone fast client that is most
   * of the time per byte. The blocks are cached too (as views of that buffer) when the file is at most
   * {@link RUN_CACHE_SHARE} of the cache: a larger file read in runs (by few clients: many get one block at a time)
   * would only push everything else out, and keeping its buffers alive costs a fresh page per byte read and the
   * garbage collector's time — measured, a lone 1 GiB download ran at half speed that way; the OS page cache serves
   * such a reader. Such a run is read into `scratch(length)` when given (a buffer the caller reuses), and is the
   * caller's alone: no other reader shares it.
   * Throws {@link FileChangedError} if the file is shorter than its identity says.
   */
  async getRun(
    fh: FileHandle,
    id: string,
    first: number,
    count: number,
    fileSize: number,
    scratch?: (length: number) => Buffer,
  ): Promise<Buffer> {
    const start = first * this.blockSize;
    if (!this.keepsRuns(fileSize)) {
      // Not cached, not shared: read into `scratch` (a buffer the caller recycles) when given.
      const length = Math.min(count * this.blockSize, fileSize - start);
      return this.readAt(fh, start, length, scratch?.(length));
    }
    // The run stops before the first block already cached or being read: concurrent readers share each read.
    let length = 0;
    while (length < count && start + length * this.blockSize < fileSize && this.isAbsent(id, first + length)) length++;
    if (length <= 1) return this.get(fh, id, first, fileSize);
    const reading = this.readAt(fh, start, Math.min(length * this.blockSize, fileSize - start));
    const keys = Array.from({ length }, (_, i) => `${id}#${first + i}`);
    keys.forEach((key, i) => {
      const block = reading.then((run) => run.subarray(i * this.blockSize, (i + 1) * this.blockSize));
      block.catch(() => undefined); // the run's own caller sees the failure
      this.loading.set(key, block);
    });
    try {
      const run = await reading;
      if (this.keepsRuns(fileSize)) {
        keys.forEach((key, i) => this.store(key, run.subarray(i * this.blockSize, (i + 1) * this.blockSize)));
      }
      return run;
    } finally {
      for (const key of keys) this.loading.delete(key);
    }
  }

  /** Whether the runs {@link getRun} reads of a file of `fileSize` bytes are cached (small enough files). */
  keepsRuns(fileSize: number): boolean {
    return fileSize <= this.maxBytes * RUN_CACHE_SHARE;
  }

  /** Neither cached nor being read. */
  private isAbsent(id: string, index: number): boolean {
    const key = `${id}#${index}`;
    return !this.has(key) && !this.loading.has(key);
  }

  /**
   * A buffer derived from a file version (its compressed form, say) under `key`, which must include the
   * file's identity: from the cache, or made by `produce` — once, however many callers ask at the same
   * time — and kept within the same byte budget as the blocks (a buffer larger than the budget is not kept).
   */
  async remember(key: string, produce: () => Promise<Buffer>): Promise<Buffer> {
    const cached = this.hit(key);
    if (cached) return cached;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = produce().finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
      const made = await pending;
      this.store(key, made);
      return made;
    }
    return pending;
  }

  private read(fh: FileHandle, index: number, fileSize: number): Promise<Buffer> {
    const start = index * this.blockSize;
    return this.readAt(fh, start, Math.min(this.blockSize, fileSize - start));
  }

  private async readAt(
    fh: FileHandle,
    start: number,
    length: number,
    buffer: Buffer = Buffer.allocUnsafeSlow(length),
  ): Promise<Buffer> {
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await fh.read(buffer, filled, length - filled, start + filled);
      if (bytesRead === 0) throw new FileChangedError();
      filled += bytesRead;
    }
    return buffer;
  }

  private store(key: string, block: Buffer): void {
    if (block.length > this.maxBytes || this.has(key)) return;
    this.probation.set(key, block);
    this.bytes += block.length;
    while (this.bytes > this.maxBytes) {
      const oldest = this.probation.keys().next();
      if (!oldest.done) {
        this.bytes -= this.probation.get(oldest.value)?.length ?? 0;
        this.probation.delete(oldest.value);
        continue;
      }
      const [oldKey, old] = this.protected.entries().next().value as [string, { block: Buffer }];
      this.protected.delete(oldKey);
      this.bytes -= old.block.length;
      this.protectedBytes -= old.block.length;
    }
  }
}
