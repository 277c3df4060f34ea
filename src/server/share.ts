import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseUrlPath } from '../fs/resolve.js';

/**
 * Share links: a URL with `?token=` that opens one file or one folder without the `--auth` password, for a phone's
 * downloader, a TV or VLC, which drop Basic credentials or cannot type them. The token is an HMAC of the scope and
 * an expiry under a key the server keeps outside the served tree; it allows GET and HEAD only.
 *
 * Scope: a folder token covers the folder and everything below it; a file token covers the file and its sidecars
 * (the same name with another extension: `Film.mkv` also opens `Film.en.vtt` and `Film.jpg`), so a shared film
 * plays with its subtitles. Paths are compared as decoded segments, so no spelling of a path (`%2e%2e`, `//`,
 * percent-encoded letters) reaches outside the scope.
 */
export interface ShareSigner {
  /** The token for these decoded segments (`folder`: the segments name a folder), valid until `expiresAt` (s). */
  sign(segments: readonly string[], folder: boolean, expiresAt: number): string;
  /** The token's expiry (seconds since the epoch) when it is genuine and covers `rawPath`; else `null`. */
  check(token: string, rawPath: string, now: number): number | null;
}

const VERSION = '1';
const MAC_LABEL = 'aqua-serve share link\n';

/** A signer under `key` (at least 16 bytes), or a random key that lives as long as the process. */
export function shareSigner(key: string | Buffer = randomBytes(32)): ShareSigner {
  const secret = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (secret.length < 16) throw new RangeError('shareKey must be at least 16 bytes');
  const mac = (payload: Buffer): Buffer => createHmac('sha256', secret).update(MAC_LABEL).update(payload).digest();
  return {
    sign(segments, folder, expiresAt) {
      const payload = Buffer.from(`${VERSION}|${Math.floor(expiresAt)}|${scopeOf(segments, folder)}`, 'utf8');
      return `${payload.toString('base64url')}.${mac(payload).toString('base64url')}`;
    },
    check(token, rawPath, now) {
      const dot = token.indexOf('.');
      if (dot < 0 || token.length > 8192) return null;
      const payload = Buffer.from(token.slice(0, dot), 'base64url');
      const given = Buffer.from(token.slice(dot + 1), 'base64url');
      const expected = mac(payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      const [version, expiry, scope] = splitPayload(payload.toString('utf8'));
      const expiresAt = Number(expiry);
      if (version !== VERSION || !Number.isSafeInteger(expiresAt) || expiresAt <= now) return null;
      return covers(scope, rawPath) ? expiresAt : null;
    },
  };
}

/** `Films/` for a folder, `Films/Amélie.mkv` for a file, `` for the whole tree: segments cannot hold a slash. */
function scopeOf(segments: readonly string[], folder: boolean): string {
  return segments.join('/') + (folder && segments.length > 0 ? '/' : '');
}

function splitPayload(text: string): [string, string, string] {
  const first = text.indexOf('|');
  const second = text.indexOf('|', first + 1);
  if (first < 0 || second < 0) return ['', '', ''];
  return [text.slice(0, first), text.slice(first + 1, second), text.slice(second + 1)];
}

/** Whether the scope covers the request path (the pages' own assets under `/.aqua/` are covered by any scope). */
function covers(scope: string, rawPath: string): boolean {
  let segments: readonly string[];
  try {
    segments = parseUrlPath(rawPath, { dotfiles: true }).segments;
  } catch {
    return false; // a malformed or parent-climbing path names nothing a token covers
  }
  if (segments.length === 2 && segments[0] === '.aqua') return true;
  if (scope === '') return true;
  if (scope.endsWith('/')) {
    const folder = scope.slice(0, -1).split('/');
    return folder.length <= segments.length && folder.every((name, i) => segments[i] === name);
  }
  const file = scope.split('/');
  const name = file.pop() as string;
  if (segments.length !== file.length + 1 || !file.every((part, i) => segments[i] === part)) return false;
  const asked = segments[file.length] as string;
  const dot = name.lastIndexOf('.');
  return asked === name || (dot > 0 && asked.startsWith(name.slice(0, dot + 1)));
}

/** The name of the cookie that carries a share token from the link's first request to the pages it leads to. */
export const SHARE_COOKIE = 'aqua-share';

/** The token of the request: `?token=` first, else the share cookie; with where it came from. */
export function shareTokenOf(
  rawUrl: string | undefined,
  cookie: string | undefined,
): { token: string; fromQuery: boolean } | null {
  const url = rawUrl ?? '';
  const q = url.indexOf('?');
  if (q >= 0 && url.includes('token=', q)) {
    const token = new URLSearchParams(url.slice(q + 1)).get('token');
    if (token) return { token, fromQuery: true };
  }
  if (cookie?.includes(SHARE_COOKIE)) {
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === SHARE_COOKIE)
        return { token: part.slice(eq + 1).trim(), fromQuery: false };
    }
  }
  return null;
}

/** Days a page's "Copy share link" stays valid: at least this many, counted from the start of today (UTC). */
export const SHARE_DAYS = 7;

/**
 * The expiry of a link made now: the end of the `SHARE_DAYS`th day after today, so every page of a day gives the
 * same link (and the same page ETag), valid for 7 to 8 days.
 */
export function shareExpiry(nowSeconds: number): number {
  const day = 86_400;
  return (Math.floor(nowSeconds / day) + 1 + SHARE_DAYS) * day;
}
