import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { BlockCache } from '../fs/cache/blocks.js';
import { KnownFiles, reopenKnown, StatBatcher } from '../fs/cache/files.js';
import { openInside } from '../fs/open.js';
import { parseUrlPath, realRoot } from '../fs/resolve.js';
import { statusOf } from '../http/errors.js';
import { encodePath } from '../http/url.js';
import { extensionOf } from '../pages/ui/kind.js';
import { sendError } from '../respond/errors.js';
import { ASSET_PREFIX, sendAsset } from './assets.js';
import { homeOf, type RequestContext } from './context.js';
import { sendFile } from './file.js';
import { FolderNames } from '../fs/folder.js';
import { serveFolder } from './folder.js';
import { resolveServeOptions, type ResolvedServeOptions, type ServeOptions } from './options.js';
import { ALLOW, answerOptions, applyPolicy } from './policy.js';
import { redirect } from './redirect.js';
import { mountOf, parseTarget } from './route.js';
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
  /** Folder names in listing order, kept per folder identity (see fs/folder.ts). */
  readonly folders: FolderNames;
}

function fail(
  err: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  next: NextFunction | undefined,
  opts: ResolvedServeOptions,
): Promise<void> | void {
  const status = statusOf(err);
  if (status === 404 && next && !res.headersSent) return next();
  if (status >= 500) opts.logger?.error({ err, method: req.method, url: req.url }, 'request failed');
  const headers: Record<string, string> = status === 503 ? { 'Retry-After': '1' } : {};
  return sendError(res, status, headers, { home: homeOf(mountOf(req).base) });
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
    applyPolicy(res, options);
    if (method === 'OPTIONS') return answerOptions(req, res, options);
    return sendError(res, 405, { Allow: ALLOW }, { home: homeOf(mountOf(req).base) });
  }
  applyPolicy(res, options);
  const target = parseTarget(req.url);
  // The pages' own assets: a reserved dot-folder, answered before the dotfile rule would hide it.
  if (target.path.startsWith(ASSET_PREFIX)) return sendAsset(res, target.path);
  const url = parseUrlPath(target.path, options);
  const mount = mountOf(req);
  const ctx: RequestContext = {
    req,
    res,
    method,
    options,
    blocks: state.blocks,
    root: await state.getRoot(),
    base: mount.base,
    url,
    route: target.route,
  };
  if (mount.bare) return redirect(ctx, '/');
  return serveTarget(ctx, state);
}

/** The file or folder the URL names: from the metadata cache, or resolved and opened. */
async function serveTarget(ctx: RequestContext, state: HandlerState): Promise<void> {
  const { url, route, root } = ctx;
  const name = url.segments[url.segments.length - 1] ?? '';
  const key = url.segments.join('/');
  // A viewer page or a converted subtitle is not the file's bytes: it skips the metadata-cache fast path.
  const vttRequest = route.format === 'vtt' && extensionOf(name) === 'srt';
  const known = url.trailingSlash || route.view || vttRequest ? undefined : state.files.get(key);
  if (known) {
    const source = await reopenKnown(known, await state.stats.stat(known.joined), state.blocks);
    if (source) return sendFile(ctx, source, name);
    state.files.delete(key);
  }
  const { fh, stat, abs } = await openInside(root, url, ctx.options);
  let handedOver = false;
  try {
    if (stat.isFile()) {
      if (url.trailingSlash) return await redirect(ctx, encodePath(url.segments));
      const file = { fh, stat, name };
      if (route.view && (await serveViewer(ctx, file, state.folders))) return;
      if (vttRequest && (await serveSrtAsVtt(ctx, file))) return;
      state.files.set(key, { abs, joined: path.join(root, ...url.segments), identity: stat });
      handedOver = true;
      return await sendFile(ctx, { fh, abs, stat }, name);
    }
  } finally {
    if (!handedOver) await fh.close();
  }
  return serveFolder(ctx, abs, state.folders);
}
