import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2, {
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { basicAuth, type BasicAuth } from './auth.js';
import { sendError } from '../respond/errors.js';
import { serveDirectory } from '../handler/index.js';
import type { Logger } from '../log.js';
import type { ServeOptions } from '../handler/options.js';

/**
 * A plain `(req, res)` request listener: an Express app, a connect stack, or `serveDirectory(...)`.
 * With TLS, HTTP/2 requests reach it as `node:http2` compatibility objects (`Http2ServerRequest`,
 * `Http2ServerResponse`), which offer the members a static handler uses: method, url, headers,
 * setHeader/writeHead/write/end/destroy, `drain` and `close` events.
 */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Timeouts of the server, in milliseconds. Each is documented in the README. */
export interface Timeouts {
  /** Time to receive a request's headers (slowloris defence); also bounds a TLS handshake. Default 15 000. */
  headersMs: number;
  /** Time to receive a whole request, headers and body; it does not bound the response. Default 60 000. */
  requestMs: number;
  /** How long an idle keep-alive connection stays open between requests. Default 5 000. */
  keepAliveMs: number;
  /**
   * A connection with no byte read or written for this long is dropped, a stalled reader (`--send-timeout
   * <seconds>`). Default 300 000.
   */
  sendMs: number;
}

/** The {@link Timeouts} a server gets for those not given in {@link AquaServerOptions.timeouts}. */
export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = Object.freeze({
  headersMs: 15_000,
  requestMs: 60_000,
  keepAliveMs: 5_000,
  sendMs: 300_000,
});

/** A certificate chain and its private key, PEM. With them the server speaks HTTPS: HTTP/2, or HTTP/1.1 by ALPN. */
export interface TlsOptions {
  /** The certificate chain, PEM (`--tls-cert <file>`). */
  readonly cert: string | Buffer;
  /** Its private key, PEM (`--tls-key <file>`). */
  readonly key: string | Buffer;
}

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
  /**
   * Address `listen()` uses when called without one (`--host`). Default: all interfaces, IPv6 and IPv4 where
   * available.
   */
  host?: string;
  /** Connections beyond this get a quick 503 and are closed (`--max-connections`). Default 10 000. */
  maxConnections?: number;
  /** Seconds that in-flight responses get to finish on `close()` (`--grace`); fractions allowed. Default 10. */
  graceSeconds?: number;
  /** Server timeouts in milliseconds; those left out keep {@link DEFAULT_TIMEOUTS}. */
  timeouts?: Partial<Timeouts>;
  /** `user:password`: every request needs these HTTP Basic credentials (`--auth`). Default: no authentication. */
  auth?: string;
  /** One line per response, and failures (`--log-level`, `--log-format`; see `createLogger`). Default: silent. */
  logger?: Logger;
}

/**
 * {@link AquaServerOptions} plus a certificate: {@link createAquaServer} then serves HTTPS, HTTP/2
 * with HTTP/1.1 fallback by ALPN, through `node:http2`'s compatibility API (`--tls-cert`/`--tls-key`).
 * A `handler` then also receives HTTP/2 requests as `Http2ServerRequest`/`Http2ServerResponse`.
 */
export interface AquaSecureServerOptions extends AquaServerOptions {
  /** Certificate chain and private key, PEM. */
  tls: TlsOptions;
}

/**
 * What {@link createAquaServer} returns: the server, not yet listening, and its lifecycle. `S` is the
 * underlying server: `node:http`'s, or `node:http2`'s secure server for {@link AquaSecureServerOptions}.
 */
