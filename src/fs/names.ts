/**
 * File names are bytes on Linux, not text. Inside aqua-serve a name is a JavaScript string in which each
 * byte that is not part of valid UTF-8 is carried as one lone low surrogate, U+DC80–U+DCFF (the
 * "surrogateescape" of Python's `os.fsdecode`). A valid UTF-8 name is its ordinary string; Latin-1
 * `café` (`63 61 66 E9`) is `'caf\uDCE9'`. The mapping is exact both ways, so a name read from a folder,
 * put in a link (`caf%E9`), and decoded from the request opens the very same bytes.
 */
import { isUtf8 } from 'node:buffer';

/**
 * The uploads' staging folder (`<root>/.aqua-uploads/`, see `upload/staging.ts`): never served, listed or
 * archived, whatever `--dotfiles` says, and no upload may name it.
 */
export const STAGING_NAME = '.aqua-uploads';

/** A byte escape not preceded by a high surrogate (a real pair's low half is never an escape). */
const ESCAPE = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/;
const ESCAPES = new RegExp(ESCAPE.source, 'g');

/** The name (or path) for these bytes: UTF-8 where valid, one escape per byte where not. */
export function nameFromBytes(bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const length = validSequenceAt(bytes, i);
    if (length > 0) {
      out += bytes.toString('utf8', i, i + length);
      i += length;
    } else {
      out += String.fromCharCode(0xdc00 + bytes[i]);
      i++;
    }
  }
  return out;
}

/** Length of the well-formed UTF-8 sequence at `i` (Unicode Table 3-7), or 0 when the byte there starts none. */
function validSequenceAt(bytes: Buffer, i: number): number {
  const b0 = bytes[i];
  if (b0 < 0x80) return 1;
  const tail = (n: number, lo = 0x80, hi = 0xbf): boolean => {
    const b = bytes[i + n];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return tail(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf;
    return tail(1, lo, hi) && tail(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf;
    return tail(1, lo, hi) && tail(2) && tail(3) ? 4 : 0;
  }
  return 0;
}

/** Any character of the escape range (the quick test; a lookbehind costs microseconds on every path). */
const MAYBE_ESCAPE = /[\uDC80-\uDCFF]/;

/** True when the name carries bytes that are not UTF-8. */
export function hasRawBytes(name: string): boolean {
  return MAYBE_ESCAPE.test(name) && ESCAPE.test(name);
}

/** The exact bytes of a name (or path): the inverse of {@link nameFromBytes}. */
export function bytesOfName(name: string): Buffer {
  if (!hasRawBytes(name)) return Buffer.from(name, 'utf8');
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of name.matchAll(ESCAPES)) {
    const at = match.index;
    parts.push(Buffer.from(name.slice(last, at), 'utf8'), Buffer.of(name.charCodeAt(at) - 0xdc00));
    last = at + 1;
  }
  parts.push(Buffer.from(name.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

/** What to hand to `node:fs` for a path: the string itself, or its exact bytes when it carries escapes. */
export function fsPath(p: string): string | Buffer {
  return hasRawBytes(p) ? bytesOfName(p) : p;
}

/**
 * A readable form of a name for people: bytes that are not UTF-8 are read as Latin-1 (an old Windows or
 * camera disk's `café` reads as `café`), C1 control bytes (0x80–0x9F) as U+FFFD. Pair it with a marker
 * ({@link hasRawBytes}) so it is not mistaken for the UTF-8 name that looks the same.
 */
export function displayName(name: string): string {
  if (!hasRawBytes(name)) return name;
  return name.replace(ESCAPES, (c) => {
    const byte = c.charCodeAt(0) - 0xdc00;
    return byte >= 0xa0 ? String.fromCharCode(byte) : '\uFFFD';
  });
}

const reported = new Set<string>();

/**
 * True the first time this process sees the path (up to 10,000 remembered): so a folder of old names
 * is reported once in the log, not on every listing of it.
 */
export function firstSighting(p: string): boolean {
  if (reported.has(p)) return false;
  if (reported.size >= 10_000) reported.clear();
  reported.add(p);
  return true;
}
