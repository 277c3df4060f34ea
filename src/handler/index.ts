import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { BlockCache } from '../fs/cache/blocks.js';
import { KnownFiles, reopenKnown, StatBatcher } from '../fs/cache/files.js';
import { openInside } from '../fs/open.js';
import { parseUrlPath, realRoot } from '../fs/resolve.js';
import { HttpError, statusOf } from '../http/errors.js';
import { encodePath } from '../http/url.js';
import { extensionOf } from '../pages/ui/kind.js';
import { sendError } from '../respond/errors.js';
import { ASSET_PREFIX, sendAsset } from './assets.js';
import { homeOf, type RequestContext } from './context.js';
import { sendFile } from './file.js';
import { FolderNames } from '../fs/folder.js';
import { serveFolder } from './folder.js';
import { checkRoot, resolveServeOptions, type ResolvedServeOptions, type ServeOptions } from './options.js';
import { ALLOW, answerOptions, applyPolicy } from './policy.js';
import { redirect } from './redirect.js';
import { mountOf, parseTarget, splitTarget } from './route.js';
import { serveSrtAsVtt, serveViewer } from './view.js';
import { CrcCache } from '../archive/reader.js';
import { applyEarly, pathOf, serveMissing } from './site.js';
import { SiblingIndex } from '../site/encoding.js';
import { headersFor } from '../site/rules.js';
import { openSiteSource, type SiteSettings, type SiteSource } from '../site/source.js';
import { isUploadRequest, serveUpload, UploadStore } from '../upload/index.js';
import { DavStore, isDavRequest, serveDav } from '../dav/index.js';
import type { MediaService } from '../media/service.js';
import { openMedia, serveMedia } from './media.js';

/**
 * The `next` of Express and connect: called with no argument, it passes the request on to the rest of
 * the app (a missing file then reaches the app's own 404 handler).
 */
export type NextFunction = (err?: unknown) => void;

/**
 * A request handler usable as a `node:http` request listener (`next` absent) and as Express or
 * connect middleware (`next` given). It never throws; failures become responses.
 */
export interface AquaHandler {
  (req: IncomingMessage, res: ServerResponse, next?: NextFunction): void;
  /** Stop watching the config file (`createAquaServer` calls it on close). Requests are still answered. */
  close(): void;
  /** Whether CORS is on now: code or flags over the config file, which may change while serving. */
  cors(): boolean;
}

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
 * @throws TypeError for a missing or empty root, or an on/off option that is not a boolean; RangeError when an
 *   option is out of range (see {@link ServeOptions}).
 */
export function serveDirectory(root: string, options: ServeOptions = {}): AquaHandler {
  checkRoot(root);
  const opts = resolveServeOptions(options);
  let rootReal: Promise<string> | null = null;
  const site = openSite(root, options, opts);
  const state: HandlerState = {
    options: opts,
    view: viewOf(options, site),
    siblings: new SiblingIndex(),
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
    crcs: new CrcCache(),
    folders: new FolderNames(),
    uploads: null,
    root: null,
    dav: opts.webdav || opts.upload ? new DavStore() : null,
    media: openMedia(root, opts),
  };
  if (opts.upload) {
    state.uploads = new UploadStore(state.getRoot, opts.upload, opts.logger);
    state.uploads.start();
  }
  const handler = (req: IncomingMessage, res: ServerResponse, next?: NextFunction): void => {
    handle(req, res, next, state).catch((err: unknown) => fail(err, req, res, next, opts));
  };
  const close = (): void => {
    site.close();
    state.uploads?.close();
  };
  return Object.assign(handler, { close, cors: () => state.view().options.cors });
}

/** The config file named by {@link ServeOptions.config}, read and watched; the site options in code over it. */
function openSite(root: string, options: ServeOptions, resolved: ResolvedServeOptions): SiteSource {
  const { spa, compress, headers, redirects, rewrites, cleanUrls, trailingSlash, notFound, config } = options;
  const file = config === true ? path.join(root, 'aqua.json') : typeof config === 'string' ? config : null;
  return openSiteSource({
    code: { spa, compress, headers, redirects, rewrites, cleanUrls, trailingSlash, notFound },
    file,
    required: typeof config === 'string',
    logger: resolved.logger,
  });
}

