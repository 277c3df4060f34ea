import os from 'node:os';
import { NODE_FS, type FolderFs } from '../fs/entries.js';
import type { Logger } from '../log.js';
import type { TranscodeQuality } from '../media/args.js';
import { resolveUploadSettings, type UploadSettings } from '../upload/options.js';

/** Extra response headers for request paths matching `source` (a pattern: see the README's "Serving a built site"). */
export interface HeaderRule {
  /** Path pattern such as `/assets/**` or `/blog/:slug` (`**` followed by `/` also matches no folder). */
  readonly source: string;
  /** Header name → value; a later rule overrides an earlier one for the same name. */
  readonly headers: Readonly<Record<string, string>>;
}

/** A redirect: requests matching `source` get `status` with a `Location` built from `destination`. */
export interface RedirectRule {
  /** Path pattern; `:name` captures one segment, `:name*` the rest of the path. */
  readonly source: string;
  /** A path (`/new/:slug`) or an absolute http(s) URL; each `:name` is replaced by its capture. */
  readonly destination: string;
  /** 301 (default), 302, 307 or 308. */
  readonly status?: 301 | 302 | 307 | 308;
}

/** A rewrite: requests matching `source` are answered with the file at `destination` (the URL stays). */
export interface RewriteRule {
  /** Path pattern. */
  readonly source: string;
  /** A path under the root, e.g. `/user.html`; `:name` captures may be used. */
  readonly destination: string;
}

/**
 * The build-folder settings, also read from `aqua.json` (see {@link ServeOptions.config}); what is given
 * here wins over the file.
 */
export interface SiteOptions {
  /**
   * SPA fallback (`--spa [file]`): a GET/HEAD for a missing, extension-less path whose `Accept` prefers HTML
   * gets `/index.html` (or this path under the root) with 200 and `Cache-Control: no-cache`. Default off.
   */
  spa?: boolean | string;
  /**
   * Compression (`--no-compress` sets `false`): precompressed `.br`/`.zst`/`.gz` siblings, else brotli or gzip
   * on the fly for text types above 1 KiB, cached in the memory cache. Default `true`.
   */
  compress?: boolean;
  /** Per-path response headers (`--header` adds one for every path). */
  headers?: readonly HeaderRule[];
  /** Redirects, tried in order before the path is resolved; the first match answers. */
  redirects?: readonly RedirectRule[];
  /** Rewrites, tried in order after the redirects; the first match names the file to serve. */
  rewrites?: readonly RewriteRule[];
  /** `/about` serves `about.html`, and `/about.html` is redirected to `/about`. Default `false`. */
  cleanUrls?: boolean;
  /** `true`: clean URLs and folders end with `/`; `false`: neither does; default: folders only. */
  trailingSlash?: boolean;
  /** A page under the root (`/404.html`) sent with status 404 for anything missing. Default: the built-in page. */
  notFound?: string;
}

/**
 * Options of the directory handler ({@link serveDirectory}) — the same policy the CLI flags set;
 * each field names its flag. Every field is optional; the defaults are the CLI's defaults.
 * Invalid values throw a `RangeError` when the handler is created, not on a request.
 *
 * ```ts
 * serveDirectory('./media', { dotfiles: false, cacheSeconds: 3600, cors: true });
 * ```
 */
