/** A regular file, answered through the one send path with its policy headers. */
import { fileCacheControl } from '../http/cache.js';
import { attachmentDisposition } from '../http/disposition.js';
import { contentType } from '../http/mime.js';
import { send } from '../respond/send.js';
import { sendError } from '../respond/errors.js';
import type { FileSource } from '../respond/body.js';
import { representFile } from '../site/represent.js';
import { homeOf, type RequestContext } from './context.js';

/** For raw SVG files: styles and embedded images render, scripts and outside requests do not. */
export const SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

/** How a file is answered beyond its bytes (a custom 404 page, the SPA entry). */
export interface FileAnswer {
  /** Default 200. */
  readonly status?: number;
  /** Default: from `--cache`. */
  readonly cacheControl?: string;
  /** More headers (`Vary: Accept` for the SPA entry). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Send no ETag or Last-Modified (a 404 page is not the resource asked for). Default false. */
  readonly noValidators?: boolean;
}

/**
 * Answer with the file `name` (its Content-Type comes from the name) — as it is, as a precompressed
 * sibling or compressed, by `Accept-Encoding` (406 when nothing acceptable is left). Takes ownership of
 * `source.fh`: the representation closes it, once, when the answer is done.
 */
export async function sendFile(
  ctx: RequestContext,
  source: FileSource,
  name: string,
  answer: FileAnswer = {},
): Promise<void> {
  const type = contentType(name);
  const chosen = await representFile({
    file: source,
    type,
    headers: ctx.req.headers,
    blocks: ctx.blocks,
    siblings: ctx.siblings,
  });
  const home = homeOf(ctx.base);
  if (chosen === null) return sendError(ctx.res, 406, { Vary: 'Accept-Encoding' }, { home });
  const headers: Record<string, string> = {};
  if (chosen.vary) headers.Vary = 'Accept-Encoding';
  // An SVG opened directly is a document that may carry script: let it draw, never run anything.
  if (type.startsWith('image/svg+xml')) headers['Content-Security-Policy'] = SVG_POLICY;
  if (ctx.route.download !== null) headers['Content-Disposition'] = attachmentDisposition(name);
  Object.assign(headers, answer.headers, ctx.siteHeaders);
  if (answer.headers?.Vary && chosen.vary) headers.Vary = `${answer.headers.Vary}, Accept-Encoding`;
  const rep = answer.noValidators ? { ...chosen.rep, etag: undefined, modifiedMs: undefined } : chosen.rep;
  return send(ctx.res, rep, {
    status: answer.status,
    cacheControl: answer.cacheControl ?? fileCacheControl(ctx.options),
    headers,
    home,
  });
}
