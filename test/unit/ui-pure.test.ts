import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { listingHtml, renderListingHtml } from '../../src/pages/listing/html.js';
import type { Entry } from '../../src/fs/entries.js';
import { compareNames, sortEntries, sortStateFrom } from '../../src/fs/sort.js';
import { encodeSegment, escapeHtml, hrefOf } from '../../src/pages/ui/escape.js';
import { exactTime, humanSize, relativeTime } from '../../src/pages/ui/format.js';
import { baseNameOf, extensionOf, kindOf, playabilityOf } from '../../src/pages/ui/kind.js';
import { findSubtitles, neighbours } from '../../src/pages/view/siblings.js';
import { renderPlayerHtml } from '../../src/pages/view/player.js';
import { escapeText, renderTextHtml, looksBinary } from '../../src/pages/view/text.js';
import { renderImageHtml } from '../../src/pages/view/image.js';

const HOSTILE = [
  'a b.txt',
  '100%.txt',
  '50%25 off.txt',
  '#hash.mp4',
  'what?.mp4',
  'quote"s.png',
  "it's.jpg",
  '<script>alert(1)</script>.txt',
  'a&b;c.txt',
  'tom & jerry (1).mkv',
  'ünïcødé.txt',
  'NFD-cafe\u0301.txt',
  '日本語.mp3',
  '🎬 movie.mp4',
  'javascript:alert(1)',
  'back\\slash.txt',
  '+plus=equals,comma;semi@at.txt',
];

/** Undo the HTML attribute escaping, then the percent-encoding: what a browser does to an href. */
function hrefToPath(attr: string): string {
  const unescaped = attr
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  return unescaped.split('/').map(decodeURIComponent).join('/');
}

const file = (name: string, size = 10, mtimeMs = 1_700_000_000_000): Entry => ({ name, type: 'file', size, mtimeMs });
const dir = (name: string, mtimeMs = 1_700_000_000_000): Entry => ({ name, type: 'directory', size: 0, mtimeMs });

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
  });
  it('never leaves a raw < > " \' in its output', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => !/[<>"']/.test(escapeHtml(s))));
  });
});

describe('encodeSegment / hrefOf', () => {
  it('encodes every character with a meaning in a URL path or HTML', () => {
    expect(encodeSegment('a b#c?d%e/f')).toBe('a%20b%23c%3Fd%25e%2Ff');
    expect(encodeSegment(`it's (1)!*`)).toBe('it%27s%20%281%29%21%2A');
    expect(encodeSegment('🎬')).toBe('%F0%9F%8E%AC');
  });
  it('round-trips any well-formed segment through decodeURIComponent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (s) => {
        const encoded = encodeSegment(s);
        return decodeURIComponent(encoded) === s && /^[A-Za-z0-9\-_.~%]*$/.test(encoded);
      }),
    );
  });
  it('turns lone surrogates into U+FFFD instead of throwing', () => {
    expect(encodeSegment('a\uD800b')).toBe('a%EF%BF%BDb');
  });
  it('builds absolute hrefs per segment under the mount base', () => {
    expect(hrefOf('', '/')).toBe('/');
    expect(hrefOf('', '/', 'a b')).toBe('/a%20b');
    expect(hrefOf('', '/x y/', 'z#1', true)).toBe('/x%20y/z%231/');
    expect(hrefOf('/mnt', '/sub dir/')).toBe('/mnt/sub%20dir/');
    expect(hrefOf('/mnt', '/')).toBe('/mnt/');
  });
});

