/** Generated HTML pages (listings, viewers), answered through the one send path. */
import { bufferRepresentation } from '../respond/representation.js';
import { send } from '../respond/send.js';
import { CONTENT_SECURITY_POLICY } from '../pages/ui/page.js';
import { homeOf, type RequestContext } from './context.js';

/** Headers of every page besides its representation: the pages' strict policy. */
const PAGE_POLICY: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Referrer-Policy': 'same-origin',
});

/**
 * Send a generated text answer (`no-cache`: always revalidated, and its content ETag makes that a 304
 * while the page is unchanged). Pages get the pages' CSP; `vary` names request headers that chose it.
 */
export function sendGenerated(
  ctx: RequestContext,
  body: string,
  type: string,
  options: { readonly page?: boolean; readonly vary?: string } = {},
): Promise<void> {
  const headers: Record<string, string> = options.page ? { ...PAGE_POLICY } : {};
  if (options.vary !== undefined) headers.Vary = options.vary;
  const rep = bufferRepresentation(body, { type });
  return send(ctx.res, rep, { cacheControl: 'no-cache', headers, home: homeOf(ctx.base) });
}

export const HTML = 'text/html; charset=utf-8';

export function sendHtmlPage(ctx: RequestContext, html: string, vary?: string): Promise<void> {
  return sendGenerated(ctx, html, HTML, { page: true, vary });
}
