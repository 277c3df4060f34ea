/**
 * Where the site rules of `aqua.json` meet the request path: redirects and rewrites before the path is
 * resolved; clean URLs, the SPA entry and the custom 404 page when it names nothing.
 */
import type { RequestContext } from './context.js';
import { sendFile } from './file.js';
import { bufferRepresentation } from '../respond/representation.js';
import { send } from '../respond/send.js';
import { openInside } from '../fs/open.js';
import { parseUrlPath, type UrlPath } from '../fs/resolve.js';
import { beforeResolve, cleanUrlCandidate, encodeSitePath, spaApplies } from '../site/rules.js';

/** The decoded path of a URL: `/`, `/a/b`, or `/a/b/` for a folder URL. */
export function pathOf(url: UrlPath): string {
  if (url.segments.length === 0) return '/';
  return `/${url.segments.join('/')}${url.trailingSlash ? '/' : ''}`;
}

/** Answer with a redirect; a path `location` keeps the request's query unless it has its own. */
export async function sendRedirect(ctx: RequestContext, status: number, location: string): Promise<void> {
  const query = ctx.route.rawQuery;
  // Never a scheme-relative `//host` Location from a path.
  const target = location.replace(/^\/{2,}/, '/');
  const full = target.includes('?') || query === '' ? target : `${target}?${query}`;
  const rep = bufferRepresentation(`Redirecting to ${full}\n`, { type: 'text/plain; charset=utf-8', etag: null });
  await send(ctx.res, rep, { status, cacheControl: 'no-cache', headers: { Location: full } });
}

/**
 * Before resolution: a redirect answers (true); a rewrite gives the URL to resolve instead; `null` goes on.
 * A rewrite's destination is parsed like a request path (the dotfile rule applies to it too).
 */
export async function applyEarly(ctx: RequestContext): Promise<true | UrlPath | null> {
  const early = beforeResolve(ctx.rules, pathOf(ctx.url), ctx.base);
  if (early === null) return null;
  if (early.kind === 'redirect') {
    await sendRedirect(ctx, early.status, early.location);
    return true;
  }
  return parseUrlPath(encodeSitePath(early.path), ctx.options);
}

/**
 * For a path that names nothing: its clean-URL file (`/about` → `about.html`, redirected first to the
 * canonical form), else the SPA entry, else the custom 404 page. False when none applies (the
 * ordinary 404 follows).
 */
export async function serveMissing(ctx: RequestContext): Promise<boolean> {
  const { rules } = ctx;
  const asked = pathOf(ctx.url);
  const clean = cleanUrlCandidate(rules, asked);
  if (clean) {
    const found = await openSiteFile(ctx, clean.file);
    if (found) {
      if (clean.canonical !== asked) {
        await found.fh.close();
        await sendRedirect(ctx, 301, ctx.base + encodeSitePath(clean.canonical));
        return true;
      }
      await sendFile(ctx, found, found.name);
      return true;
    }
  }
  if (rules.spa !== null && spaApplies(rules, ctx.method, asked, ctx.req.headers.accept)) {
    const entry = await openSiteFile(ctx, rules.spa);
    if (entry) {
      await sendFile(ctx, entry, entry.name, { cacheControl: 'no-cache', headers: { Vary: 'Accept' } });
      return true;
    }
  }
  if (rules.notFound !== null) {
    const page = await openSiteFile(ctx, rules.notFound);
    if (page) {
      await sendFile(ctx, page, page.name, { status: 404, cacheControl: 'no-cache', noValidators: true });
      return true;
    }
  }
  return false;
}

/** Open a regular file named by a site path (`/index.html`), opened like a request's; `null` if there is none. */
async function openSiteFile(ctx: RequestContext, sitePath: string) {
  let url: UrlPath;
  try {
    url = parseUrlPath(encodeSitePath(sitePath), ctx.options);
  } catch {
    return null;
  }
  const opened = await openInside(ctx.root, url, ctx.options).catch(() => null);
  if (opened === null) return null;
  if (!opened.stat.isFile()) {
    await opened.fh.close();
    return null;
  }
  return { ...opened, name: url.segments[url.segments.length - 1] ?? '' };
}
