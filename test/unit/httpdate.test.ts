import { describe, expect, it } from 'vitest';
import { formatHttpDate, parseHttpDate, toHttpSeconds } from '../../src/http/httpdate.js';

const RFC_EXAMPLE = Date.UTC(1994, 10, 6, 8, 49, 37) / 1000;
const NOW = Date.UTC(2026, 0, 1);

describe('parseHttpDate', () => {
  it.each<[string, string, number | null]>([
    ['IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT', RFC_EXAMPLE],
    ['obsolete RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMT', RFC_EXAMPLE],
    ['obsolete asctime, one-digit day', 'Sun Nov  6 08:49:37 1994', RFC_EXAMPLE],
    ['asctime, two-digit day', 'Thu Nov 26 08:49:37 2026', Date.UTC(2026, 10, 26, 8, 49, 37) / 1000],
    ['RFC 850 two-digit year in this century', 'Thursday, 01-Jan-26 00:00:00 GMT', NOW / 1000],
    [
      'RFC 850 year more than 50 years ahead is in the past',
      'Friday, 01-Jan-99 00:00:00 GMT',
      Date.UTC(1999, 0, 1) / 1000,
    ],
    ['RFC 850 year up to 50 years ahead stays ahead', 'Sunday, 01-Jan-70 00:00:00 GMT', Date.UTC(2070, 0, 1) / 1000],
    ['leap day', 'Thu, 29 Feb 2024 12:00:00 GMT', Date.UTC(2024, 1, 29, 12) / 1000],
    ['leap second reads as :59', 'Sat, 31 Dec 2016 23:59:60 GMT', Date.UTC(2016, 11, 31, 23, 59, 59) / 1000],
    ['surrounding whitespace', '  Sun, 06 Nov 1994 08:49:37 GMT ', RFC_EXAMPLE],
    ['day name is syntax only', 'Mon, 06 Nov 1994 08:49:37 GMT', RFC_EXAMPLE],
    ['empty', '', null],
    ['garbage', 'yesterday', null],
    ['epoch number', '784111777', null],
    ['ISO 8601', '1994-11-06T08:49:37Z', null],
    ['zone other than GMT', 'Sun, 06 Nov 1994 08:49:37 UTC', null],
    ['numeric offset', 'Sun, 06 Nov 1994 08:49:37 +0000', null],
    ['lower-case month', 'Sun, 06 nov 1994 08:49:37 GMT', null],
    ['unknown month', 'Sun, 06 Nox 1994 08:49:37 GMT', null],
    ['unknown day name', 'Sno, 06 Nov 1994 08:49:37 GMT', null],
    ['one-digit day in IMF-fixdate', 'Sun, 6 Nov 1994 08:49:37 GMT', null],
    ['31 February', 'Tue, 31 Feb 2026 00:00:00 GMT', null],
    ['29 February of a common year', 'Sun, 29 Feb 2026 00:00:00 GMT', null],
    ['day zero', 'Sun, 00 Nov 1994 08:49:37 GMT', null],
    ['hour 24', 'Sun, 06 Nov 1994 24:00:00 GMT', null],
    ['minute 60', 'Sun, 06 Nov 1994 08:60:00 GMT', null],
    ['second 61', 'Sun, 06 Nov 1994 08:49:61 GMT', null],
    ['two dates (a list)', 'Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT', null],
    ['missing seconds', 'Sun, 06 Nov 1994 08:49 GMT', null],
    ['year 0050 is not 1950', 'Sun, 06 Nov 0050 08:49:37 GMT', null],
  ])('%s: %j', (_name, value, expected) => {
    expect(parseHttpDate(value, NOW)).toBe(expected);
  });
});

describe('formatHttpDate and second granularity', () => {
  it('formats IMF-fixdate', () => {
    expect(formatHttpDate(RFC_EXAMPLE * 1000)).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
  });

  it.each<[number]>([[0], [1], [999], [123.456]])(
    'an mtime %d ms into a second compares equal to its own Last-Modified',
    (extra) => {
      const mtimeMs = RFC_EXAMPLE * 1000 + extra;
      expect(parseHttpDate(formatHttpDate(mtimeMs))).toBe(toHttpSeconds(mtimeMs));
    },
  );
});
