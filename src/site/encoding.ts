/**
 * Which content coding a file response gets: a precompressed sibling (`app.js.br`), compression on
 * the fly, or the file as it is — decided from the file's type and size, the siblings found, and the
 * request's `Accept-Encoding` and `Range`. Pure: the siblings are looked up by {@link SiblingIndex}.
 */
import { lstat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { identityKey, type FileIdentity } from '../fs/cache/blocks.js';
import { negotiateEncoding, type Coding } from '../http/accept-encoding.js';

/** A precompressed copy of a file next to it. */
export interface Sibling {
  readonly coding: Exclude<Coding, 'identity'>;
  readonly abs: string;
  readonly stat: Stats;
}

/** The codings aqua compresses to itself (Node 20's zlib has no zstd: that one comes only from siblings). */
export type LiveCoding = 'br' | 'gzip';

export type EncodingChoice =
  /** The file's own bytes; `vary`: the answer depended on Accept-Encoding. */
  | { readonly kind: 'identity'; readonly vary: boolean }
  | { readonly kind: 'sibling'; readonly sibling: Sibling }
  | { readonly kind: 'compress'; readonly coding: LiveCoding }
  /** Nothing the client accepts (`identity;q=0` and no coding it takes): 406. */
  | { readonly kind: 'none-acceptable' };

/** Files smaller than this are sent as they are: compression would save less than the headers cost. */
export const MIN_COMPRESS_BYTES = 1024;
/** Files larger than this are not compressed on the fly (the whole result is held in memory). */
export const MAX_COMPRESS_BYTES = 16 * 1024 * 1024;

/** The sibling suffix of each coding, in the server's order of preference. */
export const SIBLING_SUFFIXES: readonly (readonly [Sibling['coding'], string])[] = [
  ['br', '.br'],
  ['zstd', '.zst'],
  ['gzip', '.gz'],
];

const TEXT_TYPES = new Set([
  'application/javascript',
  'application/json',
  'application/xml',
  'application/wasm',
  'application/manifest+json',
  'application/ld+json',
  'application/x-javascript',
  'image/svg+xml',
  'image/x-icon',
  'image/vnd.microsoft.icon',
  'font/ttf',
  'font/otf',
]);

/**
 * Whether a Content-Type is worth compressing: text, JavaScript, JSON, XML, SVG, WASM and the like
 * (`+json`/`+xml` too). Never media or archives, whose bytes are already compressed.
 */
export function isCompressible(contentType: string): boolean {
  let known = compressibleTypes.get(contentType);
  if (known === undefined) {
    const type = contentType.split(';')[0].trim().toLowerCase();
    known = type.startsWith('text/') || TEXT_TYPES.has(type) || type.endsWith('+json') || type.endsWith('+xml');
    // Content types come from the MIME table (a few hundred at most), so the memo stays small; bounded anyway.
    if (compressibleTypes.size >= 1024) compressibleTypes.clear();
    compressibleTypes.set(contentType, known);
  }
  return known;
}

const compressibleTypes = new Map<string, boolean>();

export interface EncodingInput {
  readonly contentType: string;
  readonly size: number;
  readonly acceptEncoding: string | string[] | undefined;
  /** The request has a Range header: no compression on the fly (ranges of the identity bytes instead). */
  readonly ranged: boolean;
  /** Compression is on (`--no-compress` turns it off, siblings included). */
  readonly enabled: boolean;
  readonly siblings: readonly Sibling[];
}

/** Decide the coding of a file response (see the module comment). */
export function chooseEncoding(input: EncodingInput): EncodingChoice {
  if (!input.enabled || !isCompressible(input.contentType)) return { kind: 'identity', vary: false };
  const live = !input.ranged && input.size >= MIN_COMPRESS_BYTES && input.size <= MAX_COMPRESS_BYTES;
  const available: Coding[] = [];
  for (const [coding] of SIBLING_SUFFIXES) {
    if (input.siblings.some((s) => s.coding === coding) || (live && (coding === 'br' || coding === 'gzip')))
      available.push(coding);
  }
  available.push('identity');
  const chosen = negotiateEncoding(input.acceptEncoding, available);
  if (chosen === null) return { kind: 'none-acceptable' };
  if (chosen === 'identity') return { kind: 'identity', vary: true };
  const sibling = input.siblings.find((s) => s.coding === chosen);
  if (sibling) return { kind: 'sibling', sibling };
  return { kind: 'compress', coding: chosen as LiveCoding };
}

/**
 * The ETag of an encoded representation: the identity tag with the coding added inside the quotes,
 * so each coding has its own and a 304 answers only for the coding the client holds.
 * Weak for compression on the fly (another zlib version may give other bytes), strong for a sibling file.
 */
export function encodedETag(identityTag: string, coding: Exclude<Coding, 'identity'>, weak: boolean): string {
  const opaque = identityTag.replace(/^W\//, '').slice(1, -1);
  return `${weak ? 'W/' : ''}"${opaque}-${coding}"`;
}

/** How long a lookup of siblings is trusted for an unchanged file: a sibling added later shows up after this. */
const SIBLING_TTL_MS = 2000;
const MAX_ENTRIES = 10_000;

/**
 * The precompressed siblings of files, looked up with `lstat` (a symlinked sibling is not used: it
 * could lead out of the root) and remembered per file version for {@link SIBLING_TTL_MS}.
 * A sibling older than its file is stale and ignored.
 */
export class SiblingIndex {
  private readonly entries = new Map<string, { at: number; siblings: readonly Sibling[] }>();

  async find(abs: string, stat: FileIdentity): Promise<readonly Sibling[]> {
    const key = `${abs}\0${identityKey(stat)}`;
    const now = Date.now();
    const known = this.entries.get(key);
    if (known && now - known.at < SIBLING_TTL_MS) return known.siblings;
    const found = await Promise.all(
      SIBLING_SUFFIXES.map(async ([coding, suffix]): Promise<Sibling | null> => {
        const st = await lstat(abs + suffix).catch(() => null);
        return st && st.isFile() && st.mtimeMs >= stat.mtimeMs ? { coding, abs: abs + suffix, stat: st } : null;
      }),
    );
    const siblings = found.filter((s): s is Sibling => s !== null);
    this.entries.delete(key);
    this.entries.set(key, { at: now, siblings });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    return siblings;
  }

  /** Forget what is known of `abs` (a sibling changed or vanished between lookup and open). */
  forget(abs: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(`${abs}\0`)) this.entries.delete(key);
  }
}
