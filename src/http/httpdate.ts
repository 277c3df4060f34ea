/**
 * HTTP-date (RFC 9110 §5.6.7): formatting as IMF-fixdate and parsing of the three forms recipients
 * must accept. HTTP-dates have one-second granularity; file times have milliseconds, so every
 * comparison goes through {@link toHttpSeconds}.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** `Sun, 06 Nov 1994 08:49:37 GMT` */
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
/** `Sunday, 06-Nov-94 08:49:37 GMT` (obsolete) */
const RFC850_DATE =
  /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
/** `Sun Nov  6 08:49:37 1994` (obsolete, ANSI C asctime) */
const ASCTIME_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) (\d{2}| \d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/** Whole seconds since the epoch of a millisecond time: what an HTTP-date can express of it. */
export function toHttpSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** The last two seconds formatted (a file's Last-Modified, a response's Date): most requests ask for one of them. */
const recent = new Map<number, string>();

/** Formats a time as IMF-fixdate (the only form a sender may generate). */
export function formatHttpDate(ms: number): string {
  const seconds = toHttpSeconds(ms);
  let text = recent.get(seconds);
  if (text === undefined) {
    text = new Date(seconds * 1000).toUTCString();
    if (recent.size >= 2) recent.delete(recent.keys().next().value as number);
    recent.set(seconds, text);
  }
  return text;
}

/**
 * Parses an HTTP-date in IMF-fixdate, rfc850-date or asctime-date form (case-sensitive, as the
 * grammar is). Returns whole seconds since the epoch, or `null` for anything else, including
 * impossible calendar dates such as `31 Feb` and times such as `24:00:00`. The day name is checked for
 * syntax only. A two-digit rfc850 year that would lie more than 50 years after `nowMs` is read as the
 * most recent past year with those digits (RFC 9110 §5.6.7).
 */
export function parseHttpDate(value: string, nowMs: number = Date.now()): number | null {
  const text = value.trim();
  let match = IMF_FIXDATE.exec(text);
  if (match !== null) {
    const [, , day, month, year, hour, minute, second] = match;
    return build({ year: Number(year), month, day: Number(day), hour, minute, second });
  }
  match = RFC850_DATE.exec(text);
  if (match !== null) {
    const [, , day, month, year2, hour, minute, second] = match;
    return build({ year: fullYear(Number(year2), nowMs), month, day: Number(day), hour, minute, second });
  }
  match = ASCTIME_DATE.exec(text);
  if (match !== null) {
    const [, , month, day, hour, minute, second, year] = match;
    return build({ year: Number(year), month, day: Number(day.trim()), hour, minute, second });
  }
  return null;
}

function fullYear(twoDigits: number, nowMs: number): number {
  const nowYear = new Date(nowMs).getUTCFullYear();
  let year = Math.floor(nowYear / 100) * 100 + twoDigits;
  if (year > nowYear + 50) year -= 100;
  return year;
}

interface DateParts {
  year: number;
  month: string | undefined;
  day: number;
  hour: string | undefined;
  minute: string | undefined;
  second: string | undefined;
}

function build(parts: DateParts): number | null {
  const month = MONTHS.indexOf(parts.month as (typeof MONTHS)[number]);
  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  // second = 2DIGIT ; 00-60 (leap second); a leap second counts as :59 of that minute.
  const second = Math.min(Number(parts.second), 59);
  if (month < 0 || hour > 23 || minute > 59 || Number(parts.second) > 60 || parts.day < 1) return null;
  const ms = Date.UTC(parts.year, month, parts.day, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== parts.year || check.getUTCMonth() !== month || check.getUTCDate() !== parts.day) {
    return null;
  }
  return ms / 1000;
}
