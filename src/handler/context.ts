import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlockCache } from '../fs/cache/blocks.js';
import type { UrlPath } from '../fs/resolve.js';
import type { ResolvedServeOptions } from './options.js';
import type { Route } from './route.js';

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
  /** The query, decoded once. */
  readonly route: Route;
}

/** The top folder of the mount, where error pages link back to. */
export function homeOf(base: string): string {
  return base + '/';
}
