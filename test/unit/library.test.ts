/** The library view's hints (issue 14): sidecars, posters, seasons and episodes, from names alone. */
import { describe, expect, it } from 'vitest';
import { coverOf, episodeOf, libraryHints, posterInside, seasonOfFolder } from '../../src/pages/listing/library.js';
import { renderListingHtml } from '../../src/pages/listing/html.js';
import { readmeName, renderReadme } from '../../src/pages/listing/readme.js';

const files = (...names: string[]) => names.map((name) => ({ name, kind: 'file' as const }));
const dirs = (...names: string[]) => names.map((name) => ({ name, kind: 'directory' as const }));

describe('episodeOf', () => {
  const rows: [string, number | undefined, { season?: number; episode: number } | undefined][] = [
    ['S01E02 - Pilot.mp4', undefined, { season: 1, episode: 2 }],
    ['Show.s02e10.720p.mkv', undefined, { season: 2, episode: 10 }],
    ['Show S3 E4.mp4', undefined, { season: 3, episode: 4 }],
    ['Show 1x02 Title.mp4', undefined, { season: 1, episode: 2 }],
    ['Show S00E01 Special.mp4', undefined, { season: 0, episode: 1 }],
    ['Episode 5.mp4', 2, { season: 2, episode: 5 }],
    ['Folge 12 - Der Titel.mp4', 1, { season: 1, episode: 12 }],
    ['E07.mkv', undefined, { episode: 7 }],
    ['Film 1920x1080.mp4', undefined, undefined],
    ['Amélie (2001).mp4', undefined, undefined],
    ['Best of 2010.mp4', undefined, undefined],
  ];
  for (const [name, folder, want] of rows)
    it(`${name} (folder season ${folder ?? '-'})`, () => expect(episodeOf(name, folder)).toEqual(want));
});

describe('seasonOfFolder', () => {
  const rows: [string, number | undefined][] = [
    ['Season 1', 1],
    ['season 10', 10],
    ['Staffel 2', 2],
    ['Saison 03', 3],
    ['Temporada 4', 4],
    ['S05', 5],
    ['Season.06', 6],
    ['Specials', 0],
    ['Extras', 0],
    ['Seasonal recipes', undefined],
    ['Films', undefined],
  ];
  for (const [name, want] of rows) it(name, () => expect(seasonOfFolder(name)).toBe(want));
});

describe('libraryHints', () => {
  it('a folder without media keeps its plain list', () => {
    expect(libraryHints({ names: [...files('a.txt', 'b.pdf'), ...dirs('docs')], folderName: 'x' })).toBeNull();
  });

  it('folds subtitles, nfo and artwork under their video, with languages and the best poster', () => {
    const hints = libraryHints({
      names: files(
        'S01E01 - Pilot.mp4',
        'S01E01 - Pilot.en.vtt',
        'S01E01 - Pilot.pt-BR.forced.srt',
        'S01E01 - Pilot.srt',
        'S01E01 - Pilot.nfo',
        'S01E01 - Pilot-thumb.jpg',
        'S01E01 - Pilot-poster.webp',
        'S01E02 - Second.mp4',
        'S01E02 - Second.jpg',
        'S01E10 - Tenth.mp4',
        'notes.txt',
      ),
      folderName: 'Season 1',
    });
    expect(hints).not.toBeNull();
    const h = hints!;
    expect(h.get('S01E01 - Pilot.en.vtt')).toEqual({ of: 'S01E01 - Pilot.mp4', lang: 'en' });
    expect(h.get('S01E01 - Pilot.pt-BR.forced.srt')).toEqual({ of: 'S01E01 - Pilot.mp4', lang: 'pt-BR' });
    expect(h.get('S01E01 - Pilot.srt')).toEqual({ of: 'S01E01 - Pilot.mp4', lang: '' });
    expect(h.get('S01E01 - Pilot.nfo')).toEqual({ of: 'S01E01 - Pilot.mp4' });
    expect(h.get('S01E01 - Pilot-thumb.jpg')).toEqual({ of: 'S01E01 - Pilot.mp4' });
    expect(h.get('S01E01 - Pilot.mp4')).toEqual({ poster: 'S01E01 - Pilot-poster.webp', season: 1, episode: 1 });
    expect(h.get('S01E02 - Second.mp4')).toEqual({ poster: 'S01E02 - Second.jpg', season: 1, episode: 2 });
    expect(h.get('S01E10 - Tenth.mp4')).toEqual({ season: 1, episode: 10 });
    expect(h.has('notes.txt')).toBe(false);
  });

  it('gives a film folder’s poster, fanart and movie.nfo to its only video', () => {
    const h = libraryHints({
      names: files('Film (2010).mkv', 'fanart.jpg', 'poster.jpg', 'movie.nfo', 'trailer.txt'),
      folderName: 'Film (2010)',
    })!;
    expect(h.get('Film (2010).mkv')).toEqual({ poster: 'poster.jpg' });
    expect(h.get('fanart.jpg')).toEqual({ of: 'Film (2010).mkv' });
    expect(h.get('movie.nfo')).toEqual({ of: 'Film (2010).mkv' });
    expect(h.has('trailer.txt')).toBe(false);
  });

  it('leaves pictures of a photo folder alone and gives audio the album cover', () => {
    const photos = libraryHints({ names: files('a.jpg', 'folder.jpg', 'b.png'), folderName: 'Photos' })!;
    expect(photos.get('a.jpg')).toBeUndefined();
    const album = libraryHints({
      names: files('01 One.mp3', '02 Two.mp3', 'front.png', 'cover.jpg'),
      folderName: 'A',
    })!;
    expect(album.get('01 One.mp3')).toEqual({ poster: 'cover.jpg' });
    expect(album.has('cover.jpg')).toBe(false);
  });

  it('recognises season folders, with Kodi’s season posters beside them or a poster inside', () => {
    const h = libraryHints({
      names: [...dirs('Season 1', 'Season 2', 'Specials', 'Making of'), ...files('season01-poster.jpg', 'poster.jpg')],
      folderName: 'Show',
      subPosters: new Map([['Season 2', 'folder.jpg']]),
    })!;
    expect(h.get('Season 1')).toEqual({ season: 1, poster: 'season01-poster.jpg' });
    expect(h.get('season01-poster.jpg')).toEqual({ of: 'Season 1', ofFolder: true });
    expect(h.get('Season 2')).toEqual({ season: 2, poster: 'Season 2/folder.jpg' });
    expect(h.get('Specials')).toEqual({ season: 0 });
    expect(h.get('Making of')).toEqual({});
  });

  it('a folder of shows is a library when they have posters, and stays plain when none has', () => {
    const names = dirs('Kommissar Klein', 'The Tiny Show');
    expect(libraryHints({ names, folderName: 'Series' })).toBeNull();
    const h = libraryHints({ names, folderName: 'Series', subPosters: new Map([['The Tiny Show', 'poster.jpg']]) })!;
    expect(h.get('The Tiny Show')).toEqual({ poster: 'The Tiny Show/poster.jpg' });
    expect(h.get('Kommissar Klein')).toEqual({});
  });

  it('keeps huge folders plain', () => {
    const many = files(...Array.from({ length: 5_001 }, (_, i) => `v${i}.mp4`));
    expect(libraryHints({ names: many, folderName: 'x' })).toBeNull();
  });
});

