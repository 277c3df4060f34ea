import type { Http2ServerResponse } from 'node:http2';
import type { ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { isHttp2, type AnyRequest, type Connection } from './connections.js';

type AnyResponse = ServerResponse | Http2ServerResponse;

/** Bytes of a chunk given to `write`/`end` (a callback in its place counts nothing). */
function chunkBytes(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string')
    return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return chunk instanceof Uint8Array ? chunk.byteLength : 0;
}

/**
 * Body bytes an HTTP/2 response hands to its stream. Streams share their session's socket, so its
 * byte count says nothing about one response: the response's own `write`/`end` are counted instead.
 */
function countBody(res: Http2ServerResponse): () => number {
  let bytes = 0;
  let ending = false;
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => Http2ServerResponse;
  res.write = ((...args: unknown[]) => {
    if (!ending) bytes += chunkBytes(args[0], args[1]);
    return write(...args);
  }) as Http2ServerResponse['write'];
  // end(chunk) hands its chunk to write() itself (node's compat layer): counted here once, not again there.
  res.end = ((...args: unknown[]) => {
    bytes += chunkBytes(args[0], args[1]);
    ending = true;
    try {
      return end(...args);
    } finally {
      ending = false;
    }
  }) as Http2ServerResponse['end'];
  return () => bytes;
}

/**
 * The access log: one line per response when it ends — method, URL, status, bytes, ms, remote address
 * and `proto: 'h2'` for HTTP/2 — at `info`, or at `warn` as `aborted` when the client left before the
 * end. HTTP/1.1 bytes are those the socket sent for it (head and body); HTTP/2 bytes are the body's.
 * Returns what to call when the response ends, or null when `info` is off.
 */
export function accessLog(
  logger: Logger | undefined,
  req: AnyRequest,
  res: AnyResponse,
  conn: Connection | undefined,
): (() => void) | null {
  if (!logger?.isLevelEnabled('info')) return null;
  const started = process.hrtime.bigint();
  const remote = conn?.remote ?? req.socket?.remoteAddress;
  let bytes: () => number;
  if (isHttp2(req)) {
    bytes = countBody(res as Http2ServerResponse);
  } else {
    const socket = req.socket;
    const before = socket.bytesWritten;
    bytes = () => socket.bytesWritten - before;
  }
  return () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const line = {
      method: req.method,
      url: req.url,
      status: res.statusCode,
      bytes: bytes(),
      ms: Math.round(ms * 10) / 10,
      remote,
      proto: isHttp2(req) ? 'h2' : undefined,
    };
    if (res.writableFinished) logger.info(line, 'response');
    else logger.warn(line, 'aborted');
  };
}
