/**
 * The state of a tus upload, kept beside its bytes in the staging folder: `<id>.part` (the bytes so far) and
 * `<id>.json` (offset, length, metadata, target), the JSON written atomically after the bytes it counts were
 * fsync'ed, so that after a crash or SIGKILL the saved offset never counts a byte that is not on disk. Bytes
 * past the saved offset (written, not yet counted) are cut off when the upload resumes. Plus the pure parts
 * of the protocol: `Upload-Metadata`, `Upload-Checksum`, the upload's target from its metadata.
 */
import { getHashes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fsPath, nameFromBytes } from '../fs/names.js';
import { parseUrlPath } from '../fs/resolve.js';
import { HttpError } from '../http/errors.js';
import { encodePath } from '../http/url.js';
import { writeJsonAtomic } from './staging.js';

/** What `<id>.json` holds. */
export interface TusState {
  readonly version: 1;
  /** `Upload-Length`. */
  readonly length: number;
  /** Bytes received, fsync'ed and counted. */
  readonly offset: number;
  /** `Upload-Metadata` as the client sent it (echoed by HEAD). */
  readonly metadata: string;
  /** URL segments of the folder the file goes into, from the root. */
  readonly folder: readonly string[];
  /** The file name asked for. */
  readonly name: string;
  /** Create missing folders of `folder` (a relative path in the metadata). */
  readonly create: boolean;
  /** Once complete: the name it was given in `folder` (`name`, or `name (1).ext`…); else null. */
  readonly placed: string | null;
}

/** An upload id: 32 hex digits (see `randomId`). */
export const ID_PATTERN = /^[0-9a-f]{32}$/;

/** The two files of upload `id`. */
export function filesOf(dir: string, id: string): { readonly data: string; readonly state: string } {
  return { data: path.join(dir, `${id}.part`), state: path.join(dir, `${id}.json`) };
}

/** The saved state of upload `id`, or `null` when there is none (never created, finished long ago, removed). */
export async function loadState(dir: string, id: string): Promise<TusState | null> {
  const text = await readFile(fsPath(filesOf(dir, id).state), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const state = JSON.parse(text) as TusState;
    return state.version === 1 ? state : null;
  } catch {
    return null;
  }
}

export function saveState(dir: string, id: string, state: TusState): Promise<void> {
  return writeJsonAtomic(filesOf(dir, id).state, state);
}

/** Remove both files of upload `id` (termination, expiry, a full disk). */
export async function removeUpload(dir: string, id: string): Promise<void> {
  const files = filesOf(dir, id);
  await rm(fsPath(files.data), { force: true });
  await rm(fsPath(files.state), { force: true });
}

/** `Upload-Metadata`: comma-separated `key base64value` pairs (the value may be absent). Malformed → 400. */
export function parseMetadata(header: string | undefined): Map<string, Buffer | null> {
  const pairs = new Map<string, Buffer | null>();
  if (header === undefined || header.trim() === '') return pairs;
  for (const item of header.split(',')) {
    const m = /^\s*([^\s,]+)(?:\s+([A-Za-z0-9+/]*={0,2}))?\s*$/.exec(item);
    if (!m || pairs.has(m[1] as string)) throw new HttpError(400, 'malformed Upload-Metadata');
    pairs.set(m[1] as string, m[2] === undefined ? null : Buffer.from(m[2], 'base64'));
  }
  return pairs;
}

/** Where an upload goes, from its metadata and the folder it was created in. */
export interface TusTarget {
  readonly folder: readonly string[];
  readonly name: string;
  readonly create: boolean;
}

/**
 * The target of an upload created in `base`: `relativePath` (a path below `base`, folders created as needed,
 * as Uppy sends for a dropped folder), else `filename`, else `name`. Each segment goes through the read
 * resolver (`parseUrlPath`: no `..`, no dotfiles unless allowed, no NUL, not the staging folder); a refused
 * or missing name is 400.
 */
export function targetOf(
  metadata: Map<string, Buffer | null>,
  base: readonly string[],
  options: { readonly dotfiles: boolean },
): TusTarget {
  const relative = metadata.get('relativePath');
  const given = relative ?? metadata.get('filename') ?? metadata.get('name');
  if (!given) throw new HttpError(400, 'no file name in Upload-Metadata');
  const raw = nameFromBytes(given).split('/');
  if (raw.some((s) => s === '..' || s === '\\' || s.includes('\0'))) throw new HttpError(400, 'refused name');
  let segments: readonly string[];
  try {
    segments = parseUrlPath(encodePath(raw.filter((s) => s !== '')), options).segments;
  } catch {
    throw new HttpError(400, 'refused name');
  }
  const name = segments[segments.length - 1];
  if (name === undefined) throw new HttpError(400, 'empty file name');
  return { folder: [...base, ...segments.slice(0, -1)], name, create: relative !== undefined && relative !== null };
}

/** Checksum algorithms offered (`Tus-Checksum-Algorithm`), those of node:crypto among these. */
export const CHECKSUM_ALGORITHMS = ['sha1', 'sha256', 'sha512', 'md5'].filter((a) => getHashes().includes(a));

/** `Upload-Checksum: <algorithm> <base64>`, or null without one. Unsupported algorithm or malformed → 400. */
export function parseChecksum(header: string | undefined): { algorithm: string; digest: Buffer } | null {
  if (header === undefined) return null;
  const m = /^\s*([a-z0-9-]+)\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
  const algorithm = m?.[1]?.toLowerCase();
  if (!m || algorithm === undefined || !CHECKSUM_ALGORITHMS.includes(algorithm))
    throw new HttpError(400, 'unsupported or malformed Upload-Checksum');
  return { algorithm, digest: Buffer.from(m[2] as string, 'base64') };
}

/** A header that must be a whole number of bytes: 400 when it is absent or not one. */
export function byteCount(value: string | string[] | undefined, header: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new HttpError(400, `missing or malformed ${header}`);
  return n;
}
