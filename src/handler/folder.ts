/** A folder: its `index.html`, or its listing (HTML or JSON), or a redirect to its slash form. */
import { open } from 'node:fs/promises';
import { readEntries } from '../fs/entries.js';
import { resolveFsPath } from '../fs/resolve.js';
import { sortEntries } from '../fs/sort.js';
import { HttpError } from '../http/errors.js';
import { encodePath } from '../http/url.js';
import { renderListingHtml } from '../pages/listing/html.js';
import { renderListingJson } from '../pages/listing/json.js';
import type { RequestContext } from './context.js';
import { sendFile } from './file.js';
import { sendGenerated, sendHtmlPage } from './page.js';
import { redirect } from './redirect.js';

/** Answer for the folder at real path `abs`. */
export async function serveFolder(ctx: RequestContext, abs: string): Promise<void> {
  const { url, options } = ctx;
  if (url.segments.length > 0) {
    // A folder URL ends with `/`, unless the site's trailingSlash is false: then it never does.
    const slash = ctx.rules.trailingSlash !== false;
    if (url.trailingSlash !== slash) return redirect(ctx, encodePath(url.segments) + (slash ? '/' : ''));
  }
  if (options.index && (await tryIndex(ctx))) return;
  if (!options.listing) throw new HttpError(404, 'listing disabled');
  const view = ctx.route.sort;
  const policy = { root: ctx.root, dotfiles: options.dotfiles, followSymlinks: options.followSymlinks };
  const entries = sortEntries(await readEntries(abs, policy), view);
  const listing = { base: ctx.base, path: url.segments.length ? `/${url.segments.join('/')}/` : '/', entries };
  if (wantsJson(ctx)) {
    return sendGenerated(ctx, renderListingJson(listing), 'application/json; charset=utf-8', { vary: 'Accept' });
  }
  return sendHtmlPage(ctx, renderListingHtml(listing, { ...view, now: Date.now() }), 'Accept');
}

/** Serve the folder's `index.html` if it has one (resolved like any other path: symlink rules apply). */
async function tryIndex(ctx: RequestContext): Promise<boolean> {
  let fh;
  let abs: string;
  try {
    const segments = [...ctx.url.segments, 'index.html'];
    abs = await resolveFsPath(ctx.root, { segments, trailingSlash: false }, ctx.options);
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
  await sendFile(ctx, { fh, abs, stat }, 'index.html');
  return true;
}

function wantsJson(ctx: RequestContext): boolean {
  const format = ctx.route.format;
  if (format !== null) return format === 'json';
  const accept = ctx.req.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}