describe('covers and posters', () => {
  it('prefers cover, folder, then front', () => {
    expect(coverOf(['front.jpg', 'folder.png', 'x.jpg'])).toBe('folder.png');
    expect(coverOf(['Cover.JPG', 'folder.png'])).toBe('Cover.JPG');
    expect(coverOf(['a.jpg'])).toBeUndefined();
    expect(posterInside(['front.jpg', 'poster.webp'])).toBe('poster.webp');
  });
});

describe('README', () => {
  const render = (name: string, text: string, cut = false) => renderReadme({ name, text, cut, href: 'x' });

  it('picks README.md before README.txt before README, in any case', () => {
    expect(readmeName(['a.md', 'README.txt', 'readme.MD'])).toBe('readme.MD');
    expect(readmeName(['README', 'ReadMe.txt'])).toBe('ReadMe.txt');
    expect(readmeName(['README'])).toBe('README');
    expect(readmeName(['READMEs.md', 'notes.md'])).toBeUndefined();
  });

  it('renders markdown without passing raw HTML, script links or outside pictures', async () => {
    const html = await render(
      'README.md',
      '# Title\n\n<script>alert(1)</script> <img src=x onerror=alert(2)>\n\n[bad](javascript:alert(3)) ' +
        '![far](https://example.com/x.png) ![near](poster.jpg) **bold**\n',
    );
    expect(html).toContain('<h3>Title</h3>');
    expect(html).not.toMatch(/<script|<img src="x"|<[^>]*onerror|href="javascript:|example\.com/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<img src="poster.jpg" alt="near">');
    expect(html).toContain('<strong>bold</strong>');
  });

  it('shows README.txt preformatted and says when the file was cut', async () => {
    const html = await render('README.txt', 'a <b> & c', true);
    expect(html).toContain('<pre class="readme-text">a &lt;b&gt; &amp; c</pre>');
    expect(html).toContain('<a href="x">the whole file</a>');
  });
});

describe('library rows', () => {
  const entry = (name: string) => ({ name, type: 'file' as const, size: 1, mtimeMs: 1_700_000_000_000 });
  it('carry their hints as escaped, encoded attributes and keep the one-link line shape', () => {
    const names = ['a "q" <x>.mp4', 'a "q" <x>.en.vtt', 'a "q" <x>-poster.jpg'];
    const library = libraryHints({ names: names.map((name) => ({ name, kind: 'file' })), folderName: 'F' });
    const html = renderListingHtml(
      { base: '', path: '/F/', entries: names.map(entry) },
      { sort: 'name', order: 'asc', now: 1_700_000_100_000, library },
    );
    const rows = html.split('\n').filter((l) => /^<tr class="[a-z]"/.test(l));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toMatch(/^<tr class="[a-z]"[^>]*><td><a href="[^"<>]*">[^<]*<\/a><td>/);
    const video = rows.find((r) => r.startsWith('<tr class="v"')) ?? '';
    expect(video).toContain(' data-entry="a%20%22q%22%20%3Cx%3E.mp4"');
    expect(video).toContain(' data-poster="a%20%22q%22%20%3Cx%3E-poster.jpg"');
    const sub = rows.find((r) => r.includes('.en.vtt')) ?? '';
    expect(sub).toContain(' data-of="a%20%22q%22%20%3Cx%3E.mp4" data-lang="en"');
    expect(html).not.toMatch(/data-[a-z]+="[^"]*[<>][^"]*"/);
  });
});
