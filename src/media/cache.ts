/**
 * The media cache on disk: thumbnails, probes, HLS segments and subtitles, in a folder outside the served
 * tree (XDG cache by default), one sub-folder per source file identity (real path, device, inode, size,
 * mtime): a changed file gets new entries. Bounded in size (least recently used files go first); on start,
 * folders whose file is gone or changed are removed. Each product is made once however many requests want
 * it at once, and the work is aborted when the last of them went away.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HttpError } from '../http/errors.js';
import type { Logger } from '../log.js';

/** What a cached product is made from: a file inside the root, as stat'ed for this request. */
export interface SourceFile {
  /** Real path (inside the root). */
  readonly abs: string;
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

/** `$XDG_CACHE_HOME/aqua-serve`, else `~/.cache/aqua-serve`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'aqua-serve');
}

/** The folder name of a source's entries: a hash of its path and identity. */
export function sourceKey(source: SourceFile): string {
  const id = `${source.abs}\0${source.dev}:${source.ino}:${source.size}:${source.mtimeMs}`;
  return createHash('sha256').update(id).digest('hex').slice(0, 32);
}

/** The layout version: a new layout starts in a new folder, and the old one is swept away. */
const LAYOUT = 'media-v1';
const SOURCE_JSON = 'source.json';

interface Used {
  bytes: number;
  usedMs: number;
}

/** Making a product: write it to `file` (a temporary name), resolve `true` when it is there. */
export type Maker = (file: string, signal: AbortSignal) => Promise<boolean>;

interface InFlight {
  readonly result: Promise<Buffer | null>;
  readonly controller: AbortController;
  users: number;
}

export class MediaCache {
  readonly #root: string;
  readonly #used = new Map<string, Used>();
  readonly #inFlight = new Map<string, InFlight>();
  #bytes = 0;
  #ready: Promise<void> | null = null;

  constructor(
    dir: string,
    readonly maxBytes: number,
    readonly logger: Logger | null = null,
  ) {
    this.#root = path.join(path.resolve(dir), LAYOUT);
  }

  /** The folder the entries are in. */
  get dir(): string {
    return this.#root;
  }

  /** Bytes the cache holds now (as far as it knows). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Create the folder and sweep it (once; every other method waits for it). */
  start(): Promise<void> {
    this.#ready ??= this.#sweep().catch((err: unknown) => {
      this.logger?.warn({ err, dir: this.#root }, 'media cache: sweep failed');
    });
    return this.#ready;
  }

  /** The product `name` of `source` if it is cached, else `null`. */
  async get(source: SourceFile, name: string): Promise<Buffer | null> {
    await this.start();
    const file = this.#file(source, name);
    try {
      const bytes = await readFile(file);
      this.#touch(file, bytes.length);
      return bytes;
    } catch {
      return null;
    }
  }

  /**
   * The product `name` of `source`: from the cache, or made by `make` (once for all who ask at the same time)
   * and kept. `null` when it cannot be made. `signal` is this caller's: the work is aborted when every caller
   * that waits for it has gone.
   */
  async produce(source: SourceFile, name: string, make: Maker, signal?: AbortSignal): Promise<Buffer | null> {
    const hit = await this.get(source, name);
    if (hit) return hit;
    const file = this.#file(source, name);
    let flight = this.#inFlight.get(file);
    // A flight whose callers all left is being aborted: a caller arriving now (the player asked again after
    // cancelling, as hls.js does on a seek) starts a new one rather than sharing its failure.
    if (!flight || flight.controller.signal.aborted) {
      const controller = new AbortController();
      const result = this.#make(source, file, make, controller.signal).finally(() => {
        if (this.#inFlight.get(file) === created) this.#inFlight.delete(file);
      });
      const created: InFlight = { result, controller, users: 0 };
      flight = created;
      this.#inFlight.set(file, flight);
    }
    return this.#await(flight, signal);
  }

