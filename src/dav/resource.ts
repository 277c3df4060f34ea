/**
 * Resources as WebDAV sees them: what a path names (a file or a folder, by the same open as reads: inside the
 * root, no special files, symlinks by the listing's policy), its entity tag, and the paths that headers name
 * (`Destination`, the resource tags of `If`), which may be absolute URLs and carry the mount prefix.
 */
import type { Stats } from 'node:fs';
import { openInside } from '../fs/open.js';
import { HttpError, statusOf } from '../http/errors.js';
import { fileETag } from '../http/etag.js';
import { urlOf, type DavRequest } from './context.js';

/** What a path names now, or `null` when nothing (or nothing that is served) is there. */
export async function resourceAt(d: DavRequest, segments: readonly string[]): Promise<Stats | null> {
  try {
    const { fh, stat } = await openInside(d.root, { segments, trailingSlash: false }, d.options);
    await fh.close();
    return stat;
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
}

/** The entity tag GET gives the file (the same as `fileRepresentation`'s); folders have none. */
export function etagOf(stat: Stats | null): string | null {
  return stat?.isFile() ? fileETag(stat.size, stat.mtimeMs) : null;
}

/**
 * The segments a URL in a header names: an absolute path, or an absolute `http(s)` URL whose authority must be
 * this server's (`502` for another: RFC 4918 §9.8.4), below the mount prefix (else 403). A name that cannot be
 * served (`..`, a dotfile) is 403 for a write (`write`), as for the request path.
 */
export function segmentsOfHref(d: DavRequest, href: string, write: boolean): readonly string[] {
  let rawPath = href.trim();
  const absolute = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(rawPath);
  if (absolute) {
    const host = d.req.headers.host ?? (d.req.headers as Record<string, string | undefined>)[':authority'];
    if (!/^https?$/i.test(absolute[1] as string) || !sameAuthority(absolute[2] as string, host))
      throw new HttpError(502, 'a URL on another server');
    rawPath = rawPath.slice(absolute[0].length) || '/';
  }
  rawPath = rawPath.replace(/[?#].*$/s, '');
  if (!rawPath.startsWith('/')) throw new HttpError(400, 'not an absolute path');
  if (d.base !== '') {
    if (rawPath !== d.base && !rawPath.startsWith(d.base + '/')) throw new HttpError(403, 'outside the mount');
    rawPath = rawPath.slice(d.base.length) || '/';
  }
  return urlOf(d, rawPath, write).segments;
}

function sameAuthority(given: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  const strip = (a: string): string => a.toLowerCase().replace(/:(80|443)$/, '');
  return strip(given) === strip(host);
}
