import type { FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

/** An inclusive byte span of a file: `{ start: 0, end: 9 }` is the first ten bytes. */
export interface ByteSpan {
  readonly start: number;
  readonly end: number;
}

/** A file ended before the bytes promised to the client could be read (it shrank while streaming). */
export class FileChangedError extends Error {
  constructor() {
    super('file shrank while it was being read');
    this.name = 'FileChangedError';
  }
}

/**
 * Yield the bytes of one span of an open file in chunks of at most `chunkSize`. Reads only the
 * span (nothing before it is read), and never yields more than the span: a file that grows is cut
 * at the promised end, a file that shrinks throws {@link FileChangedError}. Does not close `fh`.
 */
export async function* readSpan(fh: FileHandle, span: ByteSpan, chunkSize: number): AsyncGenerator<Buffer> {
  let position = span.start;
  while (position <= span.end) {
    const length = Math.min(chunkSize, span.end - position + 1);
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await fh.read(buffer, 0, length, position);
    if (bytesRead === 0) throw new FileChangedError();
    position += bytesRead;
    yield bytesRead === length ? buffer : buffer.subarray(0, bytesRead);
  }
}

/**
 * The body of a file response: the chunks of each span in turn, from one file handle, which is
 * closed in `finally` — when the body ends, fails, or the consumer stops early (client gone).
 * `between` may give bytes to put before each span and after the last one (multipart framing).
 */
export async function* fileBody(
  fh: FileHandle,
  spans: readonly ByteSpan[],
  chunkSize: number,
  framing?: { before: (index: number) => Buffer; after: Buffer },
): AsyncGenerator<Buffer> {
  try {
    for (let i = 0; i < spans.length; i++) {
      if (framing) yield framing.before(i);
      yield* readSpan(fh, spans[i], chunkSize);
    }
    if (framing) yield framing.after;
  } finally {
    await fh.close();
  }
}

/** True once the client can no longer receive this response (connection closed or reset). */
export function isGone(res: ServerResponse): boolean {
  return res.destroyed || (res.socket !== null && res.socket.destroyed);
}

/** Resolve when `res` can take more data, or when the client has gone (whichever comes first). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export interface PumpResult {
  /** The whole body was handed to the connection and the response ended. */
  readonly completed: boolean;
  /** Body bytes handed to the connection. */
  readonly bytes: number;
}

/**
 * Write an async body to a response with backpressure: after a write that fills the buffer, wait for
 * `drain` before pulling the next chunk, so a stalled client stops the reads (memory per response
 * stays one chunk). If the client goes away, stop pulling: leaving the `for await` returns the
 * generator, whose `finally` releases its file handle. If the body fails after headers went out,
 * the connection is destroyed — a truncated body must never look complete. Never throws for a
 * client going away; rethrows body errors only when nothing has been sent yet.
 */
export async function pump(res: ServerResponse, body: AsyncIterable<Buffer | string>): Promise<PumpResult> {
  let bytes = 0;
  try {
    for await (const chunk of body) {
      if (isGone(res)) return { completed: false, bytes };
      bytes += chunk.length;
      if (!res.write(chunk)) {
        if (isGone(res)) return { completed: false, bytes };
        await drained(res);
        if (isGone(res)) return { completed: false, bytes };
      }
    }
  } catch (err) {
    if (!res.headersSent) throw err;
    res.destroy();
    return { completed: false, bytes };
  }
  if (isGone(res)) return { completed: false, bytes };
  res.end();
  return { completed: true, bytes };
}
