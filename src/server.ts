import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { sendError } from './errors.js';
import { serveDirectory } from './handler.js';
import type { Logger } from './log.js';
import type { ServeOptions } from './options.js';

/** A plain `(req, res)` request listener: an Express app, a connect stack, or `serveDirectory(...)`. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Timeouts of the server, in milliseconds. Each is documented in the README. */
export interface Timeouts {
  /** Time to receive a request's headers (slowloris defence). Default 15 000. */
  headersMs: number;
  /** Time to receive a whole request, headers and body; it does not bound the response. Default 60 000. */
  requestMs: number;
  /** How long an idle keep-alive connection stays open between requests. Default 5 000. */
  keepAliveMs: number;
  /** A connection with no byte read or written for this long is dropped, a stalled reader (`--send-timeout <seconds>`). Default 300 000. */
  sendMs: number;
}

/** The {@link Timeouts} a server gets for those not given in {@link AquaServerOptions.timeouts}. */
export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = Object.freeze({
  headersMs: 15_000,
  requestMs: 60_000,
  keepAliveMs: 5_000,
  sendMs: 300_000,
});

/**
 * Options of {@link createAquaServer}: exactly one of `root` (serve a folder, as the CLI does) or
 * `handler` (run any request listener), plus the server's own settings. Like the CLI flags they
 * mirror, every field but `root`/`handler` is optional. With `root`, the {@link ServeOptions}
 * fields set the directory handler's policy; with `handler` they are ignored.
 */
export interface AquaServerOptions extends ServeOptions {
  /** Serve this folder, as the CLI does (the CLI's `[root]` argument). */
  root?: string;
  /** Or run any request listener on aqua's server (timeouts, logging, connection limit, graceful close). */
  handler?: RequestListener;
  /** Port `listen()` uses when called without one (`--port`). Default 0: any free port. */
  port?: number;
  /** Address `listen()` uses when called without one (`--host`). Default: all interfaces, IPv6 and IPv4 where available. */
  host?: string;
  /** Connections beyond this get a quick 503 and are closed (`--max-connections`). Default 10 000. */
  maxConnections?: number;
  /** Seconds that in-flight responses get to finish on `close()` (`--grace`); fractions allowed. Default 10. */
  graceSeconds?: number;
  /** Server timeouts in milliseconds; those left out keep {@link DEFAULT_TIMEOUTS}. */
  timeouts?: Partial<Timeouts>;
  /** One line per response, and failures (`--log-level`, `--log-format`; see `createLogger`). Default: silent. */
  logger?: Logger;
}

/** What {@link createAquaServer} returns: the server, not yet listening, and its lifecycle. */
export interface AquaServer {
  /** The underlying `node:http` server. */
  readonly server: http.Server;
  /**
   * Start listening on `port` and `host` (default: those of the options); resolves to the bound
   * address (`port` 0 gives the free port picked). Rejects with the system error, e.g. `EADDRINUSE`.
   */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /**
   * Stop accepting connections at once, close idle keep-alive connections, let in-flight responses
   * finish within `graceSeconds`, then close every connection. Resolves when all are closed; calling
   * it again returns the same promise.
   */
  close(): Promise<void>;
  /** Open connections right now. */
  readonly connections: number;
}

const LISTEN_BACKLOG = 4096;

/**
 * An HTTP server for a folder (`root`) or for any request handler (`handler`: an Express app, a
 * connect stack), with aqua's timeouts, per-response logging, connection limit and graceful close.
 * The CLI is this plus flag parsing and signal handling. Nothing listens until `listen()`.
 *
 * ```ts
 * const aqua = createAquaServer({ root: './public' });
 * const { port } = await aqua.listen(8080);
 * // later
 * await aqua.close();
 *
 * createAquaServer({ handler: expressApp, graceSeconds: 5 });
 * ```
 *
 * @throws TypeError unless exactly one of `root` and `handler` is given; RangeError for a bad {@link ServeOptions} value.
 */
export function createAquaServer(options: AquaServerOptions): AquaServer {
  if (!options.handler === !options.root) throw new TypeError('createAquaServer needs exactly one of `root` or `handler`');
  const logger = options.logger;
  const listener: RequestListener = options.handler ?? serveDirectory(options.root as string, options);
  const timeouts: Timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const maxConnections = options.maxConnections ?? 10_000;
  const graceMs = (options.graceSeconds ?? 10) * 1000;

  const sockets = new Set<Socket>();
  const refused = new WeakSet<Socket>();
  let inFlight = 0;
  let closing: Promise<void> | null = null;
  let idleWaiter: (() => void) | null = null;

  const server = http.createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      connectionsCheckingInterval: Math.min(1_000, timeouts.headersMs),
      maxHeaderSize: 16 * 1024,
    },
    (req, res) => {
      inFlight++;
      const started = process.hrtime.bigint();
      const socket = req.socket;
      const writtenBefore = socket.bytesWritten;
      res.once('close', () => {
        inFlight--;
        if (logger?.isLevelEnabled('info')) logResponse(logger, req, res, started, socket.bytesWritten - writtenBefore);
        if (inFlight === 0 && idleWaiter) idleWaiter();
      });
      if (closing) res.setHeader('Connection', 'close');
      if (refused.has(socket)) {
        res.setHeader('Connection', 'close');
        return sendError(res, 503, { 'Retry-After': '1' });
      }
      listener(req, res);
    },
  );
  server.keepAliveTimeout = timeouts.keepAliveMs;
  server.timeout = timeouts.sendMs;

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (sockets.size > maxConnections) {
      refused.add(socket);
      socket.setTimeout(5_000); // a refused client gets a moment to send its request and read the 503
    }
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || socket.destroyed) return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const reason = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
    logger?.debug({ code: err.code, remote: socket.remoteAddress }, 'malformed request');
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${reason.length + 1}\r\n\r\n${reason}\n`);
    socket.destroySoon();
  });

  return {
    server,
    get connections() {
      return sockets.size;
    },
    listen(port = options.port ?? 0, host = options.host) {
      return new Promise<AddressInfo>((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        server.once('error', onError);
        server.listen({ port, host, backlog: LISTEN_BACKLOG, ipv6Only: false }, () => {
          server.off('error', onError);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        // The server's close callback runs as soon as the last socket is destroyed, before the
        // sockets' own 'close' events: wait for those too, so `connections` is 0 once this resolves.
        server.close(() => void Promise.all([...sockets].map((s) => new Promise((done) => s.once('close', done)))).then(() => resolve()));
        server.closeIdleConnections();
        const drained = new Promise<void>((done) => {
          if (inFlight === 0) return done();
          idleWaiter = done;
        });
        const grace = new Promise<void>((done) => setTimeout(done, graceMs).unref());
        void Promise.race([drained, grace]).then(() => {
          server.closeIdleConnections();
          for (const socket of sockets) socket.destroy();
        });
      });
      return closing;
    },
  };
}

function logResponse(logger: Logger, req: IncomingMessage, res: ServerResponse, started: bigint, bytes: number): void {
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const line = {
    method: req.method,
    url: req.url,
    status: res.statusCode,
    bytes,
    ms: Math.round(ms * 10) / 10,
    remote: req.socket.remoteAddress,
  };
  if (res.writableFinished) logger.info(line, 'response');
  else logger.warn(line, 'aborted');
}
