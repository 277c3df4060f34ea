/**
 * A request body written to a staging file as it arrives: one chunk at a time at its offset (the socket is
 * read no faster than the disk writes), counted against a limit (413), hashed when asked, with the free
 * space checked every {@link CHECKPOINT_BYTES} and a full disk mapped to 507.
 */
import type { Hash } from 'node:crypto';
import { rm, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { fsPath } from '../fs/names.js';
import { HttpError } from '../http/errors.js';
import { createStaged, randomId, requireSpace } from './staging.js';

/** How often (in bytes received) the free space is checked and `onCheckpoint` runs. */
export const CHECKPOINT_BYTES = 16 * 1024 * 1024;

export interface ReceiveOptions {
  /** Where in the file the first byte of the body goes. */
  readonly position: number;
  /** Most bytes the body may have; one more is 413. */
  readonly limit: number;
  /** Bytes the client announced it will still send (Content-Length), for the free-space checks; or null. */
  readonly expected: number | null;
  /** The staging folder (whose file system is checked for space). */
  readonly stagingDir: string;
  /** Updated with every byte written. */
  readonly hash?: Hash;
  /** Run every {@link CHECKPOINT_BYTES} with the bytes written so far (tus: fsync and save the offset). */
  readonly onCheckpoint?: (bytes: number) => Promise<void>;
}

/** What arrived: bytes written, and whether the body came to its end (false: the client went away mid-way). */
export interface Received {
  readonly bytes: number;
  readonly complete: boolean;
}

/**
 * Write the body of `req` into `fh`. Resolves with what arrived, also when the client went away (the bytes
 * written so far are valid). Throws `HttpError` 413 (over the limit) or 507 (no space: ENOSPC, EDQUOT, or the
 * free space below what is still announced), and any other write error as it is. The request is then left
 * unread (not destroyed), so the caller can still answer; it should close the connection.
 */
export async function receiveBody(req: IncomingMessage, fh: FileHandle, options: ReceiveOptions): Promise<Received> {
  const chunks = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let bytes = 0;
  let sinceCheckpoint = 0;
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = await chunks.next();
    } catch {
      return { bytes, complete: false }; // reset, aborted, timed out: what was written stays
    }
    if (next.done) return { bytes, complete: req.complete };
    const chunk = next.value;
    if (bytes + chunk.length > options.limit) throw new HttpError(413, 'the body is larger than allowed');
    await writeAt(fh, chunk, options.position + bytes);
    options.hash?.update(chunk);
    bytes += chunk.length;
    sinceCheckpoint += chunk.length;
    if (sinceCheckpoint >= CHECKPOINT_BYTES) {
      sinceCheckpoint = 0;
      const remaining = options.expected === null ? 0 : options.expected - bytes;
      await requireSpace(options.stagingDir, remaining);
      await options.onCheckpoint?.(bytes);
    }
  }
}

/** Write all of `chunk` at `position`; a full disk or quota is 507, a file too large for the file system 413. */
async function writeAt(fh: FileHandle, chunk: Buffer, position: number): Promise<void> {
  try {
    let done = 0;
    while (done < chunk.length) {
      const { bytesWritten } = await fh.write(chunk, done, chunk.length - done, position + done);
      done += bytesWritten;
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') throw new HttpError(507, 'the disk is full');
    if (code === 'EFBIG') throw new HttpError(413, 'too large for this file system');
    throw err;
  }
}

/**
 * The `Content-Length` of a request as a number, `null` when absent (chunked). A malformed one never reaches
 * here (node:http refuses it with 400).
 */
export function contentLength(req: IncomingMessage): number | null {
  const value = req.headers['content-length'];
  if (value === undefined) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/**
 * A whole request body (plain PUT, WebDAV PUT) into a new file of the staging folder `staging`, fsync'ed, then handed
 * to `place`, which moves it where it belongs. 413 over `limit` (by `Content-Length`, or while it arrives), 507
 * without the space, 400 for a body cut short. The staged file is removed unless `place` succeeded.
 */
export async function stageWholeBody<T>(
  req: IncomingMessage,
  staging: string,
  limit: number,
  place: (staged: string) => Promise<T>,
): Promise<{ readonly placed: T; readonly bytes: number }> {
  const declared = contentLength(req);
  if (declared !== null && declared > limit) throw new HttpError(413, 'larger than --upload-max-size');
  if (declared !== null) await requireSpace(staging, declared);
  const staged = path.join(staging, `put-${randomId()}.part`);
  const fh = await createStaged(staged);
  let done = false;
  try {
    const got = await receiveBody(req, fh, { position: 0, limit, expected: declared, stagingDir: staging });
    if (!got.complete || (declared !== null && got.bytes !== declared))
      throw new HttpError(400, 'the client went away before the end of the body');
    await fh.sync();
    await fh.close();
    const placed = await place(staged);
    done = true;
    return { placed, bytes: got.bytes };
  } finally {
    await fh.close().catch(() => undefined);
    if (!done) await rm(fsPath(staged), { force: true });
  }
}
