import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2SecureServer, Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { sendError } from '../respond/errors.js';
import { serveDirectory } from '../handler/index.js';
import { accessLog } from './access-log.js';
import { ConnectionTracker, isHttp2, type AnyRequest, type Connection } from './connections.js';
import { createGate, type Gate } from './gate.js';
import { shareExpiry, shareSigner, type ShareSigner } from './share.js';
import { answerClientErrors, createHttp1Server } from './http1.js';
import { createHttp2Server } from './http2.js';
import {
  DEFAULT_TIMEOUTS,
  type AquaSecureServerOptions,
  type AquaServerOptions,
  type RequestListener,
  type Timeouts,
  type TlsOptions,
} from './options.js';
import { InFlight, stopGracefully } from './stop.js';
import type { Logger } from '../log.js';

export { DEFAULT_TIMEOUTS } from './options.js';
export type { AquaSecureServerOptions, AquaServerOptions, RequestListener, Timeouts, TlsOptions } from './options.js';

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

type AnyResponse = ServerResponse | Http2ServerResponse;

/** What a request passes through, from arrival to the listener. */
interface RequestPath {
  readonly tracker: ConnectionTracker;
  readonly inFlight: InFlight;
  readonly gate: Gate;
  readonly listener: RequestListener;
  readonly logger: Logger | undefined;
  readonly stopping: () => boolean;
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
  // Answers behind --auth are for one user: no shared cache may store them (nginx ignores Authorization).
  // Folders served behind --auth offer share links, signed here and checked by the gate.
  const share = options.auth && !options.handler ? shareSigner(options.shareKey) : null;
  const directory = options.handler
    ? null
    : serveDirectory(options.root as string, {
        ...options,
        private: options.private || !!options.auth,
        shareToken: share ? shareTokenMaker(share) : undefined,
      });
  // An upload of many gigabytes takes longer than a request may: with uploads on, a body is bounded by the idle
  // timeout (`sendMs`) instead, unless a request timeout is given.
  const uploads = options.upload !== undefined && options.upload !== false;
  const timeouts: Timeouts = { ...DEFAULT_TIMEOUTS, ...(uploads ? { requestMs: 0 } : {}), ...options.timeouts };
  const graceMs = (options.graceSeconds ?? 10) * 1000;
  const tracker = new ConnectionTracker(options.maxConnections ?? 10_000);
  let closing: Promise<void> | null = null;
  const path: RequestPath = {
    tracker,
    inFlight: new InFlight(),
    gate: createGate({ auth: options.auth, cors: directory ? directory.cors : () => options.cors ?? false, share }),
    listener: options.handler ?? (directory as RequestListener),
    logger: options.logger,
    stopping: () => closing !== null,
  };
  const onRequest = (req: AnyRequest, res: AnyResponse): void => admit(path, req, res);
  const server = options.tls
    ? createHttp2Server({ tls: options.tls, timeouts, tracker, logger: options.logger, onRequest })
    : createHttp1Server({ timeouts, tracker, onRequest });
  answerClientErrors(server, options.logger);
  return {
    server,
    get connections() {
      return tracker.size;
    },
    listen: (port = options.port ?? 0, host = options.host) => listen(server, port, host),
    close() {
      directory?.close(); // stop watching the config file
      closing ??= stopGracefully(server, tracker, path.inFlight, graceMs);
      return closing;
    },
  };
}

/** The handler's `shareToken`: today's link for a path, valid for a week (the same all day: page ETags hold). */
function shareTokenMaker(share: ShareSigner): (segments: readonly string[], folder: boolean) => string {
  return (segments, folder) => share.sign(segments, folder, shareExpiry(Date.now() / 1000));
}

function listen(server: http.Server | Http2SecureServer, port: number, host: string | undefined): Promise<AddressInfo> {
  return new Promise<AddressInfo>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ port, host, backlog: LISTEN_BACKLOG, ipv6Only: false }, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * A request arrives: counted in flight until its response closes, logged then, and run through the
 * pipelining admission of its connection (HTTP/1.1) before the gate and the listener.
 */
function admit(path: RequestPath, req: AnyRequest, res: AnyResponse): void {
  const conn = path.tracker.of(req);
  const pipeline = conn?.pipeline ?? null;
  if (pipeline?.full) {
    if (req.socket.destroyed) return; // requests parsed from the same read, after the close
    path.logger?.warn(
      { remote: conn?.remote, pipelined: conn?.pending.size },
      'too many pipelined requests: connection closed',
    );
    return void req.socket.destroy();
  }
  const logLine = accessLog(path.logger, req, res, conn);
  path.inFlight.start();
  let ended = false;
  let handling = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    if (pipeline && handling) pipeline.release(!req.socket.destroyed);
    if (conn) {
      conn.pending.delete(end);
      // While stopping, a kept-alive connection goes as soon as its last response is done.
      if (path.stopping()) conn.closeIfIdle();
    }
    logLine?.();
    path.inFlight.end();
  };
  conn?.pending.add(end);
  res.once('close', end);
  const handle = (): boolean => {
    if (ended) return false; // the connection died while the request waited
    handling = true;
    respond(path, req, res, conn);
    return true;
  };
  if (pipeline) pipeline.admit(handle);
  else handle();
}

/** The gate's answer (503, 400, 401), or the listener. */
function respond(path: RequestPath, req: AnyRequest, res: AnyResponse, conn: Connection | undefined): void {
  const h1 = res as ServerResponse; // the listener's types; for HTTP/2 the compat object stands in
  const closeAfter = !isHttp2(req) && (path.stopping() || conn?.refused === true);
  if (closeAfter) h1.setHeader('Connection', 'close');
  const refusal = path.gate(req, conn);
  if (refusal && 'setCookie' in refusal) h1.setHeader('Set-Cookie', refusal.setCookie);
  if (!refusal || 'setCookie' in refusal) return path.listener(req as IncomingMessage, h1);
  const close = !isHttp2(req) && (closeAfter || refusal.status === 400);
  void sendError(h1, refusal.status, close ? { ...refusal.headers, Connection: 'close' } : { ...refusal.headers });
  if (refusal.status === 503 && conn?.session) conn.closeIfIdle();
}
