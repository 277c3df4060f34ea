import { describeAll, type Entry, type ReadEntriesOptions } from '../fs/entries.js';
import { orderedEntries, type FolderNames } from '../fs/folder.js';
import { sortStateFrom } from '../fs/sort.js';
import { attachmentDisposition } from '../http/disposition.js';
import { listingHtml, type ListingPlace } from '../pages/listing/html.js';
import { listingJson } from '../pages/listing/json.js';
import { renderM3u } from '../pages/listing/m3u.js';
import { kindOf } from '../pages/ui/kind.js';
import { PAGE_HEADERS } from '../pages/ui/page.js';
import { setCommonHeaders, type RequestContext } from './context.js';
import { sendStream, textChunks } from './stream.js';

type ListingFormat = 'html' | 'json' | 'm3u';

function formatOf(ctx: RequestContext): ListingFormat {
  const format = ctx.query.get('format');
  if (format === 'json' || format === 'm3u') return format;
  if (format !== null) return 'html';
  const accept = ctx.req.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html') ? 'json' : 'html';
}

/**
 * A folder's listing (HTML, JSON or `?format=m3u`), produced as the client reads it: the page starts at
 * once, rows follow in batches stat'ed as they are needed, and a client that stops reading stops the
 * work (the body is pulled with backpressure). The folder's names and their order come from `folders`.
 */
export async function sendListing(ctx: RequestContext, abs: string, folders: FolderNames): Promise<void> {
  const options: ReadEntriesOptions = {
    root: ctx.root,
    dotfiles: ctx.options.dotfiles,
    followSymlinks: ctx.options.followSymlinks,
  };
  const place: ListingPlace = { base: ctx.base, path: folderPath(ctx), linkPrefix: linkPrefix(ctx) };
  const format = formatOf(ctx);
  setCommonHeaders(ctx);
  const names = folders.get(abs, options);
  names.catch(() => undefined); // a HEAD request never reads it; a GET sees the failure in the body
  if (format === 'm3u') {
    const media = await names.then((all) => all.filter((n) => n.kind !== 'directory' && isMedia(n.name)));
    const entries = await describeAll(abs, media, options);
    const all = (await names).map((n) => n.name);
    const origin = originOf(ctx);
    const body = renderM3u({ ...place, origin }, entries, all);
    const folderName = ctx.url.segments[ctx.url.segments.length - 1] ?? 'aqua-serve';
    return sendStream(ctx, {
      headers: {
        'Content-Type': 'audio/x-mpegurl; charset=utf-8',
        'Content-Disposition': attachmentDisposition(`${folderName}.m3u`),
        'Cache-Control': 'no-cache',
      },
      body: textChunks(
        (async function* () {
          yield body;
        })(),
      ),
    });
  }
  const view = sortStateFrom(ctx.query);
  async function* batches(): AsyncGenerator<readonly Entry[]> {
    yield* orderedEntries(abs, await names, view, options);
  }
  const html = format === 'html';
  return sendStream(ctx, {
    headers: {
      ...(html ? PAGE_HEADERS : {}),
      'Content-Type': html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
      'Cache-Control': 'no-cache',
      Vary: 'Accept',
    },
    body: textChunks(
      html ? listingHtml(place, { ...view, now: Date.now() }, batches()) : listingJson(place, batches()),
    ),
  });
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
function originOf(ctx: RequestContext): string {
  const socket = ctx.req.socket as typeof ctx.req.socket & { encrypted?: boolean };
  const scheme = socket.encrypted ? 'https' : 'http';
  const host = ctx.req.headers.host ?? ctx.req.headers[':authority'];
  if (typeof host === 'string' && HOST.test(host)) return `${scheme}://${host}`;
  const local = socket.localAddress ?? '127.0.0.1';
  return `${scheme}://${local.includes(':') ? `[${local}]` : local}:${socket.localPort ?? 80}`;
}
