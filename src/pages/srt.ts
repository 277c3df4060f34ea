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
 * Converts SubRip text to WebVTT. Tolerant like players are: CRLF or LF, a BOM, missing or wrong cue
 * numbers, `.` instead of `,`, one-digit fields. A block without a timing line continues the previous
 * cue (SubRip allows blank lines inside a cue; WebVTT does not, so they are dropped).
 */
export function srtToVtt(srt: string): string {
  const lines = srt
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split('\n');
  const cues: { timing: string; text: string[] }[] = [];
  let current: { timing: string; text: string[] } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const match = TIMING.exec(line);
    if (match) {
      // The cue number, if any, is the line just before; it was not added as text (see below).
      const [, h1, m1, s1, ms1, h2, m2, s2, ms2] = match as unknown as string[];
      current = { timing: `${timestamp(h1!, m1!, s1!, ms1!)} --> ${timestamp(h2!, m2!, s2!, ms2!)}`, text: [] };
      cues.push(current);
      continue;
    }
    if (line.trim() === '') continue;
    // A bare number followed by a timing line is a cue number, not text.
    if (/^\s*\d+\s*$/.test(line) && TIMING.test(lines[i + 1] ?? '')) continue;
    if (current) current.text.push(cueText(line));
  }
  const body = cues.filter((c) => c.text.length > 0).map((c) => `${c.timing}\n${c.text.join('\n')}`);
  return `WEBVTT\n\n${body.join('\n\n')}${body.length > 0 ? '\n' : ''}`;
}

/**
 * Windows-1252's 0x80–0x9F (where it differs from Latin-1); the five undefined bytes map to C1 controls as in WHATWG.
 */
const CP1252_HIGH =
  '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178';

/** Decodes Windows-1252 by hand: Node's TextDecoder('windows-1252') decodes as Latin-1 (nodejs/node#56542). */
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
