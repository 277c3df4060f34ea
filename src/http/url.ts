/** Percent-encoding of URL paths, shared by redirects (handler) and links (pages). */

const UNRESERVED = /^[A-Za-z0-9\-_.~]*$/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A name's byte that is not UTF-8, carried as U+DC80–U+DCFF (see `fs/names.ts`), not a real pair's low half. */
const BYTE_ESCAPE = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/g;

/**
 * Percent-encodes one path segment. `encodeURIComponent` leaves `!'()*` alone; they are legal in a path
 * but `'` and `(` are encoded anyway so a URL can sit in any attribute or CSS context.
 * A byte escape (a name byte that is not UTF-8) becomes that very byte, `%E9`, so the link opens the
 * exact name; any other lone surrogate becomes U+FFFD instead of throwing.
 */
export function encodeSegment(segment: string): string {
  if (UNRESERVED.test(segment)) return segment; // the common case, and 10,000-row listings feel it
  let out = '';
  let last = 0;
  for (const match of segment.matchAll(BYTE_ESCAPE)) {
    out += encodeText(segment.slice(last, match.index)) + percentByte(segment.charCodeAt(match.index) - 0xdc00);
    last = match.index + 1;
  }
  return out + encodeText(segment.slice(last));
}

function encodeText(text: string): string {
  return encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD')).replace(/[!'()*]/g, (c) =>
    percentByte(c.charCodeAt(0)),
  );
}

function percentByte(byte: number): string {
  return `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Percent-encode each segment for a URL path: `/a b/c#d` → `/a%20b/c%23d` (the pages' own encoding). */
export function encodePath(segments: readonly string[]): string {
  let out = '';
  for (const s of segments) out += '/' + encodeSegment(s);
  return out;
}
