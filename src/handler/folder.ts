/** A folder: its `index.html`, or its listing (HTML or JSON), or a redirect to its slash form. */
import type { CrcCache } from '../archive/reader.js';
import { requestedArchive, serveArchive } from './archive.js';
import type { Entry, NamedEntry, ReadEntriesOptions } from '../fs/entries.js';
import { describeIn, orderedEntries, type FolderNames } from '../fs/folder.js';
import { attachmentDisposition } from '../http/disposition.js';
import { listingHtml, type ListingPlace } from '../pages/listing/html.js';
import { listingJson } from '../pages/listing/json.js';
import { renderM3u } from '../pages/listing/m3u.js';
import { kindOf } from '../pages/ui/kind.js';
import { serveLibrary } from './search.js';
import { sendStreamed } from './stream.js';
import { firstSighting } from '../fs/names.js';
import { openInside } from '../fs/open.js';
import { HttpError } from '../http/errors.js';
import { encodePath } from '../http/url.js';
import type { RequestContext } from './context.js';
import { insideArea } from '../upload/place.js';
import { pageExtras } from './library.js';
import { sendFile } from './file.js';
import { HTML, sendGenerated, sendHtmlPage } from './page.js';
import { redirect } from './redirect.js';

/** Answer for the folder at real path `abs`: its listing (names and order from `folders`), or `?download`'s archive. */
export async function serveFolder(
  ctx: RequestContext,
  abs: string,
  state: { readonly folders: FolderNames; readonly crcs: CrcCache },
): Promise<void> {
  const { folders, crcs } = state;
  const { url, options } = ctx;
  if (url.segments.length > 0) {
    // A folder URL ends with `/`, unless the site's trailingSlash is false: then it never does.
    const slash = ctx.rules.trailingSlash !== false;
    if (url.trailingSlash !== slash) return redirect(ctx, encodePath(url.segments) + (slash ? '/' : ''));
  }
  if (ctx.route.download !== null) {
    if (!options.archives) throw new HttpError(404, 'archives disabled');
    return serveArchive(ctx, abs, requestedArchive(ctx.route.download, { gzip: options.archiveGzip }), crcs);
  }
  if (ctx.route.query !== null || ctx.route.recent) {
    if (!options.listing) throw new HttpError(404, 'listing disabled');
    return serveLibrary(ctx, abs, { base: ctx.base, path: folderPath(ctx) });
  }
  if (options.index && (await tryIndex(ctx))) return;
  if (!options.listing) throw new HttpError(404, 'listing disabled');
  const policy = listingPolicy(ctx);
  const place: ListingPlace = { base: ctx.base, path: folderPath(ctx), linkPrefix: linkPrefix(ctx) };
  const names = folders.get(abs, policy);
  names.catch(() => undefined); // a HEAD request never reads it; a GET sees the failure in the body
  const format = formatOf(ctx);
  if (format === 'm3u') return sendPlaylist(ctx, abs, place, await names, policy);
  const view = ctx.route.sort;
  const json = format === 'json';
  async function* batches(): AsyncGenerator<readonly Entry[]> {
    yield* orderedEntries(abs, await names, view, policy);
  }
  const parts = (): AsyncIterable<string> =>
    json
      ? listingJson(place, batches())
      : listingHtml(
          place,
          {
            ...view,
            now: Date.now(),
            archives: options.archives,
            upload: uploadsHere(ctx),
            share: options.shareToken?.(ctx.url.segments, true) ?? null,
            ...pageExtras(ctx, abs, names, { policy, place }), // only for a body that is sent (or measured)
          },
          batches(),
        );
  // A folder whose names are at hand quickly and that is small is answered whole: with a content ETag
  // (a 304 while nothing changed) and Range. A big or slow one streams, its page starting at once.
  const early = await Promise.race([names, delay(WHOLE_WAIT_MS)]);
  if (early && early.length <= WHOLE_ENTRIES) {
    const body = await collect(parts());
    if (json) return sendGenerated(ctx, body, 'application/json; charset=utf-8', { vary: 'Accept' });
    return sendHtmlPage(ctx, body, 'Accept');
  }
  const type = json ? 'application/json; charset=utf-8' : HTML;
  return sendStreamed(ctx, type, parts, { page: !json, headers: { Vary: 'Accept' } });
}

/** How the listing reads the folder: the dotfile and symlink policy, and the report of names that are not UTF-8. */
function listingPolicy(ctx: RequestContext): ReadEntriesOptions {
  const { options } = ctx;
  return {
    root: ctx.root,
    dotfiles: options.dotfiles,
    followSymlinks: options.followSymlinks,
    fs: options.folderFs,
    onRawName: (name: string) => reportRawName(ctx, name),
  };
}

