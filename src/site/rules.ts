/**
 * The site rules of `aqua.json` as pure decisions on a request path: which redirect or rewrite applies
 * before the path is resolved, what to try when it names nothing, and which extra headers a response gets.
 * Paths here are decoded (`/a b/c`), start with `/`, and end with `/` only for a folder URL.
 */
import type { SiteConfig } from './config.js';
import { compilePattern, fillDestination, type Pattern } from './pattern.js';

export type RedirectStatus = 301 | 302 | 307 | 308;

/** Before resolution: answer with a redirect, resolve another path instead, or go on. */
export type Early =
  | { readonly kind: 'redirect'; readonly status: RedirectStatus; readonly location: string }
  | { readonly kind: 'rewrite'; readonly path: string }
  | null;

/** The rules of one config, compiled once (a reload compiles a new set). */
export interface SiteRules {
  readonly spa: string | null;
  readonly compress: boolean;
  readonly cleanUrls: boolean;
  readonly trailingSlash: boolean | null;
  readonly notFound: string | null;
  readonly headers: readonly { readonly pattern: Pattern; readonly headers: Readonly<Record<string, string>> }[];
  readonly redirects: readonly { readonly pattern: Pattern; readonly destination: string; status: RedirectStatus }[];
  readonly rewrites: readonly { readonly pattern: Pattern; readonly destination: string }[];
}

/** Compile a validated config (or the library's options) into rules. */
export function compileRules(config: SiteConfig): SiteRules {
  return Object.freeze({
    spa: config.spa === true ? '/index.html' : typeof config.spa === 'string' ? config.spa : null,
    compress: config.compress ?? true,
    cleanUrls: config.cleanUrls ?? false,
    trailingSlash: config.trailingSlash ?? null,
    notFound: config.notFound ?? null,
    headers: (config.headers ?? []).map((r) => ({ pattern: compilePattern(r.source), headers: r.headers })),
    redirects: (config.redirects ?? []).map((r) => ({
      pattern: compilePattern(r.source),
      destination: r.destination,
      status: r.status,
    })),
    rewrites: (config.rewrites ?? []).map((r) => ({ pattern: compilePattern(r.source), destination: r.destination })),
  });
}

/** Rules of an empty config: nothing but compression. */
export const NO_RULES: SiteRules = compileRules({});

/** The encoded form of a decoded path, for a `Location` (segments percent-encoded, `/` kept). */
export function encodeSitePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** Whether the last segment of `path` has an extension (`app.3f2a.js`, `.env`): such a path names a file. */
export function hasExtension(path: string): boolean {
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last.includes('.');
}

/**
 * Before the path is resolved, in this order: the first matching redirect; with `cleanUrls`, a path
 * ending in `.html` redirected to its clean form (`/about.html` → `/about`, `/docs/index.html` →
 * `/docs/`); the first matching rewrite. Redirect locations to a path get the mount `base`.
 */
export function beforeResolve(rules: SiteRules, path: string, base: string): Early {
  for (const rule of rules.redirects) {
    const captures = rule.pattern.match(path);
    if (captures === null) continue;
    const filled = fillDestination(rule.destination, captures);
    return { kind: 'redirect', status: rule.status, location: filled.startsWith('/') ? base + filled : filled };
  }
  if (rules.cleanUrls && path.endsWith('.html')) {
    const clean = path.endsWith('/index.html') ? path.slice(0, -'index.html'.length) : path.slice(0, -'.html'.length);
    const location = rules.trailingSlash === true && !clean.endsWith('/') ? `${clean}/` : clean;
    return { kind: 'redirect', status: 301, location: base + encodeSitePath(location) };
  }
  for (const rule of rules.rewrites) {
    const captures = rule.pattern.match(path);
    if (captures !== null) return { kind: 'rewrite', path: decodeFilled(fillDestination(rule.destination, captures)) };
  }
  return null;
}

function decodeFilled(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

/**
 * The clean-URL file for a missing extension-less path (`/about` or `/about/` → `/about.html`), and
 * whether the request must first be redirected to the canonical form: without a slash, unless
 * `trailingSlash` is `true`.
 */
export function cleanUrlCandidate(rules: SiteRules, path: string): { file: string; canonical: string } | null {
  if (!rules.cleanUrls || path === '/' || hasExtension(path.replace(/\/$/, ''))) return null;
  const bare = path.replace(/\/$/, '');
  return { file: `${bare}.html`, canonical: rules.trailingSlash === true ? `${bare}/` : bare };
}

/**
 * Whether a request for a missing path gets the SPA entry: GET/HEAD, a path whose last segment has
 * no extension (a missing `/app.3f2a.js` stays a 404: a broken build must not answer with HTML), and
 * an `Accept` that prefers HTML.
 */
export function spaApplies(rules: SiteRules, method: string, path: string, accept: string | undefined): boolean {
  if (rules.spa === null || (method !== 'GET' && method !== 'HEAD')) return false;
  if (hasExtension(path.replace(/\/$/, ''))) return false;
  return prefersHtml(accept);
}

/**
 * Whether an `Accept` value prefers HTML: `text/html` named (not only through `*` wildcards, which
 * `fetch()` and script loads send) with a weight no lower than any other type's. No header: no.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  let html = 0;
  let others = 0;
  for (const element of accept.split(',')) {
    const [type, ...params] = element.split(';').map((s) => s.trim().toLowerCase());
    let q = 1;
    for (const param of params) {
      const match = /^q\s*=\s*([01](?:\.\d{0,3})?)$/.exec(param);
      if (match) q = Number(match[1]);
    }
    if (type === 'text/html' || type === 'application/xhtml+xml') html = Math.max(html, q);
    else if (type !== '*/*' && type !== 'text/*' && type !== '') others = Math.max(others, q);
  }
  return html > 0 && html >= others;
}

/** The headers of every rule whose pattern matches `path`, later rules overriding earlier ones. */
export function headersFor(rules: SiteRules, path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rule of rules.headers) if (rule.pattern.match(path) !== null) Object.assign(out, rule.headers);
  return out;
}
