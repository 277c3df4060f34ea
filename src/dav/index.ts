/**
 * WebDAV (`--webdav`): which requests are WebDAV's, and the dispatch to each method. Class 1 and 2: OPTIONS,
 * PROPFIND, and with uploads on PUT, DELETE, MKCOL, COPY, MOVE, PROPPATCH, LOCK and UNLOCK; GET and HEAD stay
 * with the file handler. Without `--webdav`, `--upload` still answers MKCOL, MOVE and DELETE: the folder page's
 * "New folder", "Rename" and "Delete" buttons send them. Every failure is answered with the fixed error page of
 * its status (sendError); a request whose body is still arriving gets `Connection: close`.
 */
import { statusOf } from '../http/errors.js';
import { sendError } from '../respond/errors.js';
import { answerEmpty, READ_ALLOW, WRITE_ALLOW, type DavRequest } from './context.js';
import { serveCopy, serveMove } from './copymove.js';
import { serveLock, serveUnlock } from './lock.js';
import { servePropfind } from './propfind.js';
import { serveProppatch } from './proppatch.js';
import { serveDelete, serveMkcol, servePutDav } from './write.js';

export { DavStore, type DavRequest } from './context.js';

type Method = (d: DavRequest) => Promise<void> | void;

const METHODS: Readonly<Record<string, Method>> = {
  OPTIONS: answerOptions,
  PROPFIND: servePropfind,
  PROPPATCH: serveProppatch,
  PUT: servePutDav,
  DELETE: serveDelete,
  MKCOL: serveMkcol,
  COPY: serveCopy,
  MOVE: serveMove,
  LOCK: serveLock,
  UNLOCK: serveUnlock,
};

/** The methods of the folder page's buttons, answered with `--upload` alone. */
const FOLDER_METHODS = new Set(['MKCOL', 'MOVE', 'DELETE']);

/** The pages' own reserved prefix (assets, the tus endpoint): never WebDAV's. */
const RESERVED = '/.aqua/';

/** Whether the request is for the WebDAV code (see the file's comment). A CORS preflight is not. */
export function isDavRequest(
  method: string,
  rawPath: string,
  headers: { readonly [name: string]: unknown },
  on: { readonly webdav: boolean; readonly upload: boolean },
): boolean {
  if (rawPath.startsWith(RESERVED) || !(method in METHODS)) return false;
  if (method === 'OPTIONS' && headers['access-control-request-method'] !== undefined) return false;
  if (on.webdav) return true;
  return on.upload && FOLDER_METHODS.has(method);
}

/** Answer a WebDAV request; never throws. */
export async function serveDav(d: DavRequest): Promise<void> {
  try {
    await (METHODS[d.req.method ?? ''] as Method)(d);
  } catch (err) {
    const status = statusOf(err);
    if (status >= 500) d.options.logger?.error({ err, method: d.req.method, url: d.req.url }, 'WebDAV request failed');
    else d.options.logger?.debug({ err, method: d.req.method, url: d.req.url, status }, 'WebDAV request refused');
    if (!d.req.complete && d.req.httpVersionMajor === 1 && !d.res.headersSent) d.res.setHeader('Connection', 'close');
    const headers: Record<string, string> = status === 405 ? { Allow: allowOf(d) } : {};
    await sendError(d.res, status, headers, { home: d.base + '/' });
  }
}

function allowOf(d: DavRequest): string {
  if (d.webdav) return d.upload ? WRITE_ALLOW : READ_ALLOW;
  return 'GET, HEAD, OPTIONS, PUT, POST, PATCH, MKCOL, MOVE, DELETE';
}

/** OPTIONS: the WebDAV class (`1` read-only, `1, 2` with locks when writes are on) and the methods. */
function answerOptions(d: DavRequest): void {
  answerEmpty(d.res, 200, {
    Allow: allowOf(d),
    DAV: d.upload ? '1, 2' : '1',
    'MS-Author-Via': 'DAV',
  });
}
