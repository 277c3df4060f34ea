import { describe, expect, it } from 'vitest';
import { asciiFallback, attachmentDisposition, encodeExtValue } from '../../src/http/disposition.js';

describe('attachmentDisposition', () => {
  it.each<[string, string, string]>([
    ['plain ASCII', 'movie.mp4', 'attachment; filename="movie.mp4"'],
    ['spaces are fine inside quotes', 'my movie.mp4', 'attachment; filename="my movie.mp4"'],
    ['accent dropped in the fallback', 'café.txt', `attachment; filename="cafe.txt"; filename*=UTF-8''caf%C3%A9.txt`],
    ['decomposed accent (NFD)', 'cafe\u0301.txt', `attachment; filename="cafe.txt"; filename*=UTF-8''cafe%CC%81.txt`],
    ['quote replaced', 'a"b.txt', `attachment; filename="a_b.txt"; filename*=UTF-8''a%22b.txt`],
    ['backslash replaced', 'a\\b.txt', `attachment; filename="a_b.txt"; filename*=UTF-8''a%5Cb.txt`],
    ['percent replaced', '100%25.txt', `attachment; filename="100_25.txt"; filename*=UTF-8''100%2525.txt`],
    ['emoji', '🎬 clip.mp4', `attachment; filename="_ clip.mp4"; filename*=UTF-8''%F0%9F%8E%AC%20clip.mp4`],
    ['CJK', '映画.mkv', `attachment; filename="__.mkv"; filename*=UTF-8''%E6%98%A0%E7%94%BB.mkv`],
    ['control characters never reach the header', 'a\r\nb', `attachment; filename="a__b"; filename*=UTF-8''a%0D%0Ab`],
    ["RFC 8187 non-attr-chars *'() are encoded", "it's (1)*.txt", `attachment; filename="it's (1)*.txt"`],
  ])('%s: %j', (_name, name, expected) => {
    expect(attachmentDisposition(name)).toBe(expected);
  });
});

describe('encodeExtValue', () => {
  it.each<[string, string]>([
    ["it's (1)*", "UTF-8''it%27s%20%281%29%2A"],
    ['attr-chars stay: !#$&+-.^_`|~', "UTF-8''attr-chars%20stay%3A%20!#$&+-.^_`|~"],
    ['lone surrogate \ud800', "UTF-8''lone%20surrogate%20%EF%BF%BD"],
  ])('%j', (value, expected) => {
    expect(encodeExtValue(value)).toBe(expected);
  });
});

describe('asciiFallback', () => {
  it.each<[string, string]>([
    ['', 'download'],
    ['ﬁle', 'file'],
    ['Ünïcödé', 'Unicode'],
  ])('%j → %j', (name, expected) => {
    expect(asciiFallback(name)).toBe(expected);
  });
});
