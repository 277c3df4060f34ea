import type { Stats } from 'node:fs';
import { fileBody, pump, type ByteSpan, type FileSource } from './body.js';
import { setCommonHeaders, type RequestContext } from '../handler/context.js';
import { sendError } from './errors.js';
import { fileCacheControl } from '../http/cache.js';
import { evaluatePreconditions } from '../http/conditional.js';
import { attachmentDisposition } from '../http/disposition.js';
import { fileETag } from '../http/etag.js';
import { formatHttpDate } from '../http/httpdate.js';
import { planMultipart } from '../http/multipart.js';
import { contentRange, parseRange, resolveRanges, unsatisfiedRange, type RangeDecision } from '../http/range.js';
import { contentType } from '../http/mime.js';

/**
 * A regular file to answer with: stat'ed through its own open handle (no gap between stat and read),
 * or, on a metadata-cache hit, stat'ed by path with `fh` null — the body then opens it only if a block
 * is missing from the memory cache, and checks it is still the same file.
 */
export interface ServedFile extends FileSource {
  readonly stat: Stats;
  /** The file's name, for its Content-Type. */
  readonly name: string;
}

/** What a 200 or 206 sends: status, the representation headers that differ, and the spans to read. */
interface BodyPlan {
  readonly status: 200 | 206;
  readonly contentType: string;
  readonly contentLength: number;
  readonly contentRange?: string;
  readonly spans: readonly ByteSpan[];
  readonly framing?: { before: (index: number) => Buffer; after: Buffer };
}

/**
 * Answer GET or HEAD for a regular file. Takes ownership of `file.fh` (if any): it is closed when the body
 * ends or the client goes away (by the body generator), or here for HEAD, empty bodies, 304/412/416
 * and early errors.
 *
 * Order: validators (ETag, Last-Modified, Cache-Control) → preconditions (RFC 9110 §13.2.2: 412 or
 * 304) → Range (honoured only if If-Range allows: 206 single, 206 multipart/byteranges, 416) → 200.
 */
export async function serveFile(ctx: RequestContext, file: ServedFile): Promise<void> {
  const { res } = ctx;
  const { size, mtimeMs } = file.stat;
  const etag = fileETag(size, mtimeMs);
  // RFC 9110 §8.8.2.1: a Last-Modified in the future is replaced by the time of the response.
  const modifiedMs = Math.min(mtimeMs, Date.now());
  let bodyOwnsHandle = false;
  try {
    setCommonHeaders(ctx);
    res.setHeader('ETag', etag);
    res.setHeader('Last-Modified', formatHttpDate(modifiedMs));
    res.setHeader('Cache-Control', fileCacheControl(ctx.options));

    const preconditions = hasPreconditions(ctx.req.headers)
      ? evaluatePreconditions({ method: ctx.method, headers: ctx.req.headers, etag, mtimeMs: modifiedMs })
      : UNCONDITIONAL;
    if (preconditions.status === 412) return sendError(res, 412);
    if (preconditions.status === 304) {
      // RFC 9110 §15.4.5: the validators and Cache-Control set above, and no Content-* header.
      res.statusCode = 304;
      res.end();
      return;
    }

    const type = contentType(file.name);
    const range = ctx.req.headers.range;
    const decision: RangeDecision =
      preconditions.honourRange && range !== undefined ? decideRange(range, size) : { kind: 'full' };
    if (decision.kind === 'unsatisfiable') {
      return sendError(res, 416, { 'Content-Range': unsatisfiedRange(size), 'Accept-Ranges': 'bytes' });
    }
    const plan = planBody(decision, size, type);

    res.statusCode = plan.status;
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Content-Type', plan.contentType);
    // An SVG opened directly is a document that may carry script: let it draw, never run anything.
    if (type.startsWith('image/svg+xml')) res.setHeader('Content-Security-Policy', SVG_POLICY);
    res.setHeader('Content-Length', plan.contentLength);
    if (plan.contentRange !== undefined) res.setHeader('Content-Range', plan.contentRange);
    if (ctx.query.has('download')) res.setHeader('Content-Disposition', attachmentDisposition(file.name));
    if (ctx.method === 'HEAD' || plan.contentLength === 0) {
      res.end();
      return;
    }
    bodyOwnsHandle = true;
    await pump(res, fileBody(file, plan.spans, ctx.blocks, plan.framing));
  } finally {
    if (!bodyOwnsHandle) await file.fh?.close();
  }
}

/** For raw SVG files: styles and embedded images render, scripts and outside requests do not. */
const SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

/** The outcome of {@link evaluatePreconditions} for a request that carries no precondition header. */
const UNCONDITIONAL = { status: 'ok', honourRange: true } as const;

/** Whether any RFC 9110 §13.1 precondition header is present (most requests carry none: skip the parsing). */
function hasPreconditions(headers: RequestContext['req']['headers']): boolean {
  return (
    headers['if-match'] !== undefined ||
    headers['if-none-match'] !== undefined ||
    headers['if-modified-since'] !== undefined ||
    headers['if-unmodified-since'] !== undefined ||
    headers['if-range'] !== undefined
  );
}

/** A Range header that cannot be parsed is ignored (the whole file, 200). */
function decideRange(header: string, size: number): RangeDecision {
  const specs = parseRange(header);
  return specs === null ? { kind: 'full' } : resolveRanges(specs, size);
}

function planBody(decision: Exclude<RangeDecision, { kind: 'unsatisfiable' }>, size: number, type: string): BodyPlan {
  if (decision.kind === 'full') {
    return {
      status: 200,
      contentType: type,
      contentLength: size,
      spans: size > 0 ? [{ start: 0, end: size - 1 }] : [],
    };
  }
  const { ranges } = decision;
  const only = ranges.length === 1 ? ranges[0] : undefined;
  if (only !== undefined) {
    return {
      status: 206,
      contentType: type,
      contentLength: only.end - only.start + 1,
      contentRange: contentRange(only, size),
      spans: [only],
    };
  }
  const multipart = planMultipart({ ranges, size, contentType: type });
  return {
    status: 206,
    contentType: multipart.contentType,
    contentLength: multipart.contentLength,
    spans: ranges,
    framing: { before: (index) => multipart.parts[index]?.head ?? Buffer.alloc(0), after: multipart.trailer },
  };
}
