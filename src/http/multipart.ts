/**
 * `multipart/byteranges` (RFC 9110 §14.6): the byte-exact framing of a multi-range 206, planned up
 * front so `Content-Length` is known before the first byte. The body itself is `multipartBody` (src/respond/send.ts)
 * with this plan as its framing: each part's head before its range, the trailer after the last.
 */
import { randomBytes } from 'node:crypto';
import { contentRange, rangeLength, type ByteRange } from './range.js';

export interface MultipartPart {
  readonly range: ByteRange;
  /** Delimiter line and header block that precede the range's bytes. */
  readonly head: Buffer;
}

export interface MultipartPlan {
  readonly boundary: string;
  /** Value of the response's `Content-Type`. */
  readonly contentType: string;
  readonly parts: readonly MultipartPart[];
  /** Close delimiter after the last part. */
  readonly trailer: Buffer;
  /** Exact length of the whole body: heads + range bytes + trailer. */
  readonly contentLength: number;
}

export interface MultipartInput {
  readonly ranges: readonly ByteRange[];
  /** Size of the whole representation, for each part's `Content-Range`. */
  readonly size: number;
  /** `Content-Type` of the representation, repeated in each part; omitted from the parts when null. */
  readonly contentType: string | null;
  /** Boundary to use; a random one by default (tests pass a fixed one). */
  readonly boundary?: string;
}

/** A random boundary: 32 hex digits, well inside the 70-character limit of RFC 2046 and never quoted. */
export function randomBoundary(): string {
  return randomBytes(16).toString('hex');
}

const CRLF = '\r\n';

/**
 * Plans the body
 * `--B CRLF headers CRLF CRLF bytes (CRLF --B CRLF headers CRLF CRLF bytes)* CRLF --B-- CRLF`.
 * The CRLF before each delimiter belongs to the delimiter (RFC 2046 §5.1.1), so it is part of the
 * following head (or of the trailer), never of the range bytes.
 */
export function planMultipart(input: MultipartInput): MultipartPlan {
  const boundary = input.boundary ?? randomBoundary();
  const parts = input.ranges.map((range, index): MultipartPart => {
    const lines = [`${index === 0 ? '' : CRLF}--${boundary}`];
    if (input.contentType !== null) lines.push(`Content-Type: ${input.contentType}`);
    lines.push(`Content-Range: ${contentRange(range, input.size)}`);
    return { range, head: Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'latin1') };
  });
  const trailer = Buffer.from(`${CRLF}--${boundary}--${CRLF}`, 'latin1');
  let contentLength = trailer.length;
  for (const part of parts) contentLength += part.head.length + rangeLength(part.range);
  return { boundary, contentType: `multipart/byteranges; boundary=${boundary}`, parts, trailer, contentLength };
}
