/**
 * The `Cache-Control` policy of every answer (RFC 9111 §5.2.2), in one place. Pure: the handler passes its
 * options, the responders set the value.
 */

/** What the policy depends on: the operator's `--cache N`, and whether answers are for one user (`--auth`). */
export interface CachePolicy {
  /** `--cache <seconds>`: `null` when the operator chose no lifetime. */
  readonly cacheSeconds: number | null;
  /** Every answer is for one user (`--auth`): no shared cache may store it. */
  readonly private: boolean;
}

/**
 * Files by default: browsers may keep a copy but ask before each use (`max-age=0, must-revalidate`), and the
 * answer is a cheap 304; shared caches may reuse it for one second, then must ask too (`s-maxage=1`; it
 * implies proxy-revalidate).
 *
 * Not plain `no-cache`, which means nearly the same: nginx's `proxy_cache` takes `no-cache`, `private`,
 * `no-store` and `max-age=0` for "not cacheable", and having removed `Range` and `If-None-Match` from the
 * request it sent upstream, it then answers every Range with 200 and the whole file and every revalidation
 * with 200 (a seek in a player, `ffmpeg -ss`: "moov atom not found"). `s-maxage=1` is the smallest lifetime
 * nginx stores, so it serves ranges and 304s from its copy and revalidates it (`proxy_cache_revalidate`);
 * Varnish's builtin VCL stores it and revalidates a stale copy with If-None-Match. Browsers ignore
 * `s-maxage`. Without any `Cache-Control` (what nginx and Caddy send) browsers would guess a lifetime from
 * the file's age (RFC 9111 §4.2.2) and could show a replaced file for days.
 */
export const FILE_DEFAULT = 'max-age=0, s-maxage=1, must-revalidate';

/** Files: {@link FILE_DEFAULT}, `public, max-age=N` with `--cache N`; `private` variants for `--auth`. */
export function fileCacheControl(policy: CachePolicy): string {
  if (policy.private)
    return policy.cacheSeconds === null ? 'private, no-cache' : `private, max-age=${policy.cacheSeconds}`;
  return policy.cacheSeconds === null ? FILE_DEFAULT : `public, max-age=${policy.cacheSeconds}`;
}

/**
 * Generated answers (listings, viewer pages, converted subtitles, redirects): revalidated on every use.
 * They have no validator, so caches that honour `no-cache` fetch them again; nginx and Varnish do not store
 * them at all. `private` too with `--auth`.
 */
export function pageCacheControl(policy: CachePolicy): string {
  return policy.private ? 'private, no-cache' : 'no-cache';
}

/** The pages' own content-hashed assets: the same bytes for ever under one name; `private` with `--auth`. */
export function immutableCacheControl(policy: CachePolicy): string {
  return `${policy.private ? 'private' : 'public'}, max-age=31536000, immutable`;
}