/** What one request uses: the current config generation, and the serve options it gives (code over file). */
interface SiteView {
  readonly settings: SiteSettings;
  readonly options: ResolvedServeOptions;
}

function viewOf(options: ServeOptions, site: SiteSource): () => SiteView {
  const views = new WeakMap<SiteSettings, SiteView>();
  return () => {
    const settings = site.current();
    let view = views.get(settings);
    if (!view) {
      const { cache, ...file } = settings.fileOptions;
      const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
      view = { settings, options: resolveServeOptions({ ...file, cacheSeconds: cache, ...given }) };
      views.set(settings, view);
    }
    return view;
  };
}

/** What one handler keeps between requests. */
interface HandlerState {
  /** The options given in code, resolved (the config file may change some per request: see `view`). */
  readonly options: ResolvedServeOptions;
  readonly view: () => SiteView;
  readonly siblings: SiblingIndex;
  readonly getRoot: () => Promise<string>;
  readonly blocks: BlockCache;
  readonly files: KnownFiles;
  readonly stats: StatBatcher;
  /** CRC-32s of files already sent in a ZIP, for resumed archive downloads. */
  readonly crcs: CrcCache;
  /** Folder names in listing order, kept per folder identity (see fs/folder.ts). */
  readonly folders: FolderNames;
  /** Uploads' staging folder, writers and sweeper; `null` when uploads are off. */
  uploads: UploadStore | null;
  /** The root's real path once `getRoot()` has given it (no await per request after that). */
  root: string | null;
  /** WebDAV's locks and dead properties; `null` when neither `webdav` nor `upload` is on. */
  readonly dav: DavStore | null;
  /** ffmpeg, its queues and the media cache (thumbnails, conversions for the player). */
  readonly media: MediaService;
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
  const { settings, options } = state.view();
  const method = req.method ?? '';
  const davPath = state.dav ? rawPathOf(req.url) : null;
  const davOn = { webdav: options.webdav, upload: options.upload !== null };
  if (davPath !== null && isDavRequest(method, davPath, req.headers, davOn)) return davFor(req, res, davPath, state);
  if (state.uploads && options.upload && isUploadRequest(method, rawPathOf(req.url) ?? ''))
    return uploadFor(req, res, state);
  if (method !== 'GET' && method !== 'HEAD') {
    if (next) return next();
    applyPolicy(res, options);
    if (method === 'OPTIONS') return answerOptions(req, res, options);
    return sendError(res, 405, { Allow: ALLOW }, { home: homeOf(mountOf(req).base) });
  }
  applyPolicy(res, options);
  const target = parseTarget(req.url);
  // The pages' own assets: a reserved dot-folder, answered before the dotfile rule would hide it.
  if (target.path.startsWith(ASSET_PREFIX)) return sendAsset(res, target.path, options);
  const url = parseUrlPath(target.path, options);
  const mount = mountOf(req);
  const { rules } = settings;
  const siteHeaders = rules.headers.length === 0 ? NO_HEADERS : headersFor(rules, pathOf(url));
  // Set now, so that every answer carries them, errors included.
  for (const name in siteHeaders) res.setHeader(name, siteHeaders[name] as string);
  const ctx: RequestContext = {
    req,
    res,
    method,
    options,
    blocks: state.blocks,
    root: state.root ?? (state.root = await state.getRoot()),
    base: mount.base,
    url,
    route: target.route,
    rules: settings.rules,
    siblings: settings.rules.compress ? state.siblings : null,
    siteHeaders,
  };
  if (mount.bare) return redirect(ctx, '/');
  const early = hasEarlyRules(rules) ? await applyEarly(ctx) : null;
  if (early === true) return;
  const resolved = early === null ? ctx : { ...ctx, url: early };
  try {
    await serveTarget(resolved, state, settings.configFile);
  } catch (err) {
    // Nothing there: the site's clean URL, SPA entry or 404 page, if it has one.
    if (statusOf(err) !== 404 || res.headersSent || !(await serveMissing(resolved))) throw err;
  }
}

