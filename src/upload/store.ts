/**
 * What a handler with uploads keeps between requests: the staging folder of its root, the uploads being
 * written to now (one request at a time each, in this process: hence one process for uploads, no --workers),
 * and the sweeper that removes abandoned staging files — once
 * at start and then periodically, on a timer that never keeps the process alive.
 */
import type { Logger } from '../log.js';
import type { UploadSettings } from './options.js';
import { stagingDir, sweepStaging } from './staging.js';

/** The longest pause between two sweeps. */
const MAX_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/** The request writing to an upload now. */
interface Holder {
  readonly abort: () => void;
  readonly released: Promise<void>;
}

export class UploadStore {
  readonly #getRoot: () => Promise<string>;
  readonly #settings: UploadSettings;
  readonly #logger: Logger | null;
  readonly #busy = new Map<string, Holder>();
  #dir: Promise<string> | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(getRoot: () => Promise<string>, settings: UploadSettings, logger: Logger | null) {
    this.#getRoot = getRoot;
    this.#settings = settings;
    this.#logger = logger;
  }

  /** The staging folder (created on first use; a failure is not cached, the root may appear later). */
  staging(): Promise<string> {
    this.#dir ??= this.#getRoot()
      .then(stagingDir)
      .catch((err: unknown) => {
        this.#dir = null;
        throw err;
      });
    return this.#dir;
  }

  /**
   * Run `task` as the only request writing to upload `id`. A request already writing to it is stopped first
   * (`abort` of the holder: its connection is destroyed, it saves what it got and lets go): a client that
   * resumes after a connection died silently must not wait for the old one to time out. `abort` is how this
   * request can be stopped in turn.
   */
  async exclusive<T>(id: string, abort: () => void, task: () => Promise<T>): Promise<T> {
    for (let holder = this.#busy.get(id); holder; holder = this.#busy.get(id)) {
      holder.abort();
      await holder.released;
    }
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.#busy.set(id, { abort, released });
    try {
      return await task();
    } finally {
      this.#busy.delete(id);
      release();
    }
  }

  /** Sweep now, then every quarter of the expiry time (at most hourly). */
  start(): void {
    void this.sweep();
    const every = Math.min(MAX_SWEEP_INTERVAL_MS, Math.max(1000, (this.#settings.expireSeconds * 1000) / 4));
    this.#timer = setInterval(() => void this.sweep(), every);
    this.#timer.unref();
  }

  /** Remove the staging files not written to within the expiry time (uploads in progress are spared). */
  async sweep(now = Date.now()): Promise<string[]> {
    try {
      const removed = await sweepStaging(await this.staging(), this.#settings.expireSeconds * 1000, now, (name) =>
        this.#busy.has(name),
      );
      if (removed.length > 0) this.#logger?.info({ files: removed.length }, 'expired uploads removed');
      return removed;
    } catch (err) {
      this.#logger?.warn({ err }, 'could not sweep the uploads staging folder');
      return [];
    }
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
