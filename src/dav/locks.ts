/**
 * WebDAV write locks (RFC 4918 §6–7), kept in memory: exclusive and shared, depth 0 or infinity, with timeouts.
 * A lock is known by its token (`opaquelocktoken:<uuid>`) and the path it was taken on; paths are keys of
 * decoded segments (`/a/b`), so an ancestor's depth-infinity lock covers everything below it. Bounded: at most
 * {@link MAX_LOCKS}; expired locks are dropped when the store is next used.
 */
import { randomUUID } from 'node:crypto';
import { HttpError } from '../http/errors.js';

export type LockScope = 'exclusive' | 'shared';
export type LockDepth = '0' | 'infinity';

export interface Lock {
  readonly token: string;
  /** The path key of the lock root (see {@link pathKey}). */
  readonly key: string;
  readonly segments: readonly string[];
  /** The lock root's URL path below the mount, percent-encoded (`/a%20b/`), for `DAV:lockroot`. */
  readonly href: string;
  readonly depth: LockDepth;
  readonly scope: LockScope;
  /** The `DAV:owner` element the client sent, serialized, or `''`. */
  readonly owner: string;
  timeoutSeconds: number;
  expiresMs: number;
}

export const MAX_LOCKS = 10_000;
/** Longest timeout granted, and the one given when the client asks for none or `Infinite`. */
export const MAX_TIMEOUT_SECONDS = 86_400;
export const DEFAULT_TIMEOUT_SECONDS = 3_600;

/** The key of a path: `/` and its segments (`/a/b`); `/` for the root. */
export function pathKey(segments: readonly string[]): string {
  return '/' + segments.join('/');
}

/** Whether path key `inner` is `outer` or below it. */
export function isWithin(outer: string, inner: string): boolean {
  return inner === outer || inner.startsWith(outer === '/' ? '/' : outer + '/');
}

/** The `Timeout` header (`Second-3600`, `Infinite`, a list of them): the first one we can honour, capped. */
export function parseTimeout(value: string | undefined): number {
  for (const part of (value ?? '').split(',')) {
    const m = /^\s*second-(\d{1,12})\s*$/i.exec(part);
    if (m) return Math.max(1, Math.min(Number(m[1]), MAX_TIMEOUT_SECONDS));
    if (/^\s*infinite\s*$/i.test(part)) return MAX_TIMEOUT_SECONDS;
  }
  return DEFAULT_TIMEOUT_SECONDS;
}

export class LockStore {
  readonly #locks = new Map<string, Lock>();

  constructor(private readonly now: () => number = Date.now) {}

  #live(): IterableIterator<Lock> {
    const now = this.now();
    for (const [token, lock] of this.#locks) if (lock.expiresMs <= now) this.#locks.delete(token);
    return this.#locks.values();
  }

  get(token: string): Lock | undefined {
    const lock = this.#locks.get(token);
    if (lock && lock.expiresMs <= this.now()) {
      this.#locks.delete(token);
      return undefined;
    }
    return lock;
  }

  /** Locks that apply to the path: taken on it, or on an ancestor with depth infinity. */
  covering(key: string): Lock[] {
    return [...this.#live()].filter((l) => l.key === key || (l.depth === 'infinity' && isWithin(l.key, key)));
  }

  /** Locks taken strictly below the path. */
  below(key: string): Lock[] {
    return [...this.#live()].filter((l) => l.key !== key && isWithin(key, l.key));
  }

  /** Take a new lock; 423 when it conflicts with one held, 503 when the store is full. */
  create(spec: Omit<Lock, 'token' | 'key' | 'expiresMs'>): Lock {
    const key = pathKey(spec.segments);
    const near = [...this.covering(key), ...(spec.depth === 'infinity' ? this.below(key) : [])];
    if (near.some((l) => l.scope === 'exclusive' || spec.scope === 'exclusive'))
      throw new HttpError(423, 'the resource is locked');
    if (this.#locks.size >= MAX_LOCKS) throw new HttpError(503, 'too many locks');
    const lock: Lock = {
      ...spec,
      token: `opaquelocktoken:${randomUUID()}`,
      key,
      expiresMs: this.now() + spec.timeoutSeconds * 1000,
    };
    this.#locks.set(lock.token, lock);
    return lock;
  }

  refresh(lock: Lock, timeoutSeconds: number): void {
    lock.timeoutSeconds = timeoutSeconds;
    lock.expiresMs = this.now() + timeoutSeconds * 1000;
  }

  remove(token: string): boolean {
    return this.#locks.delete(token);
  }

  /** Drop every lock on the path and below it (the resource was deleted or moved away). */
  removeWithin(key: string): void {
    for (const [token, lock] of this.#locks) if (isWithin(key, lock.key)) this.#locks.delete(token);
  }
}
