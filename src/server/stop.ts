import type http from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import type { ConnectionTracker } from './connections.js';

/** Responses in progress on a server, and a way to wait until there are none. */
export class InFlight {
  #count = 0;
  #waiters: (() => void)[] = [];

  start(): void {
    this.#count++;
  }

  end(): void {
    if (--this.#count > 0) return;
    for (const done of this.#waiters.splice(0)) done();
  }

  /** Resolves when no response is in progress. */
  idle(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((done) => this.#waiters.push(done));
  }
}

/**
 * The graceful stop: stop accepting at once, close idle connections (HTTP/2 sessions get GOAWAY and end
 * after their streams), let in-flight responses finish within `graceMs`, then close every connection.
 * Resolves when every socket has closed.
 */
export function stopGracefully(
  server: http.Server | Http2SecureServer,
  tracker: ConnectionTracker,
  inFlight: InFlight,
  graceMs: number,
): Promise<void> {
  return new Promise<void>((resolve) => {
    // The server's close callback runs as soon as the last socket is destroyed, before the sockets'
    // own 'close' events: wait for those too, so `connections` is 0 once this resolves.
    server.close(() => void tracker.allClosed().then(resolve));
    tracker.closeIdle();
    const grace = new Promise<void>((done) => setTimeout(done, graceMs).unref());
    void Promise.race([inFlight.idle(), grace]).then(() => tracker.destroyAll());
  });
}