describe('sort', () => {
  const entries = [
    file('file10.txt', 5, 3),
    file('file2.txt', 50, 1),
    dir('zeta', 9),
    file('File1.txt', 5, 2),
    dir('Alpha', 1),
    file('b.bin', 500, 4),
  ];
  const names = (list: Entry[]): string[] => list.map((e) => e.name);

  it('puts folders first and names in natural order', () => {
    expect(names(sortEntries(entries, { sort: 'name', order: 'asc' }))).toEqual([
      'Alpha',
      'zeta',
      'b.bin',
      'File1.txt',
      'file2.txt',
      'file10.txt',
    ]);
    expect(names(sortEntries(entries, { sort: 'name', order: 'desc' }))).toEqual([
      'zeta',
      'Alpha',
      'file10.txt',
      'file2.txt',
      'File1.txt',
      'b.bin',
    ]);
  });
  it('sorts by size (ties by name, folders A→Z) and by date', () => {
    expect(names(sortEntries(entries, { sort: 'size', order: 'desc' }))).toEqual([
      'Alpha',
      'zeta',
      'b.bin',
      'file2.txt',
      'File1.txt',
      'file10.txt',
    ]);
    expect(names(sortEntries(entries, { sort: 'size', order: 'asc' }))).toEqual([
      'Alpha',
      'zeta',
      'File1.txt',
      'file10.txt',
      'file2.txt',
      'b.bin',
    ]);
    expect(names(sortEntries(entries, { sort: 'date', order: 'desc' }))).toEqual([
      'zeta',
      'Alpha',
      'b.bin',
      'file10.txt',
      'File1.txt',
      'file2.txt',
    ]);
  });
  it('does not modify its input and is a total order', () => {
    const copy = [...entries];
    sortEntries(entries, { sort: 'date', order: 'asc' });
    expect(entries).toEqual(copy);
    expect(compareNames('a', 'A')).not.toBe(0);
    expect(compareNames('x', 'x')).toBe(0);
  });
  it('reads ?sort=&order= leniently', () => {
    expect(sortStateFrom(new URLSearchParams(''))).toEqual({ sort: 'name', order: 'asc' });
    expect(sortStateFrom(new URLSearchParams('sort=size&order=desc'))).toEqual({ sort: 'size', order: 'desc' });
    expect(sortStateFrom(new URLSearchParams('sort=evil&order=sideways'))).toEqual({ sort: 'name', order: 'asc' });
  });
});

describe('kind detection', () => {
  it.each([
    ['film.MP4', 'video', 'yes'],
    ['film.mkv', 'video', 'maybe'],
    ['film.avi', 'video', 'no'],
    ['song.flac', 'audio', 'yes'],
    ['photo.JPeG', 'image', 'no'],
    ['notes.md', 'text', 'no'],
    ['README', 'text', 'no'],
    ['sub.srt', 'text', 'no'],
    ['backup.tar.gz', 'archive', 'no'],
    ['program.exe', 'other', 'no'],
    ['.mp4', 'other', 'no'],
    ['noext', 'other', 'no'],
  ])('%s is %s (playable: %s)', (name, kind, playable) => {
    expect(kindOf(name, 'file')).toBe(kind);
    expect(playabilityOf(name)).toBe(playable);
  });
  it('folders are folders whatever their name', () => {
    expect(kindOf('movie.mp4', 'directory')).toBe('folder');
  });
  it('splits extensions at the last dot, a leading dot is not one', () => {
    expect(extensionOf('a.b.C')).toBe('c');
    expect(extensionOf('.bashrc')).toBe('');
    expect(baseNameOf('film.en.vtt')).toBe('film.en');
    expect(baseNameOf('.bashrc')).toBe('.bashrc');
  });
});

