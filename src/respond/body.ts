import type { FileHandle } from 'node:fs/promises';
import { HeldFile, type FileLease } from '../fs/held.js';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { FileChangedError, identityKey, type BlockCache, type FileIdentity } from '../fs/cache/blocks.js';

import { inFlight, MAX_CHUNK } from './budget.js';
import { recycler, scratch } from './pool.js';

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
  /** Its {@link identityKey}, when already made (else made from `stat`). */
  readonly id?: string;
  /** Its file entity tag (`fileETag` of size and mtime), when already made. */
  readonly etag?: string;
  /** Set when `fh` is a share of a descriptor (see fs/cache/files.ts): give it back with this, never close it. */
  readonly lease?: FileLease;
}

/** Give back the handle of a source that will not be read: close it, or drop its share. */
export function closeSource(source: FileSource): Promise<void> {
  if (source.lease) return source.lease.release();
  return source.fh ? source.fh.close() : Promise.resolve();
}

/**
 * The one handle of one response's file: the handle the request opened, or (metadata-cache hit) opened on
 * first need and checked to be the same file. It may be given back while the client does not read, when
 * descriptors run short, and is then opened again, identity-checked (see fs/held.ts). Closed once, by
 * {@link FileSlot.close}.
 */
export class FileSlot {
  /** Made on first need when the request opened nothing (a cached small file usually never needs it). */
  private held: HeldFile | null;
  private closed = false;

  constructor(readonly source: FileSource) {
    const first = source.lease ?? source.fh;
    this.held = first ? new HeldFile(source.abs, source.stat, first) : null;
  }

  /** Run `read` with the open handle; a file that is no longer the same throws {@link FileChangedError}. */
  use<T>(read: (fh: FileHandle) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new FileChangedError());
    this.held ??= new HeldFile(this.source.abs, this.source.stat, null);
    return this.held.use(read).catch((err: unknown) => {
      throw err instanceof FileChangedError ? err : new FileChangedError();
    });
  }

  /** Close the handle if one is open; later calls do nothing. */
  close(): Promise<void> {
    this.closed = true;
    return this.held ? this.held.close() : Promise.resolve();
  }
}

/**
 * The bytes of a span of a file when they are in memory now, within one cached block; else `null` (read them with
 * {@link fileSpan}). `id` is the file's {@link identityKey}.
 */
export function cachedSpan(id: string, span: ByteSpan, blocks: BlockCache): Buffer | null {
  const index = Math.floor(span.start / blocks.blockSize);
  if (Math.floor(span.end / blocks.blockSize) !== index) return null;
  const block = blocks.peek(id, index);
  if (!block) return null;
  const from = span.start - index * blocks.blockSize;
  const to = span.end - index * blocks.blockSize + 1;
  if (to > block.length) return null; // shorter than promised: fileSpan reports the change
  return from === 0 && to === block.length ? block : block.subarray(from, to);
}

/**
 * A body reads in runs of blocks only once its client has taken this much: more than the kernel's socket buffers
 * on both ends can hold (tcp_wmem 4 MiB + an autotuned receive buffer), so only a client that really reads gets
 * there. A client that stops early — the thousands of stalled downloads of the descriptor attack — has only ever
 * been sent single blocks. With runs from the first byte, such a download, resumed after the attack had pushed the
 * kernel past tcp_mem, was seen stuck for 30 s in retransmission backoff (test/stress/descriptors.test.ts, 1 run
 * in 3; `ss -ti` showed backoff 6, rto 13 s), also when the runs were written block by block (2 runs in 6).
 * A span of at most {@link MAX_CHUNK} (a player's 1 MiB range) is read in runs from its first byte — one thread-pool
 * trip instead of 16 — and, before this much was sent, written block by block all the same.
 */
export const RUNS_AFTER_BYTES = 16 * 1024 * 1024;

/**
 * The bytes of one inclusive span of a file, from the shared {@link BlockCache} (blocks missing there are read
 * through the slot's one handle, and cached). For a file the cache does not keep whole, a miss reads as many
 * blocks at once as the process-wide {@link inFlight} budget grants this body for the load now — up to 1 MiB when
 * few clients stream, one block when many do — once {@link RUNS_AFTER_BYTES} have been sent, or from the start for
 * a span of at most {@link MAX_CHUNK} (written block by block until then). Only the span is
 * read, and never more than the size the response promised: a file that shrank throws {@link FileChangedError}.
 * It does not close the handle: the representation that owns the slot does, once.
 */
