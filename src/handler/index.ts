import { open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { BlockCache, sameIdentity } from '../fs/cache/blocks.js';
import { KnownFiles, StatBatcher } from '../fs/cache/files.js';
import { setCommonHeaders, type RequestContext } from './context.js';
import { HttpError, sendError, statusOf } from '../respond/errors.js';
import { serveFile } from '../respond/file.js';
import { FolderNames } from '../fs/folder.js';
import { sendListing } from './folder.js';
import { resolveServeOptions, type ResolvedServeOptions, type ServeOptions } from './options.js';
import { parseUrlPath, realRoot, resolveFsPath } from '../fs/resolve.js';
import { encodePath } from '../http/url.js';
import { ASSET_PREFIX, serveAsset } from '../pages/ui/assets.js';
import { extensionOf } from '../pages/ui/kind.js';
import { serveSrtAsVtt, serveViewer } from './view.js';

/**
 * The `next` of Express and connect: called with no argument, it passes the request on to the rest of
 * the app (a missing file then reaches the app's own 404 handler).
 */
export type NextFunction = (err?: unknown) => void;

/**
 * A request handler usable as a `node:http` request listener (`next` absent) and as Express or
 * connect middleware (`next` given). It never throws; failures become responses.
 */
export type AquaHandler = (req: IncomingMessage, res: ServerResponse, next?: NextFunction) => void;

const ALLOW = 'GET, HEAD, OPTIONS';

/**
 * A handler that serves the files and folder listings under `root`, as the CLI does.
 *
 * ```ts
 * http.createServer(serveDirectory('./public')).listen(8080);
 * app.use('/media', serveDirectory('/srv/media', { cacheSeconds: 3600 }));
 * ```
 *
 * - Mounted under a prefix, listing links and redirects carry the prefix: Express's `req.baseUrl`,
 *   or for connect the part of `req.originalUrl` cut from `req.url`.
 * - A folder URL without its trailing slash is redirected (301) to the URL with it, query kept.
 * - With `next` (Express, connect): a missing file (404) and every method but GET and HEAD call
 *   `next()`, so the app's own routes and 404 handler answer them. Other failures (400, 403, 500)
 *   are answered here with a small fixed page that shows no path or error message.
 * - Without `next` (`node:http`): a missing file answers 404; OPTIONS answers 204 with `Allow`
 *   (and the CORS preflight headers when `cors` is on); other methods answer 405 with `Allow`.
 *
 * The root is resolved (symlinks included) on the first request, not here: a root that does not
 * exist yet answers 404 (or calls `next()`) until it appears.
 *
 * @param root Folder to serve; relative paths are resolved against the current working directory.
 * @param options Policy, the same as the CLI flags; see {@link ServeOptions}.
 * @throws RangeError when an option is out of range (see {@link ServeOptions}).
 */
export function serveDirectory(root: string, options: ServeOptions = {}): AquaHandler {
  const opts = resolveServeOptions(options);
  let rootReal: Promise<string> | null = null;
  const state: HandlerState = {
    options: opts,
    getRoot: () => {
      rootReal ??= realRoot(root).catch((err: unknown) => {
        rootReal = null; // the folder may appear later; do not cache the failure
        throw err;
      });
      return rootReal;
    },
    blocks: new BlockCache({ blockSize: opts.chunkSize, maxBytes: opts.memoryCacheBytes }),
    files: new KnownFiles(),
    stats: new StatBatcher(),
    folders: new FolderNames(),
  };
  return (req, res, next) => {
    handle(req, res, next, state).catch((err: unknown) => fail(err, req, res, next, opts));
  };
}

/** What one handler keeps between requests. */
interface HandlerState {
  readonly options: ResolvedServeOptions;
  readonly getRoot: () => Promise<string>;
  readonly blocks: BlockCache;
  readonly files: KnownFiles;
  readonly stats: StatBatcher;
  /** Folder names in listing order, kept per folder identity. */
  readonly folders: FolderNames;
}

function fail(
  err: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  next: NextFunction | undefined,
  opts: ResolvedServeOptions,
): void {
  const status = statusOf(err);
  if (status === 404 && next && !res.headersSent) return next();
  if (status >= 500) opts.logger?.error({ err, method: req.method, url: req.url }, 'request failed');
  sendError(res, status, status === 503 ? { 'Retry-After': '1' } : {});
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  next: NextFunction | undefined,
  state: HandlerState,
): Promise<void> {
  const { options } = state;
  const method = req.method ?? '';
  if (method !== 'GET' && method !== 'HEAD') {
    if (next) return next();
    return answerOtherMethod(req, res, options);
  }
  const target = splitTarget(req.url);
  // The pages' own assets: a reserved dot-folder, answered before the dotfile rule would hide it.
  if (target.path.startsWith(ASSET_PREFIX)) {
    if (serveAsset(req, res, target.path.slice(ASSET_PREFIX.length))) return;
    throw new HttpError(404, 'no such asset');
  }
  const url = parseUrlPath(target.path, options);
  const root = await state.getRoot();
  const ctx: RequestContext = {
    req,
    res,
    method,
    options,
    blocks: state.blocks,
    root,
    base: mountBase(req),
    url,
    query: new URLSearchParams(target.rawQuery),
    rawQuery: target.rawQuery,
  };
  const name = url.segments[url.segments.length - 1] ?? '';
  const key = url.segments.join('/');
  // A viewer page or a converted subtitle is not the file's bytes: it skips the metadata-cache fast path.
  const viewRequest = ctx.query.has('view');
  const vttRequest = ctx.query.get('format') === 'vtt' && extensionOf(name) === 'srt';
  const known = url.trailingSlash || viewRequest || vttRequest ? undefined : state.files.get(key);
  if (known) {
    const stat = await state.stats.stat(known.joined);
    if (stat && sameIdentity(stat, known.identity)) return serveFile(ctx, { fh: null, abs: known.abs, stat, name });
    state.files.delete(key);
  }
  const abs = await resolveFsPath(root, url, options);
  const fh = await open(abs, 'r');
  let handedOver = false;
  try {
    const stat = await fh.stat();
    if (stat.isFile()) {
      if (url.trailingSlash) return redirect(ctx, encodePath(url.segments));
      const file = { fh, stat, name };
      if (viewRequest && (await serveViewer(ctx, file, state.folders))) return;
      if (vttRequest && (await serveSrtAsVtt(ctx, file))) return;
      state.files.set(key, { abs, joined: path.join(root, ...url.segments), identity: stat });
      handedOver = true;
      return await serveFile(ctx, { fh, abs, stat, name });
    }
    if (!stat.isDirectory()) throw new HttpError(404, 'not a regular file or folder');
  } finally {
    if (!handedOver) await fh.close();
  }
  return serveFolder(ctx, abs, state);
}

function answerOtherMethod(req: IncomingMessage, res: ServerResponse, options: ResolvedServeOptions): void {
  if (req.method !== 'OPTIONS') return sendError(res, 405, { Allow: ALLOW });
  const headers: Record<string, string> = { Allow: ALLOW, 'Content-Length': '0' };
  if (options.cors) {
    headers['Access-Control-Allow-Origin'] = '*';
    headers['Access-Control-Allow-Methods'] = ALLOW;
    const asked = req.headers['access-control-request-headers'];
    if (asked) headers['Access-Control-Allow-Headers'] = asked;
    headers['Access-Control-Max-Age'] = '86400';
  }
  res.writeHead(204, headers);
  res.end();
}

async function serveFolder(ctx: RequestContext, abs: string, state: HandlerState): Promise<void> {
  const { url, options } = ctx;
  if (url.segments.length > 0 && !url.trailingSlash) return redirect(ctx, encodePath(url.segments) + '/');
  if (options.index && (await tryIndex(ctx))) return;
  if (!options.listing) throw new HttpError(404, 'listing disabled');
  return sendListing(ctx, abs, state.folders);
}

/** Serve the folder's `index.html` if it has one (resolved like any other path: symlink rules apply). */
async function tryIndex(ctx: RequestContext): Promise<boolean> {
  let fh;
  let abs: string;
  try {
    abs = await resolveFsPath(
      ctx.root,
      { segments: [...ctx.url.segments, 'index.html'], trailingSlash: false },
      ctx.options,
    );
    fh = await open(abs, 'r');
  } catch {
    return false;
  }
  const stat = await fh.stat().catch(async (err: unknown) => {
    await fh.close();
    throw err;
  });
  if (!stat.isFile()) {
    await fh.close();
    return false;
  }
  await serveFile(ctx, { fh, abs, stat, name: 'index.html' });
  return true;
}

/** 301 to a path under the mount; the query is kept verbatim. Never a scheme-relative `//` Location. */
function redirect(ctx: RequestContext, encodedPath: string): void {
  const location = '/' + (ctx.base + encodedPath).replace(/^\/+/, '') + (ctx.rawQuery ? `?${ctx.rawQuery}` : '');
  setCommonHeaders(ctx);
  const body = `Redirecting to ${location}\n`;
  ctx.res.writeHead(301, {
    Location: location,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-cache',
  });
  ctx.res.end(ctx.method === 'HEAD' ? undefined : body);
}

/** Split a request target into its raw path and raw query; absolute-form targets keep only the path. */
export function splitTarget(rawUrl: string | undefined): { path: string; rawQuery: string } {
  let target = rawUrl ?? '';
  if (!target.startsWith('/')) {
    const authority = /^https?:\/\/[^/?#]*/i.exec(target);
    if (!authority) throw new HttpError(400, 'request target is neither origin-form nor absolute-form');
    target = target.slice(authority[0].length);
    if (!target.startsWith('/')) target = '/' + target;
  }
  const q = target.indexOf('?');
  return q < 0 ? { path: target, rawQuery: '' } : { path: target.slice(0, q), rawQuery: target.slice(q + 1) };
}

/** The prefix the handler is mounted under: Express's `req.baseUrl`, or what connect cut from `req.originalUrl`. */
function mountBase(req: IncomingMessage): string {
  const mounted = req as IncomingMessage & { baseUrl?: unknown; originalUrl?: unknown };
  let base = '';
  if (typeof mounted.baseUrl === 'string') {
    base = mounted.baseUrl;
  } else if (typeof mounted.originalUrl === 'string' && mounted.originalUrl !== req.url) {
    const original = mounted.originalUrl.split('?')[0];
    const current = (req.url ?? '/').split('?')[0];
    if (original.endsWith(current)) base = original.slice(0, original.length - current.length);
    else if (current === '/') base = original;
  }
  return base.replace(/\/+$/, '');
}
