/**
 * Conditional requests (RFC 9110 §13): every precondition is evaluated here, once, in the order of
 * RFC 9110 §13.2.2. Each step is a small function answering whether its header is absent, passes or
 * fails, so the order below reads like the RFC.
 */
import { parseETag, parseETagList, strongMatch, weakMatch, type EntityTag } from './etag.js';
import { parseHttpDate, toHttpSeconds } from './httpdate.js';

/** Request headers as Node gives them (lower-case names). */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface PreconditionInput {
  readonly method: string;
  readonly headers: RequestHeaders;
  /** The current ETag, quoted, as sent in the `ETag` header; absent when the representation has none. */
  readonly etag?: string;
  /** Modification time of the current representation, in milliseconds (the `Last-Modified` source); absent: none. */
  readonly mtimeMs?: number;
  /** Clock used for two-digit rfc850 years (default `Date.now()`). */
  readonly nowMs?: number;
}

export interface PreconditionResult {
  /** `ok`: serve the representation; 304 Not Modified; 412 Precondition Failed. */
  readonly status: 'ok' | 304 | 412;
  /** Whether a `Range` header may be applied (If-Range passed or absent, method GET or HEAD). */
  readonly honourRange: boolean;
}

/** Outcome of one precondition: header absent (or to be ignored), condition true, condition false. */
type Outcome = 'none' | 'pass' | 'fail';

/**
 * Evaluates If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since and If-Range for a
 * representation that exists (a missing file never gets here: its 404 comes first, RFC 9110 §13.2.1).
 *
 * 1. If-Match false → 412.
 * 2. Only without If-Match: If-Unmodified-Since false → 412.
 * 3. If-None-Match false → 304 for GET/HEAD, 412 otherwise.
 * 4. Only without If-None-Match, only for GET/HEAD: If-Modified-Since false → 304.
 * 5. If-Range (only meaningful with a Range header): decides whether the Range is honoured.
 */
export function evaluatePreconditions(input: PreconditionInput): PreconditionResult {
  const current = input.etag === undefined ? null : parseETag(input.etag);
  if (input.etag !== undefined && current === null) {
    throw new TypeError('evaluatePreconditions: etag must be a quoted entity-tag');
  }
  // Without a Last-Modified, date conditions have nothing to compare with and are ignored (If-Range fails).
  const seconds = input.mtimeMs === undefined ? null : toHttpSeconds(input.mtimeMs);
  const nowMs = input.nowMs ?? Date.now();
  const method = input.method.toUpperCase();
  const getOrHead = method === 'GET' || method === 'HEAD';
  const { headers } = input;

  const ifMatch = checkIfMatch(listHeader(headers['if-match']), current);
  if (ifMatch === 'fail') return { status: 412, honourRange: false };
  if (ifMatch === 'none') {
    if (checkIfUnmodifiedSince(singleHeader(headers['if-unmodified-since']), seconds, nowMs) === 'fail') {
      return { status: 412, honourRange: false };
    }
  }

  const ifNoneMatch = checkIfNoneMatch(listHeader(headers['if-none-match']), current);
  if (ifNoneMatch === 'fail') return { status: getOrHead ? 304 : 412, honourRange: false };
  if (ifNoneMatch === 'none' && getOrHead) {
    if (checkIfModifiedSince(singleHeader(headers['if-modified-since']), seconds, nowMs) === 'fail') {
      return { status: 304, honourRange: false };
    }
  }

  const ifRange = checkIfRange(singleHeader(headers['if-range']), current, seconds, nowMs);
  return { status: 'ok', honourRange: getOrHead && ifRange !== 'fail' };
}

/** List headers received several times are one list (RFC 9110 §5.3). */
function listHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** A date or If-Range header received several times has more than one member: invalid. */
function singleHeader(value: string | string[] | undefined): string | null | undefined {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : null;
  return value;
}

/** RFC 9110 §13.1.1: `*` or any listed tag matching by strong comparison. */
function checkIfMatch(value: string | undefined, current: EntityTag | null): Outcome {
  if (value === undefined) return 'none';
  const condition = parseETagList(value);
  if (condition.kind === 'any') return 'pass';
  return current !== null && condition.tags.some((tag) => strongMatch(tag, current)) ? 'pass' : 'fail';
}

/** RFC 9110 §13.1.4: false when modified after the date; an invalid date is ignored. */
function checkIfUnmodifiedSince(value: string | null | undefined, seconds: number | null, nowMs: number): Outcome {
  if (value === undefined || value === null || seconds === null) return 'none';
  const date = parseHttpDate(value, nowMs);
  if (date === null) return 'none';
  return seconds <= date ? 'pass' : 'fail';
}

/** RFC 9110 §13.1.2: false (not modified) for `*` or any listed tag matching by weak comparison. */
function checkIfNoneMatch(value: string | undefined, current: EntityTag | null): Outcome {
  if (value === undefined) return 'none';
  const condition = parseETagList(value);
  if (condition.kind === 'any') return 'fail';
  return current !== null && condition.tags.some((tag) => weakMatch(tag, current)) ? 'fail' : 'pass';
}

/** RFC 9110 §13.1.3: false (not modified) unless modified after the date; an invalid date is ignored. */
function checkIfModifiedSince(value: string | null | undefined, seconds: number | null, nowMs: number): Outcome {
  if (value === undefined || value === null || seconds === null) return 'none';
  const date = parseHttpDate(value, nowMs);
  if (date === null) return 'none';
  return seconds <= date ? 'fail' : 'pass';
}

/**
 * RFC 9110 §13.1.5: an entity-tag must match by strong comparison (a weak tag never matches); a date
 * must equal Last-Modified exactly. Anything else, including an unparseable value, fails: the Range is
 * ignored and the whole representation is sent.
 */
function checkIfRange(
  value: string | null | undefined,
  current: EntityTag | null,
  seconds: number | null,
  nowMs: number,
): Outcome {
  if (value === undefined) return 'none';
  if (value === null) return 'fail';
  const text = value.trim();
  if (text.startsWith('"') || text.startsWith('W/')) {
    const tag = parseETag(text);
    return tag !== null && current !== null && strongMatch(tag, current) ? 'pass' : 'fail';
  }
  const date = parseHttpDate(text, nowMs);
  return date !== null && seconds !== null && date === seconds ? 'pass' : 'fail';
}