export interface AquaServer<S extends http.Server | Http2SecureServer = http.Server> {
  /** The underlying server. */
  readonly server: S;
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

/** Pending connections the kernel queues before `accept` (capped by `net.core.somaxconn`). */
const LISTEN_BACKLOG = 4096;

/**
 * Pipelined requests of one HTTP/1.1 connection handled at once. node:http dispatches every request
 * a client pipelines in one go, and each would open its file and buffer a chunk: thousands sent
 * without reading would cost thousands of descriptors. Further requests wait for their turn (their
 * answers could not go out earlier anyway), up to MAX_WAITING; beyond that the connection is closed.
 */
const MAX_PIPELINED = 32;
const MAX_WAITING = 1024;

/** One client connection: a TCP socket, or a TLS socket carrying HTTP/1.1 or an HTTP/2 session. */
interface Connection {
  readonly socket: Socket;
  /** Set for an HTTP/2 connection. */
  session: Http2Session | null;
  /** Over `maxConnections` when it arrived: every request on it gets a 503. */
  readonly refused: boolean;
  /**
   * What to run when each response in progress on it ends. Run for all of them when the connection
   * closes: node:http never emits `close` on a pipelined response still queued behind another.
   */
  readonly pending: Set<() => void>;
  /** Requests whose handler runs now (HTTP/1.1), at most MAX_PIPELINED. */
  running: number;
  /** Pipelined requests waiting for a handler slot (HTTP/1.1). */
  readonly waiting: (() => void)[];
}

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

function isHttp2(req: AnyRequest): req is Http2ServerRequest {
  return req.httpVersionMajor === 2;
}

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
 * @throws TypeError unless exactly one of `root` and `handler` is given; RangeError for a bad {@link ServeOptions}
 * value.
 */
export function createAquaServer(options: AquaSecureServerOptions): AquaServer<Http2SecureServer>;
export function createAquaServer(options: AquaServerOptions): AquaServer;
export function createAquaServer(
  options: AquaServerOptions & { tls?: TlsOptions },
): AquaServer<http.Server | Http2SecureServer> {
  if (!options.handler === !options.root)
    throw new TypeError('createAquaServer needs exactly one of `root` or `handler`');
  const logger = options.logger;
  const listener: RequestListener = options.handler ?? serveDirectory(options.root as string, options);
  const timeouts: Timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const maxConnections = options.maxConnections ?? 10_000;
  const graceMs = (options.graceSeconds ?? 10) * 1000;
  const auth: BasicAuth | null = options.auth ? basicAuth(options.auth) : null;
  const cors = options.cors ?? false;

  const connections = new Set<Connection>();
  const bySocket = new WeakMap<Socket, Connection>();
  const bySession = new WeakMap<Http2Session, Connection>();
  const rawSockets = new Set<Socket>();
  let inFlight = 0;
  let closing: Promise<void> | null = null;
  let idleWaiter: (() => void) | null = null;

  const connectionOf = (req: AnyRequest): Connection | undefined =>
    isHttp2(req) ? bySession.get(req.stream.session as Http2Session) : bySocket.get(req.socket);

  const onRequest = (req: AnyRequest, res: AnyResponse): void => {
    const conn = connectionOf(req);
    const h1conn = conn && !conn.session ? conn : null;
    if (h1conn && h1conn.waiting.length >= MAX_WAITING) {
      if (h1conn.socket.destroyed) return; // requests parsed from the same read, after the close
      logger?.warn(
        { remote: req.socket.remoteAddress, pipelined: h1conn.pending.size },
        'too many pipelined requests: connection closed',
      );
      return void h1conn.socket.destroy();
    }
    inFlight++;
    const started = process.hrtime.bigint();
    const socket = req.socket;
    const writtenBefore = socket.bytesWritten;
    let ended = false;
    let handling = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      inFlight--;
      if (h1conn && handling) {
        h1conn.running--;
        while (h1conn.running < MAX_PIPELINED && h1conn.waiting.length > 0 && !h1conn.socket.destroyed)
          h1conn.waiting.shift()?.();
      }
      if (conn) {
        conn.pending.delete(end);
        // While stopping, a kept-alive HTTP/1.1 connection goes as soon as its last response is done.
        if (closing && conn.pending.size === 0 && !conn.session) conn.socket.destroySoon();
      }
      if (logger?.isLevelEnabled('info'))
        logResponse(logger, req, res, started, isHttp2(req) ? null : socket.bytesWritten - writtenBefore);
      if (inFlight === 0 && idleWaiter) idleWaiter();
    };
    conn?.pending.add(end);
    res.once('close', end);
    const handle = (): void => {
      if (ended) return; // the connection died while the request waited
      handling = true;
      if (h1conn) h1conn.running++;
      respond(req, res, conn);
    };
    if (h1conn && h1conn.running >= MAX_PIPELINED) h1conn.waiting.push(handle);
    else handle();
  };

  const respond = (req: AnyRequest, res: AnyResponse, conn: Connection | undefined): void => {
    const h1 = res as ServerResponse; // the listener's types; for HTTP/2 the compat object stands in
    if ((closing || conn?.refused) && !isHttp2(req)) h1.setHeader('Connection', 'close');
    if (conn?.refused) {
      void sendError(h1, 503, isHttp2(req) ? { 'Retry-After': '1' } : { 'Retry-After': '1', Connection: 'close' });
      if (conn.session && !conn.session.closed) conn.session.close();
      return;
    }
    if (auth && !isPreflight(req, cors) && !auth.allows(req.headers.authorization)) {
      return void sendError(h1, 401, { 'WWW-Authenticate': auth.challenge });
    }
    listener(req as IncomingMessage, h1);
  };

  const track = (socket: Socket): Connection => {
    const conn: Connection = {
      socket,
      session: null,
      refused: connections.size >= maxConnections,
      pending: new Set(),
      running: 0,
      waiting: [],
    };
    connections.add(conn);
    bySocket.set(socket, conn);
    socket.once('close', () => {
      connections.delete(conn);
      for (const end of conn.pending) end();
    });
    // A refused client gets a moment to send its request and read the 503.
    if (conn.refused) socket.setTimeout(5_000, () => socket.destroy());
    if (closing) socket.destroySoon();
    return conn;
  };

