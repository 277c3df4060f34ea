// STAND-IN for the issue-11 engine (the lead's src/respond/send.ts replaces this file on merge).
import { setCommonHeaders, type RequestContext } from '../handler/context.js';
import { evaluatePreconditions } from '../http/conditional.js';
import { formatHttpDate } from '../http/httpdate.js';
import { contentRange, parseRange, resolveRanges, unsatisfiedRange } from '../http/range.js';
import { pump } from './body.js';
import { sendError } from './errors.js';
import type { Representation } from './representation.js';

export interface SendOptions {
  status?: number;
  cacheControl?: string;
  disposition?: string;
  headers?: Record<string, string>;
}

export async function send(ctx: RequestContext, rep: Representation, opts: SendOptions = {}): Promise<void> {
  const { res } = ctx;
  let handed = false;
  try {
    setCommonHeaders(ctx);
    if (rep.etag) res.setHeader('ETag', rep.etag);
    if (rep.modifiedMs !== undefined)
      res.setHeader('Last-Modified', formatHttpDate(Math.min(rep.modifiedMs, Date.now())));
    if (opts.cacheControl) res.setHeader('Cache-Control', opts.cacheControl);
    for (const [k, v] of Object.entries(opts.headers ?? {})) res.setHeader(k, v);
    const status = opts.status ?? 200;
    let honourRange = status === 200 && rep.size !== null;
    if (status === 200 && rep.etag) {
      const pre = evaluatePreconditions({
        method: ctx.method,
        headers: ctx.req.headers,
        etag: rep.etag,
        mtimeMs: Math.min(rep.modifiedMs ?? Date.now(), Date.now()),
      });
      if (pre.status === 412) return sendError(res, 412);
      if (pre.status === 304) {
        res.statusCode = 304;
        res.end();
        return;
      }
      honourRange &&= pre.honourRange;
    }
    res.setHeader('Content-Type', rep.type);
    if (rep.encoding) res.setHeader('Content-Encoding', rep.encoding);
    if (opts.disposition) res.setHeader('Content-Disposition', opts.disposition);
    let span = null;
    const range = ctx.req.headers.range;
    if (rep.size !== null && status === 200) res.setHeader('Accept-Ranges', 'bytes');
    if (honourRange && range !== undefined && rep.size !== null) {
      const specs = parseRange(range);
      const decision = specs ? resolveRanges(specs, rep.size) : { kind: 'full' as const };
      if (decision.kind === 'unsatisfiable')
        return sendError(res, 416, { 'Content-Range': unsatisfiedRange(rep.size) });
      if (decision.kind === 'partial' && decision.ranges.length === 1) {
        span = decision.ranges[0];
        res.setHeader('Content-Range', contentRange(span, rep.size));
      }
    }
    res.statusCode = span ? 206 : status;
    const length = span ? span.end - span.start + 1 : rep.size;
    if (length !== null) res.setHeader('Content-Length', length);
    if (ctx.method === 'HEAD' || length === 0) {
      res.end();
      return;
    }
    handed = true;
    await pump(res, rep.read(span));
  } finally {
    if (!handed) await rep.close();
  }
}
