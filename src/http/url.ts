/** Percent-encoding of URL paths, shared by redirects (handler) and links (pages). */

const UNRESERVED = /^[A-Za-z0-9\-_.~]*$/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Percent-encodes one path segment. `encodeURIComponent` leaves `!'()*` alone; they are legal in a path
 * but `'` and `(` are encoded anyway so a URL can sit in any attribute or CSS context.
 * Lone surrogates (invalid UTF-16 from a broken file name) become U+FFFD instead of throwing.
 */
export function encodeSegment(segment: string): string {
  if (UNRESERVED.test(segment)) return segment; // the common case, and 10,000-row listings feel it
  return encodeURIComponent(segment.replace(LONE_SURROGATE, '\uFFFD')).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Percent-encode each segment for a URL path: `/a b/c#d` → `/a%20b/c%23d` (the pages' own encoding). */
export function encodePath(segments: readonly string[]): string {
  let out = '';
  for (const s of segments) out += '/' + encodeSegment(s);
  return out;
}
