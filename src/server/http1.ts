import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import type { Socket } from 'node:net';
import type { Logger } from '../log.js';
import type { ConnectionTracker } from './connections.js';
import type { Timeouts } from './options.js';

/** Longest request head (request line and header fields) node:http accepts. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** Plain HTTP/1.1, with the server's timeouts; each socket becomes a tracked connection. */
export function createHttp1Server(setup: {
  readonly timeouts: Timeouts;
  readonly tracker: ConnectionTracker;
  readonly onRequest: (req: IncomingMessage, res: ServerResponse) => void;
}): http.Server {
  const { timeouts, tracker } = setup;
  const server = http.createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      connectionsCheckingInterval: Math.min(1_000, timeouts.headersMs),
      maxHeaderSize: MAX_HEADER_BYTES,
    },
    setup.onRequest,
  );
  server.keepAliveTimeout = timeouts.keepAliveMs;
  server.timeout = timeouts.sendMs;
  server.on('connection', (socket: Socket) => {
    tracker.addSocket(socket);
    tracker.trackHttp1(socket);
  });
  return server;
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
};

/**
 * A request line whose target alone passes the header limit (RFC 9112 §3: 414, not 431). node:http
 * reports one overflow for both; the bytes it failed on tell them apart when they start with the
 * request line and hold no line end yet.
 */
function isLongTarget(rawPacket: unknown): boolean {
  if (!Buffer.isBuffer(rawPacket)) return false;
  const head = rawPacket.subarray(0, MAX_HEADER_BYTES + 1024).toString('latin1');
  const lineEnd = head.indexOf('\n');
  const line = lineEnd < 0 ? head : head.slice(0, lineEnd);
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+/.test(line) && (lineEnd < 0 || lineEnd > MAX_HEADER_BYTES / 2);
}

/** The status a malformed HTTP/1.1 request gets, or null when it cannot be answered (e.g. a TLS failure). */
function statusFor(err: NodeJS.ErrnoException & { rawPacket?: unknown }): number | null {
  const code = err.code ?? '';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  if (code === 'HPE_HEADER_OVERFLOW') return isLongTarget(err.rawPacket) ? 414 : 431;
  return code.startsWith('HPE_') ? 400 : null;
}

/**
 * Answer HTTP/1.1 parse errors and timeouts with a fixed one-line answer, then close. A TLS handshake
 * failure (http2 reports it here too) cannot carry one: an HTTP answer would wait forever behind the
 * unfinished handshake.
 */
export function answerClientErrors(server: http.Server | Http2SecureServer, logger: Logger | undefined): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const status = statusFor(err);
    if (status === null || !socket.writable || socket.destroyed) return void socket.destroy();
    const reason = REASONS[status];
    logger?.debug({ code: err.code, remote: socket.remoteAddress }, 'malformed request');
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${reason.length + 1}\r\n\r\n${reason}\n`,
    );
    socket.destroySoon();
  });
}
