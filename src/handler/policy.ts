/**
 * Response policy: headers every answer of the directory handler carries — files, pages, redirects and
 * errors alike. Applied once, before routing; error answers keep them (they drop only representation
 * headers), as they keep whatever an app's middleware (helmet…) set before the handler ran.
 */
import type { ServerResponse } from 'node:http';

/** Headers a cross-origin script may read with `--cors`. */
const EXPOSED = 'Content-Length, Content-Range, Accept-Ranges, ETag, Last-Modified, Content-Disposition';

export function applyPolicy(res: ServerResponse, options: { readonly cors: boolean }): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (options.cors) {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', EXPOSED);
  }
}

/** The methods the handler answers. */
export const ALLOW = 'GET, HEAD, OPTIONS';

/** `OPTIONS`: 204 with `Allow`, and a CORS preflight answer with `--cors`. */
export function answerOptions(
  req: { readonly headers: Readonly<Record<string, string | string[] | undefined>> },
  res: ServerResponse,
  options: { readonly cors: boolean },
): void {
  res.setHeader('Allow', ALLOW);
  res.setHeader('Content-Length', '0');
  if (options.cors) {
    res.setHeader('Access-Control-Allow-Methods', ALLOW);
    const asked = req.headers['access-control-request-headers'];
    if (typeof asked === 'string') res.setHeader('Access-Control-Allow-Headers', asked);
    res.setHeader('Access-Control-Max-Age', '86400');
  }
  res.statusCode = 204;
  res.end();
}