export async function* fileSpan(
  slot: FileSlot,
  span: ByteSpan,
  blocks: BlockCache,
  id = identityKey(slot.source.stat),
): AsyncGenerator<Buffer> {
  const size = slot.source.stat.size;
  const blockSize = blocks.blockSize;
  const { start, end } = span;
  const last = Math.floor(end / blockSize);
  // Runs only for a file the cache does not keep: a cached file is served block by block from memory after its
  // first reader, and curl's --limit-rate was seen to stop limiting when a small file came in 1 MiB writes.
  const runs = !blocks.keepsRuns(size);
  // A span no longer than the largest run (a player's 1 MiB range) is read in runs at once: its memory is bounded.
  const bounded = end - start + 1 <= MAX_CHUNK;
  let sent = 0;
  const lease = inFlight.open();
  try {
    for (let index = Math.floor(start / blockSize); index <= last;) {
      // `bytes` starts at block `index`: one cached block, or a run of blocks read at once.
      let bytes = blocks.peek(id, index);
      if (!bytes) {
        const inRuns = runs && (bounded || sent >= RUNS_AFTER_BYTES);
        const count = inRuns ? Math.min(lease.blocksPerRead(blockSize), last - index + 1) : 1;
        const at = index;
        bytes = await slot.use((fh) =>
          count > 1 ? blocks.getRun(fh, id, at, count, size, scratch) : blocks.get(fh, id, at, size),
        );
      }
      const offset = index * blockSize;
      const from = Math.max(start - offset, 0);
      const to = Math.min(end - offset + 1, bytes.length);
      if (sent < RUNS_AFTER_BYTES && to - from > blockSize) {
        // Early in the body: the run goes out one block at a time (see RUNS_AFTER_BYTES).
        for (let at = from; at < to; at = Math.min(to, (Math.floor(at / blockSize) + 1) * blockSize)) {
          yield bytes.subarray(at, Math.min(to, (Math.floor(at / blockSize) + 1) * blockSize));
        }
      } else {
        yield from === 0 && to === bytes.length ? bytes : bytes.subarray(from, to);
      }
      sent += to - from;
      index += Math.ceil(bytes.length / blockSize);
    }
  } finally {
    lease.close();
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
 * Write an async body to a response with backpressure, reading ahead: the next chunk is requested
 * before the current one is written, so the file read runs while the socket drains. After a write
 * that fills the buffer, wait for `drain` (and the chunk read ahead) before writing more, so a
 * stalled client holds at most two chunks: one in the socket's buffer, one read ahead. If the client
 * goes away, stop pulling: the generator is returned (after its pending read settles) and its
 * `finally` releases its file handle. If the body fails after headers went out, the connection is
 * destroyed — a truncated body must never look complete. Never throws for a client going away;
 * rethrows body errors only when nothing has been sent yet.
 */
export async function pump(
  res: ServerResponse,
  body: AsyncIterable<Buffer>,
  length: number | null = null,
): Promise<void> {
  const chunks = body[Symbol.asyncIterator]();
  let next: Promise<IteratorResult<Buffer>> | null = chunks.next();
  let finished = false;
  let left = length ?? Infinity;
  try {
    for (;;) {
      const { done, value } = await next;
      next = null;
      if (done === true) break;
      if (isGone(res)) return;
      left -= value.length;
      if (left === 0) {
        // The chunk that completes the body: headers, bytes and the end in one write (a small file's only chunk).
        res.end(value, recycler(value));
        return; // `finally` returns the body, so its own `finally` runs now
      }
      next = chunks.next();
      next.catch(() => undefined); // settled (and rethrown) by the await above, or by `finally`
      if (!res.write(value, recycler(value))) {
        if (isGone(res)) return;
        await drained(res);
        if (isGone(res)) return;
      }
    }
    finished = true;
  } catch (err) {
    finished = true; // a generator that threw is done
    if (!res.headersSent) throw err;
    res.destroy();
    return;
  } finally {
    if (!finished) await stop(chunks, next);
  }
  if (!isGone(res)) res.end();
}

/** Leave a body early: let its read in progress (if any) settle, then return it, so its `finally` runs now. */
async function stop(chunks: AsyncIterator<Buffer>, pending: Promise<IteratorResult<Buffer>> | null): Promise<void> {
  try {
    if (pending && (await pending).done === true) return;
    await chunks.return?.();
  } catch {
    // the body failed after the client left: nothing to tell anyone
  }
}
