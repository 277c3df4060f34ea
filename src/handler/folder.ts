/** A folder: its `index.html`, or its listing (HTML or JSON), or a redirect to its slash form. */
import type { CrcCache } from '../archive/reader.js';
import { requestedArchive, serveArchive } from '../archive/route.js';
import { readEntries } from '../fs/entries.js';
import { firstSighting } from '../fs/names.js';
import { openInside } from '../fs/open.js';
import { sortEntries } from '../fs/sort.js';
import { HttpError } from '../http/errors.js';
import { encodePath } from '../http/url.js';
import { renderListingHtml } from '../pages/listing/html.js';
import { renderListingJson } from '../pages/listing/json.js';
import type { RequestContext } from './context.js';
import { sendFile } from './file.js';
import { sendGenerated, sendHtmlPage } from './page.js';
import { redirect } from './redirect.js';

/** Answer for the folder at real path `abs`; `?download` asks for an archive of it (`crcs`: for resumed ZIPs). */
export async function serveFolder(ctx: RequestContext, abs: string, crcs: CrcCache): Promise<void> {
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
  if (options.index && (await tryIndex(ctx))) return;
  if (!options.listing) throw new HttpError(404, 'listing disabled');
  const view = ctx.route.sort;
  const policy = {
    root: ctx.root,
    dotfiles: options.dotfiles,
    followSymlinks: options.followSymlinks,
    onRawName: (name: string) => reportRawName(ctx, name),
  };
  const entries = sortEntries(await readEntries(abs, policy), view);
  const listing = { base: ctx.base, path: url.segments.length ? `/${url.segments.join('/')}/` : '/', entries };
  if (wantsJson(ctx)) {
    return sendGenerated(ctx, renderListingJson(listing), 'application/json; charset=utf-8', { vary: 'Accept' });
  }
  return sendHtmlPage(
    ctx,
    renderListingHtml(listing, { ...view, now: Date.now(), archives: options.archives }),
    'Accept',
  );
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

function wantsJson(ctx: RequestContext): boolean {
  const format = ctx.route.format;
  if (format !== null) return format === 'json';
  const accept = ctx.req.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}
