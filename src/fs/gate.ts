/**
 * A counting semaphore: at most `limit` tasks run at once; the rest wait in arrival order, urgent ones
 * (a response's first read: its client is waiting for any answer at all) ahead of the others.
 */
export class Gate {
  private running = 0;
  private readonly urgent: (() => void)[] = [];
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  async run<T>(task: () => Promise<T>, urgent = false): Promise<T> {
    if (this.running >= this.limit) {
      await new Promise<void>((resolve) => (urgent ? this.urgent : this.waiting).push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      const next = this.urgent.shift() ?? this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** Threads of Node's file-I/O pool (libuv's default is 4). */
export const POOL_SIZE = Math.max(1, Number(process.env.UV_THREADPOOL_SIZE) || 4);
