/**
 * A bounded job queue for outside programs: at most `limit` jobs run at once, at most `maxWaiting` wait
 * (more answer 503 with Retry-After), and a waiting job whose request went away leaves the queue.
 */
import { HttpError } from '../http/errors.js';

/** Thrown when the queue is full: the handler answers 503 with `Retry-After`. */
export class QueueFull extends HttpError {
  constructor(readonly retryAfterSeconds: number) {
    super(503, 'the media queue is full');
  }
}

interface Waiter {
  readonly start: () => void;
}

export class JobQueue {
  #running = 0;
  readonly #waiting: Waiter[] = [];

  constructor(
    readonly limit: number,
    readonly maxWaiting: number,
    readonly retryAfterSeconds = 2,
  ) {}

  /** Jobs running now. */
  get running(): number {
    return this.#running;
  }

  /** Jobs waiting for a slot now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Run `job` when a slot is free. Rejects with {@link QueueFull} when too many wait, and with the signal's
   * reason when it aborts before the job started (the job is then never run).
   */
  async run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.#running >= this.limit) {
      if (this.#waiting.length >= this.maxWaiting) throw new QueueFull(this.retryAfterSeconds);
      await this.#wait(signal);
    } else {
      this.#running++;
    }
    try {
      return await job();
    } finally {
      const next = this.#waiting.shift();
      if (next) next.start();
      else this.#running--;
    }
  }

  #wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const at = this.#waiting.indexOf(waiter);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }
}
