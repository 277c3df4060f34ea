import { describe, expect, it } from 'vitest';
import { evaluatePreconditions, type PreconditionResult, type RequestHeaders } from '../../src/http/conditional.js';
import { formatHttpDate } from '../../src/http/httpdate.js';

// The representation: modified 0.5 s into a second, tagged "abc".
const MTIME = Date.UTC(2026, 0, 15, 12, 0, 0) + 500;
const ETAG = '"abc"';
const LAST_MODIFIED = formatHttpDate(MTIME); // Thu, 15 Jan 2026 12:00:00 GMT
const EARLIER = formatHttpDate(MTIME - 60_000);
const LATER = formatHttpDate(MTIME + 60_000);

const OK: PreconditionResult = { status: 'ok', honourRange: true };
const OK_FULL: PreconditionResult = { status: 'ok', honourRange: false };
const NOT_MODIFIED: PreconditionResult = { status: 304, honourRange: false };
const FAILED: PreconditionResult = { status: 412, honourRange: false };

function evaluate(headers: RequestHeaders, method = 'GET'): PreconditionResult {
  return evaluatePreconditions({ method, headers, etag: ETAG, mtimeMs: MTIME, nowMs: Date.UTC(2026, 5, 1) });
}

describe('each precondition alone', () => {
  it.each<[string, RequestHeaders, PreconditionResult]>([
    ['no preconditions', {}, OK],
    ['If-Match current tag', { 'if-match': '"abc"' }, OK],
    ['If-Match *', { 'if-match': '*' }, OK],
    ['If-Match in a list', { 'if-match': '"x", "abc"' }, OK],
    ['If-Match other tag', { 'if-match': '"x"' }, FAILED],
    ['If-Match weak tag never matches (strong comparison)', { 'if-match': 'W/"abc"' }, FAILED],
    ['If-Match garbage', { 'if-match': 'abc' }, FAILED],
    ['If-Unmodified-Since Last-Modified itself', { 'if-unmodified-since': LAST_MODIFIED }, OK],
    ['If-Unmodified-Since later', { 'if-unmodified-since': LATER }, OK],
    ['If-Unmodified-Since earlier', { 'if-unmodified-since': EARLIER }, FAILED],
    ['If-Unmodified-Since invalid is ignored', { 'if-unmodified-since': 'not a date' }, OK],
    ['If-None-Match current tag', { 'if-none-match': '"abc"' }, NOT_MODIFIED],
    ['If-None-Match weak tag matches (weak comparison)', { 'if-none-match': 'W/"abc"' }, NOT_MODIFIED],
    ['If-None-Match in a list', { 'if-none-match': '"x", W/"y", "abc"' }, NOT_MODIFIED],
    ['If-None-Match *', { 'if-none-match': '*' }, NOT_MODIFIED],
    ['If-None-Match other tag', { 'if-none-match': '"x"' }, OK],
    ['If-None-Match garbage', { 'if-none-match': 'abc' }, OK],
    [
      'If-Modified-Since Last-Modified itself (ms of mtime ignored)',
      { 'if-modified-since': LAST_MODIFIED },
      NOT_MODIFIED,
    ],
    ['If-Modified-Since later', { 'if-modified-since': LATER }, NOT_MODIFIED],
    ['If-Modified-Since earlier', { 'if-modified-since': EARLIER }, OK],
    ['If-Modified-Since invalid is ignored', { 'if-modified-since': 'Thu, 15 Jan 2026 12:00:00 UTC' }, OK],
    ['If-Modified-Since obsolete asctime form', { 'if-modified-since': 'Thu Jan 15 12:00:00 2026' }, NOT_MODIFIED],
    ['If-Modified-Since sent twice is ignored', { 'if-modified-since': [LAST_MODIFIED, LAST_MODIFIED] }, OK],
  ])('%s', (_name, headers, expected) => {
    expect(evaluate(headers)).toEqual(expected);
  });
});

describe('pairs whose order matters', () => {
  it.each<[string, RequestHeaders, PreconditionResult]>([
    [
      'If-Match passes, If-Unmodified-Since would fail: ignored',
      { 'if-match': '"abc"', 'if-unmodified-since': EARLIER },
      OK,
    ],
    ['If-Match fails, If-Unmodified-Since would pass', { 'if-match': '"x"', 'if-unmodified-since': LATER }, FAILED],
    [
      'If-None-Match differs, If-Modified-Since would say 304: ignored',
      { 'if-none-match': '"x"', 'if-modified-since': LATER },
      OK,
    ],
    [
      'If-None-Match matches, If-Modified-Since would say modified',
      { 'if-none-match': '"abc"', 'if-modified-since': EARLIER },
      NOT_MODIFIED,
    ],
    ['If-Match fails before If-None-Match matches', { 'if-match': '"x"', 'if-none-match': '"abc"' }, FAILED],
    [
      'If-Unmodified-Since fails before If-Modified-Since',
      { 'if-unmodified-since': EARLIER, 'if-modified-since': LATER },
      FAILED,
    ],
    ['If-None-Match 304 wins over If-Range', { 'if-none-match': '"abc"', 'if-range': '"abc"' }, NOT_MODIFIED],
  ])('%s', (_name, headers, expected) => {
    expect(evaluate(headers)).toEqual(expected);
  });
});

describe('methods', () => {
  it.each<[string, string, RequestHeaders, PreconditionResult]>([
    ['HEAD gets 304 like GET', 'HEAD', { 'if-none-match': '"abc"' }, NOT_MODIFIED],
    ['If-None-Match on POST → 412', 'POST', { 'if-none-match': '"abc"' }, FAILED],
    ['If-None-Match * on PUT → 412', 'PUT', { 'if-none-match': '*' }, FAILED],
    ['If-Modified-Since ignored on POST', 'POST', { 'if-modified-since': LATER }, OK_FULL],
    ['Range is not honoured for POST', 'POST', {}, OK_FULL],
    ['HEAD honours Range like GET', 'HEAD', {}, OK],
  ])('%s', (_name, method, headers, expected) => {
    expect(evaluate(headers, method)).toEqual(expected);
  });
});

describe('If-Range', () => {
  it.each<[string, string | string[], PreconditionResult]>([
    ['strong tag that matches', '"abc"', OK],
    ['weak tag never matches', 'W/"abc"', OK_FULL],
    ['stale tag', '"old"', OK_FULL],
    ['date exactly Last-Modified', LAST_MODIFIED, OK],
    ['date exactly Last-Modified in asctime form', 'Thu Jan 15 12:00:00 2026', OK],
    ['later date is not exact', LATER, OK_FULL],
    ['earlier date', EARLIER, OK_FULL],
    ['garbage', 'whatever', OK_FULL],
    ['unterminated tag', '"abc', OK_FULL],
    ['sent twice', ['"abc"', '"abc"'], OK_FULL],
  ])('%s', (_name, ifRange, expected) => {
    expect(evaluate({ 'if-range': ifRange })).toEqual(expected);
  });
});

it('rejects an etag argument that is not an entity-tag', () => {
  expect(() => evaluatePreconditions({ method: 'GET', headers: {}, etag: 'abc', mtimeMs: 0 })).toThrow(TypeError);
});
