import net from 'node:net';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import { silentLogger, type Logger } from '../log.js';
import { LineTooLongError, splitLines } from './lines.js';

/** Options of {@link createEchoServer}; every field is optional. */
export interface EchoServerOptions {
  /** Interface to listen on (default: all interfaces, IPv6 and IPv4 where available). */
  host?: string;
  /** TCP port (default 2007); 0 takes a free port, which `listen()` reports. */
  port?: number;
  /** Seconds without traffic after which a connection is closed (default 10; fractions allowed). */
  idleTimeout?: number;
  /**
   * Longest line in bytes, its newline not counted (default 65536). A longer line gets one error line back and its
   * connection is closed.
   */
  maxLine?: number;
  /** One line per connection when it ends (default: silent). */
  logger?: Logger;
}

/** {@link EchoServerOptions} with every default applied; frozen. */
export interface ResolvedEchoServerOptions {
  readonly host: string | undefined;
  readonly port: number;
  readonly idleTimeoutMs: number;
  readonly maxLine: number;
  readonly logger: Logger;
}

/** What {@link createEchoServer} returns: a line-echo TCP server, not yet listening, and its lifecycle. */
export interface EchoServer {
  /** Starts listening; resolves to the bound address (read the port from it when you asked for 0). */
  listen(): Promise<net.AddressInfo>;
  /** Stops accepting, closes every connection, and resolves once all of them are closed. */
  close(): Promise<void>;
  /** The underlying server. */
  readonly server: net.Server;
}

export const DEFAULT_ECHO_PORT = 2007;
export const DEFAULT_IDLE_TIMEOUT_SECONDS = 10;
export const DEFAULT_MAX_LINE = 64 * 1024;

export function resolveEchoServerOptions(options: EchoServerOptions = {}): ResolvedEchoServerOptions {
  const port = options.port ?? DEFAULT_ECHO_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError('port must be an integer from 0 to 65535');
  const idleTimeout = options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_SECONDS;
  if (!Number.isFinite(idleTimeout) || idleTimeout <= 0)
    throw new RangeError('idleTimeout must be a positive number of seconds');
  const maxLine = options.maxLine ?? DEFAULT_MAX_LINE;
  if (!Number.isSafeInteger(maxLine) || maxLine < 1) throw new RangeError('maxLine must be a positive integer');
  return Object.freeze({
    host: options.host,
    port,
    idleTimeoutMs: Math.max(1, Math.round(idleTimeout * 1000)),
    maxLine,
    logger: options.logger ?? silentLogger(),
  });
}

/** Why a connection was closed from our side; each becomes the error its socket is destroyed with. */
class IdleTimeoutError extends Error {
  override readonly name = 'IdleTimeoutError';
}
class ServerClosingError extends Error {
  override readonly name = 'ServerClosingError';
}

/**
 * A line-echo TCP server: every line a client sends comes straight back, byte for byte.
 *
 * ```ts
 * const echo = createEchoServer({ port: 0 });
 * const { port } = await echo.listen();
 * // ... later
 * await echo.close();
 * ```
 */
export function createEchoServer(options: EchoServerOptions = {}): EchoServer {
  const config = resolveEchoServerOptions(options);
  const connections = new Map<net.Socket, Promise<void>>();
  // allowHalfOpen: a peer that sends its last lines and shuts down its side still gets them back.
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    const handled = echoConnection(socket, config).finally(() => connections.delete(socket));
    connections.set(socket, handled);
  });

  return {
    server,
    async listen() {
      server.listen({ host: config.host, port: config.port });
      await once(server, 'listening');
      server.on('error', (err) => config.logger.error({ err }, 'server error'));
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('echo server is not bound to a TCP address');
      return address;
    },
    async close() {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of connections.keys()) socket.destroy(new ServerClosingError('server closing'));
      await Promise.all(connections.values());
      await stopped;
    },
  };
}

/**
 * Serves one connection from start to end: echoes its lines, then logs how the connection ended.
 * Never rejects: every way a connection can end is an expected outcome here.
 */
