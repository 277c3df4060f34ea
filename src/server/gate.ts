import { basicAuth } from './auth.js';
import type { AnyRequest, Connection } from './connections.js';
import { hasBadHost } from './host.js';

/** Why a request is answered by the server itself instead of reaching the handler. */
export interface Refusal {
  readonly status: 400 | 401 | 503;
  readonly headers: Readonly<Record<string, string>>;
}

/** Decides, before the handler runs, whether a request is refused; null lets it through. */
export type Gate = (req: AnyRequest, conn: Connection | undefined) => Refusal | null;

/**
 * The checks every request passes first, in this order: a connection over `maxConnections` gets 503
 * (with `Retry-After`); a bad or repeated `Host` 400 (RFC 9112 §3.2); with `auth`, missing or wrong
 * credentials 401 with the Basic challenge — except CORS preflights when `cors()` says CORS is on
 * (browsers send them without credentials). `cors` is asked per request: a config file may turn it on.
 */
export function createGate(options: { readonly auth: string | undefined; readonly cors: () => boolean }): Gate {
  const auth = options.auth ? basicAuth(options.auth) : null;
  return (req, conn): Refusal | null => {
    if (conn?.refused) return { status: 503, headers: { 'Retry-After': '1' } };
    if (hasBadHost(req)) return { status: 400, headers: {} };
    if (auth && !isPreflight(req, options.cors) && !auth.allows(req.headers.authorization)) {
      return { status: 401, headers: { 'WWW-Authenticate': auth.challenge } };
    }
    return null;
  };
}

/** A CORS preflight (browsers send it without credentials), let through when `--cors` is on. */
function isPreflight(req: AnyRequest, cors: () => boolean): boolean {
  return req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined && cors();
}
