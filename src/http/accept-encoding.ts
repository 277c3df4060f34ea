/**
 * Content negotiation on `Accept-Encoding` (RFC 9110 §12.5.3): parse the header into codings with
 * quality values, then pick the best coding the server has for this response.
 */

/** The content codings aqua can send; `identity` is the unencoded bytes. */
export type Coding = 'br' | 'zstd' | 'gzip' | 'identity';

/** What a client said: the weight of each coding it named, and of `*` (any coding not named). */
export interface AcceptedEncodings {
  /** Lower-case coding name → qvalue (0–1). `x-gzip` is recorded as `gzip` (RFC 9110 §8.4.1.3). */
  readonly weights: ReadonlyMap<string, number>;
  /** The qvalue of `*`, or `null` when the client did not send it. */
  readonly star: number | null;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) (RFC 9110 §12.4.2). */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * Parse an `Accept-Encoding` value. Elements that are not `token [; q=qvalue]` are skipped (a
 * malformed element says nothing the server could rely on); a coding named twice keeps its first
 * weight. Parameters other than `q` are ignored.
 */
export function parseAcceptEncoding(value: string): AcceptedEncodings {
  const weights = new Map<string, number>();
  let star: number | null = null;
  for (const element of value.split(',')) {
    const [rawName, ...params] = element.split(';');
    const name = rawName.trim().toLowerCase();
    if (name === '' || !TOKEN.test(name)) continue;
    let q = 1;
    let valid = true;
    for (const param of params) {
      const eq = param.indexOf('=');
      const key = (eq < 0 ? param : param.slice(0, eq)).trim().toLowerCase();
      if (key !== 'q') continue;
      const raw = eq < 0 ? '' : param.slice(eq + 1).trim();
      if (!QVALUE.test(raw)) valid = false;
      else q = Number(raw);
    }
    if (!valid) continue;
    const coding = name === 'x-gzip' ? 'gzip' : name;
    if (coding === '*') star ??= q;
    else if (!weights.has(coding)) weights.set(coding, q);
  }
  return { weights, star };
}

/**
 * Weight of `identity` when the client did not weigh it: acceptable (RFC 9110 §12.5.3: unless refused
 * by `identity;q=0` or `*;q=0`), but below any coding it did name — `br;q=0.5` still wins over it.
 */
const IMPLICIT_IDENTITY = 0.0001;

/** The weight the client gives `coding`: its own entry, else `*`'s; else acceptable only for `identity`. */
export function weightOf(accepted: AcceptedEncodings, coding: Coding): number {
  const own = accepted.weights.get(coding);
  if (own !== undefined) return own;
  if (accepted.star !== null) return accepted.star;
  return coding === 'identity' ? IMPLICIT_IDENTITY : 0;
}

/**
 * Pick the coding to send from `available` (in the server's order of preference, which breaks
 * ties): the one with the highest non-zero weight. `null` means none is acceptable — answer 406.
 *
 * - No header: the client accepts anything, and the server sends `identity` if it has it (the
 *   safe choice for clients that never asked, such as scripts) — else its first choice.
 * - An empty header: only `identity` (RFC 9110 §12.5.3).
 */
export function negotiateEncoding(header: string | string[] | undefined, available: readonly Coding[]): Coding | null {
  if (header === undefined) return available.includes('identity') ? 'identity' : (available[0] ?? null);
  const accepted = parseAcceptEncoding(Array.isArray(header) ? header.join(',') : header);
  let best: Coding | null = null;
  let bestWeight = 0;
  for (const coding of available) {
    const weight = weightOf(accepted, coding);
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}