/** Whether uploads may go into this folder (`--upload` covers it). */
function uploadsHere(ctx: RequestContext): boolean {
  const upload = ctx.options.upload;
  return upload !== null && insideArea(upload.folder, ctx.url.segments);
}

/** Folders up to this many entries are sent whole (at most a few hundred KiB of page). */
const WHOLE_ENTRIES = 2_000;
/**
 * How long a listing waits for the folder's names before it starts streaming instead: short, so that a
 * huge folder or a slow disk shows the page's head at once (issue 18: within 100 ms) while the names are read.
 */
const WHOLE_WAIT_MS = 30;

const delay = (ms: number): Promise<null> => new Promise((resolve) => setTimeout(() => resolve(null), ms).unref());

async function collect(parts: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const part of parts) out += part;
  return out;
}

/**
 * `?format=m3u`: the folder's video and audio as an extended M3U playlist, with absolute URLs from the
 * Host header. Only the media names are stat'ed (the listing rules decide which are shown).
 */
async function sendPlaylist(
  ctx: RequestContext,
  abs: string,
  place: ListingPlace,
  names: readonly NamedEntry[],
  policy: ReadEntriesOptions,
): Promise<void> {
  const media = await describeIn(
    abs,
    names.filter((n) => n.kind !== 'directory' && isMedia(n.name)),
    policy,
  );
  const body = renderM3u(
    { ...place, origin: originOf(ctx) },
    media,
    names.map((n) => n.name),
  );
  const folderName = ctx.url.segments[ctx.url.segments.length - 1] ?? 'aqua-serve';
  return sendStreamed(ctx, 'audio/x-mpegurl; charset=utf-8', () => once(body), {
    headers: { 'Content-Disposition': attachmentDisposition(`${folderName}.m3u`) },
  });
}

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}

type ListingFormat = 'html' | 'json' | 'm3u';

function formatOf(ctx: RequestContext): ListingFormat {
  const format = ctx.route.format;
  if (format === 'json' || format === 'm3u') return format;
  if (format !== null) return 'html';
  const accept = ctx.req.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html') ? 'json' : 'html';
}

function isMedia(name: string): boolean {
  const kind = kindOf(name, 'file');
  return kind === 'video' || kind === 'audio';
}

/** `''`, or for a mount root reached without its slash (`/media`) the last segment of the mount and `/`. */
function linkPrefix(ctx: RequestContext): string {
  const original = (ctx.req as { originalUrl?: unknown }).originalUrl;
  const target = typeof original === 'string' ? original : (ctx.req.url ?? '/');
  const q = target.indexOf('?');
  if ((q < 0 ? target : target.slice(0, q)).endsWith('/') || ctx.base === '') return '';
  return `${ctx.base.slice(ctx.base.lastIndexOf('/') + 1)}/`;
}

function folderPath(ctx: RequestContext): string {
  return ctx.url.segments.length ? `/${ctx.url.segments.join('/')}/` : '/';
}

/** A Host header as RFC 9110 allows it (reg-name or IP literal, optional port); anything else is not echoed. */
const HOST = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=%]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** `http://host:port` as the client named the server, for the playlist's absolute URLs. */
export function originOf(ctx: RequestContext): string {
  const socket = ctx.req.socket as typeof ctx.req.socket & { encrypted?: boolean };
  const scheme = socket.encrypted ? 'https' : 'http';
  const host = ctx.req.headers.host ?? ctx.req.headers[':authority'];
  if (typeof host === 'string' && HOST.test(host)) return `${scheme}://${host}`;
  const local = socket.localAddress ?? '127.0.0.1';
  return `${scheme}://${local.includes(':') ? `[${local}]` : local}:${socket.localPort ?? 80}`;
}

/** Serve the folder's `index.html` if it has one (opened like any other path: see fs/open.ts). */
async function tryIndex(ctx: RequestContext): Promise<boolean> {
  let opened;
  try {
    opened = await openInside(
      ctx.root,
      { segments: [...ctx.url.segments, 'index.html'], trailingSlash: false },
      ctx.options,
    );
  } catch {
    return false;
  }
  const { fh, stat, abs } = opened;
  if (!stat.isFile()) {
    await fh.close();
    return false;
  }
  await sendFile(ctx, { fh, abs, stat }, 'index.html');
  return true;
}

/** One log line per name that is not UTF-8 (it is listed and served; the log says why it looks odd). */
function reportRawName(ctx: RequestContext, name: string): void {
  const url = encodePath([...ctx.url.segments, name]);
  if (firstSighting(url)) ctx.options.logger?.warn({ url }, 'file name is not valid UTF-8: listed with a marker');
}
