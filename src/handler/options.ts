import type { Logger } from '../log.js';

/**
 * Options of the directory handler ({@link serveDirectory}) — the same policy the CLI flags set;
 * each field names its flag. Every field is optional; the defaults are the CLI's defaults.
 * Invalid values throw a `RangeError` when the handler is created, not on a request.
 *
 * ```ts
 * serveDirectory('./media', { dotfiles: false, cacheSeconds: 3600, cors: true });
 * ```
 */
export interface ServeOptions {
  /** Serve and list dotfiles and dot-folders (`--dotfiles`). Default `false`: they answer 404 and are not listed. */
  dotfiles?: boolean;
  /** Serve `index.html` for a folder that has one (`--no-index` sets `false`). Default `true`; `false` always lists. */
  index?: boolean;
  /**
   * Follow symlinks whose target is outside the root (`--follow-symlinks`). Default `false`: they answer 404 and are
   * not listed.
   */
  followSymlinks?: boolean;
  /**
   * List folders at all (`--no-listing` sets `false`). Default `true`; `false` answers 404 for a folder without
   * `index.html`.
   */
  listing?: boolean;
  /**
   * `Cache-Control: public, max-age=N` for files (`--cache <seconds>`): a whole number of seconds, 0 or more.
   * Default `null`: `no-cache`, clients revalidate every time (answered by a cheap 304).
   */
  cacheSeconds?: number | null;
  /** Send `Access-Control-Allow-Origin: *` and answer CORS preflights (`--cors`). Default `false`. */
  cors?: boolean;
  /**
   * Bytes read from a file per chunk, and the size of a block in the memory cache: an integer, at
   * least 1024 (no CLI flag). Default 64 KiB.
   */
  chunkSize?: number;
  /**
   * Budget in bytes of the memory cache of file blocks shared by all responses (`--memory-cache <MiB>`):
   * many clients of one file cost one copy of its hot blocks. `0` turns it off. Default 64 MiB.
   * A changed file never matches old blocks (they are keyed by size, mtime, ctime and inode).
   */
  memoryCacheBytes?: number;
  /**
   * Folder archives (`--no-archives` sets `false`): `?download=zip` and `?download=tar` on a folder URL, and a
   * "Download folder" button on its page. Default `true`.
   */
  archives?: boolean;
  /**
   * Most entries (files and folders) an archive may hold (`--archive-max-files <n>`); a bigger folder answers 403,
   * never a cut-short archive. Default 100,000.
   */
  archiveMaxFiles?: number;
  /** Also offer `?download=tar.gz` (`--archive-gzip`): costs CPU, unknown length, no Range. Default `false`. */
  archiveGzip?: boolean;
  /**
   * Where the handler reports failures (a 5xx, with the error; never sent to the client).
   * Default: none. Per-response lines come from `createAquaServer`'s `logger` (`--log-level`, `--log-format`).
   */
  logger?: Logger;
}

/** {@link ServeOptions} with every default applied; frozen. */
export interface ResolvedServeOptions {
  readonly dotfiles: boolean;
  readonly index: boolean;
  readonly followSymlinks: boolean;
  readonly listing: boolean;
  readonly cacheSeconds: number | null;
  readonly cors: boolean;
  readonly chunkSize: number;
  readonly memoryCacheBytes: number;
  readonly archives: boolean;
  readonly archiveMaxFiles: number;
  readonly archiveGzip: boolean;
  readonly logger: Logger | null;
}

/** Default {@link ServeOptions.chunkSize}: 64 KiB. */
export const DEFAULT_CHUNK_SIZE = 64 * 1024;

/** Default {@link ServeOptions.memoryCacheBytes}: 64 MiB. */
export const DEFAULT_MEMORY_CACHE_BYTES = 64 * 1024 * 1024;

/** Default {@link ServeOptions.archiveMaxFiles}. */
export const DEFAULT_ARCHIVE_MAX_FILES = 100_000;

/**
 * Apply the defaults to {@link ServeOptions} and validate them; throws `RangeError` for a bad `chunkSize`,
 * `cacheSeconds` or `archiveMaxFiles`.
 */
export function resolveServeOptions(options: ServeOptions = {}): ResolvedServeOptions {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1024) throw new RangeError('chunkSize must be an integer >= 1024');
  const memoryCacheBytes = options.memoryCacheBytes ?? DEFAULT_MEMORY_CACHE_BYTES;
  if (!Number.isSafeInteger(memoryCacheBytes) || memoryCacheBytes < 0)
    throw new RangeError('memoryCacheBytes must be a non-negative integer');
  const cacheSeconds = options.cacheSeconds ?? null;
  if (cacheSeconds !== null && (!Number.isInteger(cacheSeconds) || cacheSeconds < 0)) {
    throw new RangeError('cacheSeconds must be a non-negative integer');
  }
  const archiveMaxFiles = options.archiveMaxFiles ?? DEFAULT_ARCHIVE_MAX_FILES;
  if (!Number.isSafeInteger(archiveMaxFiles) || archiveMaxFiles < 1)
    throw new RangeError('archiveMaxFiles must be a positive integer');
  return Object.freeze({
    dotfiles: options.dotfiles ?? false,
    index: options.index ?? true,
    followSymlinks: options.followSymlinks ?? false,
    listing: options.listing ?? true,
    cacheSeconds,
    cors: options.cors ?? false,
    chunkSize,
    memoryCacheBytes,
    archives: options.archives ?? true,
    archiveMaxFiles,
    archiveGzip: options.archiveGzip ?? false,
    logger: options.logger ?? null,
  });
}
