/**
 * Uploads, when they are on: which requests are uploads, the CSRF check every write passes, and the
 * dispatch to plain PUT (put.ts) or tus 1.0 (tus.ts). Every failure is answered here with the fixed error
 * page of its status (sendError); a request whose body is still arriving gets `Connection: close` so that
 * it is not read to its end for nothing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, statusOf } from '../http/errors.js';
import type { Logger } from '../log.js';
import { sendError } from '../respond/errors.js';
import { isCrossOrigin } from './csrf.js';
import type { UploadSettings } from './options.js';
import { servePut } from './put.js';
import type { UploadStore } from './store.js';
import { serveTusCreation, serveTusResource, TUS_PREFIX, TUS_RESUMABLE } from './tus.js';

export { UploadStore } from './store.js';

/** One upload request and what answering it needs. */
export interface UploadRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The raw request path (not yet decoded). */
  readonly path: string;
  /** Real path of the served root. */
  readonly root: string;
  /** Mount prefix (no trailing slash). */
  readonly base: string;
  /** What uploads use of the handler's options (`ResolvedServeOptions` has them). */
  readonly options: { readonly dotfiles: boolean; readonly logger: Logger | null };
  readonly settings: UploadSettings;
  readonly store: UploadStore;
  /** The site's config file (`aqua.json`), which no upload may replace; `null` when none. */
  readonly configFile: string | null;
}

const WRITES = new Set(['PUT', 'POST', 'PATCH', 'DELETE']);

/** The methods a handler with uploads answers. */
export const UPLOAD_ALLOW = 'GET, HEAD, OPTIONS, PUT, POST';

/** Whether this request is for the upload code: any write, and HEAD or OPTIONS of the tus endpoint. */
export function isUploadRequest(method: string, rawPath: string): boolean {
  return WRITES.has(method) || (isTusPath(rawPath) && (method === 'HEAD' || method === 'OPTIONS'));
}

function isTusPath(rawPath: string): boolean {
  return rawPath.startsWith(TUS_PREFIX) || rawPath === TUS_PREFIX.slice(0, -1);
}

/** Answer an upload request; never throws. */
export async function serveUpload(u: UploadRequest): Promise<void> {
  try {
    await route(u);
  } catch (err) {
    const status = statusOf(err);
    if (status >= 500) u.options.logger?.error({ err, method: u.req.method, url: u.req.url }, 'upload failed');
    if (!u.req.complete && u.req.httpVersionMajor === 1 && !u.res.headersSent) u.res.setHeader('Connection', 'close');
    const headers: Record<string, string> = status === 405 ? { Allow: UPLOAD_ALLOW } : {};
    await sendError(u.res, status, headers, { home: u.base + '/' });
  }
}

async function route(u: UploadRequest): Promise<void> {
  const method = u.req.method ?? '';
  if (method !== 'HEAD' && method !== 'OPTIONS' && isCrossOrigin(u.req))
    throw new HttpError(403, 'a write from another origin');
  if (isTusPath(u.path)) {
    u.res.setHeader('Tus-Resumable', TUS_RESUMABLE);
    const id = u.path.slice(TUS_PREFIX.length);
    if (id === '') return serveTusCreation(u, u.settings.folder);
    return serveTusResource(u, id);
  }
  if (method === 'PUT') return servePut(u);
  if (method === 'POST') return serveTusCreation(u, null);
  throw new HttpError(405, 'not a method for this path');
}
