import type { RequestContext } from './context.js';
import { sendError } from '../respond/errors.js';
import type { ServedFile } from '../respond/file.js';
import { send } from '../respond/send.js';
import { cacheControl } from '../http/cache.js';
import { attachmentDisposition } from '../http/disposition.js';
import { contentType } from '../http/mime.js';
import type { SiblingIndex } from '../site/encoding.js';
import { representFile } from '../site/represent.js';

/** How a file is sent, beyond the file itself. */
export interface FileSendOptions {
  /** 200 unless told (a custom 404 page is a file sent with 404). */
  readonly status?: number;
  /** Default: from `--cache`. */
  readonly cacheControl?: string;
  /** Headers set last (the site's per-path headers): they win over the defaults. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Precompressed siblings and compression on the fly; `null`: off. */
  readonly siblings: SiblingIndex | null;
  /** Whether the response carries a validator (a 404 page does not: it is not the resource asked for). */
  readonly validators?: boolean;
}

/** For raw SVG files: styles and embedded images render, scripts and outside requests do not. */
const SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

/**
 * Answer GET or HEAD for a regular file: its representation (the file, a precompressed sibling or its
 * compressed form, by `Accept-Encoding`) sent by the one engine. Takes ownership of `file.fh`.
 */
export async function sendFile(ctx: RequestContext, file: ServedFile, how: FileSendOptions): Promise<void> {
  const type = contentType(file.name);
  const chosen = await representFile({
    file,
    type,
    headers: ctx.req.headers,
    blocks: ctx.blocks,
    siblings: how.siblings,
  });
  if (chosen === null) return sendError(ctx.res, 406, { Vary: 'Accept-Encoding' });
  const headers: Record<string, string> = {};
  if (chosen.vary) headers.Vary = 'Accept-Encoding';
  // An SVG opened directly is a document that may carry script: let it draw, never run anything.
  if (type.startsWith('image/svg+xml')) headers['Content-Security-Policy'] = SVG_POLICY;
  const rep = how.validators === false ? { ...chosen.rep, etag: undefined, modifiedMs: undefined } : chosen.rep;
  await send(ctx, rep, {
    status: how.status,
    cacheControl: how.cacheControl ?? cacheControl(ctx.options.cacheSeconds),
    disposition: ctx.query.has('download') ? attachmentDisposition(file.name) : undefined,
    headers: { ...headers, ...how.headers },
  });
}
