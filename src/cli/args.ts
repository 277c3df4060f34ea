import { readFileSync } from 'node:fs';

/** The version in the package's own package.json (both bins print it for `--version`). */
export function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string'
    ? pkg.version
    : '0.0.0';
}

/**
 * A whole number from a flag's text, within `min`–`max`; throws a `RangeError` whose message is the
 * one line a CLI prints (`--port must be a whole number from 0 to 65535, not 'abc'`).
 */
export function parseWholeNumber(text: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (/^\d+$/.test(trimmed) && Number.isSafeInteger(value) && value >= min && value <= max) return value;
  const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
  throw new RangeError(`${flag} must be a whole number ${range}, not '${text}'`);
}
