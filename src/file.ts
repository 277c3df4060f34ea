import type { FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { fileBody, pump, type ByteSpan } from './body.js';
import { setCommonHeaders, type RequestContext } from './context.js';
import { contentType } from './mime.js';

/** An open regular file, stat'ed through its own handle (no gap between stat and read). */
export interface OpenFile {
  readonly fh: FileHandle;
  readonly stat: Stats;
  /** The file's name, for its Content-Type. */
  readonly name: string;
}

/** Strong validator from size and mtime: stable across restarts and instances, never a hash of the content. */
export function etagOf(stat: Pick<Stats, 'size' | 'mtimeMs'>): string {
  return `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
}

/**
 * Answer GET or HEAD for a regular file. Takes ownership of `file.fh`: it is closed when the body
 * ends or the client goes away (by the body generator), or here for HEAD and on early errors.
 */
export async function serveFile(ctx: RequestContext, file: OpenFile): Promise<void> {
  const { res } = ctx;
  const { size } = file.stat;
  let bodyOwnsHandle = false;
  try {
    setCommonHeaders(ctx);
    res.setHeader('Content-Type', contentType(file.name));
    res.setHeader('Last-Modified', new Date(file.stat.mtimeMs).toUTCString());
    res.setHeader('ETag', etagOf(file.stat));
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Length', size);
    res.statusCode = 200;
    if (ctx.method === 'HEAD' || size === 0) {
      res.end();
      return;
    }
    const spans: ByteSpan[] = [{ start: 0, end: size - 1 }];
    bodyOwnsHandle = true;
    await pump(res, fileBody(file.fh, spans, ctx.options.chunkSize));
  } finally {
    if (!bodyOwnsHandle) await file.fh.close();
  }
}
