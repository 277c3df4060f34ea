import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { HttpError } from '../http/errors.js';
import { fsPath, nameFromBytes, STAGING_NAME } from './names.js';

/** The decoded, checked segments of a request path; `..`, `.`, empty and unsafe segments are gone. */
export interface UrlPath {
  /** Decoded segments, each non-empty, never `.` or `..`, no `/`, `\` or NUL. */
  readonly segments: readonly string[];
  /** The request path ended with a slash (a folder URL). */
  readonly trailingSlash: boolean;
}

/**
 * Decode a raw request path once, segment by segment, and reject what cannot name a file inside
 * the root. A malformed `%` sequence or a NUL byte is a bad request (400); a `..` segment or an encoded
 * slash inside a segment names nothing here (404), nor does a backslash on Windows (on Linux and macOS
 * it is an ordinary byte of a name). `%252e` decodes once to the literal name `%2e`. Empty and `.`
 * segments are dropped, so `//a/./b` is `/a/b`.
 *
 * Names are bytes: a segment is percent-decoded to bytes (raw bytes of the request line count as
 * themselves), and bytes that are not UTF-8 — `caf%E9`, or an overlong `%C0%AE` — stay those bytes
 * (see `names.ts`), never a character they might be mistaken for.
 */
export function parseUrlPath(rawPath: string, options: { dotfiles: boolean }): UrlPath {
  if (!rawPath.startsWith('/')) throw new HttpError(400, 'request path does not start with /');
  const segments: string[] = [];
  const parts = rawPath.split('/');
  for (let i = 1; i < parts.length; i++) {
    const raw = parts[i];
    if (raw === '') continue;
    const name = PLAIN_SEGMENT.test(raw) ? raw : nameFromBytes(segmentBytes(raw));
    if (name.includes('\0')) throw new HttpError(400, 'NUL byte in path');
    if (name === '.') continue;
    if (name === '..') throw new HttpError(404, 'parent segment');
    if (name.includes('/') || (WINDOWS && name.includes('\\'))) throw new HttpError(404, 'separator inside a segment');
    if (!options.dotfiles && name.startsWith('.')) throw new HttpError(404, 'dotfile');
    if (name === STAGING_NAME) throw new HttpError(404, 'the uploads staging folder');
    segments.push(name);
  }
  const trailingSlash = rawPath.endsWith('/') && segments.length > 0;
  return { segments, trailingSlash };
}

const WINDOWS = process.platform === 'win32';

/** Printable ASCII without `%`: the segment is its own name (the common case). */
const PLAIN_SEGMENT = /^[\x20-\x24\x26-\x7e]*$/;

/**
 * The bytes a raw segment names: `%XX` is that byte, a character up to U+00FF is its own byte (node:http
 * hands the request line over as Latin-1), anything above is its UTF-8. A `%` not followed by two hex
 * digits is a bad request (400).
 */
function segmentBytes(raw: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code === 0x25) {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new HttpError(400, 'malformed percent-encoding');
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (code <= 0xff) {
      bytes.push(code);
    } else {
      const end = code >= 0xd800 && code <= 0xdbff ? i + 2 : i + 1;
      bytes.push(...Buffer.from(raw.slice(i, end), 'utf8'));
      i = end - 1;
    }
  }
  return Buffer.from(bytes);
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
  const real = await realName(joined);
  if (!options.followSymlinks && !isInside(root, real)) throw new HttpError(404, 'symlink leads outside root');
  return real;
}

/** The canonical real path of a served folder (symlinks in the root's own path resolved once). */
export async function realRoot(root: string): Promise<string> {
  return realName(path.resolve(root));
}

/** `realpath` for names that are bytes: the real path of `p`, exact whatever bytes its components are. */
export async function realName(p: string): Promise<string> {
  return nameFromBytes(await realpath(fsPath(p), { encoding: 'buffer' }));
}
