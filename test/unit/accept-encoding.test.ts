import { describe, expect, it } from 'vitest';
import { negotiateEncoding, parseAcceptEncoding, type Coding } from '../../src/http/accept-encoding.js';

const ALL: Coding[] = ['br', 'zstd', 'gzip', 'identity'];
const NO_ZSTD: Coding[] = ['br', 'gzip', 'identity'];

describe('negotiateEncoding (RFC 9110 §12.5.3)', () => {
  // [Accept-Encoding, what the server has, what it sends (null → 406)]
  const rows: [string | undefined, Coding[], Coding | null][] = [
    // No header: anything is acceptable; the server sends identity, which every client understands.
    [undefined, ALL, 'identity'],
    [undefined, ['br'], 'br'],
    // An empty value: only identity.
    ['', ALL, 'identity'],
    ['', ['br', 'gzip'], null],
    // Equal weights: the server's order decides.
    ['gzip, br', ALL, 'br'],
    ['gzip, deflate, br, zstd', ALL, 'br'],
    ['gzip, deflate, br, zstd', ['zstd', 'gzip', 'identity'], 'zstd'],
    ['gzip', ALL, 'gzip'],
    ['GZIP', ALL, 'gzip'],
    ['x-gzip', ALL, 'gzip'],
    // q-values rank the codings.
    ['br;q=0.5, gzip;q=0.8', ALL, 'gzip'],
    ['br;q=0.5, gzip', ALL, 'gzip'],
    ['br ; q=1.000, gzip;q=0.999', ALL, 'br'],
    ['br;Q=0.1, gzip;q=0.2', ALL, 'gzip'],
    // q=0 refuses a coding.
    ['br;q=0, gzip', ALL, 'gzip'],
    ['br;q=0, gzip;q=0', ALL, 'identity'],
    // identity is acceptable unless refused by name or by *;q=0 without its own entry.
    ['br', ['gzip', 'identity'], 'identity'],
    ['identity;q=0', ['identity'], null],
    ['identity;q=0', ALL, null],
    ['identity;q=0, gzip', ALL, 'gzip'],
    ['*;q=0', ['identity'], null],
    ['*;q=0, identity', ['identity'], 'identity'],
    ['*;q=0, gzip', ALL, 'gzip'],
    ['*;q=0, identity;q=0.5, br', ALL, 'br'],
    // * stands for every coding not named.
    ['*', ALL, 'br'],
    ['*', ['identity'], 'identity'],
    ['gzip;q=0, *', ['gzip', 'identity'], 'identity'],
    ['br;q=0.1, *;q=0.5', ALL, 'zstd'],
    ['br;q=0.1, *;q=0.5', NO_ZSTD, 'gzip'],
    // Unknown codings are ignored; only the server's codings can be chosen.
    ['compress, deflate', ALL, 'identity'],
    ['compress, identity;q=0', ['br', 'identity'], null],
    ['zstd', NO_ZSTD, 'identity'],
    // Malformed elements are skipped, the rest still counts.
    ['br;q=2, gzip', ALL, 'gzip'],
    ['br;q=abc, gzip;q=0.3', ALL, 'gzip'],
    ['br;q=0.1234, gzip;q=0.3', ALL, 'gzip'],
    ['br;q=, gzip', ALL, 'gzip'],
    ['b r, gzip', ALL, 'gzip'],
    [',,, br ,', ALL, 'br'],
    // Parameters other than q are ignored; the first entry for a coding wins.
    ['br;level=5', ALL, 'br'],
    ['br;q=0, br', ALL, 'identity'],
  ];
  it.each(rows)('%j with %j → %j', (header, available, expected) => {
    expect(negotiateEncoding(header, available)).toBe(expected);
  });

  it('joins repeated header lines', () => {
    expect(negotiateEncoding(['identity;q=0', 'gzip'], ALL)).toBe('gzip');
  });
});

describe('parseAcceptEncoding', () => {
  it('records weights, * and x-gzip as gzip', () => {
    const parsed = parseAcceptEncoding('x-gzip;q=0.5, br, *;q=0.1');
    expect(Object.fromEntries(parsed.weights)).toEqual({ gzip: 0.5, br: 1 });
    expect(parsed.star).toBe(0.1);
  });
});
