/**
 * The one send path. Every response with a body — file, page, asset, subtitle, archive, error — is a
 * {@link Representation} handed to {@link send}, which applies, in order (Go's `ServeContent` is the
 * model): validators → preconditions (RFC 9110 §13.2.2: 412, or 304 with every `Content-*` header
 * stripped) → Range (206 single or multipart/byteranges, 416; If-Range) → HEAD → the body through
 * {@link pump}, with backpressure. Headers set earlier (policy: nosniff, CORS, an app's own) stay.
 */
import type { ServerResponse } from 'node:http';
import { evaluatePreconditions, type PreconditionResult } from '../http/conditional.js';
import { formatHttpDate } from '../http/httpdate.js';
import { planMultipart, type MultipartPlan } from '../http/multipart.js';
import { contentRange, parseRange, resolveRanges, unsatisfiedRange, type ByteRange } from '../http/range.js';
import { pump } from './body.js';
import { sendError } from './errors.js';
import type { Representation } from './representation.js';

export interface SendOptions {
  /** Default 200. Any other status is sent as it is: no preconditions, no Range (redirects, errors). */
  readonly status?: number;
  readonly cacheControl?: string;
  /** Further headers of this answer (`Content-Disposition`, `Content-Security-Policy`, `Vary`, `Location`…). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Where a 412 or 416 page of this answer links back to (the mount's top; default `/`). */
  readonly home?: string;
}

/** The outcome for a request without any precondition header (most of them: skip the parsing). */
const UNCONDITIONAL: PreconditionResult = { status: 'ok', honourRange: true };

/**
 * Answer `res` (GET or HEAD; its request is `res.req`) with `rep`. Closes `rep` once, whatever happens.
 * Never throws for a client that went away; a body that fails after the headers went out destroys the
 * connection (a truncated body must never look complete).
 */
export async function send(res: ServerResponse, rep: Representation, options: SendOptions = {}): Promise<void> {
  try {
    const status = options.status ?? 200;
    setValidators(res, rep, options);
    if (status !== 200) return await sendAs(res, rep, status, null, options);
    const preconditions = evaluate(res, rep);
    if (preconditions.status === 412) return await sendError(res, 412, {}, options);
    if (preconditions.status === 304) return notModified(res, options);
    const header = res.req?.headers.range;
    if (header === undefined || !preconditions.honourRange || rep.size === null) {
      return await sendAs(res, rep, 200, null, options);
    }
    const specs = parseRange(header);
    const decision = specs === null ? ({ kind: 'full' } as const) : resolveRanges(specs, rep.size);
    if (decision.kind === 'unsatisfiable') {
      const headers = { 'Content-Range': unsatisfiedRange(rep.size), 'Accept-Ranges': 'bytes' };
      return await sendError(res, 416, headers, options);
    }
    return await sendAs(
      res,
      rep,
      decision.kind === 'full' ? 200 : 206,
      decision.kind === 'full' ? null : decision.ranges,
      options,
    );
  } finally {
    await rep.close();
  }
}

function setValidators(res: ServerResponse, rep: Representation, options: SendOptions): void {
  if (rep.etag !== undefined) res.setHeader('ETag', rep.etag);
  if (rep.modifiedMs !== undefined) res.setHeader('Last-Modified', formatHttpDate(rep.modifiedMs));
  if (options.cacheControl !== undefined) res.setHeader('Cache-Control', options.cacheControl);
}

function evaluate(res: ServerResponse, rep: Representation): PreconditionResult {
  const req = res.req;
  if (!req || !hasPreconditions(req.headers)) return UNCONDITIONAL;
  return evaluatePreconditions({
    method: req.method ?? 'GET',
    headers: req.headers,
    etag: rep.etag,
    mtimeMs: rep.modifiedMs,
  });
}

