import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { scratch } from '../respond/pool.js';
import { fsPath, nameFromBytes } from '../fs/names.js';
import { openedInside } from '../fs/open.js';
import { isInside } from '../fs/resolve.js';
import { ArchiveEntryChangedError, type ArchiveEntry } from './entry.js';

/** How the writers get at the files' bytes: the one seam between the pure formats and the file system. */
export interface ArchiveIo {
  /**
   * Bytes `from`–`to` (inclusive, inside the file) of a file entry, in chunks. With `crc`, the generator returns the
   * CRC-32 of the whole file: remembered from an earlier read, or computed now — then the bytes before `from` are
   * read too (not yielded), and `to` must be the file's last byte.
   */
  read(entry: ArchiveEntry, from: number, to: number, options: { crc: boolean }): AsyncGenerator<Buffer, number>;
  /** The CRC-32 of a whole file entry: remembered, or computed by reading the file once. */
  crc(entry: ArchiveEntry): Promise<number>;
}

/**
 * CRC-32s of files already read, keyed by path, size and mtime, so that a resumed download (a Range request from
 * the middle of a ZIP) can write the central directory without reading again every file before the resume point.
 * Bounded: the least recently used go first.
 */
export class CrcCache {
  private readonly crcs = new Map<string, number>();

  constructor(private readonly max = 200_000) {}

  get(entry: ArchiveEntry): number | undefined {
    const key = keyOf(entry);
    const crc = this.crcs.get(key);
    if (crc !== undefined) {
      this.crcs.delete(key);
      this.crcs.set(key, crc);
    }
    return crc;
  }

  set(entry: ArchiveEntry, crc: number): void {
    const key = keyOf(entry);
    this.crcs.delete(key);
    this.crcs.set(key, crc);
    if (this.crcs.size > this.max) this.crcs.delete(this.crcs.keys().next().value as string);
  }
}

function keyOf(entry: ArchiveEntry): string {
  return `${entry.abs}\0${entry.size}\0${entry.mtimeMs}`;
}

export interface FileIoOptions {
  /** Real path of the served root. */
  readonly root: string;
  /** Allow files whose real path is outside the root (`--follow-symlinks`). */
  readonly followSymlinks: boolean;
  /** Bytes per read: the memory one archive stream holds in its hands. */
  readonly chunkSize: number;
  readonly crcs: CrcCache;
}

/**
 * Reads archive members from disk, one file open at a time: each file is opened, checked to be the regular file
 * that was planned (same size and mtime, still inside the root), read in chunks of `chunkSize`, checked again after
 * its last byte, and closed — also when the consumer stops early. Any difference throws
 * {@link ArchiveEntryChangedError} naming the member.
 */
export class FileIo implements ArchiveIo {
  constructor(private readonly options: FileIoOptions) {}

  async *read(
    entry: ArchiveEntry,
    from: number,
    to: number,
    options: { crc: boolean },
  ): AsyncGenerator<Buffer, number> {
    const known = options.crc ? this.options.crcs.get(entry) : undefined;
    const computing = options.crc && known === undefined;
    const fh = await this.openChecked(entry);
    let crc = 0;
    try {
      const chunkSize = this.options.chunkSize;
      for (let pos = computing ? 0 : from; pos <= to;) {
        const chunk = await readFully(fh, pos, Math.min(chunkSize, to + 1 - pos), entry);
        if (computing) crc = crc32(chunk, crc);
        if (pos + chunk.length > from) yield pos >= from ? chunk : chunk.subarray(from - pos);
        pos += chunk.length;
      }
      await checkSame(fh, entry);
    } finally {
      await fh.close();
    }
    if (!computing) return known ?? 0;
    this.options.crcs.set(entry, crc);
    return crc;
  }

  async crc(entry: ArchiveEntry): Promise<number> {
    const known = this.options.crcs.get(entry);
    if (known !== undefined) return known;
    const reading = this.read(entry, entry.size, entry.size - 1, { crc: true });
    for (;;) {
      const step = await reading.next();
      if (step.done) return step.value;
    }
  }

  private async openChecked(entry: ArchiveEntry): Promise<FileHandle> {
    let fh: FileHandle;
    try {
      fh = await this.openContained(entry);
    } catch (err) {
      if (err instanceof ArchiveEntryChangedError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw new ArchiveEntryChangedError(entry.name, code === 'ENOENT' ? 'vanished' : `could not be opened (${code})`);
    }
    try {
      await checkSame(fh, entry);
      return fh;
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /**
   * Open a member, non-blocking (a file replaced by a FIFO cannot hang a thread). Without `followSymlinks`, a plain
   * file opens with `O_NOFOLLOW` in one call; only a symlink (ELOOP) costs a `realpath` to confirm it still leads
   * inside the root, as the walk found it.
   */
  private async openContained(entry: ArchiveEntry): Promise<FileHandle> {
    const flags = constants.O_RDONLY | constants.O_NONBLOCK;
    const file = fsPath(entry.abs);
    if (this.options.followSymlinks) return open(file, flags);
    let fh: FileHandle;
    try {
      fh = await open(file, flags | constants.O_NOFOLLOW);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
      const real = nameFromBytes(await realpath(file, { encoding: 'buffer' }));
      if (!isInside(this.options.root, real))
        throw new ArchiveEntryChangedError(entry.name, 'now leads outside the root');
      fh = await open(file, flags);
    }
    // A folder on the way may have been swapped for a symlink out since the walk: ask where fh really is.
    if (openedInside(fh, this.options.root)) return fh;
    await fh.close();
    throw new ArchiveEntryChangedError(entry.name, 'now leads outside the root');
  }
}

async function checkSame(fh: FileHandle, entry: ArchiveEntry): Promise<void> {
  const st = await fh.stat();
  if (!st.isFile()) throw new ArchiveEntryChangedError(entry.name, 'is no longer a regular file');
  if (st.size !== entry.size) throw new ArchiveEntryChangedError(entry.name, 'changed size');
  if (st.mtimeMs !== entry.mtimeMs) throw new ArchiveEntryChangedError(entry.name, 'was modified');
}

async function readFully(fh: FileHandle, position: number, length: number, entry: ArchiveEntry): Promise<Buffer> {
  // A pooled buffer: the response's write gives it back once the socket took its bytes (respond/pool.ts); a fresh
  // one per read cost a zeroed page per 4 KiB.
  const buffer = scratch(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await fh.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) throw new ArchiveEntryChangedError(entry.name, 'shrank');
    filled += bytesRead;
  }
  return buffer;
}
