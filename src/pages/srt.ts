/**
 * SubRip (.srt) → WebVTT, as pure functions: browsers only load WebVTT in `<track>`, and most subtitle
 * files in the wild are SubRip. Served as `film.srt?format=vtt`.
 */

/** `00:01:02,345 --> 00:01:04,000` with optional trailing SRT coordinates (`X1:… Y2:…`), which are dropped. */
const TIMING = /^\s*(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})\s*-->\s*(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})(?:\s.*)?$/;

function timestamp(h: string, m: string, s: string, ms: string): string {
  return `${h.padStart(2, '0')}:${m.padStart(2, '0')}:${s.padStart(2, '0')}.${ms.padEnd(3, '0')}`;
}

/**
 * Cue text as WebVTT accepts it: `<i> <b> <u>` are shared by both formats and kept; `<font …>` and
 * ASS override blocks (`{\an8}`) have no WebVTT form and are removed; `-->` may not appear in a cue.
 */
function cueText(line: string): string {
  return line
    .replace(/<\/?font\b[^>]*>/gi, '')
    .replace(/\{\\[^}]*\}/g, '')
    .replace(/-->/g, '--&gt;');
}

/**
 * SubRip text to WebVTT, piece by piece: `push` takes any slice of the text (cut anywhere, even inside
 * a line) and returns the WebVTT that is certain so far; `end` returns the rest. Memory is one cue and
 * one line, so an 8 MiB file converts as it is read. Tolerant like players are: CRLF or LF, a BOM,
 * missing or wrong cue numbers, `.` instead of `,`, one-digit fields. A block without a timing line
 * continues the previous cue (SubRip allows blank lines inside a cue; WebVTT does not, so they are
 * dropped); a cue without text is left out.
 */
export class SrtToVtt {
  #partial = '';
  #started = false;
  #emitted = 0;
  #cue: { timing: string; text: string[] } | null = null;
  /** A bare number, held until the next line says whether it is a cue number or text. */
  #number: string | null = null;

  push(text: string): string {
    let input = this.#partial + text;
    if (!this.#started && input.length > 0) {
      this.#started = true;
      input = input.replace(/^\uFEFF/, '');
    }
    const lines = input.split(/\r\n|\n|\r(?!$)/);
    this.#partial = lines.pop() ?? '';
    let out = this.#emitted === 0 && this.#header() ? 'WEBVTT\n\n' : '';
    for (const line of lines) out += this.#line(line);
    return out;
  }

  end(): string {
    let out = this.#emitted === 0 && this.#header() ? 'WEBVTT\n\n' : '';
    if (this.#partial !== '') out += this.#line(this.#partial.replace(/\r$/, ''));
    this.#partial = '';
    if (this.#number !== null && this.#cue) this.#cue.text.push(cueText(this.#number));
    this.#number = null;
    out += this.#flush();
    return out + (this.#emitted > 0 ? '\n' : '');
  }

  #headerSent = false;
  #header(): boolean {
    if (this.#headerSent) return false;
    this.#headerSent = true;
    return true;
  }

  #line(line: string): string {
    const match = TIMING.exec(line);
    if (match) {
      this.#number = null; // the bare number just before a timing line was its cue number
      const out = this.#flush();
      const [, h1, m1, s1, ms1, h2, m2, s2, ms2] = match as unknown as string[];
      this.#cue = { timing: `${timestamp(h1!, m1!, s1!, ms1!)} --> ${timestamp(h2!, m2!, s2!, ms2!)}`, text: [] };
      return out;
    }
    if (this.#number !== null && this.#cue) this.#cue.text.push(cueText(this.#number));
    this.#number = null;
    if (line.trim() === '') return '';
    if (/^\s*\d+\s*$/.test(line)) this.#number = line;
    else if (this.#cue) this.#cue.text.push(cueText(line));
    return '';
  }

  #flush(): string {
    const cue = this.#cue;
    this.#cue = null;
    if (!cue || cue.text.length === 0) return '';
    return `${this.#emitted++ > 0 ? '\n\n' : ''}${cue.timing}\n${cue.text.join('\n')}`;
  }
}

/** Converts a whole SubRip text to WebVTT (see {@link SrtToVtt}). */
export function srtToVtt(srt: string): string {
  const converter = new SrtToVtt();
  return converter.push(srt) + converter.end();
}

/**
 * Windows-1252's 0x80–0x9F (where it differs from Latin-1); the five undefined bytes map to C1 controls as in WHATWG.
 */
const CP1252_HIGH =
  '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178';

/** Decodes Windows-1252 by hand: Node's TextDecoder('windows-1252') decodes as Latin-1 (nodejs/node#56542). */
export function decodeWindows1252Stream(bytes: Uint8Array): string {
  return decodeWindows1252(bytes);
}

function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte >= 0x80 && byte < 0xa0 ? CP1252_HIGH[byte - 0x80] : String.fromCharCode(byte);
  return out;
}

/**
 * Subtitle bytes to text: UTF-8 when the bytes are valid UTF-8 (BOM or not), otherwise Windows-1252,
 * the usual encoding of older SubRip files (it maps every byte, so decoding never fails).
 */
export function decodeSubtitleBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return decodeWindows1252(bytes);
  }
}
