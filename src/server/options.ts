import type { IncomingMessage, ServerResponse } from 'node:http';
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
  /**
   * Time to receive a whole request, headers and body; it does not bound the response. Default 60 000, and 0
   * (none: the idle `sendMs` still applies) when uploads are on.
   */
  requestMs: number;
  /**
   * How long an idle connection stays open: HTTP/1.1 between requests, HTTP/2 with no stream open. Default 5 000.
   */
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
  /**
   * With `auth`: the secret (16 bytes or more) that signs share links, `?token=` URLs that open one file or folder
   * without the password (`--share-key <file>`; see the README's "Share links"). Default: a random key for the
   * server's life, so links stop working when it restarts.
   */
  shareKey?: string | Buffer;
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
