import http2, {
  constants,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../log.js';
import type { ConnectionTracker } from './connections.js';
import type { Timeouts, TlsOptions } from './options.js';

/** Streams a client may have open at once on one session (SETTINGS_MAX_CONCURRENT_STREAMS). */
const MAX_CONCURRENT_STREAMS = 128;
/**
 * Streams a client may reset before their answer ends (rapid reset, CVE-2023-44487), as a budget that
 * refills: a browser that leaves a page of thumbnails cancels at most MAX_CONCURRENT_STREAMS at once, a
 * player that seeks one at a time. Streams reset in the very read that opened them (before any handler
 * could run: the attack's signature) have a much smaller budget. Past either, the session gets GOAWAY
 * (ENHANCE_YOUR_CALM) and is closed.
 */
const RESETS = { burst: MAX_CONCURRENT_STREAMS, perSecond: 20 } as const;
const INSTANT_RESETS = { burst: 16, perSecond: 4 } as const;

type Http2Listener = (req: Http2ServerRequest, res: Http2ServerResponse) => void;

interface Http2Setup {
  readonly tls: TlsOptions;
  readonly timeouts: Timeouts;
  readonly tracker: ConnectionTracker;
  readonly logger: Logger | undefined;
  readonly onRequest: Http2Listener;
}

/**
 * HTTPS: HTTP/2 with HTTP/1.1 by ALPN. A socket that negotiated `h2` becomes a connection when its
 * session appears (the `session` event); any other becomes an HTTP/1.1 connection at `secureConnection`.
 * Neither depends on the order in which node:http2's own listeners run.
 */
export function createHttp2Server(setup: Http2Setup): Http2SecureServer {
  const { timeouts, tracker, logger } = setup;
  const server = http2.createSecureServer(
    {
      cert: setup.tls.cert,
      key: setup.tls.key,
      allowHTTP1: true,
      handshakeTimeout: timeouts.headersMs,
      settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS },
    },
    (req, res) => deferUntilNotReset(req, res, setup.onRequest),
  );
  configureHttp1(server, timeouts);
  server.setTimeout(timeouts.sendMs);
  server.on('connection', (socket: TLSSocket) => tracker.addSocket(socket));
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol !== 'h2') tracker.trackHttp1(socket);
  });
  server.on('session', (session: Http2Session) => {
    tracker.trackHttp2(session);
    guardSession(session, timeouts.keepAliveMs, logger);
  });
  server.on('sessionError', (err: Error) => logger?.debug({ err: err.message }, 'http2 session error'));
  server.on('tlsClientError', (err: Error) => logger?.debug({ err: err.message }, 'tls handshake failed'));
  return server;
}

/** HTTP/1.1 over TLS is served by node:http's machinery, configured through these fields. */
function configureHttp1(server: Http2SecureServer, timeouts: Timeouts): void {
  const fields = server as unknown as {
    headersTimeout: number;
    requestTimeout: number;
    keepAliveTimeout: number;
    connectionsCheckingInterval: number;
  };
  fields.connectionsCheckingInterval = Math.min(1_000, timeouts.headersMs);
  fields.headersTimeout = timeouts.headersMs;
  fields.requestTimeout = timeouts.requestMs;
  fields.keepAliveTimeout = timeouts.keepAliveMs;
}

/**
 * Run the handler for an HTTP/2 request once the frames read with it are processed: a stream opened
 * and reset in the same read (a rapid reset) is then already closed and costs no file-system work.
 * HTTP/1.1 requests of an `allowHTTP1` server run at once.
 */
function deferUntilNotReset(req: Http2ServerRequest, res: Http2ServerResponse, run: Http2Listener): void {
  if (req.httpVersionMajor !== 2) return run(req, res);
  setImmediate(() => {
    if (!req.stream.destroyed) run(req, res);
  });
}

/**
 * Per-session limits: closed (GOAWAY) after `idleMs` with no stream open, as an HTTP/1.1 connection is
 * between requests; closed with ENHANCE_YOUR_CALM once the client has reset more streams than its budget.
 */
function guardSession(session: Http2Session, idleMs: number, logger: Logger | undefined): void {
  let open = 0;
  let idle: NodeJS.Timeout | null = null;
  const armIdle = (): void => {
    idle = setTimeout(() => {
      if (open === 0 && !session.closed) session.close();
    }, idleMs).unref();
  };
  const resets = new TokenBucket(RESETS.burst, RESETS.perSecond);
  const instantResets = new TokenBucket(INSTANT_RESETS.burst, INSTANT_RESETS.perSecond);
  const reads = new ReadCounter();
  session.on('stream', (stream) => {
    open++;
    if (idle) clearTimeout(idle);
    idle = null;
    const openedIn = reads.current();
    stream.once('aborted', () => {
      const withinBudget = resets.take() && (reads.current() !== openedIn || instantResets.take());
      if (withinBudget || session.destroyed) return;
      logger?.warn({ remote: session.socket?.remoteAddress }, 'too many reset streams: session closed');
      session.destroy(undefined, constants.NGHTTP2_ENHANCE_YOUR_CALM);
    });
    stream.once('close', () => {
      if (--open === 0 && !session.closed) armIdle();
    });
  });
  session.once('close', () => {
    if (idle) clearTimeout(idle);
  });
  armIdle();
}

/**
 * Numbers the turns of the event loop in which something asked: two events with the same number came
 * from the same read of the socket (frames are processed synchronously, one read at a time).
 */
class ReadCounter {
  #turn = 0;
  #pending = false;

  current(): number {
    if (!this.#pending) {
      this.#pending = true;
      setImmediate(() => {
        this.#turn++;
        this.#pending = false;
      });
    }
    return this.#turn;
  }
}

/** A budget of `burst` events that refills at `perSecond`. */
class TokenBucket {
  #tokens: number;
  #at = performance.now();
  readonly #burst: number;
  readonly #perMs: number;

  constructor(burst: number, perSecond: number) {
    this.#burst = burst;
    this.#tokens = burst;
    this.#perMs = perSecond / 1000;
  }

  /** Spend one; false when none is left. */
  take(): boolean {
    const now = performance.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perMs);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }
}
