import type { Http2ServerRequest, Http2Session } from 'node:http2';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Pipeline } from './pipeline.js';

/**
 * One client connection: an HTTP/1.1 socket (plain or TLS), or an HTTP/2 session. Requests find
 * theirs through the documented `req.socket` (HTTP/1.1) and `req.stream.session` (HTTP/2).
 */
export interface Connection {
  /** The client's address, read when it arrived (an HTTP/2 stream no longer knows it once closed). */
  readonly remote: string | undefined;
  /** Set for an HTTP/2 connection. */
  readonly session: Http2Session | null;
  /** Over `maxConnections` when it arrived: every request on it gets a 503. */
  readonly refused: boolean;
  /**
   * What to run when each response in progress on it ends. Run for all of them when the connection
   * closes: node:http never emits `close` on a pipelined response still queued behind another.
   */
  readonly pending: Set<() => void>;
  /** Pipelined requests in admission (HTTP/1.1 only). */
  readonly pipeline: Pipeline | null;
  /** Resolves when it has closed and left the tracker. */
  readonly closed: Promise<void>;
  /** Close it now if nothing is in progress (HTTP/2: GOAWAY, then it ends after its streams). */
  closeIfIdle(): void;
  /** Close it at once. */
  destroy(): void;
}

export type AnyRequest = IncomingMessage | Http2ServerRequest;

export function isHttp2(req: AnyRequest): req is Http2ServerRequest {
  return req.httpVersionMajor === 2;
}

/**
 * Every connection of one server: counted against `maxConnections`, found again from a request, and
 * closed on stop. Every TCP socket is also kept from its first byte (a TLS socket still in its
 * handshake is no connection yet), so a stop can close it and wait for it.
 */
export class ConnectionTracker {
  readonly #all = new Set<Connection>();
  readonly #bySocket = new WeakMap<Socket, Connection>();
  readonly #bySession = new WeakMap<Http2Session, Connection>();
  readonly #sockets = new Set<Socket>();
  readonly #maxConnections: number;
  #stopping = false;

  constructor(maxConnections: number) {
    this.#maxConnections = maxConnections;
  }

  /** Connections open now. */
  get size(): number {
    return this.#all.size;
  }

  /** A TCP socket has been accepted (before any TLS handshake). */
  addSocket(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    if (this.#stopping) socket.destroySoon();
  }

  /** A socket that carries HTTP/1.1 (plain, or TLS with ALPN `http/1.1`). */
  trackHttp1(socket: Socket): Connection {
    const conn = this.#add(socket.remoteAddress, null, socket, {
      closeIfIdle: () => {
        if (conn.pending.size === 0) socket.destroySoon();
      },
      destroy: () => socket.destroy(),
    });
    this.#bySocket.set(socket, conn);
    // A refused client gets a moment to send its request and read the 503.
    if (conn.refused) socket.setTimeout(5_000, () => socket.destroy());
    if (this.#stopping) socket.destroySoon();
    return conn;
  }

  /** An HTTP/2 session (its socket negotiated `h2`). */
  trackHttp2(session: Http2Session): Connection {
    const conn = this.#add(session.socket.remoteAddress, session, session, {
      closeIfIdle: () => {
        if (!session.closed) session.close();
      },
      destroy: () => session.destroy(),
    });
    this.#bySession.set(session, conn);
    if (this.#stopping) session.close();
    return conn;
  }

  /** The connection a request came on. */
  of(req: AnyRequest): Connection | undefined {
    return isHttp2(req) ? this.#bySession.get(req.stream.session as Http2Session) : this.#bySocket.get(req.socket);
  }

  /** Stopping: close what is idle now; new sockets are closed as they come. */
  closeIdle(): void {
    this.#stopping = true;
    for (const conn of this.#all) conn.closeIfIdle();
  }

  /** Close every connection and every socket at once. */
  destroyAll(): void {
    for (const conn of this.#all) conn.destroy();
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Resolves once every socket and connection open now has closed. */
  allClosed(): Promise<void> {
    const sockets = [...this.#sockets].map((s) => new Promise((done) => s.once('close', done)));
    return Promise.all([...sockets, ...[...this.#all].map((c) => c.closed)]).then(() => undefined);
  }

  #add(
    remote: string | undefined,
    session: Http2Session | null,
    emitter: Socket | Http2Session,
    close: Pick<Connection, 'closeIfIdle' | 'destroy'>,
  ): Connection {
    const conn: Connection = {
      remote,
      session,
      refused: this.#all.size >= this.#maxConnections,
      pending: new Set(),
      pipeline: session ? null : new Pipeline(),
      closed: new Promise<void>((resolve) => emitter.once('close', () => resolve(this.#remove(conn)))),
      ...close,
    };
    this.#all.add(conn);
    return conn;
  }

  #remove(conn: Connection): void {
    this.#all.delete(conn);
    for (const end of conn.pending) end();
  }
}
