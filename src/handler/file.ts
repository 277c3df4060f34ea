/** A regular file, answered through the one send path with its policy headers. */
import { cacheControl } from '../http/cache.js';
import { attachmentDisposition } from '../http/disposition.js';
import { contentType } from '../http/mime.js';
import { fileRepresentation, type FileToSend } from '../respond/representation.js';
import { send } from '../respond/send.js';
import type { FileSource } from '../respond/body.js';
import { homeOf, type RequestContext } from './context.js';

/** For raw SVG files: styles and embedded images render, scripts and outside requests do not. */
export const SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

/**
 * Answer with the file `name` (its Content-Type comes from the name). Takes ownership of `source.fh`:
 * the representation closes it, once, when the answer is done.
 */
export function sendFile(ctx: RequestContext, source: FileSource, name: string): Promise<void> {
  const type = contentType(name);
  const file: FileToSend = { ...source, type };
  const headers: Record<string, string> = {};
  // An SVG opened directly is a document that may carry script: let it draw, never run anything.
  if (type.startsWith('image/svg+xml')) headers['Content-Security-Policy'] = SVG_POLICY;
  if (ctx.route.download !== null) headers['Content-Disposition'] = attachmentDisposition(name);
  return send(ctx.res, fileRepresentation(file, ctx.blocks), {
    cacheControl: cacheControl(ctx.options.cacheSeconds),
    headers,
    home: homeOf(ctx.base),
  });
}
