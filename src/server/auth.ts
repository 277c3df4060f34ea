import { createHash, timingSafeEqual } from 'node:crypto';

/** `user:password` as given to `--auth` / `AQUA_AUTH`, checked against HTTP Basic credentials. */
export interface BasicAuth {
  /** True when the `Authorization` header carries exactly the configured user and password. */
  allows(authorization: string | undefined): boolean;
  /** The `WWW-Authenticate` challenge of a 401 answer. */
  readonly challenge: string;
}

export const AUTH_REALM = 'aqua-serve';

/**
 * Parse `user:password` (split at the first colon: the user has none, the password may). Throws a
 * `RangeError` with a one-line message when either part is empty.
 */
export function parseCredentials(value: string): { user: string; password: string } {
  const colon = value.indexOf(':');
  const user = colon < 0 ? '' : value.slice(0, colon);
  const password = colon < 0 ? '' : value.slice(colon + 1);
  if (user === '' || password === '') throw new RangeError('expected user:password, both non-empty');
  return { user, password };
}

function digest(text: string | Buffer): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * HTTP Basic authentication for one user. The comparison is timing-safe: both sides are hashed to
 * 32 bytes first, so neither the content nor the length of the expected credentials leaks through
 * the time a wrong guess takes.
 */
export function basicAuth(credentials: string): BasicAuth {
  const { user, password } = parseCredentials(credentials);
  const expected = digest(Buffer.from(`${user}:${password}`, 'utf8'));
  return {
    challenge: `Basic realm="${AUTH_REALM}", charset="UTF-8"`,
    allows(authorization) {
      if (!authorization) return false;
      const match = /^basic[ \t]+([A-Za-z0-9+/=._~-]+)[ \t]*$/i.exec(authorization);
      if (!match) return false;
      const given = digest(Buffer.from(match[1], 'base64'));
      return timingSafeEqual(given, expected);
    },
  };
}
