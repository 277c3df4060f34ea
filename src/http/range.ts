/**
 * Range requests (RFC 9110 §14) in two pure steps: {@link parseRange} turns the header into specs,
 * {@link resolveRanges} decides what to send for a representation of a given size.
 */

/** One `range-spec` of a `bytes` ranges-specifier (RFC 9110 §14.1.1). */
export type RangeSpec =
  /** `first-last` (the last byte position may lie past the end; it is clamped when resolving). */
  | { readonly kind: 'bounded'; readonly first: number; readonly last: number }
  /** `first-`: from `first` to the end. */
  | { readonly kind: 'open'; readonly first: number }
  /** `-length`: the final `length` bytes. */
  | { readonly kind: 'suffix'; readonly length: number };

/** A byte range to send; both ends inclusive, as in `Content-Range`. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export type RangeDecision =
  /** Ignore the Range header: 200 with the whole representation. */
  | { readonly kind: 'full' }
  /** 206: one range → `Content-Range`, several → `multipart/byteranges`. */
  | { readonly kind: 'partial'; readonly ranges: readonly ByteRange[] }
  /** 416 with `Content-Range: bytes *\/size`. */
  | { readonly kind: 'unsatisfiable' };

export interface ResolveOptions {
  /** More range-specs than this is treated as abuse and answered with the whole body (default 50). */
  readonly maxRanges?: number;
}

export const DEFAULT_MAX_RANGES = 50;

const DIGITS = /^[0-9]+$/;
/** A range unit is a token, compared case-insensitively (RFC 9110 §14.1). */
const UNIT = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const OWS = /^[ \t]*|[ \t]*$/g;

/**
 * Parses a `Range` header value. Returns `null` when the header must be ignored: a unit other than
 * `bytes`, a syntax error anywhere, an empty range set, or an int-range whose last position is below
 * its first (`bytes=5-2`, invalid per RFC 9110 §14.1.1). Whitespace is allowed only around the commas
 * of the list (and, leniently, at the ends of the range set), never inside a range-spec. Empty list
 * elements (`bytes=0-1,,4-5`) are skipped as RFC 9110 §5.6.1.2 asks of recipients.
 */
export function parseRange(header: string): RangeSpec[] | null {
  const eq = header.indexOf('=');
  if (eq <= 0) return null;
  const unit = header.slice(0, eq);
  if (!UNIT.test(unit) || unit.toLowerCase() !== 'bytes') return null;
  const specs: RangeSpec[] = [];
  for (const element of header.slice(eq + 1).split(',')) {
    const text = element.replace(OWS, '');
    if (text === '') continue;
    const spec = parseRangeSpec(text);
    if (spec === null) return null;
    specs.push(spec);
  }
  return specs.length > 0 ? specs : null;
}

function parseRangeSpec(text: string): RangeSpec | null {
  const dash = text.indexOf('-');
  if (dash < 0) return null;
  const before = text.slice(0, dash);
  const after = text.slice(dash + 1);
  if (before === '') {
    return DIGITS.test(after) ? { kind: 'suffix', length: Number(after) } : null;
  }
  if (!DIGITS.test(before)) return null;
  const first = Number(before);
  if (after === '') return { kind: 'open', first };
  if (!DIGITS.test(after)) return null;
  const last = Number(after);
  return last < first ? null : { kind: 'bounded', first, last };
}

/**
 * Resolves parsed specs against a representation of `size` bytes.
 *
 * - A spec is satisfiable when it starts before the end (int-range) or asks for a non-zero suffix.
 *   Last positions past the end are clamped; a suffix longer than the file selects the whole file.
 * - None satisfiable → `unsatisfiable` (416).
 * - Abuse → `full` (200 with the whole body, so the response is never a multiple of the file):
 *   more than `maxRanges` specs, or satisfiable ranges whose lengths add up to more than the size.
 * - An empty representation has no byte to point at: a non-zero suffix → `full`, anything else →
 *   `unsatisfiable`.
 * - Overlapping or adjacent ranges are coalesced. Parts keep the order in which their specs appeared
 *   (RFC 9110 §14.6 asks for that); a coalesced range takes the place of its earliest member.
 * - When a single range remains it is returned alone (a single-part 206, never a multipart one).
 */
export function resolveRanges(specs: readonly RangeSpec[], size: number, options: ResolveOptions = {}): RangeDecision {
  const maxRanges = options.maxRanges ?? DEFAULT_MAX_RANGES;
  const resolved: ByteRange[] = [];
  for (const spec of specs) {
    const range = resolveOne(spec, size);
    if (range !== null) resolved.push(range);
  }
  const anySuffixOnEmpty = size === 0 && specs.some((spec) => spec.kind === 'suffix' && spec.length > 0);
  if (anySuffixOnEmpty) return { kind: 'full' };
  if (resolved.length === 0) return { kind: 'unsatisfiable' };
  if (specs.length > maxRanges) return { kind: 'full' };
  let total = 0;
  for (const range of resolved) total += range.end - range.start + 1;
  if (total > size) return { kind: 'full' };
  return { kind: 'partial', ranges: coalesce(resolved) };
}

function resolveOne(spec: RangeSpec, size: number): ByteRange | null {
  switch (spec.kind) {
    case 'bounded':
      return spec.first < size ? { start: spec.first, end: Math.min(spec.last, size - 1) } : null;
    case 'open':
      return spec.first < size ? { start: spec.first, end: size - 1 } : null;
    case 'suffix':
      return spec.length > 0 && size > 0 ? { start: Math.max(0, size - spec.length), end: size - 1 } : null;
  }
}

/** Merges overlapping or adjacent ranges; the merged groups keep the order of their earliest member. */
function coalesce(ranges: readonly ByteRange[]): ByteRange[] {
  const byStart = ranges.map((range, index) => ({ range, index })).sort((a, b) => a.range.start - b.range.start);
  const groups: { start: number; end: number; firstIndex: number }[] = [];
  for (const { range, index } of byStart) {
    const last = groups[groups.length - 1];
    if (last !== undefined && range.start <= last.end + 1) {
      last.end = Math.max(last.end, range.end);
      last.firstIndex = Math.min(last.firstIndex, index);
    } else {
      groups.push({ start: range.start, end: range.end, firstIndex: index });
    }
  }
  return groups.sort((a, b) => a.firstIndex - b.firstIndex).map(({ start, end }) => ({ start, end }));
}

/** `Content-Range` value of a 206 part: `bytes a-b/size`. */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

/** `Content-Range` value of a 416: `bytes *\/size`. */
export function unsatisfiedRange(size: number): string {
  return `bytes */${size}`;
}

/** Number of bytes a range covers. */
export function rangeLength(range: ByteRange): number {
  return range.end - range.start + 1;
}
