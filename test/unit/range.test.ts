import { describe, expect, it } from 'vitest';
import { parseRange, resolveRanges, type RangeDecision, type RangeSpec } from '../../src/http/range.js';

const b = (first: number, last: number): RangeSpec => ({ kind: 'bounded', first, last });
const o = (first: number): RangeSpec => ({ kind: 'open', first });
const s = (length: number): RangeSpec => ({ kind: 'suffix', length });

describe('parseRange', () => {
  it.each<[string, string, RangeSpec[] | null]>([
    ['first byte', 'bytes=0-0', [b(0, 0)]],
    ['first hundred bytes', 'bytes=0-99', [b(0, 99)]],
    ['open-ended', 'bytes=500-', [o(500)]],
    ['suffix', 'bytes=-500', [s(500)]],
    ['suffix of one', 'bytes=-1', [s(1)]],
    ['suffix of zero parses (unsatisfiable later)', 'bytes=-0', [s(0)]],
    ['two ranges', 'bytes=0-0,-1', [b(0, 0), s(1)]],
    ['whitespace after comma', 'bytes=0-1, 4-5', [b(0, 1), b(4, 5)]],
    ['tab and spaces around commas', 'bytes=0-1 \t,\t 4-5', [b(0, 1), b(4, 5)]],
    ['leading whitespace in the range set', 'bytes= 0-1', [b(0, 1)]],
    ['empty list elements are skipped', 'bytes=0-1,,4-5,', [b(0, 1), b(4, 5)]],
    ['unit is case-insensitive', 'Bytes=0-1', [b(0, 1)]],
    ['huge last position', 'bytes=0-99999999999999999999', [b(0, 1e20)]],
    ['leading zeros', 'bytes=007-010', [b(7, 10)]],
    ['empty range set', 'bytes=', null],
    ['only commas', 'bytes=,,', null],
    ['no unit', '0-99', null],
    ['empty unit', '=0-99', null],
    ['other unit', 'items=0-5', null],
    ['unit with space before =', 'bytes =0-1', null],
    ['space inside a range-spec', 'bytes=0 -1', null],
    ['last before first', 'bytes=5-2', null],
    ['one invalid spec spoils the header', 'bytes=0-1,5-2', null],
    ['dash alone', 'bytes=-', null],
    ['no dash', 'bytes=5', null],
    ['two dashes', 'bytes=1-2-3', null],
    ['negative first', 'bytes=--5', null],
    ['sign', 'bytes=+1-2', null],
    ['decimal', 'bytes=1.5-2', null],
    ['hex digits', 'bytes=0x1-2', null],
    ['non-ASCII digits', 'bytes=١-٢', null],
  ])('%s: %j', (_name, header, expected) => {
    expect(parseRange(header)).toEqual(expected);
  });
});

describe('resolveRanges', () => {
  const full: RangeDecision = { kind: 'full' };
  const unsatisfiable: RangeDecision = { kind: 'unsatisfiable' };
  const partial = (...ranges: [number, number][]): RangeDecision => ({
    kind: 'partial',
    ranges: ranges.map(([start, end]) => ({ start, end })),
  });
  const many = (count: number): RangeSpec[] => Array.from({ length: count }, (_, i) => b(i * 2, i * 2));

  it.each<[string, RangeSpec[], number, RangeDecision]>([
    ['0-0 is the first byte, not the file', [b(0, 0)], 1000, partial([0, 0])],
    ['0-99', [b(0, 99)], 1000, partial([0, 99])],
    ['last byte', [b(999, 999)], 1000, partial([999, 999])],
    ['end past size is clamped', [b(900, 5000)], 1000, partial([900, 999])],
    ['start at size', [b(1000, 1001)], 1000, unsatisfiable],
    ['start past size', [b(5000, 6000)], 1000, unsatisfiable],
    ['open from the middle', [o(400)], 1000, partial([400, 999])],
    ['open from 0 is the whole file as a 206', [o(0)], 1000, partial([0, 999])],
    ['open at size', [o(1000)], 1000, unsatisfiable],
    ['-1 is the last byte', [s(1)], 1000, partial([999, 999])],
    ['-500 is the last 500 bytes, not 0-500', [s(500)], 1000, partial([500, 999])],
    ['-N larger than the file is the whole file', [s(5000)], 1000, partial([0, 999])],
    ['-0 is unsatisfiable', [s(0)], 1000, unsatisfiable],
    ['two disjoint ranges keep their order', [b(500, 599), b(0, 99)], 1000, partial([500, 599], [0, 99])],
    ['unsatisfiable ones are dropped', [b(0, 9), b(2000, 3000)], 1000, partial([0, 9])],
    ['overlapping ranges coalesce', [b(0, 99), b(50, 149)], 1000, partial([0, 149])],
    ['adjacent ranges coalesce', [b(0, 99), b(100, 199)], 1000, partial([0, 199])],
    [
      'coalesced group takes its earliest position',
      [b(500, 599), b(0, 9), b(550, 650)],
      1000,
      partial([500, 650], [0, 9]),
    ],
    ['a gap of one byte does not coalesce', [b(0, 9), b(11, 20)], 1000, partial([0, 9], [11, 20])],
    ['duplicate full ranges total more than the file → full', [o(0), o(0)], 1000, full],
    ['overlaps adding up past the size → full', [b(0, 599), b(400, 999)], 1000, full],
    ['overlaps within the size coalesce', [b(0, 299), b(200, 499)], 1000, partial([0, 499])],
    [
      'exactly 50 ranges are served',
      many(50),
      1000,
      partial(...many(50).map((_, i): [number, number] => [i * 2, i * 2])),
    ],
    ['51 ranges → full', many(51), 1000, full],
    ['200 ranges → full', many(200), 1000, full],
    ['200 ranges none satisfiable → unsatisfiable', many(200), 0, unsatisfiable],
    ['empty file, 0-0', [b(0, 0)], 0, unsatisfiable],
    ['empty file, open', [o(0)], 0, unsatisfiable],
    ['empty file, suffix → whole (empty) body', [s(10)], 0, full],
    ['empty file, -0', [s(0)], 0, unsatisfiable],
    ['one-byte file, -5', [s(5)], 1, partial([0, 0])],
  ])('%s', (_name, specs, size, expected) => {
    expect(resolveRanges(specs, size)).toEqual(expected);
  });

  it('honours a custom maxRanges', () => {
    expect(resolveRanges([b(0, 0), b(2, 2), b(4, 4)], 10, { maxRanges: 2 })).toEqual(full);
  });
});
