import type { Logger } from './log.js';

/**
 * Options of the directory handler ({@link serveDirectory}); every CLI policy flag has a field here.
 * All fields are optional; {@link resolveServeOptions} fills in the defaults.
 */
export interface ServeOptions {
  /** Serve and list dotfiles and dot-folders (default `false`: they answer 404 and are not listed). */
  dotfiles?: boolean;
  /** Serve `index.html` for a folder that has one (default `true`); `false` always lists. */
  index?: boolean;
  /** Follow symlinks whose target is outside the root (default `false`: they answer 404). */
  followSymlinks?: boolean;
  /** List folders at all (default `true`); `false` answers 404 for a folder without `index.html`. */
  listing?: boolean;
  /** `Cache-Control: public, max-age=N` for files when set; default `no-cache` (always revalidate). */
  cacheSeconds?: number | null;
  /** Send `Access-Control-Allow-Origin: *` and answer CORS preflights (default `false`). */
  cors?: boolean;
  /** Chunk size of file reads in bytes (default 64 KiB). */
  chunkSize?: number;
  /** Logger for per-response lines (default: silent). */
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
  readonly logger: Logger | null;
}

export const DEFAULT_CHUNK_SIZE = 64 * 1024;

export function resolveServeOptions(options: ServeOptions = {}): ResolvedServeOptions {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1024) throw new RangeError('chunkSize must be an integer >= 1024');
  const cacheSeconds = options.cacheSeconds ?? null;
  if (cacheSeconds !== null && (!Number.isInteger(cacheSeconds) || cacheSeconds < 0)) {
    throw new RangeError('cacheSeconds must be a non-negative integer');
  }
  return Object.freeze({
    dotfiles: options.dotfiles ?? false,
    index: options.index ?? true,
    followSymlinks: options.followSymlinks ?? false,
    listing: options.listing ?? true,
    cacheSeconds,
    cors: options.cors ?? false,
    chunkSize,
    logger: options.logger ?? null,
  });
}
