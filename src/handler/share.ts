/** Sharing a player page: the address other devices can open, and its QR code (`?view&format=qr`). */
import type { Server } from 'node:net';
import { renderSVG } from 'uqr';
import { isLoopback, isWildcard, lanAddresses } from '../http/lan.js';
import { encodePath } from '../http/url.js';
import { pageCacheControl } from '../http/cache.js';
import { bufferRepresentation } from '../respond/representation.js';
import { send } from '../respond/send.js';
import { homeOf, type RequestContext } from './context.js';
import { originOf } from './folder.js';

/**
 * The origin a shared link should use. A page opened on this machine (`localhost`, `127.0.0.1`) is
 * useless to anyone else, so when the server listens on every interface its first LAN address stands
 * in (IPv4 first: phones type and scan it best); otherwise the origin the client used.
 */
export function shareOrigin(ctx: RequestContext): string {
  const socket = ctx.req.socket as typeof ctx.req.socket & { server?: Server; encrypted?: boolean };
  const asked = originOf(ctx);
  if (!isLoopback(socket.localAddress)) return asked;
  const bound = socket.server?.address();
  if (bound === null || bound === undefined || typeof bound === 'string' || !isWildcard(bound.address)) return asked;
  const lan = lanAddresses(bound.family === 'IPv6')[0];
  if (lan === undefined) return asked;
  const scheme = socket.encrypted ? 'https' : 'http';
  return `${scheme}://${lan.includes(':') ? `[${lan}]` : lan}:${socket.localPort ?? bound.port}`;
}

/** The player page's shareable URL: LAN origin, the file's path with `?view`, and `#t=` when a position is given. */
export function shareUrl(ctx: RequestContext, at: number | null): string {
  const path = ctx.base + encodePath(ctx.url.segments);
  return `${shareOrigin(ctx)}${path}?view${at !== null && at > 0 ? `#t=${at}` : ''}`;
}

/**
 * The QR code of {@link shareUrl} as SVG (drawn by uqr, which the CLI's `--qr` already uses): an image
 * the page asks for on demand (`img-src 'self'`), so no QR library runs in the page.
 */
export function sendQr(ctx: RequestContext): Promise<void> {
  const svg = renderSVG(shareUrl(ctx, ctx.route.at), { border: 2 });
  const rep = bufferRepresentation(svg, { type: 'image/svg+xml' });
  return send(ctx.res, rep, {
    cacheControl: pageCacheControl(ctx.options),
    headers: { 'Content-Security-Policy': "default-src 'none'; sandbox", Vary: 'Host' },
    home: homeOf(ctx.base),
  });
}
