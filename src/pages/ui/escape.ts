/** HTML escaping and URL building for the pages: every name goes through here before it reaches markup. */
import { encodeSegment } from '../../http/url.js';

export { encodeSegment } from '../../http/url.js';

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