  async #await(flight: InFlight, signal: AbortSignal | undefined): Promise<Buffer | null> {
    flight.users++;
    const leave = (): void => {
      flight.users--;
      if (flight.users === 0) flight.controller.abort();
    };
    if (signal?.aborted) {
      leave();
      return null;
    }
    signal?.addEventListener('abort', leave, { once: true });
    try {
      return await flight.result;
    } finally {
      if (!signal?.aborted) {
        signal?.removeEventListener('abort', leave);
        flight.users--;
      }
    }
  }

  async #make(source: SourceFile, file: string, make: Maker, signal: AbortSignal): Promise<Buffer | null> {
    await this.start();
    const folder = path.dirname(file);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const marker = path.join(folder, SOURCE_JSON);
    if (!this.#used.has(marker)) {
      const { abs, dev, ino, size, mtimeMs } = source;
      await writeFile(marker, JSON.stringify({ abs, dev, ino, size, mtimeMs }));
      this.#touch(marker, 200);
    }
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      if (!(await make(tmp, signal)) || signal.aborted) return null;
      const bytes = await readFile(tmp);
      if (bytes.length === 0) return null;
      await rename(tmp, file);
      this.#touch(file, bytes.length);
      await this.#evict();
      return bytes;
    } catch (err) {
      if (err instanceof HttpError) throw err; // a full queue: 503, not "cannot be made"
      if (!signal.aborted) this.logger?.debug({ err }, 'media cache: product failed');
      return null;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  #file(source: SourceFile, name: string): string {
    if (!/^[\w.-]+$/.test(name) || name.startsWith('.')) throw new Error(`bad cache entry name ${name}`);
    return path.join(this.#root, sourceKey(source), name);
  }

  #touch(file: string, bytes: number): void {
    const now = Date.now();
    const old = this.#used.get(file);
    this.#bytes += bytes - (old?.bytes ?? 0);
    this.#used.set(file, { bytes, usedMs: now });
    if (old && now - old.usedMs > 60_000) utimes(file, now / 1000, now / 1000).catch(() => {});
  }

  /** Least recently used files go until the cache is within its budget. */
  async #evict(): Promise<void> {
    if (this.#bytes <= this.maxBytes) return;
    const oldest = [...this.#used].filter(([f]) => !f.endsWith(SOURCE_JSON)).sort((a, b) => a[1].usedMs - b[1].usedMs);
    for (const [file, used] of oldest) {
      if (this.#bytes <= this.maxBytes) break;
      this.#used.delete(file);
      this.#bytes -= used.bytes;
      await rm(file, { force: true });
    }
  }

  /** On start: old layouts, temporary files and folders of files that are gone or changed go; the rest is counted. */
  async #sweep(): Promise<void> {
    await mkdir(this.#root, { recursive: true, mode: 0o700 });
    const parent = path.dirname(this.#root);
    for (const other of await readdir(parent)) {
      if (other.startsWith('media-v') && other !== LAYOUT) await rm(path.join(parent, other), { recursive: true });
    }
    for (const key of await readdir(this.#root)) {
      const folder = path.join(this.#root, key);
      if (!(await this.#stillMatches(folder))) {
        await rm(folder, { recursive: true, force: true });
        continue;
      }
      for (const name of await readdir(folder)) {
        const file = path.join(folder, name);
        if (name.endsWith('.tmp')) {
          await rm(file, { force: true });
          continue;
        }
        const s = await stat(file);
        this.#bytes += s.size;
        this.#used.set(file, { bytes: s.size, usedMs: s.mtimeMs });
      }
    }
    await this.#evict();
  }

  async #stillMatches(folder: string): Promise<boolean> {
    try {
      const recorded = JSON.parse(await readFile(path.join(folder, SOURCE_JSON), 'utf8')) as SourceFile;
      const now = await stat(recorded.abs);
      return (
        now.isFile() &&
        sourceKey({ abs: recorded.abs, dev: now.dev, ino: now.ino, size: now.size, mtimeMs: now.mtimeMs }) ===
          path.basename(folder)
      );
    } catch {
      return false;
    }
  }
}
