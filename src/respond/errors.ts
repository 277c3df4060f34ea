/** Error answers: the fixed page of a status, sent through the one send path. */
import type { ServerResponse } from 'node:http';
import { renderErrorPage } from '../pages/error.js';
import { bufferRepresentation } from './representation.js';
import { isRepresentationHeader, removeHeaders, send } from './send.js';

export { HttpError, statusOf } from '../http/errors.js';

/** Options of an error answer. */
export interface ErrorOptions {
  /** Where the page's "back to the top folder" link goes: the mount's top (default `/`). */
  readonly home?: string;
}

/**
 * Answer with the small fixed page of `status`. Representation headers set so far are dropped; policy
 * headers (nosniff, CORS, an app's own) stay, so a cross-origin player can read a 416's Content-Range.
 * If headers are already out the status cannot change any more: the connection is destroyed instead
 * (never an error page inside a body).
 */
export async function sendError(
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>> = {},
  options: ErrorOptions = {},
): Promise<void> {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  removeHeaders(res, isRepresentationHeader);
  const page = renderErrorPage(status, options.home ?? '/');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  const rep = bufferRepresentation(page.body, { type: 'text/html; charset=utf-8', etag: null });
  await send(res, rep, {
    status,
    cacheControl: 'no-store',
    headers: { 'Content-Security-Policy': page.policy, ...headers },
  });
}
