/**
 * Where the site rules of `aqua.json` meet the request path: redirects and rewrites before the path is
 * resolved; clean URLs, the SPA entry and the custom 404 page when it names nothing.
 */
import { open } from 'node:fs/promises';
import type { RequestContext } from './context.js';
import { sendFile } from './send-file.js';
import { bufferRepresentation } from '../respond/representation.js';
import { send } from '../respond/send.js';
import { parseUrlPath, resolveFsPath, type UrlPath } from '../fs/resolve.js';
import type { SiblingIndex } from '../site/encoding.js';
import { beforeResolve, cleanUrlCandidate, encodeSitePath, spaApplies, type SiteRules } from '../site/rules.js';

/** What the site hooks need besides the request: the rules of this request's config generation. */
export interface SiteContext extends RequestContext {
  readonly rules: SiteRules;
  /** `null` when compression is off. */
  readonly siblings: SiblingIndex | null;
  /** The site's headers for this request's path. */
  readonly siteHeaders: Readonly<Record<string, string>>;
}

/** The decoded path of a URL: `/`, `/a/b`, or `/a/b/` for a folder URL. */
export function pathOf(url: UrlPath): string {
  if (url.segments.length === 0) return '/';
  return `/${url.segments.join('/')}${url.trailingSlash ? '/' : ''}`;
}

/** Answer with a redirect; a path `location` keeps the request's query unless it has its own. */
export async function sendRedirect(ctx: RequestContext, status: number, location: string): Promise<void> {
  const full = location.includes('?') || ctx.rawQuery === '' ? location : `${location}?${ctx.rawQuery}`;
  const rep = bufferRepresentation(Buffer.from(`Redirecting to ${full}\n`), { type: 'text/plain; charset=utf-8' });
  await send(ctx, rep, { status, cacheControl: 'no-cache', headers: { Location: full } });
}

/**
 * Before resolution: a redirect answers (true); a rewrite gives the URL to resolve instead; `null` goes on.
 * A rewrite's destination is parsed like a request path (the dotfile rule applies to it too).
 */
export async function applyEarly(ctx: SiteContext): Promise<true | UrlPath | null> {
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
export async function serveMissing(ctx: SiteContext): Promise<boolean> {
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
      await sendFile(ctx, found, { siblings: ctx.siblings, headers: ctx.siteHeaders });
      return true;
    }
  }
  if (rules.spa !== null && spaApplies(rules, ctx.method, asked, ctx.req.headers.accept)) {
    const entry = await openSiteFile(ctx, rules.spa);
    if (entry) {
      const headers = { ...ctx.siteHeaders, Vary: 'Accept' };
      await sendFile(ctx, entry, { siblings: ctx.siblings, cacheControl: 'no-cache', headers });
      return true;
    }
  }
  if (rules.notFound !== null) {
    const page = await openSiteFile(ctx, rules.notFound);
    if (page) {
      const how = { siblings: ctx.siblings, status: 404, validators: false, headers: ctx.siteHeaders };
      await sendFile(ctx, page, { ...how, cacheControl: 'no-cache' });
      return true;
    }
  }
  return false;
}

/** Open a regular file named by a site path (`/index.html`), resolved like a request; `null` if there is none. */
async function openSiteFile(ctx: RequestContext, sitePath: string) {
  let url: UrlPath;
  try {
    url = parseUrlPath(encodeSitePath(sitePath), ctx.options);
  } catch {
    return null;
  }
  const abs = await resolveFsPath(ctx.root, url, ctx.options).catch(() => null);
  if (abs === null) return null;
  const fh = await open(abs, 'r').catch(() => null);
  if (fh === null) return null;
  const stat = await fh.stat().catch(() => null);
  if (stat === null || !stat.isFile()) {
    await fh.close();
    return null;
  }
  return { fh, abs, stat, name: url.segments[url.segments.length - 1] ?? '' };
}
