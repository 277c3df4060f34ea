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
   * Insertion order is the eviction order; `used` gives a block a second chance (CLOCK), so a hit costs a flag, not a
   * Map re-insert.
   */
  private readonly blocks = new Map<string, { block: Buffer; used: boolean }>();
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
    const entry = this.blocks.get(`${id}#${index}`);
    if (!entry) return undefined;
    entry.used = true;
    return entry.block;
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
   * A buffer derived from a file version (its compressed form, say) under `key`, which must include the
   * file's identity: from the cache, or made by `produce` — once, however many callers ask at the same
   * time — and kept within the same byte budget as the blocks (a buffer larger than the budget is not kept).
   */
  async remember(key: string, produce: () => Promise<Buffer>): Promise<Buffer> {
    const entry = this.blocks.get(key);
    if (entry) {
      entry.used = true;
      return entry.block;
    }
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

  private async read(fh: FileHandle, index: number, fileSize: number): Promise<Buffer> {
    const start = index * this.blockSize;
    const length = Math.min(this.blockSize, fileSize - start);
    const buffer = Buffer.allocUnsafeSlow(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await fh.read(buffer, filled, length - filled, start + filled);
      if (bytesRead === 0) throw new FileChangedError();
      filled += bytesRead;
    }
    return buffer;
  }

  private store(key: string, block: Buffer): void {
    if (block.length > this.maxBytes) return;
    this.blocks.set(key, { block, used: false });
    this.bytes += block.length;
    // Evict from the oldest end; a block used since its last pass goes to the young end instead, once.
    for (const [oldKey, old] of this.blocks) {
      if (this.bytes <= this.maxBytes) break;
      this.blocks.delete(oldKey);
      if (old.used && oldKey !== key) {
        old.used = false;
        this.blocks.set(oldKey, old);
      } else {
        this.bytes -= old.block.length;
      }
    }
  }
}
