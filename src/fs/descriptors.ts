/**
 * The process's file descriptors are one budget shared by sockets and files (RLIMIT_NOFILE). Stalled
 * downloads each hold a socket and a file; enough of them and `accept()` fails, so new clients are
 * closed without a word. This budget keeps files to a share of the limit (a third), leaving the rest to
 * connections: past it, the file of the download that has waited longest on its client is closed (the
 * download opens it again when the client reads on, checking it is still the same file), and when no
 * download is idle a new request gets a quick 503 with Retry-After instead.
 */
import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { HttpError } from '../http/errors.js';

/** Something holding a descriptor that it can give back while it waits (a download's file). */
export interface Holder {
  /** A read is in flight on the descriptor: it is not taken now. */
  readonly busy: boolean;
  /**
   * Give the descriptor back now; the holder opens it again when it needs it. False when that did not close it
   * (other downloads share it).
   */
  release(): boolean;
}

/** A file this small is read in one go and its descriptor closed at once: it is never refused for lack of one. */
export const BRIEF_BYTES = 64 * 1024;

/** A holder unused for this long may have its descriptor taken back (its client is not reading). */
const IDLE_MS = 1_000;

export class DescriptorBudget {
  private count = 0;
  /** Holders by last use, oldest first (a touch moves one to the end). */
  private readonly holders = new Map<Holder, number>();

  constructor(readonly limit: number) {}

  /** File descriptors open now (counted from open to close). */
  get inUse(): number {
    return this.count;
  }

  /** Count a descriptor just opened; it is uncounted when it closes, whoever closes it. */
  track(fh: FileHandle): FileHandle {
    this.count++;
    // A FileHandle is an EventEmitter at run time (Node >= 15.4); @types/node does not say so.
    (fh as unknown as EventEmitter).once('close', () => this.count--);
    return fh;
  }

  /**
   * Make room for one more descriptor: under the limit, nothing to do; at it, the longest-idle holder
   * gives its descriptor back. If none is idle, a new request is refused (503) while a running download
   * that needs its file back (`resume`) goes over the limit rather than fail — and so does a new request
   * for a file of at most {@link BRIEF_BYTES} (`size`, when known): its socket takes it whole at once, so
   * its descriptor is closed as soon as it was read, and a small page stays answerable under the attack.
   */
  admit(kind: 'new' | 'resume', size?: number): void {
    if (this.count < this.limit || this.reclaimOne()) return;
    if (kind === 'new' && !(size !== undefined && size <= BRIEF_BYTES))
      throw new HttpError(503, 'file descriptor budget exhausted');
  }

  /** The holder used its descriptor just now. */
  touch(holder: Holder): void {
    this.holders.delete(holder);
    this.holders.set(holder, Date.now());
  }

  /** The holder no longer has a descriptor. */
  drop(holder: Holder): void {
    this.holders.delete(holder);
  }

  private reclaimOne(): boolean {
    const now = Date.now();
    let skipped = 0;
    for (const [holder, lastUsed] of this.holders) {
      if (now - lastUsed < IDLE_MS) return false; // in order: every later one is younger
      if (holder.busy) {
        if (++skipped > 64) return false;
        continue;
      }
      this.holders.delete(holder);
      if (holder.release()) return true;
    }
    return false;
  }
}

/** The soft RLIMIT_NOFILE of this process (Node raises it to the hard limit at start-up), or `null`. */
export function openFilesLimit(limits = '/proc/self/limits'): number | null {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync(limits, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Files may take a third of the descriptors (at least 32); without /proc, assume 1024. */
export const descriptors = new DescriptorBudget(Math.max(32, Math.floor((openFilesLimit() ?? 1024) / 3)));
