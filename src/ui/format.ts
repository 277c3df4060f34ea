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

const STEPS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/** Formatted phrases by unit and amount: a listing of thousands of files uses a few dozen of them. */
const phrases = new Map<string, string>();

function phrase(amount: number, unit: Intl.RelativeTimeFormatUnit): string {
  const key = `${amount} ${unit}`;
  let text = phrases.get(key);
  if (text === undefined) {
    text = relative.format(amount, unit);
    if (phrases.size < 10_000) phrases.set(key, text);
  }
  return text;
}

/** `just now`, `5 minutes ago`, `yesterday`, `3 months ago`; a time in the future reads `in 2 hours`. */
export function relativeTime(thenMs: number, nowMs: number): string {
  let amount = (thenMs - nowMs) / 1000;
  if (Math.abs(amount) < 45) return 'just now';
  for (const [unit, size] of STEPS) {
    if (Math.abs(amount) < size) return phrase(Math.round(amount), unit);
    amount /= size;
  }
  return phrase(Math.round(amount), 'year');
}

/** `2026-11-26 19:31:02 UTC`: the exact time shown on hover (the page script swaps in local time). */
export function exactTime(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  return exactFromIso(new Date(ms).toISOString());
}

/** {@link exactTime} from an ISO string already at hand (`2026-11-26T19:31:02.123Z`). */
export function exactFromIso(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** `1 folder`, `2 files`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