/** Whether any RFC 9110 §13.1 precondition header is present. */
function hasPreconditions(headers: ServerResponse['req']['headers']): boolean {
  return (
    headers['if-match'] !== undefined ||
    headers['if-none-match'] !== undefined ||
    headers['if-modified-since'] !== undefined ||
    headers['if-unmodified-since'] !== undefined ||
    headers['if-range'] !== undefined
  );
}

/**
 * RFC 9110 §15.4.5: a 304 carries the validators, Cache-Control and Vary, and no representation
 * metadata — every `Content-*` header goes, also one an app set before the handler ran.
 */
function notModified(res: ServerResponse, options: SendOptions): void {
  for (const [name, value] of Object.entries(options.headers ?? {})) res.setHeader(name, value);
  removeHeaders(res, isContentHeader);
  res.statusCode = 304;
  res.end();
}

const isContentHeader = (name: string): boolean => name.startsWith('content-') && name !== 'content-security-policy';

/** Headers that describe a representation, dropped from an error answer; everything else (policy) stays. */
export const isRepresentationHeader = (name: string): boolean =>
  isContentHeader(name) ||
  name === 'etag' ||
  name === 'last-modified' ||
  name === 'accept-ranges' ||
  name === 'cache-control' ||
  name === 'expires';

export function removeHeaders(res: ServerResponse, which: (lowerName: string) => boolean): void {
  for (const name of res.getHeaderNames()) if (which(name)) res.removeHeader(name);
}

/** Send `rep` with `status`: whole (`ranges` null) or the given ranges (206, multipart when several). */
async function sendAs(
  res: ServerResponse,
  rep: Representation,
  status: number,
  ranges: readonly ByteRange[] | null,
  options: SendOptions,
): Promise<void> {
  const plan = planBody(rep, ranges);
  res.statusCode = status;
  for (const [name, value] of Object.entries(options.headers ?? {})) res.setHeader(name, value);
  if (rep.size !== null && status < 300) res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', plan.type);
  if (rep.encoding !== undefined) res.setHeader('Content-Encoding', rep.encoding);
  if (plan.length !== null) res.setHeader('Content-Length', plan.length);
  if (plan.contentRange !== undefined) res.setHeader('Content-Range', plan.contentRange);
  if (res.req?.method === 'HEAD' || plan.length === 0) {
    res.end();
    return;
  }
  const now = plan.now();
  if (now !== null && now.length === plan.length) {
    res.end(now); // in memory already: headers and bytes in one write, no generator
    return;
  }
  await pump(res, plan.body(), plan.length);
}

interface BodyPlan {
  readonly type: string;
  readonly length: number | null;
  readonly contentRange?: string;
  readonly body: () => AsyncGenerator<Buffer>;
  /** The whole body if it is in memory now (see {@link Representation.readNow}), else `null`. */
  readonly now: () => Buffer | null;
}

function planBody(rep: Representation, ranges: readonly ByteRange[] | null): BodyPlan {
  if (ranges === null || rep.size === null) {
    return { type: rep.type, length: rep.size, body: () => rep.read(null), now: () => rep.readNow?.(null) ?? null };
  }
  const size = rep.size;
  const only = ranges.length === 1 ? ranges[0] : undefined;
  if (only !== undefined) {
    return {
      type: rep.type,
      length: only.end - only.start + 1,
      contentRange: contentRange(only, size),
      body: () => rep.read(only),
      now: () => rep.readNow?.(only) ?? null,
    };
  }
  const multipart = planMultipart({ ranges, size, contentType: rep.type });
  return {
    type: multipart.contentType,
    length: multipart.contentLength,
    body: () => multipartBody(rep, multipart),
    now: () => null,
  };
}

/** A multipart/byteranges body (RFC 9110 §14.6): each part's head, then its bytes; the closing boundary. */
export async function* multipartBody(rep: Representation, plan: MultipartPlan): AsyncGenerator<Buffer> {
  for (const part of plan.parts) {
    yield part.head;
    yield* rep.read(part.range);
  }
  yield plan.trailer;
}
