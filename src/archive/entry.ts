/** One member of a folder archive, as the walk found it and the writers lay it out. */
export interface ArchiveEntry {
  /** Name inside the archive: `/`-separated, relative, a folder's ends with `/` (`movies/`, `movies/a.mkv`). */
  readonly name: string;
  readonly type: 'file' | 'directory';
  /** Bytes of a file; 0 for a folder. */
  readonly size: number;
  readonly mtimeMs: number;
  /** Absolute path under the root (symlinks not resolved): what the reader opens and checks again. */
  readonly abs: string;
}

/** An inclusive byte span: `{ start: 0, end: 9 }` is the first ten bytes. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * A file of an archive was not the file that was planned (changed, grew, shrank, vanished or became something
 * else) while the archive was being sent. The archive's bytes can no longer be right: the connection must be
 * destroyed, and the log says which file (`entry`, the name inside the archive).
 */
export class ArchiveEntryChangedError extends Error {
  constructor(
    readonly entry: string,
    readonly reason: string,
  ) {
    super(`archive member ${JSON.stringify(entry)} ${reason} while the archive was sent`);
    this.name = 'ArchiveEntryChangedError';
  }
}

/** Let the event loop run other work after this many entries of a CPU-only pass (planning, hashing). */
export const YIELD_EVERY = 1024;

export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Bytes of `buffer`, which starts at archive offset `at`, that fall inside `span` (all of it when `span` is null);
 * `null` when none do.
 */
export function clip(buffer: Buffer, at: number, span: Span | null): Buffer | null {
  if (span === null) return buffer.length > 0 ? buffer : null;
  const from = Math.max(span.start - at, 0);
  const to = Math.min(span.end + 1 - at, buffer.length);
  if (from >= to) return null;
  return from === 0 && to === buffer.length ? buffer : buffer.subarray(from, to);
}

/** Whether the `length` bytes at archive offset `at` meet `span` (any bytes when `span` is null). */
export function overlaps(at: number, length: number, span: Span | null): boolean {
  if (length === 0) return false;
  return span === null || (at <= span.end && at + length > span.start);
}

/** Index of the last member whose first byte is at or before the span's start (0 for the whole archive). */
export function firstMember(offsets: Float64Array, span: Span | null): number {
  if (span === null) return 0;
  let lo = 0;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (offsets[mid] <= span.start) lo = mid + 1;
    else hi = mid;
  }
  return Math.max(lo - 1, 0);
}
