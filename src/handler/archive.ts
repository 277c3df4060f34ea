import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGzip } from 'node:zlib';
import { homeOf, type RequestContext } from './context.js';
import { HttpError } from '../http/errors.js';
import { attachmentDisposition } from '../http/disposition.js';
import type { Logger } from '../log.js';
import { streamRepresentation, type Representation } from '../respond/representation.js';
import { send } from '../respond/send.js';
import { ArchiveEntryChangedError, type ArchiveEntry, type Span } from '../archive/entry.js';
import { FileIo, type CrcCache } from '../archive/reader.js';
import { planTar, tarSpan } from '../archive/tar.js';
import { walkFolder } from '../archive/walk.js';
import { planZip, zipSpan } from '../archive/zip.js';

export type ArchiveFormat = 'zip' | 'tar' | 'tar.gz';

const TYPES: Readonly<Record<ArchiveFormat, string>> = {
  zip: 'application/zip',
  tar: 'application/x-tar',
  'tar.gz': 'application/gzip',
};

/**
 * The archive a folder URL's `?download=<asked>` names: `zip` (or a bare `?download`), `tar`, `tar.gz` (only when
 * `gzip` is allowed, else 404). Another value is a bad request (400).
 */
export function requestedArchive(asked: string, options: { gzip: boolean }): ArchiveFormat {
  if (asked === '' || asked === 'zip') return 'zip';
  if (asked === 'tar') return 'tar';
  if (asked === 'tar.gz' || asked === 'tgz') {
    if (options.gzip) return 'tar.gz';
    throw new HttpError(404, 'tar.gz archives are not enabled');
  }
  throw new HttpError(400, 'unknown archive format');
}

/**
 * Answer GET or HEAD of a folder URL with an archive of the folder, through the one send path: the walk and the plan
 * come first (so the exact `Content-Length`, a strong ETag and Range are known before the first byte), the members
 * are read one at a time while the body streams. A member that changes or vanishes mid-download destroys the
 * connection and is logged by name.
 */
export async function serveArchive(
  ctx: RequestContext,
  abs: string,
  format: ArchiveFormat,
  crcs: CrcCache,
): Promise<void> {
  const { options } = ctx;
  const top = archiveTop(ctx);
  const entries = await walkFolder(abs, top, {
    root: ctx.root,
    dotfiles: options.dotfiles,
    followSymlinks: options.followSymlinks,
    maxEntries: options.archiveMaxFiles,
  });
  const io = new FileIo({ root: ctx.root, followSymlinks: options.followSymlinks, chunkSize: options.chunkSize, crcs });
  const rep = await representation(format, entries, io);
  const report = (body: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> =>
    reported(coalesce(body, options.chunkSize), options.logger, ctx.req.url ?? '');
  await send(ctx.res, { ...rep, read: (span) => report(rep.read(span)) } satisfies Representation, {
    cacheControl: 'no-cache',
    home: homeOf(ctx.base),
    headers: { 'Content-Disposition': attachmentDisposition(`${top}.${format}`) },
  });
}

async function representation(format: ArchiveFormat, entries: ArchiveEntry[], io: FileIo): Promise<Representation> {
  let newest = 0;
  for (const entry of entries) newest = Math.max(newest, entry.mtimeMs);
  const modifiedMs = Math.min(Date.now(), newest);
  if (format === 'zip') {
    const plan = await planZip(entries);
    const read = (span: Span | null): AsyncGenerator<Buffer> => zipSpan(plan, span, io);
    return streamRepresentation({ type: TYPES.zip, size: plan.size, etag: plan.etag, modifiedMs, read });
  }
  const plan = await planTar(entries);
  if (format === 'tar') {
    const read = (span: Span | null): AsyncGenerator<Buffer> => tarSpan(plan, span, io);
    return streamRepresentation({ type: TYPES.tar, size: plan.size, etag: plan.etag, modifiedMs, read });
  }
  // The gzip of a tar has no length before it is made: sent chunked, no Range; the same tar gives the same bytes.
  const etag = `W/${plan.etag.slice(0, -1)}-gz"`;
  const read = (): AsyncGenerator<Buffer> => gzipped(tarSpan(plan, null, io));
  return streamRepresentation({ type: TYPES['tar.gz'], size: null, etag, modifiedMs, read });
}

/** The archive's top folder and file name: the folder's own name, or the served root's for the top level. */
function archiveTop(ctx: RequestContext): string {
  const last = ctx.url.segments[ctx.url.segments.length - 1];
  return last ?? (path.basename(ctx.root) || 'files');
}

/** Headers and descriptors are tens of bytes: gather them into writes of up to `size` bytes; big chunks pass. */
export async function* coalesce(body: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    if (chunk.length >= size / 2) {
      if (bytes > 0) yield Buffer.concat(pending, bytes);
      pending = [];
      bytes = 0;
      yield chunk;
      continue;
    }
    pending.push(chunk);
    bytes += chunk.length;
    if (bytes >= size) {
      yield Buffer.concat(pending, bytes);
      pending = [];
      bytes = 0;
    }
  }
  if (bytes > 0) yield Buffer.concat(pending, bytes);
}

/** Log why an archive body failed (which member changed), then let the failure destroy the connection. */
async function* reported(body: AsyncGenerator<Buffer>, logger: Logger | null, url: string): AsyncGenerator<Buffer> {
  try {
    yield* body;
  } catch (err) {
    if (err instanceof ArchiveEntryChangedError) {
      logger?.warn({ url, member: err.entry, reason: err.reason }, 'archive member changed; connection closed');
    } else {
      logger?.error({ err, url }, 'archive failed; connection closed');
    }
    throw err;
  }
}

/** gzip (fastest level: media barely compresses) of a body, with backpressure through the stream pipeline. */
async function* gzipped(body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const gzip = createGzip({ level: constants.Z_BEST_SPEED });
  const done = pipeline(Readable.from(body), gzip);
  done.catch(() => undefined); // surfaced below, or by the iteration of gzip
  for await (const chunk of gzip as AsyncIterable<Buffer>) yield chunk;
  await done;
}
