import { describe, expect, it } from 'vitest';
import {
  fileETag,
  parseETag,
  parseETagList,
  strongMatch,
  weakMatch,
  type ETagCondition,
  type EntityTag,
} from '../../src/http/etag.js';

const strong = (opaque: string): EntityTag => ({ weak: false, opaque });
const weak = (opaque: string): EntityTag => ({ weak: true, opaque });

describe('fileETag', () => {
  it.each<[string, number, number, string]>([
    ['empty file at the epoch', 0, 0, '"0-0"'],
    ['size and mtime in hex', 255, 4096, '"ff-1000"'],
    ['sub-millisecond mtime is floored', 1, 1700000000123.987, '"1-18bcfe5687b"'],
  ])('%s', (_name, size, mtimeMs, expected) => {
    expect(fileETag(size, mtimeMs)).toBe(expected);
  });

  it('is the same for the same metadata (restarts, other instances) and strong', () => {
    expect(fileETag(1234, 1700000000000)).toBe(fileETag(1234, 1700000000000));
    expect(parseETag(fileETag(1234, 1700000000000))?.weak).toBe(false);
  });

  it.each<[string, number, number]>([
    ['size changes', 1235, 1700000000000],
    ['mtime changes by one millisecond', 1234, 1700000000001],
  ])('changes when the %s', (_name, size, mtimeMs) => {
    expect(fileETag(size, mtimeMs)).not.toBe(fileETag(1234, 1700000000000));
  });
});

describe('parseETag', () => {
  it.each<[string, string, EntityTag | null]>([
    ['strong', '"abc"', strong('abc')],
    ['weak', 'W/"abc"', weak('abc')],
    ['empty opaque-tag', '""', strong('')],
    ['surrounding whitespace', '  "abc" ', strong('abc')],
    ['comma inside', '"a,b"', strong('a,b')],
    ['unquoted', 'abc', null],
    ['lower-case w/', 'w/"abc"', null],
    ['unterminated', '"abc', null],
    ['trailing garbage', '"abc"x', null],
    ['space inside', '"a b"', null],
    ['two tags', '"a", "b"', null],
  ])('%s: %j', (_name, value, expected) => {
    expect(parseETag(value)).toEqual(expected);
  });
});

describe('parseETagList', () => {
  const list = (...tags: EntityTag[]): ETagCondition => ({ kind: 'list', tags });
  it.each<[string, string, ETagCondition]>([
    ['star', '*', { kind: 'any' }],
    ['star with whitespace', ' * ', { kind: 'any' }],
    ['one tag', '"a"', list(strong('a'))],
    ['mixed list', '"a", W/"b" ,"c"', list(strong('a'), weak('b'), strong('c'))],
    ['comma inside a tag is not a separator', '"a,b", "c"', list(strong('a,b'), strong('c'))],
    ['empty elements skipped', ',"a",,"b",', list(strong('a'), strong('b'))],
    ['garbage matches nothing', 'abc', list()],
    ['stops at the first bad element', '"a", bad, "b"', list(strong('a'))],
    ['missing comma stops', '"a" "b"', list(strong('a'))],
    ['star inside a list is not any', '"a", *', list(strong('a'))],
    ['empty', '', list()],
  ])('%s: %j', (_name, value, expected) => {
    expect(parseETagList(value)).toEqual(expected);
  });
});

describe('comparison (RFC 9110 §8.8.3.2 table)', () => {
  it.each<[EntityTag, EntityTag, boolean, boolean]>([
    [weak('1'), weak('1'), false, true],
    [weak('1'), weak('2'), false, false],
    [weak('1'), strong('1'), false, true],
    [strong('1'), strong('1'), true, true],
    [strong('1'), strong('2'), false, false],
  ])('%j vs %j: strong %s, weak %s', (a, b, strongResult, weakResult) => {
    expect(strongMatch(a, b)).toBe(strongResult);
    expect(strongMatch(b, a)).toBe(strongResult);
    expect(weakMatch(a, b)).toBe(weakResult);
    expect(weakMatch(b, a)).toBe(weakResult);
  });
});