export interface ServeOptions extends SiteOptions {
  /**
   * A JSON config file (`--config <file>`) with {@link SiteOptions} and the serve options, watched and reloaded on
   * change; `true` means `aqua.json` in the root (the CLI's default), which may appear later. Options given in code
   * win over the file. A bad file throws when the handler is created; a bad edit later keeps the last good config.
   * Default: none.
   */
  config?: string | boolean;
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
   * Default `null`: `max-age=0, s-maxage=1, must-revalidate`: browsers revalidate every time (answered by a
   * cheap 304), shared caches after one second (see the README's "Behind a proxy, a cache or a CDN").
   */
  cacheSeconds?: number | null;
  /**
   * Every answer is for one user: `Cache-Control: private` on all of them, so no shared cache stores them.
   * `createAquaServer` turns it on with `auth` (`--auth`); set it when your own middleware in front of the
   * handler authenticates. Default `false`.
   */
  private?: boolean;
  /** Send `Access-Control-Allow-Origin: *` and answer CORS preflights (`--cors`). Default `false`. */
  cors?: boolean;
  /**
   * The file-system calls a folder listing makes (`opendir`, `stat`, `realpath`; no CLI flag). Default: node:fs
   * through libuv's thread pool. A test double can add latency here, as a slow disk or a network mount would.
   */
  folderFs?: FolderFs;
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
   * Uploads (`--upload [subfolder]`): `true` accepts them anywhere in the tree, a folder path (`'incoming'`,
   * relative to the root) only there and below. Plain `PUT` (curl -T) and tus 1.0 (`POST` to a folder URL or
   * to `/.aqua/upload/`); bytes are staged in `<root>/.aqua-uploads/` and renamed into place when complete (see
   * the README's "Uploads"). Needs `private: true` (your own middleware authenticates; `createAquaServer` sets it
   * with `auth`) or `uploadAnonymous: true`, else a `RangeError`. Default `false`.
   */
  upload?: boolean | string;
  /** Replace an existing file of the same name (`--upload-overwrite`). Default `false`: `name (1).ext`. */
  uploadOverwrite?: boolean;
  /** Largest upload in bytes (`--upload-max-size <size>`); larger ones answer 413. Default `null`: free space only. */
  uploadMaxSize?: number | null;
  /**
   * Seconds an unfinished upload is kept after its last byte arrived (`--upload-expire <duration>`); then its
   * staging files are removed. Default 86,400 (a day).
   */
  uploadExpireSeconds?: number;
  /** Accept uploads without authentication (`--upload-anonymous`). Default `false`. */
  uploadAnonymous?: boolean;
  /**
   * WebDAV class 1 and 2 (`--webdav`): PROPFIND (Depth 0 and 1), and with `upload` on PUT, DELETE, MKCOL, COPY,
   * MOVE, PROPPATCH (dead properties kept in memory), LOCK and UNLOCK, writes only inside the upload folder;
   * read-only without `upload`. See the README's "WebDAV". Default `false`.
   */
  webdav?: boolean;
  /**
   * Makes the `token` of a share link for a path (decoded segments; `folder` when they name a folder): pages then
   * offer "Copy share link". `createAquaServer` sets it with `auth`, and its gate checks the tokens; set it yourself
   * only with a gate of your own that checks them. Default: none.
   */
  shareToken?: ShareTokenMaker;
  /**
   * ffmpeg for thumbnails (`?thumb`) and for playing what the browser cannot (`--ffmpeg <path>`): `true` finds
   * `ffmpeg` and `ffprobe` on the PATH once, a path names ffmpeg (ffprobe is the one beside it, else on the PATH).
   * Without them every media answer is a 404 and the player is as without this option. Default `false` (the CLI's
   * default is `true`).
   */
  ffmpeg?: boolean | string;
  /** Conversions (transcoded or remuxed segments) at a time (`--transcodes <n>`). Default: one per two cores. */
  transcodes?: number;
  /** `--transcode-quality`: `low` (480p, fastest), `medium` (720p), `high` (1080p, slowest). Default `medium`. */
  transcodeQuality?: TranscodeQuality;
  /**
   * Folder of the media cache (`--cache-dir <dir>`): thumbnails, probes, segments. Default `$XDG_CACHE_HOME/aqua-serve`
   * or `~/.cache/aqua-serve`; a folder inside the served root is refused (RangeError) when given, and replaced by
   * one under the system's temporary folder when it is the default.
   */
  cacheDir?: string;
  /** Bytes the media cache may hold on disk (no CLI flag); least recently used files go first. Default 2 GiB. */
  mediaCacheBytes?: number;
  /**
   * Where the handler reports failures (a 5xx, with the error; never sent to the client).
   * Default: none. Per-response lines come from `createAquaServer`'s `logger` (`--log-level`, `--log-format`).
   */
  logger?: Logger;
}

/** Default {@link ServeOptions.chunkSize}: 64 KiB. */
export const DEFAULT_CHUNK_SIZE = 64 * 1024;

/** Default {@link ServeOptions.memoryCacheBytes}: 64 MiB. */
export const DEFAULT_MEMORY_CACHE_BYTES = 64 * 1024 * 1024;

/** Default {@link ServeOptions.archiveMaxFiles}. */
export const DEFAULT_ARCHIVE_MAX_FILES = 100_000;

/**
 * The default of every {@link ServeOptions} field the handler resolves, in one place: the handler applies them, and the
 * CLI's flag table (src/cli/settings.ts) shows and uses the same values.
 */
export const SERVE_DEFAULTS = Object.freeze({
  dotfiles: false,
  index: true,
  followSymlinks: false,
  listing: true,
  cacheSeconds: null as number | null,
  private: false,
  cors: false,
  chunkSize: DEFAULT_CHUNK_SIZE,
  memoryCacheBytes: DEFAULT_MEMORY_CACHE_BYTES,
  archives: true,
  archiveMaxFiles: DEFAULT_ARCHIVE_MAX_FILES,
  archiveGzip: false,
  webdav: false,
  ffmpeg: false as boolean | string,
  transcodes: Math.max(1, Math.floor(os.availableParallelism() / 2)),
  transcodeQuality: 'medium' as TranscodeQuality,
  cacheDir: null as string | null,
  mediaCacheBytes: 2 * 1024 ** 3,
  logger: null as Logger | null,
  shareToken: null as ShareTokenMaker | null,
});

/** See {@link ServeOptions.shareToken}. */
export type ShareTokenMaker = (segments: readonly string[], folder: boolean) => string;

/** {@link ServeOptions} with every default applied; frozen. */
export type ResolvedServeOptions = Readonly<typeof SERVE_DEFAULTS> & {
  /** Uploads, or `null` when they are off (see `upload/options.ts`). */
  readonly upload: UploadSettings | null;
  /** See {@link ServeOptions.folderFs}. */
  readonly folderFs: FolderFs;
};

/** A whole-number option within `min`–`max`, or a `RangeError` that names it. */
function checkInteger(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min)
    throw new RangeError(`${name} must be ${min === 0 ? 'a non-negative integer' : `an integer >= ${min}`}`);
  return value;
}

