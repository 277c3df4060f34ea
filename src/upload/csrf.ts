/**
 * Cross-site request forgery: a page on another origin must not make the visitor's browser write here,
 * riding on the Basic credentials it caches. Every write method is refused (403) when the browser says the
 * request comes from another site (`Sec-Fetch-Site: cross-site` or `same-site`), or when its `Origin` is not
 * this server's own (`null` included). Clients that are not browsers (curl, tus clients in Node) send
 * neither header and pass. On top of this, tus requests need a `Tus-Resumable` header and PATCH an
 * `application/offset+octet-stream` body, which no HTML form can send: no simple POST can write.
 */
import type { IncomingMessage } from 'node:http';

/** Whether a write request comes from a page of another origin (see above). */
export function isCrossOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  const own = req.headers.host ?? (req.headers as Record<string, string | undefined>)[':authority'];
  if (typeof own !== 'string' || own === '') return true;
  try {
    const from = new URL(origin);
    // The server's own authority, normalised the way the Origin is (default port dropped, case folded).
    return from.host !== new URL(`${from.protocol}//${own}`).host;
  } catch {
    return true; // `null` (a sandboxed or file: page), or malformed
  }
}
