/**
 * `Content-Disposition: attachment` (RFC 6266) with a file name every client can read: a plain ASCII
 * `filename="..."` fallback, plus `filename*=UTF-8''...` (RFC 8187) whenever the fallback had to
 * change the name.
 */

/** attr-char of RFC 8187 §3.2.1: the bytes that stay literal in an ext-value. */
const ATTR_CHAR = /^[A-Za-z0-9!#$&+\-.^_`|~]$/;
/** Printable ASCII; of it, `"`, backslash and `%` are still replaced inside the quoted fallback. */
const SAFE_ASCII = /^[\x20-\x7e]+$/;
const UNSAFE_IN_QUOTES = /["\\%]/;

/**
 * ASCII stand-in for a file name: accents dropped where the letter survives decomposition (`é` → `e`),
 * then every character that is not printable ASCII, and `"`, `\` and `%` (which some clients
 * percent-decode, RFC 6266 §4.3), becomes `_`. An empty result becomes `download`.
 */
export function asciiFallback(name: string): string {
  let out = '';
  for (const char of name.normalize('NFC')) {
    const plain = char.normalize('NFKD').replace(/\p{M}/gu, '');
    out += SAFE_ASCII.test(plain) && !UNSAFE_IN_QUOTES.test(plain) ? plain : '_';
  }
  return out === '' ? 'download' : out;
}

/** RFC 8187 ext-value: `UTF-8''` and the UTF-8 bytes, percent-encoded except attr-char. */
export function encodeExtValue(value: string): string {
  let out = "UTF-8''";
  // Buffer.from replaces lone surrogates with U+FFFD instead of throwing like encodeURIComponent.
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += ATTR_CHAR.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `attachment; filename="..."` and, when the name is not plain safe ASCII, `; filename*=UTF-8''...`. */
export function attachmentDisposition(name: string): string {
  const fallback = asciiFallback(name);
  const header = `attachment; filename="${fallback}"`;
  return fallback === name ? header : `${header}; filename*=${encodeExtValue(name)}`;
}
