/** Redirects to a path under the mount, through the one send path. */
import { pageCacheControl } from '../http/cache.js';
import { bufferRepresentation } from '../respond/representation.js';
import { send } from '../respond/send.js';
import type { RequestContext } from './context.js';

/** 301 to `encodedPath` under the mount; the query is kept verbatim. Never a scheme-relative `//` Location. */
export function redirect(
  ctx: Pick<RequestContext, 'res' | 'base' | 'route' | 'options'>,
  encodedPath: string,
): Promise<void> {
  const location =
    '/' + (ctx.base + encodedPath).replace(/^\/+/, '') + (ctx.route.rawQuery ? `?${ctx.route.rawQuery}` : '');
  const body = bufferRepresentation(`Redirecting to ${location}\n`, { type: 'text/plain; charset=utf-8', etag: null });
  const cacheControl = pageCacheControl(ctx.options);
  return send(ctx.res, body, { status: 301, cacheControl, headers: { Location: location } });
}
