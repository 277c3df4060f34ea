/**
 * A representation: what a response sends, independent of where it comes from (RFC 9110 §3.2) — its
 * size (or unknown), validators, content type and coding, and a way to read any span of its bytes as
 * an async generator. {@link send} turns one into a response; nothing else writes bodies.
 *
 * Ownership: a representation may hold a resource (a file handle). {@link Representation.close}
 * releases it, is idempotent, and `send()` calls it exactly once, in `finally`, whatever happened.
 */
import { hash } from 'node:crypto';
import { fileETag } from '../http/etag.js';
import { identityKey, type BlockCache } from '../fs/cache/blocks.js';
import { cachedSpan, fileSpan, FileSlot, type ByteSpan, type FileSource } from './body.js';

export type { ByteSpan } from './body.js';

export interface Representation {
  /** Bytes of the whole representation; `null` when unknown until the end (sent chunked, Range ignored). */
  readonly size: number | null;
  /** The `Content-Type`. */
  readonly type: string;
  /** The `Content-Encoding` (`br`, `gzip`, …) when these bytes are an encoding of the resource. */
  readonly encoding?: string;
  /** Entity tag, quoted (`"…"` or `W/"…"`), or none. */
  readonly etag?: string;
  /** Last modification in ms since the epoch (never in the future), or none. */
  readonly modifiedMs?: number;
  /** The bytes of one inclusive span, or of everything when `span` is `null`. */
  read(span: ByteSpan | null): AsyncGenerator<Buffer>;
  /**
   * The same bytes when they are all in memory now (a buffer, a file's cached block), else `null`: `send()` then
   * writes them at once, without a generator — the common case of a small file or a page. Optional.
   */
  readNow?(span: ByteSpan | null): Buffer | null;
  /** Release what it holds. Idempotent. */
  close(): Promise<void>;
}

/** What a buffer representation is described by besides its bytes. */
export interface BufferMeta {
  readonly type: string;
  readonly encoding?: string;
  /** An entity tag; default: a strong tag from a hash of the bytes (identical bytes, identical tag). */
  readonly etag?: string | null;
  readonly modifiedMs?: number;
}

/**
 * Bytes already in memory: a generated page, a converted subtitle, an asset. The default ETag is a hash
 * of the content, so a page that did not change answers 304.
 */
export function bufferRepresentation(body: string | Buffer, meta: BufferMeta): Representation {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const etag = meta.etag === undefined ? contentETag(bytes) : (meta.etag ?? undefined);
  return {
    size: bytes.length,
    type: meta.type,
    encoding: meta.encoding,
    etag,
    modifiedMs: meta.modifiedMs,
    async *read(span) {
      if (bytes.length === 0) return;
      yield span === null ? bytes : bytes.subarray(span.start, span.end + 1);
    },
    readNow: (span) => (span === null ? bytes : bytes.subarray(span.start, span.end + 1)),
    close: () => Promise.resolve(),
  };
}

/** A strong entity tag from the bytes themselves: `"<22 base64url characters of SHA-1>"`. */
export function contentETag(bytes: Buffer): string {
  return `"${hash('sha1', bytes, 'base64url').slice(0, 22)}"`;
}

/** What a generated stream is described by. */
export interface StreamSource {
  readonly type: string;
  /** Known total size (then Range works, given `read` honours spans), or `null`. */
  readonly size: number | null;
  readonly encoding?: string;
  readonly etag?: string;
  readonly modifiedMs?: number;
  /** The bytes of `span` (only asked for a span when `size` is known), or of everything. */
  readonly read: (span: ByteSpan | null) => AsyncGenerator<Buffer>;
  readonly close?: () => Promise<void>;
}

/** Bytes produced as they are read: an archive, a streamed listing, a transcoded segment. */
export function streamRepresentation(source: StreamSource): Representation {
  let closed = false;
  return {
    size: source.size,
    type: source.type,
    encoding: source.encoding,
    etag: source.etag,
    modifiedMs: source.modifiedMs,
    read: source.read,
    async close() {
      if (closed) return;
      closed = true;
      await source.close?.();
    },
  };
}

/** A regular file to send, stat'ed through its handle, or by path on a metadata-cache hit (`fh` null). */
export interface FileToSend extends FileSource {
  /** The `Content-Type` (from the file's name). */
  readonly type: string;
}

/**
 * A regular file: size and validators from its stat (the ETag from size and mtime, so it is the same
 * across restarts and across instances serving copies), spans read block by block from the shared
 * cache through the file's one handle, which `close()` closes.
 */
export function fileRepresentation(file: FileToSend, blocks: BlockCache): Representation {
  const slot = new FileSlot(file);
  const { size, mtimeMs } = file.stat;
  const id = file.id ?? identityKey(file.stat);
  return {
    size,
    type: file.type,
    etag: file.etag ?? fileETag(size, mtimeMs),
    // RFC 9110 §8.8.2.1: a Last-Modified in the future is replaced by the time of the response.
    modifiedMs: Math.min(mtimeMs, Date.now()),
    read: (span) => fileSpan(slot, span ?? { start: 0, end: size - 1 }, blocks, id),
    readNow: (span) => cachedSpan(id, span ?? { start: 0, end: size - 1 }, blocks),
    close: () => slot.close(),
  };
}
