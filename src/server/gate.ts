import type { TLSSocket } from 'node:tls';
import { basicAuth } from './auth.js';
import type { AnyRequest, Connection } from './connections.js';
import { hasBadHost } from './host.js';
import { SHARE_COOKIE, shareTokenOf, type ShareSigner } from './share.js';

/** Why a request is answered by the server itself instead of reaching the handler. */
export interface Refusal {
  readonly status: 400 | 401 | 403 | 503;
  readonly headers: Readonly<Record<string, string>>;
}

/** A request let in by a share link's `?token=`: the cookie that lets the pages it leads to in as well. */
export interface ShareAdmission {
  readonly setCookie: string;
}

/** Decides, before the handler runs, whether a request is refused; null lets it through. */
export type Gate = (req: AnyRequest, conn: Connection | undefined) => Refusal | ShareAdmission | null;

export interface GateOptions {
  readonly auth: string | undefined;
  readonly cors: () => boolean;
  /** With `auth`: signed share links (`?token=`) let GET and HEAD of their scope in without the password. */
  readonly share?: ShareSigner | null;
}

/**
 * The checks every request passes first, in this order: a connection over `maxConnections` gets 503
 * (with `Retry-After`); a bad or repeated `Host` 400 (RFC 9112 §3.2); with `auth`, missing or wrong
 * credentials 401 with the Basic challenge — except CORS preflights when `cors()` says CORS is on
 * (browsers send them without credentials), and GET/HEAD carrying a share token that covers the path. A `?token=`
 * that is forged, expired or for another path answers 403 (a password prompt would not help whoever holds the link).
 * `cors` is asked per request: a config file may turn it on.
 */
export function createGate(options: GateOptions): Gate {
  const auth = options.auth ? basicAuth(options.auth) : null;
  const share = auth ? (options.share ?? null) : null;
  return (req, conn) => {
    if (conn?.refused) return { status: 503, headers: { 'Retry-After': '1' } };
    if (hasBadHost(req)) return { status: 400, headers: {} };
    if (!auth || isPreflight(req, options.cors) || auth.allows(req.headers.authorization)) return null;
    const challenge: Refusal = { status: 401, headers: { 'WWW-Authenticate': auth.challenge } };
    const given =
      share && (req.method === 'GET' || req.method === 'HEAD') ? shareTokenOf(req.url, req.headers.cookie) : null;
    if (!share || !given) return challenge;
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = share.check(given.token, pathOf(req.url), now);
    if (expiresAt === null) return given.fromQuery ? { status: 403, headers: {} } : challenge;
    if (!given.fromQuery) return null;
    const secure = (req.socket as Partial<TLSSocket>).encrypted === true ? '; Secure' : '';
    return {
      setCookie: `${SHARE_COOKIE}=${given.token}; Path=/; Max-Age=${expiresAt - now}; HttpOnly; SameSite=Lax${secure}`,
    };
  };
}

/** The path of a request target (origin-form or absolute-form), without its query. */
function pathOf(rawUrl: string | undefined): string {
  let url = rawUrl ?? '';
  if (!url.startsWith('/')) url = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '') || '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** A CORS preflight (browsers send it without credentials), let through when `--cors` is on. */
function isPreflight(req: AnyRequest, cors: () => boolean): boolean {
  return req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined && cors();
}
