/**
 * `Cache-Control` of file responses: `no-cache` by default (caches may store but must revalidate, which
 * a 304 makes cheap), `public, max-age=N` when the operator chose a lifetime with `--cache N`.
 */
export function cacheControl(cacheSeconds: number | null): string {
  return cacheSeconds === null ? 'no-cache' : `public, max-age=${cacheSeconds}`;
}
