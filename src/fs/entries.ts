import { opendir, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { fsPath, hasRawBytes, nameFromBytes, STAGING_NAME } from './names.js';
import { isInside } from './resolve.js';

/** One row of a folder listing: what both renderers (HTML and JSON) are made from. */
export interface Entry {
  readonly name: string;
  readonly type: 'file' | 'directory';
  /** Bytes for a file; 0 for a folder. */
  readonly size: number;
  readonly mtimeMs: number;
}

/** A folder listing as the renderers see it. */
export interface Listing {
  /** Mount prefix without a trailing slash (`''` at the top level, `/media` under Express). */
  readonly base: string;
  /** Decoded folder path relative to the mount, with leading and trailing slash (`/sub dir/`). */
  readonly path: string;
  /** Entries in display order. */
  readonly entries: readonly Entry[];
}

/**
 * The file-system calls a listing makes, all asynchronous (through libuv's thread pool): a test can
 * pass a double that adds latency, as a slow disk or a network mount would.
 */
export interface FolderFs {
  /** A folder's entries; with `buffer`, names are the exact bytes (for names that are not UTF-8). */
  opendir(dir: string, buffer: boolean): Promise<AsyncIterable<FolderDirent>>;
  /** `fs.promises.stat` of an entry (links followed): its type, size and modification time for the row. */
  stat(file: string): Promise<Stats>;
  /** `fs.promises.realpath` of a symlink, to tell whether it leads outside the root. */
  realpath(file: string): Promise<string>;
}

/** What `opendir` yields per entry. */
export interface FolderDirent {
  /** The entry's name: text, or its exact bytes when `opendir` was asked for buffers. */
  readonly name: string | Buffer;
  /** A regular file, by the directory entry's type. */
  isFile(): boolean;
  /** A folder, by the directory entry's type. */
  isDirectory(): boolean;
  /** A symlink (what it points to is stat'ed later). */
  isSymbolicLink(): boolean;
}

/** The real file system; paths go through `fsPath`, so names that are not UTF-8 reach their exact bytes. */
export const NODE_FS: FolderFs = {
  opendir: (dir, buffer) =>
    opendir(fsPath(dir) as string, { bufferSize: 1024, encoding: buffer ? 'buffer' : 'utf8' } as object) as Promise<
      AsyncIterable<FolderDirent>
    >,
  stat: (file) => stat(fsPath(file)),
  realpath: async (file) => nameFromBytes(await realpath(fsPath(file), { encoding: 'buffer' })),
};

export interface ReadEntriesOptions {
  /** Root of the served tree (a real path): symlinks leading outside it are left out unless followed. */
  readonly root: string;
  readonly dotfiles: boolean;
  readonly followSymlinks: boolean;
  /** Defaults to {@link NODE_FS}. */
  readonly fs?: FolderFs;
  /** Told of each listed name that is not valid UTF-8 (it is listed and served all the same; see names.ts). */
  readonly onRawName?: (name: string) => void;
}

/** A folder's entry known by its name and directory-entry type alone (no stat yet). */
export interface NamedEntry {
  readonly name: string;
  /** What the directory entry says; a symlink's target is only known once it is stat'ed. */
  readonly kind: 'file' | 'directory' | 'symlink';
  /** Set once a symlink's `kind` was resolved to what it points to. */
  readonly link?: true;
}

/**
 * Listing stats in flight at once, over all requests. Each is one trip through libuv's thread pool (4
 * threads by default): with 8 in flight a file request waits behind at most about one queued stat per
 * thread, and a 100,000-entry folder is not held to one stat per round trip (3 in flight took 3-4x as
 * long on this 2-core machine under load).
 */
export const STAT_CONCURRENCY = 8;

let inFlight = 0;
const waiting: (() => void)[] = [];

/** Run `task` when one of the {@link STAT_CONCURRENCY} slots is free. */
async function limited<T>(task: () => Promise<T>): Promise<T> {
  if (inFlight >= STAT_CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  else inFlight++;
  try {
    return await task();
  } finally {
    const wake = waiting.shift();
    if (wake) wake();
    else inFlight--;
  }
}

/**
 * The names in a folder, read with `opendir` (entries arrive in batches, each read on the thread pool,
 * so no single step holds the event loop). Dotfiles are left out unless allowed; sockets, FIFOs and
 * devices are left out; nothing is stat'ed.
 */
export async function readNames(dir: string, options: ReadEntriesOptions): Promise<NamedEntry[]> {
  const fs = options.fs ?? NODE_FS;
  let names = await collect(await fs.opendir(dir, false), options);
  // Read as text (the fast way); a name that is not UTF-8 shows up as U+FFFD there, and only then is
  // the folder read again as bytes (see names.ts).
  if (names.some((n) => n.name.includes('\uFFFD'))) names = await collect(await fs.opendir(dir, true), options);
  return names;
}

async function collect(handle: AsyncIterable<FolderDirent>, options: ReadEntriesOptions): Promise<NamedEntry[]> {
  const names: NamedEntry[] = [];
  for await (const d of handle) {
    const name = typeof d.name === 'string' ? d.name : nameFromBytes(d.name);
    if ((!options.dotfiles && name.startsWith('.')) || name === STAGING_NAME) continue;
    const kind = d.isDirectory() ? 'directory' : d.isFile() ? 'file' : d.isSymbolicLink() ? 'symlink' : null;
    if (kind === null) continue;
    if (hasRawBytes(name)) options.onRawName?.(name);
    names.push({ name, kind });
  }
  return names;
}

/**
 * One entry as the listing shows it, or `null` when it is not shown: symlinks are listed as what they
 * point to, and left out when dangling or (without `followSymlinks`) when they lead outside the root —
 * a listing never shows what the server would refuse to serve. Never throws for one bad entry.
 */
export async function describe(dir: string, named: NamedEntry, options: ReadEntriesOptions): Promise<Entry | null> {
  const fs = options.fs ?? NODE_FS;
  const full = path.join(dir, named.name);
  try {
    if ((named.kind === 'symlink' || named.link) && !options.followSymlinks) {
      if (!isInside(options.root, await fs.realpath(full))) return null;
    }
    const st = await fs.stat(full);
    if (st.isDirectory()) return { name: named.name, type: 'directory', size: 0, mtimeMs: st.mtimeMs };
    if (st.isFile()) return { name: named.name, type: 'file', size: st.size, mtimeMs: st.mtimeMs };
    return null;
  } catch {
    return null; // vanished since readdir, dangling, a loop, or unreadable: one bad entry never fails the page
  }
}

/**
 * `describe` for each name, in the order given, through the shared stat slots (a listing queues its
 * stats and keeps a few in flight, so it never floods the thread pool); entries not shown are left out.
 */
export async function describeAll(
  dir: string,
  names: readonly NamedEntry[],
  options: ReadEntriesOptions,
): Promise<Entry[]> {
  let next = 0;
  const found: (Entry | null)[] = new Array<Entry | null>(names.length).fill(null);
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const i = next++;
      found[i] = await limited(() => describe(dir, names[i] as NamedEntry, options));
    }
  };
  await Promise.all(Array.from({ length: Math.min(STAT_CONCURRENCY, names.length) }, worker));
  return found.filter((e): e is Entry => e !== null);
}

/**
 * Whether each symlink leads to a folder (listings put folders first, so the order needs it before any
 * row is stat'ed); a dangling link stays a file here and is left out when its row is described.
 */
export async function resolveLinkKinds(
  dir: string,
  names: readonly NamedEntry[],
  options: ReadEntriesOptions,
): Promise<NamedEntry[]> {
  const fs = options.fs ?? NODE_FS;
  const out: NamedEntry[] = [];
  for (const named of names) {
    if (named.kind !== 'symlink') out.push(named);
    else {
      const st = await limited(() => fs.stat(path.join(dir, named.name)).catch(() => null));
      out.push({ name: named.name, kind: st?.isDirectory() ? 'directory' : 'file', link: true });
    }
  }
  return out;
}

/** Read a folder into entries (names, then stats through the thread pool; see {@link describe}). */
export async function readEntries(dir: string, options: ReadEntriesOptions): Promise<Entry[]> {
  return describeAll(dir, await readNames(dir, options), options);
}