/**
 * Apply the defaults to {@link ServeOptions} and validate them; throws `TypeError` for an on/off option that is not a
 * boolean and `RangeError` for a bad `chunkSize`, `memoryCacheBytes`, `cacheSeconds`, `archiveMaxFiles` or upload
 * option (see `upload/options.ts`).
 */
export function resolveServeOptions(options: ServeOptions = {}): ResolvedServeOptions {
  for (const name of BOOLEAN_OPTIONS) checkBoolean(options, name);
  const resolved = { ...SERVE_DEFAULTS };
  for (const key of Object.keys(SERVE_DEFAULTS) as (keyof ResolvedServeOptions)[]) {
    if (options[key] !== undefined) Object.assign(resolved, { [key]: options[key] });
  }
  checkInteger('chunkSize', resolved.chunkSize, 1024);
  checkInteger('memoryCacheBytes', resolved.memoryCacheBytes, 0);
  if (resolved.cacheSeconds !== null) checkInteger('cacheSeconds', resolved.cacheSeconds, 0);
  checkInteger('archiveMaxFiles', resolved.archiveMaxFiles, 1);
  checkInteger('transcodes', resolved.transcodes, 1);
  checkInteger('mediaCacheBytes', resolved.mediaCacheBytes, 0);
  if (!['low', 'medium', 'high'].includes(resolved.transcodeQuality))
    throw new RangeError('transcodeQuality must be low, medium or high');
  return Object.freeze({ ...resolved, upload: resolveUploadSettings(options), folderFs: options.folderFs ?? NODE_FS });
}

/** The on/off options: a string such as `'deny'` or `'no'` would read as true and quietly turn a policy on. */
const BOOLEAN_OPTIONS = [
  'dotfiles',
  'index',
  'followSymlinks',
  'listing',
  'private',
  'cors',
  'archives',
  'archiveGzip',
  'uploadOverwrite',
  'uploadAnonymous',
  'webdav',
] as const satisfies readonly (keyof ServeOptions)[];

function checkBoolean(options: ServeOptions, name: (typeof BOOLEAN_OPTIONS)[number]): void {
  const value: unknown = options[name];
  if (value !== undefined && typeof value !== 'boolean') {
    throw new TypeError(`${name} must be true or false, not ${JSON.stringify(value) ?? typeof value}`);
  }
}

/** A folder to serve must be named: an empty or missing root would serve the process's working folder. */
export function checkRoot(root: unknown): asserts root is string {
  if (typeof root !== 'string' || root === '') {
    throw new TypeError(
      `serveDirectory: root must be a non-empty folder path, not ${JSON.stringify(root) ?? typeof root}`,
    );
  }
}