async function echoConnection(socket: net.Socket, config: ResolvedEchoServerOptions): Promise<void> {
  const log = config.logger.child({ peer: formatHostPort(socket.remoteAddress, socket.remotePort) });
  const started = performance.now();
  const echoed = { lines: 0, bytes: 0 };
  log.debug('connected');
  socket.setTimeout(config.idleTimeoutMs, () => socket.destroy(new IdleTimeoutError('idle timeout')));
  try {
    const end = await echoLines(socket, config.maxLine, echoed);
    socket.end();
    await finished(socket); // our last bytes are flushed and the peer has closed its side
    log[end.level]({ ...echoed, ms: elapsed(started) }, end.message);
  } catch (err) {
    const end = describeError(err);
    log[end.level]({ ...echoed, ms: elapsed(started), ...end.detail }, end.message);
  } finally {
    socket.destroy();
  }
}

/**
 * Writes back each line as soon as its newline arrives, until the peer closes its side or sends a
 * line that is too long; errors of the socket (reset, idle timeout, server closing) are thrown.
 */
async function echoLines(
  socket: net.Socket,
  maxLine: number,
  echoed: { lines: number; bytes: number },
): Promise<ConnectionEnd> {
  try {
    // destroyOnReturn: false keeps the socket open when the loop ends, so we can still answer and close politely.
    for await (const line of splitLines(socket.iterator({ destroyOnReturn: false }), maxLine)) {
      await write(socket, line);
      echoed.lines += 1;
      echoed.bytes += line.length;
    }
    return { level: 'info', message: 'closed by peer', detail: {} };
  } catch (err) {
    if (!(err instanceof LineTooLongError)) throw err;
    socket.end(`error: line longer than ${maxLine} bytes\n`);
    // Discard what the peer still sends until it closes (or idles out): closing with unread data
    // would send a reset, which can destroy our error line before the peer reads it.
    socket.resume();
    return { level: 'warn', message: 'line too long', detail: {} };
  }
}

/** Writes one chunk; when the socket's buffer is full, waits for 'drain', or throws if the socket closes first. */
async function write(socket: net.Socket, chunk: Buffer): Promise<void> {
  if (socket.write(chunk)) return;
  const closed = new AbortController();
  const abort = (): void => closed.abort();
  socket.once('close', abort);
  if (socket.destroyed) abort(); // its 'close' may already be behind us
  try {
    await once(socket, 'drain', { signal: closed.signal });
  } finally {
    socket.off('close', abort);
  }
}

/** How a connection ended, as one log line. */
interface ConnectionEnd {
  level: 'info' | 'warn' | 'error';
  message: string;
  detail: { code?: string; err?: unknown };
}

/** Connections the peer or the network dropped without a clean close, by error code. */
const LOST_CONNECTION: ReadonlyMap<string, string> = new Map([
  ['ECONNRESET', 'reset by peer'],
  ['EPIPE', 'reset by peer'],
  ['ETIMEDOUT', 'connection lost'],
  ['ERR_STREAM_PREMATURE_CLOSE', 'connection lost'],
  ['ABORT_ERR', 'connection lost'],
]);

/**
 * How to log a connection that ended with an error: known causes are one plain line, anything else carries the error.
 */
function describeError(err: unknown): ConnectionEnd {
  if (err instanceof IdleTimeoutError) return { level: 'info', message: 'timeout', detail: {} };
  if (err instanceof ServerClosingError) return { level: 'info', message: 'server closing', detail: {} };
  const code = err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  const lost = code === undefined ? undefined : LOST_CONNECTION.get(code);
  if (lost !== undefined) return { level: 'warn', message: lost, detail: { code } };
  return { level: 'error', message: 'connection error', detail: { err } };
}

/** `host:port`, with an IPv6 host in brackets: `[::1]:2007`. */
export function formatHostPort(host: string | undefined, port: number | undefined): string {
  return host?.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
