import { pump } from '../respond/body.js';
import type { RequestContext } from './context.js';

/** How long producing a generated body may hold the event loop before it lets other requests run. */
export const SLICE_MS = 4;
/** Text is sent in chunks of about this many bytes (small pieces are joined, so writes stay few). */
const CHUNK_BYTES = 32 * 1024;

/**
 * A generated text body as Buffers of about {@link CHUNK_BYTES}, yielding to the event loop whenever
 * producing it has taken {@link SLICE_MS} without a pause: a client that reads as fast as the page is
 * made must not hold other requests up either (awaiting a generator alone never leaves the microtask
 * queue). Returning early (the client went away) returns `parts`, so its work stops too.
 */
export async function* textChunks(parts: AsyncIterable<string>): AsyncGenerator<Buffer> {
  let pending = '';
  let since = performance.now();
  for await (const part of parts) {
    pending += part;
    if (pending.length >= CHUNK_BYTES) {
      yield Buffer.from(pending);
      pending = '';
    }
    if (performance.now() - since >= SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      since = performance.now();
    }
  }
  if (pending !== '') yield Buffer.from(pending);
}

/** A generated response of unknown length: status 200, the given headers, `body` pulled with backpressure. */
export async function sendStream(
  ctx: RequestContext,
  response: { headers: Readonly<Record<string, string>>; body: AsyncGenerator<Buffer> },
): Promise<void> {
  const { res } = ctx;
  res.statusCode = 200;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  if (ctx.method === 'HEAD') {
    await response.body.return(undefined);
    res.end();
    return;
  }
  await pump(res, response.body);
}
