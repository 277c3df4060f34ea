/**
 * Entity tags (RFC 9110 §8.8.3): generation from file metadata, parsing of `If-Match` /
 * `If-None-Match` lists, and the strong and weak comparison functions.
 */

export interface EntityTag {
  readonly weak: boolean;
  /** The opaque-tag without its quotes. */
  readonly opaque: string;
}

/** `*` (any current representation) or a list of entity tags. */
export type ETagCondition = { readonly kind: 'any' } | { readonly kind: 'list'; readonly tags: readonly EntityTag[] };

/**
 * Strong ETag of a file: `"<size hex>-<mtime in whole ms, hex>"`. Only size and mtime go in (no inode,
 * no device, no hash of the content), so the tag is identical across restarts and across instances
 * serving copies of the same files with preserved mtimes, costs no read of the file, and changes when
 * either the size or the mtime changes.
 */
export function fileETag(size: number, mtimeMs: number): string {
  return `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
}

/** etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3). */
function isETagChar(code: number): boolean {
  return code === 0x21 || (code >= 0x23 && code <= 0x7e) || (code >= 0x80 && code <= 0xff);
}

/**
 * Reads one entity-tag at `text[from]`. Returns the tag and the index after it, or `null` when the
 * text there is not an entity-tag.
 */
function scanETag(text: string, from: number): { tag: EntityTag; next: number } | null {
  let i = from;
  let weak = false;
  if (text.startsWith('W/', i)) {
    weak = true;
    i += 2;
  }
  if (text[i] !== '"') return null;
  const open = i + 1;
  let close = open;
  while (close < text.length && isETagChar(text.charCodeAt(close))) close++;
  if (text[close] !== '"') return null;
  return { tag: { weak, opaque: text.slice(open, close) }, next: close + 1 };
}

/** Parses a single entity-tag such as an `ETag` or `If-Range` value; `null` when it is not one. */
export function parseETag(value: string): EntityTag | null {
  const text = value.trim();
  const scanned = scanETag(text, 0);
  return scanned !== null && scanned.next === text.length ? scanned.tag : null;
}

/**
 * Parses an `If-Match` / `If-None-Match` value: `*` or `1#entity-tag`. Commas may appear inside an
 * opaque-tag, so the list is scanned rather than split. Empty list elements are skipped. Parsing stops
 * at the first element that is not an entity-tag and keeps the tags before it (as Go's net/http does):
 * a garbage `If-Match` then matches nothing (→ 412) and a garbage `If-None-Match` matches nothing (→ 200).
 */
export function parseETagList(value: string): ETagCondition {
  const text = value.trim();
  if (text === '*') return { kind: 'any' };
  const tags: EntityTag[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === ',')) i++;
    if (i >= text.length) break;
    const scanned = scanETag(text, i);
    if (scanned === null) break;
    tags.push(scanned.tag);
    i = scanned.next;
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i < text.length && text[i] !== ',') break;
  }
  return { kind: 'list', tags };
}

/** Strong comparison: both tags strong and their opaque-tags identical (RFC 9110 §8.8.3.2). */
export function strongMatch(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

/** Weak comparison: opaque-tags identical, weakness ignored (RFC 9110 §8.8.3.2). */
export function weakMatch(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}