  let server: http.Server | Http2SecureServer;
  if (options.tls) {
    const secure = http2.createSecureServer(
      {
        cert: options.tls.cert,
        key: options.tls.key,
        allowHTTP1: true,
        handshakeTimeout: timeouts.headersMs,
        settings: { maxConcurrentStreams: 128 },
      },
      onRequest,
    );
    // HTTP/1.1 over TLS is served by node:http's machinery, configured through these fields.
    const h1Fields = secure as unknown as {
      headersTimeout: number;
      requestTimeout: number;
      keepAliveTimeout: number;
      connectionsCheckingInterval: number;
    };
    h1Fields.connectionsCheckingInterval = Math.min(1_000, timeouts.headersMs);
    h1Fields.headersTimeout = timeouts.headersMs;
    h1Fields.requestTimeout = timeouts.requestMs;
    h1Fields.keepAliveTimeout = timeouts.keepAliveMs;
    secure.setTimeout(timeouts.sendMs);
    // Runs before http2's own listener, which creates the session (and emits 'session') synchronously.
    let arriving: Connection | null = null;
    secure.prependListener('secureConnection', (socket: TLSSocket) => {
      arriving = track(socket);
    });
    secure.on('session', (session: Http2Session) => {
      if (!arriving) return;
      arriving.session = session;
      bySession.set(session, arriving);
      arriving = null;
      if (closing) session.close();
    });
    secure.on('secureConnection', () => {
      arriving = null;
    });
    // Every TCP socket, also those still in their TLS handshake (not yet a Connection): closed on stop.
    secure.on('connection', (raw: Socket) => {
      rawSockets.add(raw);
      raw.once('close', () => rawSockets.delete(raw));
    });
    secure.on('sessionError', (err: Error) => logger?.debug({ err: err.message }, 'http2 session error'));
    secure.on('tlsClientError', (err: Error) => logger?.debug({ err: err.message }, 'tls handshake failed'));
    server = secure;
  } else {
    const plain = http.createServer(
      {
        headersTimeout: timeouts.headersMs,
        requestTimeout: timeouts.requestMs,
        keepAliveTimeout: timeouts.keepAliveMs,
        connectionsCheckingInterval: Math.min(1_000, timeouts.headersMs),
        maxHeaderSize: 16 * 1024,
      },
      onRequest,
    );
    plain.keepAliveTimeout = timeouts.keepAliveMs;
    plain.timeout = timeouts.sendMs;
    plain.on('connection', (socket: Socket) => void track(socket));
    server = plain;
  }

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // Only HTTP/1.1 parse errors and timeouts get an answer. A TLS handshake failure (http2 reports it
    // here too) cannot carry one: an HTTP answer would wait forever behind the unfinished handshake.
    const code = err.code ?? '';
    const answerable = code.startsWith('HPE_') || code === 'ERR_HTTP_REQUEST_TIMEOUT';
    if (!answerable || !socket.writable || socket.destroyed) return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const reason =
      status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request';
    logger?.debug({ code: err.code, remote: socket.remoteAddress }, 'malformed request');
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${reason.length + 1}\r\n\r\n${reason}\n`,
    );
    socket.destroySoon();
  });

  /**
   * Close what is idle now: HTTP/1.1 connections between requests; HTTP/2 sessions get GOAWAY and end after their
   * streams.
   */
  const closeIdle = (): void => {
    for (const conn of connections) {
      if (conn.session) {
        if (!conn.session.closed) conn.session.close();
      } else if (conn.pending.size === 0) {
        conn.socket.destroySoon();
      }
    }
  };

  return {
    server,
    get connections() {
      return connections.size;
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
        // A socket leaves `connections`/`rawSockets` on its 'close' event, so each one still there has it to come.
        server.close(() => {
          const open = [...connections].map((c) => c.socket).concat([...rawSockets]);
          void Promise.all(open.map((s) => new Promise((done) => s.once('close', done)))).then(() => resolve());
        });
        closeIdle();
        const drained = new Promise<void>((done) => {
          if (inFlight === 0) return done();
          idleWaiter = done;
        });
        const grace = new Promise<void>((done) => setTimeout(done, graceMs).unref());
        void Promise.race([drained, grace]).then(() => {
          for (const conn of connections) conn.socket.destroy();
          for (const raw of rawSockets) raw.destroy();
        });
      });
      return closing;
    },
  };
}

/** A CORS preflight (browsers send it without credentials), let through when `--cors` is on. */
function isPreflight(req: AnyRequest, cors: boolean): boolean {
  return cors && req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
}

function logResponse(logger: Logger, req: AnyRequest, res: AnyResponse, started: bigint, bytes: number | null): void {
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const line = {
    method: req.method,
    url: req.url,
    status: res.statusCode,
    bytes,
    ms: Math.round(ms * 10) / 10,
    remote: req.socket?.remoteAddress,
    proto: isHttp2(req) ? 'h2' : undefined,
  };
  if (res.writableFinished) logger.info(line, 'response');
  else logger.warn(line, 'aborted');
}
