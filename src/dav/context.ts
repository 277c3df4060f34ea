/**
 * What every WebDAV method gets ({@link DavRequest}), and the pieces they share: the request path decoded by the
 * same resolver as reads, the write gate (uploads on, inside the `--upload` folder, not from another origin), the
 * `Depth` header, a bounded XML body, and the answers without a body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { parseUrlPath, type UrlPath } from '../fs/resolve.js';
import { HttpError } from '../http/errors.js';
import type { Logger } from '../log.js';
import { isCrossOrigin } from '../upload/csrf.js';
import type { UploadSettings } from '../upload/options.js';
import { insideArea } from '../upload/place.js';
import type { UploadStore } from '../upload/store.js';
import { LockStore } from './locks.js';
import { DeadProps } from './props.js';
import { parseXml, XmlError, type XmlElement } from './xml.js';

/** What WebDAV keeps between requests: locks and dead properties, both in memory. */
export class DavStore {
  readonly locks = new LockStore();
  readonly props = new DeadProps();
}

/** One WebDAV request and what answering it needs. */
export interface DavRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The raw request path (not yet decoded). */
  readonly path: string;
  /** Real path of the served root. */
  readonly root: string;
  /** Mount prefix (no trailing slash). */
  readonly base: string;
  readonly options: {
    readonly dotfiles: boolean;
    readonly followSymlinks: boolean;
    /** `--no-listing`: a folder's members are not told (PROPFIND Depth 1 of a folder is 403). */
    readonly listing: boolean;
    readonly logger: Logger | null;
  };
  /** The site config file (`aqua.json`), real path: never served, listed, copied or written here. */
  readonly configFile: string | null;
  /** `--webdav` is on (else only the folder operations MKCOL, MOVE and DELETE of the pages are answered). */
  readonly webdav: boolean;
  /** Uploads, which writes need; `null`: read-only. */
  readonly upload: UploadSettings | null;
  /** The uploads' staging folder and sweeper (present when `upload` is). */
  readonly uploads: UploadStore | null;
  readonly store: DavStore;
}

/** A request that may write: its upload settings and staging are known to be there. */
export interface DavWrite extends DavRequest {
  readonly upload: UploadSettings;
  readonly uploads: UploadStore;
}

/** Methods that change something. */
export const WRITE_METHODS = new Set(['PUT', 'DELETE', 'MKCOL', 'COPY', 'MOVE', 'PROPPATCH', 'LOCK', 'UNLOCK']);

/** The methods answered when WebDAV is read-only, and when it can write. */
export const READ_ALLOW = 'OPTIONS, GET, HEAD, PROPFIND';
export const WRITE_ALLOW = `${READ_ALLOW}, PUT, DELETE, MKCOL, COPY, MOVE, PROPPATCH, LOCK, UNLOCK, POST, PATCH`;

/** The request path as URL segments. For a write, a name that cannot be served (`..`, a dotfile) is 403. */
export function urlOf(d: DavRequest, rawPath = d.path, write = false): UrlPath {
  try {
    const url = parseUrlPath(rawPath, d.options);
    if (isConfigFile(d, path.join(d.root, ...url.segments))) throw new HttpError(404, 'the config file');
    return url;
  } catch (err) {
    if (write && err instanceof HttpError && err.status === 404) throw new HttpError(403, 'not a name that is served');
    throw err;
  }
}

/** Whether `abs` is the site config file, which WebDAV hides as GET does. */
export function isConfigFile(d: DavRequest, abs: string): boolean {
  return d.configFile !== null && abs === d.configFile;
}

/**
 * The gate of every write: 405 when uploads are off (read-only), 403 from another origin's page or outside the
 * upload folder (`root` allows the upload folder itself, which LOCK and PROPPATCH may name but nothing may
 * delete or replace).
 */
export function writable(d: DavRequest, segments: readonly string[], root = false): d is DavWrite {
  if (!d.upload || !d.uploads) throw new HttpError(405, 'read-only');
  if (isCrossOrigin(d.req)) throw new HttpError(403, 'a write from another origin');
  if (!insideArea(d.upload.folder, segments)) throw new HttpError(403, 'outside the upload folder');
  if (!root && segments.length <= d.upload.folder.length) throw new HttpError(403, 'the upload folder itself');
  return true;
}

/** A request header as one string (repeated ones joined with `, `), or `undefined`. */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The `Depth` header: `0`, `1`, `infinity`, or `fallback` when absent; anything else is 400. */
export function depthOf(req: IncomingMessage, fallback: '0' | '1' | 'infinity'): '0' | '1' | 'infinity' {
  const value = headerOf(req, 'depth');
  if (value === undefined) return fallback;
  const v = value.trim().toLowerCase();
  if (v === '0' || v === '1' || v === 'infinity') return v;
  throw new HttpError(400, 'bad Depth header');
}

/** Largest XML body read (PROPFIND, PROPPATCH, LOCK). */
export const MAX_XML_BYTES = 1024 * 1024;

/** Whether the request has a body (a Content-Length above 0, or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** The request's XML body, parsed; `null` when it is empty. 413 above {@link MAX_XML_BYTES}, 400 when malformed. */
export async function readXml(req: IncomingMessage): Promise<XmlElement | null> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_XML_BYTES) throw new HttpError(413, 'XML body too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_XML_BYTES) throw new HttpError(413, 'XML body too large');
    chunks.push(chunk);
  }
  if (!req.complete) throw new HttpError(400, 'the body was cut short');
  if (size === 0) return null;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new HttpError(400, 'the body is not UTF-8');
  }
  if (text.trim() === '') return null;
  try {
    return parseXml(text);
  } catch (err) {
    if (err instanceof XmlError) throw new HttpError(400, `malformed XML: ${err.message}`);
    throw err;
  }
}

/** An answer without a body (201, 204…). */
export function answerEmpty(res: ServerResponse, status: number, headers: Readonly<Record<string, string>> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Length', '0');
  res.statusCode = status;
  res.end();
}
