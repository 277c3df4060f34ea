/** Redirects to a path under the mount, through the one send path. */
import { bufferRepresentation } from '../respond/representation.js';
import { send } from '../respond/send.js';
import type { RequestContext } from './context.js';

/** 301 to `encodedPath` under the mount; the query is kept verbatim. Never a scheme-relative `//` Location. */
export function redirect(ctx: Pick<RequestContext, 'res' | 'base' | 'route'>, encodedPath: string): Promise<void> {
  const location =
    '/' + (ctx.base + encodedPath).replace(/^\/+/, '') + (ctx.route.rawQuery ? `?${ctx.route.rawQuery}` : '');
  const body = bufferRepresentation(`Redirecting to ${location}\n`, { type: 'text/plain; charset=utf-8', etag: null });
  return send(ctx.res, body, { status: 301, cacheControl: 'no-cache', headers: { Location: location } });
}
