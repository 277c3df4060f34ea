/**
 * The request target, decoded once: its raw path (resolved later by fs/resolve), and its query as a
 * typed route, so no other module reads the query string.
 */
import type { IncomingMessage } from 'node:http';
import { sortStateFrom, type SortState } from '../fs/sort.js';
import { HttpError } from '../http/errors.js';
import { parseMediaQuery, type MediaQuery } from '../media/query.js';

/** What the query asks of a path. */
export interface Route {
  /** `?view`: the viewer page (player, image, text) instead of the file. */
  readonly view: boolean;
  /** `?download` (`''`), or `?download=<kind>` (`zip`, `tar`…); `null` without it. */
  readonly download: string | null;
  /** `?format=json|vtt|m3u…`, lower-cased; `null` without it. */
  readonly format: string | null;
  /** `?q=words`: a folder's search below it (`''` for the empty search form); `null` without it. */
  readonly query: string | null;
  /** `?recent`: a folder's newest media below it. */
  readonly recent: boolean;
  /** `&t=<seconds>` of `?view&format=qr`: the position the QR code's link starts at (whole seconds), or `null`. */
  readonly at: number | null;
  /** `?sort=&order=` of a listing. */
  readonly sort: SortState;
  /** `?thumb`, `?media`, `?hls=`, `?sub=` (see media/query.ts); `null` without them. */
  readonly media: MediaQuery | null;
  /** The raw query without `?`, kept verbatim in redirects. */
  readonly rawQuery: string;
}

/** The target split into its raw path and its route. */
export interface Target {
  readonly path: string;
  readonly route: Route;
}

/** Split a request target (origin-form, or absolute-form with only its path kept) and parse its query. */
export function parseTarget(rawUrl: string | undefined): Target {
  const { path, rawQuery } = splitTarget(rawUrl);
  return { path, route: parseRoute(rawQuery) };
}

export function parseRoute(rawQuery: string): Route {
  if (rawQuery === '') return EMPTY_ROUTE;
  const query = new URLSearchParams(rawQuery);
  const format = query.get('format');
  return {
    view: query.has('view'),
    download: query.get('download'),
    format: format === null ? null : format.toLowerCase(),
    query: query.get('q'),
    recent: query.has('recent'),
    at: secondsOf(query.get('t')),
    sort: sortStateFrom(query),
    media: parseMediaQuery(query),
    rawQuery,
  };
}

/** A position in whole seconds (`95`, up to about four months), or `null` for anything else. */
function secondsOf(value: string | null): number | null {
  return value !== null && /^\d{1,7}$/.test(value) ? Number(value) : null;
}

const EMPTY_ROUTE: Route = Object.freeze({
  view: false,
  download: null,
  format: null,
  query: null,
  recent: false,
  at: null,
  sort: sortStateFrom(new URLSearchParams()),
  media: null,
  rawQuery: '',
});

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

/** Where the handler is mounted: Express's `req.baseUrl`, or what connect cut from `req.originalUrl`. */
export interface Mount {
  /** The prefix, no trailing slash (`''` at the top). */
  readonly base: string;
  /**
   * The client asked for the mount point itself without its slash (`GET /media` for a handler mounted
   * at `/media`): it must be redirected to `/media/`, or the page's relative links resolve above it.
   */
  readonly bare: boolean;
}

export function mountOf(req: IncomingMessage): Mount {
  const mounted = req as IncomingMessage & { baseUrl?: unknown; originalUrl?: unknown };
  const original = typeof mounted.originalUrl === 'string' ? mounted.originalUrl.split('?')[0] : undefined;
  let base = '';
  if (typeof mounted.baseUrl === 'string') {
    base = mounted.baseUrl;
  } else if (original !== undefined && mounted.originalUrl !== req.url) {
    const current = (req.url ?? '/').split('?')[0];
    if (original.endsWith(current)) base = original.slice(0, original.length - current.length);
    else if (current === '/') base = original;
  }
  base = base.replace(/\/+$/, '');
  return { base, bare: base !== '' && original !== undefined && !original.endsWith('/') && original === base };
}