/** No site headers: the common case, without an object per request. */
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** Whether a redirect, a clean URL or a rewrite may apply before the path is resolved. */
const hasEarlyRules = (rules: SiteSettings['rules']): boolean =>
  rules.redirects.length > 0 || rules.cleanUrls || rules.rewrites.length > 0;

/** The raw path of an origin- or absolute-form target; `null` for any other (`OPTIONS *`: not WebDAV's). */
function rawPathOf(rawUrl: string | undefined): string | null {
  try {
    return splitTarget(rawUrl).path;
  } catch {
    return null;
  }
}

/** An upload (upload/): PUT, or tus. */
async function uploadFor(req: IncomingMessage, res: ServerResponse, state: HandlerState): Promise<void> {
  const { settings, options } = state.view();
  applyPolicy(res, options);
  return serveUpload({
    req,
    res,
    path: splitTarget(req.url).path,
    root: await state.getRoot(),
    options,
    configFile: settings.configFile,
    settings: options.upload as NonNullable<typeof options.upload>,
    store: state.uploads as UploadStore,
    base: mountOf(req).base,
  });
}

/** A WebDAV request (dav/): `--webdav`, or the folder page's MKCOL, MOVE and DELETE with `--upload`. */
async function davFor(req: IncomingMessage, res: ServerResponse, rawPath: string, state: HandlerState): Promise<void> {
  const { settings, options } = state.view();
  applyPolicy(res, options);
  return serveDav({
    req,
    res,
    path: rawPath,
    root: await state.getRoot(),
    base: mountOf(req).base,
    options,
    webdav: options.webdav,
    upload: options.upload,
    uploads: options.upload ? state.uploads : null,
    store: state.dav as DavStore,
    configFile: settings.configFile,
  });
}

/** The file or folder the URL names: from the metadata cache, or resolved and opened. */
async function serveTarget(ctx: RequestContext, state: HandlerState, configFile: string | null): Promise<void> {
  const { url, route, root } = ctx;
  const name = url.segments[url.segments.length - 1] ?? '';
  const key = url.segments.join('/');
  // A viewer page or a converted subtitle is not the file's bytes: it skips the metadata-cache fast path.
  const vttRequest = route.format === 'vtt' && extensionOf(name) === 'srt';
  const known = url.trailingSlash || route.view || vttRequest || route.media ? undefined : state.files.get(key);
  if (known) {
    const source = await reopenKnown(known, await state.stats.stat(known.joined), state.blocks);
    if (source) return sendFile(ctx, source, name);
    state.files.delete(key);
  }
  const { fh, stat, abs } = await openInside(root, url, ctx.options);
  if (abs === configFile) {
    await fh.close();
    throw new HttpError(404, 'the config file is not served');
  }
  let handedOver = false;
  try {
    if (stat.isFile()) {
      if (url.trailingSlash) return await redirect(ctx, encodePath(url.segments));
      const file = { fh, stat, name };
      if (route.media) return await serveMedia(ctx, { abs, stat, name }, state.media, route.media);
      if (route.view && (await serveViewer(ctx, file, state.folders, { service: state.media, abs }))) return;
      if (vttRequest && (await serveSrtAsVtt(ctx, file))) return;
      const handle = state.files.handleFor(key, { abs, joined: path.join(root, ...url.segments), stat });
      handedOver = true;
      const lease = await handle.adopt(fh);
      return await sendFile(ctx, { fh: lease.fh, lease, abs, stat }, name);
    }
  } finally {
    if (!handedOver) await fh.close();
  }
  if (route.media) throw new HttpError(404, 'a folder has no media answer');
  return serveFolder(ctx, abs, state);
}
