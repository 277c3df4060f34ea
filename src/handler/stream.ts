import { streamRepresentation } from '../respond/representation.js';
import { send } from '../respond/send.js';
import { CONTENT_SECURITY_POLICY } from '../pages/ui/page.js';
import { pageCacheControl } from '../http/cache.js';
import { homeOf, type RequestContext } from './context.js';

/** How much page work all generated bodies together may do in one turn of the event loop (milliseconds). */
export const SLICE_MS = 4;
/** Text is sent in chunks of about this many bytes (small pieces are joined, so writes stay few). */
const CHUNK_BYTES = 32 * 1024;

/** Milliseconds of page work done in the current turn of the event loop, by all generated bodies together. */
let spent = 0;
let resetQueued = false;

/**
 * Wait until this turn of the event loop still has page-work budget. All generated bodies share one
 * budget of {@link SLICE_MS} per turn, so fifty pages made at once cost other requests one slice per
 * turn, not fifty (each body alone yielding every few milliseconds would not bound that).
 */
async function fairTurn(): Promise<void> {
  while (spent >= SLICE_MS) await new Promise<void>((resolve) => setImmediate(resolve));
}

function spend(ms: number): void {
  spent += ms;
  if (resetQueued) return;
  resetQueued = true;
  // Queued before any body that finds the budget spent, so the next turn starts with a fresh budget.
  setImmediate(() => {
    spent = 0;
    resetQueued = false;
  });
}

/**
 * A generated text body as Buffers of about {@link CHUNK_BYTES}, produced within the shared per-turn
 * budget (see {@link fairTurn}): a client that reads as fast as the page is made must not hold other
 * requests up either (awaiting a generator alone never leaves the microtask queue). Returning early
 * (the client went away) returns `parts`, so its work stops too. `eager` sends every part as it comes
 * (search results, found one by one, must not wait for 32 KiB of others).
 */
export async function* textChunks(parts: AsyncIterable<string>, eager = false): AsyncGenerator<Buffer> {
  const source = parts[Symbol.asyncIterator]();
  let pending = '';
  let first = true;
  try {
    for (;;) {
      await fairTurn();
      const started = performance.now();
      const next = await source.next();
      spend(performance.now() - started);
      if (next.done) break;
      pending += next.value;
      // The first part (a page's head) goes out at once: the client sees the page start while rows are read.
      if (first || eager || pending.length >= CHUNK_BYTES) {
        first = false;
        yield Buffer.from(pending);
        pending = '';
      }
    }
    if (pending !== '') yield Buffer.from(pending);
  } finally {
    await source.return?.();
  }
}

/** Headers of every page besides its representation: the pages' strict policy. */
const PAGE_POLICY: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Referrer-Policy': 'same-origin',
});

/**
 * A generated answer of unknown length through the one send path: chunked, `no-cache`, its body made
 * as the client reads it (`parts` is only started for a GET that gets a body). Pages get the pages' CSP.
 */
export function sendStreamed(
  ctx: RequestContext,
  type: string,
  parts: () => AsyncIterable<string>,
  options: {
    readonly page?: boolean;
    readonly headers?: Readonly<Record<string, string>>;
    /** Each part goes out as soon as it is made (see {@link textChunks}). */
    readonly eager?: boolean;
  } = {},
): Promise<void> {
  const headers = { ...(options.page ? PAGE_POLICY : {}), ...options.headers };
  const rep = streamRepresentation({ type, size: null, read: () => textChunks(parts(), options.eager) });
  return send(ctx.res, rep, { cacheControl: pageCacheControl(ctx.options), headers, home: homeOf(ctx.base) });
}
