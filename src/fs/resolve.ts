import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { HttpError } from '../http/errors.js';

/** The decoded, checked segments of a request path; `..`, `.`, empty and unsafe segments are gone. */
export interface UrlPath {
  /** Decoded segments, each non-empty, never `.` or `..`, no `/`, `\` or NUL. */
  readonly segments: readonly string[];
  /** The request path ended with a slash (a folder URL). */
  readonly trailingSlash: boolean;
}

/**
 * Decode a raw request path once, segment by segment, and reject what cannot name a file inside
 * the root. A malformed `%` sequence or a NUL byte is a bad request (400); a `..` segment, a
 * backslash, or an encoded slash inside a segment names nothing here (404). `%252e` decodes once to
 * the literal name `%2e`. Empty and `.` segments are dropped, so `//a/./b` is `/a/b`.
 */
export function parseUrlPath(rawPath: string, options: { dotfiles: boolean }): UrlPath {
  if (!rawPath.startsWith('/')) throw new HttpError(400, 'request path does not start with /');
  const segments: string[] = [];
  const parts = rawPath.split('/');
  for (let i = 1; i < parts.length; i++) {
    const raw = parts[i];
    if (raw === '') continue;
    let name: string;
    try {
      name = raw.includes('%') ? decodeURIComponent(raw) : raw;
    } catch {
      throw new HttpError(400, 'malformed percent-encoding');
    }
    if (name.includes('\0')) throw new HttpError(400, 'NUL byte in path');
    if (name === '.') continue;
    if (name === '..') throw new HttpError(404, 'parent segment');
    if (name.includes('/') || name.includes('\\')) throw new HttpError(404, 'separator inside a segment');
    if (!options.dotfiles && name.startsWith('.')) throw new HttpError(404, 'dotfile');
    segments.push(name);
  }
  const trailingSlash = rawPath.endsWith('/') && segments.length > 0;
  return { segments, trailingSlash };
}

/** True when `target` is `root` itself or lies below it (segment-aware, not a bare prefix test). */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!isParentRef(rel) && !path.isAbsolute(rel));
}

function isParentRef(rel: string): boolean {
  return rel === '..' || rel.startsWith('..' + path.sep);
}

/**
 * The real absolute path a URL path names: joined under the root, symlinks resolved, and confirmed
 * to stay inside the root unless `followSymlinks` allows a symlink to lead out.
 * `root` must itself be a real path (see {@link realRoot}). Throws ENOENT-style errors for missing
 * files and `HttpError(404)` for a path that leaves the root.
 */
export async function resolveFsPath(root: string, url: UrlPath, options: { followSymlinks: boolean }): Promise<string> {
  const joined = url.segments.length === 0 ? root : path.join(root, ...url.segments);
  // Defence in depth: segments are already clean, so the join can only stay below the root.
  if (!isInside(root, joined)) throw new HttpError(404, 'joined path outside root');
  const real = await realpath(joined);
  if (!options.followSymlinks && !isInside(root, real)) throw new HttpError(404, 'symlink leads outside root');
  return real;
}

/** The canonical real path of a served folder (symlinks in the root's own path resolved once). */
export async function realRoot(root: string): Promise<string> {
  return realpath(path.resolve(root));
}
