/** Numbers and dates as people read them. Pure: "now" is passed in, the locale is fixed to English. */

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** `0 B`, `999 B`, `1.5 KiB`, `484 KiB`, `12 MiB`: one decimal below 10 units, none above. */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let unit = 'B';
  for (const next of UNITS) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  const shown = value < 10 ? Math.floor(value * 10) / 10 : Math.floor(value);
  return `${shown} ${unit}`;
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** Each unit and how many of it make the next one. */
const STEPS: readonly (readonly [Intl.RelativeTimeFormatUnit, number])[] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/**
 * Formatted phrases by unit and amount (key: unit index × 2^20 + amount): a listing of thousands of
 * files needs a few dozen distinct phrases, and Intl formatting is the costly part of a row.
 */
const phrases = new Map<number, string>();

function phrase(amount: number, step: number): string {
  const key = step * 1_048_576 + amount;
  let text = phrases.get(key);
  if (text === undefined) {
    text = relative.format(amount, (STEPS[step] as (typeof STEPS)[number])[0]);
    if (phrases.size < 10_000) phrases.set(key, text);
  }
  return text;
}

/** `just now`, `5 minutes ago`, `yesterday`, `3 months ago`; a time in the future reads `in 2 hours`. */
export function relativeTime(thenMs: number, nowMs: number): string {
  let amount = (thenMs - nowMs) / 1000;
  if (Math.abs(amount) < 45) return 'just now';
  for (let step = 0; step < STEPS.length; step++) {
    const size = (STEPS[step] as (typeof STEPS)[number])[1];
    if (Math.abs(amount) < size) return phrase(Math.round(amount), step);
    amount /= size;
  }
  return phrase(Math.round(amount), STEPS.length - 1);
}

const DAY_MS = 86_400_000;
/** `YYYY-MM-DD` by day number since the epoch: files of one folder share a handful of days. */
const days = new Map<number, string>();

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** `2026-11-26 19:31:02 UTC`: the exact time shown on hover (the page script swaps in local time). */
export function exactTime(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  const day = Math.floor(ms / DAY_MS);
  let date = days.get(day);
  if (date === undefined) {
    date = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (days.size < 10_000) days.set(day, date);
  }
  const seconds = Math.floor((ms - day * DAY_MS) / 1000);
  return `${date} ${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)} UTC`;
}

/** `1 folder`, `2 files`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** How long a page's share link lasts, in words (`shareExpiry` in server/share.ts: 7 to 8 days). */
export const SHARE_DAYS_TEXT = 'a week';
