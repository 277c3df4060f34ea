// STAND-IN for the issue-11 engine (the lead's src/respond/representation.ts replaces this file on merge).
import type { Stats } from 'node:fs';
import type { BlockCache } from '../fs/cache/blocks.js';
import { fileETag } from '../http/etag.js';
import { contentType } from '../http/mime.js';
import { fileBody, type ByteSpan, type FileSource } from './body.js';

export interface Representation {
  readonly size: number | null;
  readonly type: string;
  readonly encoding?: string;
  readonly etag?: string;
  readonly modifiedMs?: number;
  read(span: ByteSpan | null): AsyncGenerator<Buffer>;
  close(): Promise<void>;
}

export function fileRepresentation(
  file: FileSource & { readonly stat: Stats; readonly name: string },
  blocks: BlockCache,
): Representation {
  const size = file.stat.size;
  let handed = false;
  return {
    size,
    type: contentType(file.name),
    etag: fileETag(size, file.stat.mtimeMs),
    modifiedMs: file.stat.mtimeMs,
    read(span) {
      handed = true;
      const spans = span ? [span] : size > 0 ? [{ start: 0, end: size - 1 }] : [];
      return fileBody(file, spans, blocks);
    },
    async close() {
      if (!handed) await file.fh?.close();
    },
  };
}

export function bufferRepresentation(body: Buffer, meta: { type: string; etag?: string }): Representation {
  return {
    size: body.length,
    type: meta.type,
    etag: meta.etag,
    async *read(span) {
      yield span ? body.subarray(span.start, span.end + 1) : body;
    },
    async close() {},
  };
}
