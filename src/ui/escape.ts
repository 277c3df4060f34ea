/** HTML escaping and URL building for the pages: every name goes through here before it reaches markup. */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and for quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c) : text;
}

const NEEDS_ESCAPE = /[&<>"']/;

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

/**
 * The URL of a folder (`/a%20b/`) followed by the encoded `name` (plus `/` for a folder): the fast path of {@link
 * hrefOf} for a folder's rows.
 */
export function childHref(folderHref: string, name: string, isFolder: boolean): string {
  return folderHref + encodeSegment(name) + (isFolder ? '/' : '');
}

/**
 * An absolute URL path from a mount base (`''` or `/mount`), a decoded folder path (`/a b/`) and
 * optionally a name in it: `hrefOf('', '/a b/', 'x#1.mp4')` → `/a%20b/x%231.mp4`. Folder names get a
 * trailing slash when `isFolder` is set.
 */
export function hrefOf(base: string, folderPath: string, name?: string, isFolder = false): string {
  const segments = folderPath.split('/').filter((s) => s !== '');
  if (name !== undefined) segments.push(name);
  const encoded = segments.map(encodeSegment).join('/');
  const trailing = name === undefined || isFolder ? '/' : '';
  return `${base}/${encoded}${encoded === '' ? '' : trailing}`;
}
