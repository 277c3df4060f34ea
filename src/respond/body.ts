import type { FileHandle } from 'node:fs/promises';
import { openKnown } from '../fs/open.js';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { FileChangedError, identityKey, type BlockCache, type FileIdentity } from '../fs/cache/blocks.js';

export { FileChangedError } from '../fs/cache/blocks.js';

/** An inclusive byte span of a file: `{ start: 0, end: 9 }` is the first ten bytes. */
export interface ByteSpan {
  readonly start: number;
  readonly end: number;
}

/** Where a file body's bytes come from: an open handle, or (on a metadata-cache hit) a path to open lazily. */
export interface FileSource {
  /** An open handle on the file, or `null` when every block may already be cached. */
  readonly fh: FileHandle | null;
  /** The file's real path, opened only if a block is missing from the cache and `fh` is `null`. */
  readonly abs: string;
  /** The identity the response was planned for (size, mtime, inode…): blocks must match it. */
  readonly stat: FileIdentity;
}

/** Open `abs` (safely: see fs/open.ts) and confirm it is still the file the response was planned for. */
async function openSame(abs: string, expected: FileIdentity): Promise<FileHandle> {
  return openKnown(abs, expected).catch(() => {
    throw new FileChangedError();
  });
}

/**
 * The one handle of one response's file: the handle the request opened, or (metadata-cache hit) opened on
 * first need and checked to be the same file. Closed once, by {@link FileSlot.close}.
 */
export class FileSlot {
  private fh: FileHandle | null;
  private opening: Promise<FileHandle> | null = null;
  private closed = false;

  constructor(readonly source: FileSource) {
    this.fh = source.fh;
  }

  /** The open handle, opening it now if the response has none yet. */
  handle(): Promise<FileHandle> {
    if (this.closed) return Promise.reject(new FileChangedError());
    if (this.fh) return Promise.resolve(this.fh);
    this.opening ??= openSame(this.source.abs, this.source.stat).then(async (fh) => {
      if (this.closed) {
        await fh.close();
        throw new FileChangedError();
      }
      this.fh = fh;
      return fh;
    });
    return this.opening;
  }

  /** Close the handle if one is open; later calls do nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const fh = this.fh ?? (await this.opening?.catch(() => null)) ?? null;
    this.fh = null;
    await fh?.close();
  }
}

/**
 * The bytes of one inclusive span of a file, block by block from the shared {@link BlockCache} (a block
 * missing there is read through the slot's one handle). Only the span is read, and never more than the
 * size the response promised: a file that shrank throws {@link FileChangedError}. It does not close the
 * handle: the representation that owns the slot does, once.
 */
export async function* fileSpan(slot: FileSlot, span: ByteSpan, blocks: BlockCache): AsyncGenerator<Buffer> {
  const id = identityKey(slot.source.stat);
  const size = slot.source.stat.size;
  const blockSize = blocks.blockSize;
  const { start, end } = span;
  for (let index = Math.floor(start / blockSize); index * blockSize <= end; index++) {
    const block = blocks.peek(id, index) ?? (await blocks.get(await slot.handle(), id, index, size));
    const offset = index * blockSize;
    const from = Math.max(start - offset, 0);
    const to = Math.min(end - offset + 1, block.length);
    yield from === 0 && to === block.length ? block : block.subarray(from, to);
  }
}

/**
 * True once the client can no longer receive this response (connection closed or reset). Also
 * right for `node:http2`'s compatibility response, which has no `destroyed`, whose `socket` is
 * `undefined` once its stream closed, and whose stream can be reset while the session lives on.
 */
export function isGone(res: ServerResponse): boolean {
  if (res.destroyed) return true;
  const socket = res.socket as ServerResponse['socket'] | undefined;
  if (socket === undefined || (socket !== null && socket.destroyed)) return true;
  if (socket === null && queuedOn(res)?.destroyed) return true;
  const stream = (res as { stream?: { destroyed: boolean } }).stream;
  return stream !== undefined && stream.destroyed;
}

/**
 * The connection of an HTTP/1.1 response that waits behind earlier pipelined responses (it has no
 * socket yet). When that connection dies, node:http never emits `close` on such a response.
 */
function queuedOn(res: ServerResponse): Socket | null {
  if (res.socket !== null) return null;
  const req = (res as { req?: ServerResponse['req'] }).req;
  return req?.socket ?? null;
}

/** Resolve when `res` can take more data, or when the client has gone (whichever comes first). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const connection = queuedOn(res);
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      connection?.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
    connection?.on('close', done);
  });
}

/**
 * Write an async body to a response with backpressure: after a write that fills the buffer, wait for
 * `drain` before pulling the next chunk, so a stalled client stops the reads (memory per response
 * stays one chunk). If the client goes away, stop pulling: leaving the `for await` returns the
 * generator, whose `finally` releases its file handle. If the body fails after headers went out,
 * the connection is destroyed — a truncated body must never look complete. Never throws for a
 * client going away; rethrows body errors only when nothing has been sent yet.
 */
export async function pump(res: ServerResponse, body: AsyncIterable<Buffer>): Promise<void> {
  try {
    for await (const chunk of body) {
      if (isGone(res)) return;
      if (!res.write(chunk)) {
        if (isGone(res)) return;
        await drained(res);
        if (isGone(res)) return;
      }
    }
  } catch (err) {
    if (!res.headersSent) throw err;
    res.destroy();
    return;
  }
  if (!isGone(res)) res.end();
}