describe('format', () => {
  it('human sizes', () => {
    expect(humanSize(0)).toBe('0 B');
    expect(humanSize(1023)).toBe('1023 B');
    expect(humanSize(1536)).toBe('1.5 KiB');
    expect(humanSize(495622)).toBe('484 KiB');
    expect(humanSize(5 * 1024 ** 3)).toBe('5 GiB');
  });
  it('relative and exact times', () => {
    const now = Date.UTC(2026, 10, 26, 12, 0, 0);
    expect(relativeTime(now - 10_000, now)).toBe('just now');
    expect(relativeTime(now - 5 * 60_000, now)).toBe('5 minutes ago');
    expect(relativeTime(now - 26 * 3600_000, now)).toBe('yesterday');
    expect(relativeTime(now - 400 * 86400_000, now)).toBe('last year');
    expect(relativeTime(now + 2 * 3600_000, now)).toBe('in 2 hours');
    expect(exactTime(now)).toBe('2026-11-26 12:00:00 UTC');
  });
  it('exact time matches the ISO form for any instant, before 1970 too', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2_000_000_000_000, max: 4_000_000_000_000 }), (ms) => {
        const iso = new Date(ms).toISOString();
        return exactTime(ms) === `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
      }),
    );
  });
});

describe('renderListingHtml', () => {
  const view = { sort: 'name' as const, order: 'asc' as const, now: 1_700_000_100_000 };
  /** Each row's link: `[href, text]` as a line-based parser (Kodi's) reads them. */
  const rowLinks = (html: string): [string, string][] =>
    [...html.matchAll(/^<tr class="[a-z]"[^>]*><td><a href="([^"]*)">([^<]*)<\/a>/gm)].map((m) => [
      m[1] as string,
      m[2] as string,
    ]);

  it('links every hostile name to itself and never lets it out of its text or attribute', () => {
    const entries = [...HOSTILE.map((n) => file(n)), dir('dir <&> "q"')];
    const html = renderListingHtml({ base: '', path: '/sub dir/ü#/', entries }, view);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toMatch(/href="[^"]*[\s<>'][^"]*"/);
    const links = rowLinks(html);
    expect(links.map(([href]) => hrefToPath(href))).toEqual(
      entries.map((e) => e.name + (e.type === 'directory' ? '/' : '')),
    );
    // A relative link never starts a scheme (`javascript:`): the colon is percent-encoded.
    for (const [href] of links) expect(href).not.toMatch(/^[a-z][a-z0-9+.-]*:/i);
    // The link text is the name (what Kodi's parser compares with the decoded href).
    const unescape = (text: string): string =>
      text.replace(
        /&(quot|#39|lt|gt|amp);/g,
        (_, e: string) => ({ quot: '"', '#39': "'", lt: '<', gt: '>', amp: '&' })[e] ?? '',
      );
    expect(links.map(([, text]) => unescape(text))).toEqual(entries.map((e) => e.name));
    expect(html).toContain('<tr class="up"><td><a href="../">');
  });

  it('links every file to itself, once, with no query: no ?view or ?download link for crawlers to double', () => {
    const html = renderListingHtml(
      {
        base: '/m',
        path: '/',
        entries: [dir('d'), file('a.mp4'), file('b.zip'), file('c.png'), file('d.txt'), file('e.HTML')],
      },
      view,
    );
    expect(rowLinks(html)).toEqual([
      ['d/', 'd'],
      ['a.mp4', 'a.mp4'],
      ['b.zip', 'b.zip'],
      ['c.png', 'c.png'],
      ['d.txt', 'd.txt'],
      ['e.HTML', 'e.HTML'],
    ]);
    expect([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]).filter((h) => h?.includes('?'))).toEqual([]);
    // Kinds for the icon and the script: viewers for video, image, text; a rendered page has none.
    expect([...html.matchAll(/^<tr class="([a-z])"/gm)].map((m) => m[1])).toEqual(['d', 'v', 'z', 'i', 't', 'h']);
    expect(html).not.toContain('class="up"');
  });

  it('a mount root reached without its slash links under the mount', () => {
    const html = renderListingHtml({ base: '/m', path: '/', linkPrefix: 'm/', entries: [file('a b.txt')] }, view);
    expect(rowLinks(html)).toEqual([['m/a%20b.txt', 'a b.txt']]);
  });

  it('has a kind per row, sort forms (not links), totals, and no inline script or style', () => {
    const html = renderListingHtml(
      {
        base: '',
        path: '/x/',
        entries: [
          dir('f'),
          file('a.mp4', 1000),
          file('b.mp3', 24),
          file('c.png'),
          file('d.md'),
          file('e.7z'),
          file('g.bin'),
        ],
      },
      { ...view, sort: 'size', order: 'desc' },
    );
    expect([...html.matchAll(/^<tr class="([a-z])"/gm)].map((m) => m[1])).toEqual(['d', 'v', 'a', 'i', 't', 'z', 'o']);
    expect(html).toContain(
      '<th scope="col" class="col-size" aria-sort="descending"><form><input type="hidden" name="order" value="asc"><button name="sort" value="size"',
    );
    expect(html).toContain('name="order" value="asc"><button name="sort" value="name"');
    expect(html).toContain('name="order" value="desc"><button name="sort" value="date"');
    expect(html).not.toContain('?sort=');
    expect(html).toContain('1 folder, 6 files, 1 KiB');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(html).toMatch(/<script type="module" src="\/\.aqua\/listing\.[0-9a-f]{12}\.js">/);
  });

  it('a row is one short line: the name twice, size, date, the sort keys', () => {
    const row = renderListingHtml({ base: '', path: '/', entries: [file('clip.mp4', 1234, 1_699_999_000_000)] }, view)
      .split('\n')
      .find((line) => line.startsWith('<tr class="v"'));
    expect(row).toBe(
      '<tr class="v" data-s="1234" data-m="1699999000000"><td><a href="clip.mp4">clip.mp4</a><td>1.2 KiB<td>18 minutes ago<td>',
    );
  });

  it('the streamed page is the same page, batch by batch', async () => {
    const entries = Array.from({ length: 600 }, (_, i) => file(`f${i}.txt`, i));
    const place = { base: '', path: '/big/' };
    async function* batches(): AsyncGenerator<Entry[]> {
      for (let i = 0; i < entries.length; i += 256) yield entries.slice(i, i + 256);
    }
    const parts: string[] = [];
    for await (const part of listingHtml(place, view, batches())) parts.push(part);
    expect(parts.length).toBe(5); // start, three batches of rows, end
    expect(parts.join('')).toBe(renderListingHtml({ ...place, entries }, view));
  });
});

describe('viewer pages', () => {
  const base = {
    base: '',
    folder: '/v <1>/',
    size: 1000,
    mtimeMs: 1_700_000_000_000,
    contentType: 'video/mp4',
    prev: null,
    next: 'b "2".mp4',
  };

  it('player: raw src, tracks with languages, srt converted, prev/next, no inline code', () => {
    const html = renderPlayerHtml({
      ...base,
      name: 'a&b.mp4',
      kind: 'video',
      playability: 'yes',
      subtitles: findSubtitles('a&b.mp4', ['a&b.en.vtt', 'a&b.srt', 'a&b.de.srt', 'other.vtt']),
    });
    expect(html).toContain('<video id="media" controls preload="metadata" playsinline src="/v%20%3C1%3E/a%26b.mp4">');
    expect(html).toContain(
      '<track kind="subtitles" src="/v%20%3C1%3E/a%26b.srt?format=vtt" label="Subtitles" default>',
    );
    expect(html).toContain('<track kind="subtitles" src="/v%20%3C1%3E/a%26b.en.vtt" srclang="en" label="English">');
    expect(html).toContain('srclang="de" label="German"');
    expect(html).toContain('rel="next" href="/v%20%3C1%3E/b%20%222%22.mp4?view"');
    expect(html).not.toContain('rel="prev"');
    expect(html).toContain('href="/v%20%3C1%3E/a%26b.mp4?download"');
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });

  it('player: an unplayable format gets a note and a download, not a <video>', () => {
    const html = renderPlayerHtml({
      ...base,
      name: 'old.avi',
      contentType: 'video/x-msvideo',
      kind: 'video',
      playability: 'no',
      subtitles: [],
    });
    expect(html).not.toContain('<video');
    expect(html).toContain('cannot play this video');
    expect(html).toContain('href="/v%20%3C1%3E/old.avi?download"');
  });

  it('player: a maybe-playable format gets the player and a hidden note', () => {
    const html = renderPlayerHtml({
      ...base,
      name: 'x.mkv',
      contentType: 'video/x-matroska',
      kind: 'video',
      playability: 'maybe',
      subtitles: [],
    });
    expect(html).toContain('<video');
    expect(html).toContain('hidden data-media-error');
  });

  it('image and text views escape content and names', () => {
    const img = renderImageHtml({ ...base, name: '"><img src=x>.png', contentType: 'image/png', index: 1, count: 3 });
    expect(img).toContain('alt="&quot;&gt;&lt;img src=x&gt;.png"');
    expect(img).toContain('2 / 3');
    const txt = renderTextHtml({
      ...base,
      name: 'n.txt',
      contentType: 'text/plain',
      text: '</pre><script>x</script>',
      truncated: true,
    });
    expect(txt).toContain('&lt;/pre&gt;&lt;script&gt;x&lt;/script&gt;');
    expect(txt).toContain('Showing the first 1 MiB');
    expect(
      renderTextHtml({ ...base, name: 'n.txt', contentType: 'text/plain', text: null, truncated: false }),
    ).toContain('does not look like text');
    expect(looksBinary(new Uint8Array([65, 0, 66]))).toBe(true);
    expect(looksBinary(new TextEncoder().encode('plain'))).toBe(false);
  });
});

describe('siblings', () => {
  it('previous and next without wrapping', () => {
    expect(neighbours(['a', 'b', 'c'], 'a')).toEqual({ prev: null, next: 'b', index: 0, count: 3 });
    expect(neighbours(['a', 'b', 'c'], 'b')).toEqual({ prev: 'a', next: 'c', index: 1, count: 3 });
    expect(neighbours(['a', 'b', 'c'], 'c')).toEqual({ prev: 'b', next: null, index: 2, count: 3 });
    expect(neighbours(['a'], 'z')).toEqual({ prev: null, next: null, index: -1, count: 1 });
  });
  it('finds subtitles by base name with language tags', () => {
    const subs = findSubtitles('film.mp4', [
      'film.mp4',
      'film.pt-BR.srt',
      'film.vtt',
      'film.en.forced.vtt',
      'film2.vtt',
      'Film.vtt',
      'film.txt',
      'film.sdh-x.vtt',
    ]);
    expect(subs.map((s) => [s.name, s.lang, s.label, s.convert])).toEqual([
      ['film.vtt', null, 'Subtitles', false],
      ['film.pt-BR.srt', 'pt-BR', 'Brazilian Portuguese', true],
      ['film.en.forced.vtt', 'en', 'English (forced)', false],
      ['film.sdh-x.vtt', null, 'sdh-x', false],
    ]);
  });
});

describe('escapeText', () => {
  it('escapes exactly as escapeHtml does', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => escapeText(s) === escapeHtml(s)));
  });
});
