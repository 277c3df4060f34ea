import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlockCache } from '../fs/cache/blocks.js';
import type { ResolvedServeOptions } from './options.js';
import type { UrlPath } from '../fs/resolve.js';

/** Everything a responder needs to know about one request, passed as one object. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: 'GET' | 'HEAD';
  readonly options: ResolvedServeOptions;
  /** The handler's shared cache of file blocks. */
  readonly blocks: BlockCache;
  /** Real path of the served root. */
  readonly root: string;
  /** Mount prefix (no trailing slash; `''` at the top). */
  readonly base: string;
  readonly url: UrlPath;
  readonly query: URLSearchParams;
  /** The raw query string without `?` (kept verbatim in redirects). */
  readonly rawQuery: string;
}

/** Headers every answer of the directory handler carries. */
export function setCommonHeaders(ctx: RequestContext): void {
  ctx.res.setHeader('X-Content-Type-Options', 'nosniff');
  if (ctx.options.cors) {
    ctx.res.setHeader('Access-Control-Allow-Origin', '*');
    ctx.res.setHeader(
      'Access-Control-Expose-Headers',
      'Content-Length, Content-Range, Accept-Ranges, ETag, Last-Modified, Content-Disposition',
    );
  }
}
