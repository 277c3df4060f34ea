/**
 * The library view (issue 14) in headless Chromium, on the demo library that `npm start` serves (files/:
 * 23 films in series and seasons, photos, an album): the grid of posters and its remembered toggle,
 * sidecars folded into their video's card with language badges, seasons and episodes in order, posters
 * through `?thumb` with their fallbacks, the README below the list (its raw HTML inert), the album's
 * cover and play-through; widths, touch targets and axe-core at 390×844 (touch), 1,440×900 and
 * 1,920×1,080, light and dark.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, tempDir, type Running } from './helpers.js';
import { launchChromium, SKIP_BROWSER, type Chromium } from './support/chromium.js';
import { violations } from './support/axe.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const demo = path.join(repo, 'files');
const artifacts = path.join(repo, 'test', 'artifacts');
const updateDocs = process.env.UPDATE_SCREENSHOTS === '1';

const FILMS = '/Films/';
const SHOW = '/Series/The%20Tiny%20Show/';
const SEASON1 = `${SHOW}Season%201/`;
const PHOTOS = '/Photos/Holiday%202025/';
const ALBUM = '/Music/Tiny%20Orchestra%20-%20Test%20Tones/';

let srv: Running;
let odd: { root: string; cleanup(): Promise<void> };
let oddSrv: Running;
let phone: Chromium | undefined;
let desktop: Chromium | undefined;

beforeAll(async () => {
  if (SKIP_BROWSER) return;
  await mkdir(artifacts, { recursive: true });
  srv = await start({ root: demo });
  // Episodes whose names sort in another order than their numbers.
  const { dir, cleanup } = await tempDir('aqua-episodes-');
  odd = { root: dir, cleanup };
  const film = path.join(demo, 'Films', 'Night Train (1999).mp4');
  for (const name of ['b - S01E02.mp4', 'a - S01E10.mp4', 'c - S02E01.mp4', 'z - S00E01.mp4', 'Bonus.mp4'])
    await copyFile(film, path.join(dir, name));
  await mkdir(path.join(dir, 'notes'));
  await writeFile(path.join(dir, 'notes', 'todo.txt'), 'nothing to watch here\n');
  await writeFile(path.join(dir, 'notes', 'README.md'), `# Long\n\n${'A line of the long README.\n'.repeat(5000)}`);
  oddSrv = await start({ root: dir });
  phone = await launchChromium({
    viewport: { width: 390, height: 844 },
    hasTouch: true,
    isMobile: true,
    locale: 'en-US',
  });
  desktop = await launchChromium({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
}, 60_000);

afterAll(async () => {
  await phone?.close();
  await desktop?.close();
  await srv?.close();
  await oddSrv?.close();
  await odd?.cleanup();
});

type Where = 'phone' | 'desktop' | 'tv';

async function open(where: Where, url: string, scheme: 'light' | 'dark' = 'light', base = srv.url): Promise<Page> {
  const browser = where === 'phone' ? phone : desktop;
  if (!browser) throw new Error('no browser');
  const page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
  if (where === 'tv') await page.setViewportSize({ width: 1920, height: 1080 });
  await page.emulateMedia({ colorScheme: scheme });
  await page.goto(base + url, { waitUntil: 'load' });
  return page;
}

async function asGrid(page: Page): Promise<void> {
  if ((await page.getAttribute('.view-toggle [data-view="grid"]', 'aria-pressed')) !== 'true')
    await page.click('.view-toggle [data-view="grid"]');
  await page.waitForSelector('.library:not([hidden]) .card');
}

async function asList(page: Page): Promise<void> {
  await page.click('.view-toggle [data-view="list"]');
  await page.waitForSelector('.library', { state: 'hidden' });
}

/** The titles of the visible cards, in order. */
function cardTitles(page: Page): Promise<string[]> {
  return page.$$eval('.library li.card:not([hidden]) .card-title', (t) => t.map((n) => n.textContent ?? ''));
}

/** How much wider than the screen the page is: a phone's layout viewport grows to the page, the client width not. */
const overflow = (page: Page): Promise<number> =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

async function smallTargets(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (elements) =>
    elements
      .filter((e) => (e as HTMLElement).offsetParent !== null)
      .map((e) => ({ e, box: e.getBoundingClientRect() }))
      .filter(({ box }) => box.width < 44 || box.height < 44)
      .map(({ e, box }) => `${(e.textContent ?? '').trim().slice(0, 30)} ${box.width}×${box.height}`),
  );
}

describe.skipIf(SKIP_BROWSER)('the library view', () => {
  it('the grid is offered on media folders, and the choice is remembered across pages and reloads', async () => {
    const page = await open('desktop', FILMS);
    // The list is the default: the plain rows, the toggle showing "list".
    expect(await page.isVisible('table.listing tbody')).toBe(true);
    expect(await page.getAttribute('.view-toggle [data-view="list"]', 'aria-pressed')).toBe('true');
    await asGrid(page);
    expect(await page.isVisible('table.listing tbody')).toBe(false);
    expect(await page.evaluate(() => localStorage.getItem('aqua-serve:view'))).toBe('grid');
    await page.reload();
    expect(await page.isVisible('.library .card')).toBe(true);
    await page.goto(srv.url + SEASON1);
    expect(await page.isVisible('.library .card')).toBe(true);
    await asList(page);
    await page.goto(srv.url + FILMS);
    expect(await page.isVisible('.library')).toBe(false);
    expect(await page.isVisible('table.listing tbody')).toBe(true);
    // A folder without media has no toggle and no grid: its list only.
    const none = await open('desktop', '/notes/', 'light', oddSrv.url);
    expect(await none.$('.view-toggle')).toBeNull();
    expect(await none.$('tr[data-entry]')).toBeNull();
    await page.close();
    await none.close();
  });

  it('folds subtitles, .nfo and artwork into their video’s card, with language badges, still reachable', async () => {
    const page = await open('desktop', FILMS);
    await asGrid(page);
    expect(await cardTitles(page)).toEqual([
      'Harbour Lights (2018)',
      'Amélie (2001)',
      'Night Train (1999)',
      'Paper Moons (2020)',
      'README.txt',
      'The Lighthouse Keeper (2012)',
    ]);
    const amelie = page.locator('li.card', { hasText: 'Amélie (2001)' });
    expect(await amelie.getAttribute('data-entry')).toBe('Am%C3%A9lie%20%282001%29.mp4');
    // One main link, first, whose href is the file's (what the row's link is).
    expect(await amelie.locator('a').first().getAttribute('href')).toBe('Am%C3%A9lie%20%282001%29.mp4');
    expect(await page.getAttribute('tr[data-entry="Am%C3%A9lie%20%282001%29.mp4"] > td > a', 'href')).toBe(
      'Am%C3%A9lie%20%282001%29.mp4',
    );
    expect(await amelie.locator('.badge').evaluateAll((b) => b.map((n) => n.lastChild?.textContent))).toEqual([
      'EN',
      'FR',
    ]);
    expect(await amelie.locator('.badge').first().getAttribute('title')).toBe('Subtitles: English');
    await amelie.locator('summary').click();
    expect(await amelie.locator('details a').evaluateAll((a) => a.map((n) => n.getAttribute('href')))).toEqual([
      'Am%C3%A9lie%20%282001%29-poster.jpg',
      'Am%C3%A9lie%20%282001%29.en.vtt',
      'Am%C3%A9lie%20%282001%29.fr.srt',
    ]);
    // The sidecar is a real link to the file.
    const response = await page.request.get(`${srv.url}${FILMS}Am%C3%A9lie%20%282001%29.en.vtt`);
    expect(await response.text()).toMatch(/^WEBVTT/);
    // The list folds them too: the video's row carries the badges and the files; a filter shows their rows.
    await asList(page);
    const row = page.locator('tr[data-entry="Am%C3%A9lie%20%282001%29.mp4"]');
    expect(await row.locator('.badge').count()).toBe(2);
    expect(await row.locator('details.sidecars a').count()).toBe(3);
    expect(await page.locator('tr[data-of]').count()).toBe(8);
    expect(await page.locator('tr[data-of]:not([hidden])').count()).toBe(0);
    await page.fill('#filter', 'amelie');
    expect(await page.locator('tr[data-of]:not([hidden])').count()).toBe(3);
    await page.fill('#filter', '');
    expect(await page.locator('tr[data-of]:not([hidden])').count()).toBe(0);
    await page.close();
  });

  it('recognises seasons and orders episodes by number: 2 before 10, specials after the seasons', async () => {
    const page = await open('desktop', SEASON1);
    await asGrid(page);
    const codes = await page.$$eval('li.card .ep', (e) => e.map((n) => n.textContent));
    expect(codes).toEqual(Array.from({ length: 10 }, (_, i) => `S01E${String(i + 1).padStart(2, '0')}`));
    // An episode's card shows its title, the name whole on hover.
    expect((await cardTitles(page)).slice(0, 3)).toEqual(['Pilot', 'The Second One', 'Three Wishes']);
    expect(await page.getAttribute('li.card a.card-link', 'title')).toBe('The Tiny Show - S01E01 - Pilot.mp4');
    // Names that sort otherwise: the grid goes by season and episode, specials after, the rest last.
    const mixed = await open('desktop', '/', 'light', oddSrv.url);
    await asGrid(mixed);
    expect(await mixed.$$eval('.shelf-title', (h) => h.map((n) => n.textContent))).toEqual([
      'Folders',
      'Season 1',
      'Season 2',
      'Specials',
      'More files',
    ]);
    expect(await cardTitles(mixed)).toEqual(['notes', 'b - S01E02', 'a - S01E10', 'c - S02E01', 'z - S00E01', 'Bonus']);
    // Season folders: recognised in the series folder, with their posters (beside them, or inside).
    const show = await open('desktop', SHOW);
    await asGrid(show);
    expect(await cardTitles(show)).toEqual(['Season 1', 'Season 2', 'Specials', 'poster.jpg', 'README.md']);
    const posters = await show.$$eval('li.card.d img', (i) => i.map((n) => n.getAttribute('src')));
    // (Asked as ?thumb; without ffmpeg that is a 404 and the card falls back to the picture itself.)
    expect(posters.map((src) => src?.replace(/\?thumb$/, ''))).toEqual([
      'season01-poster.jpg',
      'Season%202/folder.jpg',
    ]);
    for (const p of [page, mixed, show]) await p.close();
  });

  it('asks for ?thumb, then falls back to the picture itself, or to a drawn placeholder for a video', async () => {
    const page = await (desktop as Chromium).context.newPage();
    const thumbs: string[] = [];
    // As when no thumbnail can be made (no ffmpeg): every ?thumb answers 404.
    await page.route(
      (url) => url.search === '?thumb',
      async (route) => {
        thumbs.push(new URL(route.request().url()).pathname);
        await route.fulfill({ status: 404, contentType: 'text/plain', body: 'no thumbnail' });
      },
    );
    await page.goto(srv.url + PHOTOS);
    await asGrid(page);
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll<HTMLImageElement>('.library img')).every(
        (img) => img.complete && img.naturalWidth > 0,
      ),
    );
    const photos = await page.$$eval('.library img', (i) => i.map((n) => (n as HTMLImageElement).src));
    expect(photos).toHaveLength(8);
    for (const src of photos) expect(src).toMatch(/\/Photos\/Holiday%202025\/IMG_\d{4}\.jpg$/);
    expect(thumbs.filter((t) => t.startsWith('/Photos/'))).toHaveLength(8);
    // Films: the poster beside it (thumbnail, then the picture); without one, the video's placeholder.
    await page.goto(srv.url + FILMS);
    await page.waitForFunction(() => document.querySelectorAll('.library .art:not(.has-art)').length >= 2);
    const keeper = page.locator('li.card', { hasText: 'The Lighthouse Keeper' });
    expect(await keeper.locator('img').count()).toBe(0);
    expect(await keeper.locator('.art').evaluate((a) => getComputedStyle(a, '::before').maskImage)).toMatch(
      /^url\("data:image\/svg\+xml/,
    );
    expect(thumbs).toContain('/Films/The%20Lighthouse%20Keeper%20%282012%29.mp4');
    expect(thumbs).toContain('/Films/Am%C3%A9lie%20%282001%29-poster.jpg');
    const amelie = page.locator('li.card', { hasText: 'Amélie' }).locator('img');
    await page.waitForFunction(
      (el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0,
      await amelie.elementHandle(),
    );
    expect(await amelie.getAttribute('src')).toBe('Am%C3%A9lie%20%282001%29-poster.jpg');
    await page.close();
  });

  it('arrow keys move through the grid, Enter opens the card', async () => {
    const page = await open('desktop', SEASON1);
    await asGrid(page);
    const focused = () =>
      page.evaluate(() => document.activeElement?.closest('li.card')?.querySelector('.ep')?.textContent);
    await page.keyboard.press('/');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe('S01E01');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await focused()).toBe('S01E03');
    const columns = await page.$$eval(
      'li.card',
      (cards) => cards.filter((c) => c.getBoundingClientRect().top === cards[0]?.getBoundingClientRect().top).length,
    );
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe(`S01E${String(3 + columns).padStart(2, '0')}`);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowLeft');
    expect(await focused()).toBe('S01E02');
    await Promise.all([
      page.waitForURL('**/The%20Tiny%20Show%20-%20S01E02%20-%20The%20Second%20One.mp4?view'),
      page.keyboard.press('Enter'),
    ]);
    await page.close();
  });

  it('a card opens its viewer, and Esc comes back to the grid with that card focused', async () => {
    const page = await open('desktop', PHOTOS);
    await asGrid(page);
    const card = page.locator('li.card', { hasText: 'IMG_0042.jpg' }).locator('a.card-link');
    await Promise.all([page.waitForURL('**/IMG_0042.jpg?view'), card.click()]);
    await Promise.all([page.waitForURL(`${srv.url}${PHOTOS}`), page.keyboard.press('Escape')]);
    await page.waitForSelector('.library li.card');
    expect(await page.evaluate(() => document.activeElement?.closest('li.card')?.getAttribute('data-entry'))).toBe(
      'IMG_0042.jpg',
    );
    await asList(page);
    await page.close();
  });

  it('renders the README below the list, its raw HTML shown as text and never run', async () => {
    const page = await open('desktop', SHOW);
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    expect(await page.textContent('.readme h2')).toBe('README.md');
    expect(await page.textContent('.readme .markdown h3')).toBe('The Tiny Show');
    expect(await page.locator('.readme .markdown table td').count()).toBe(4);
    expect(await page.locator('.readme script, .readme b').count()).toBe(0);
    expect(await page.textContent('.readme')).toContain("<script>alert('no')</script>");
    // Below the list, and the file is still listed.
    const order = await page.evaluate(() => {
      const table = document.querySelector('table.listing') as Element;
      const readme = document.querySelector('.readme') as Element;
      return table.compareDocumentPosition(readme) & Node.DOCUMENT_POSITION_FOLLOWING;
    });
    expect(order).toBeTruthy();
    expect(await page.locator('tr[data-entry="README.md"]').count()).toBe(1);
    const txt = await open('desktop', FILMS);
    expect(await txt.textContent('.readme pre.readme-text')).toContain('<name>-poster.jpg');
    expect(dialogs).toBe(0);
    // A README over 16 KiB of markdown shows its beginning and links to the whole file.
    const long = await (await page.request.get(`${oddSrv.url}/notes/`)).text();
    expect(long).toContain('<h3>Long</h3>');
    expect(long).toContain(
      '<p class="readme-cut">Only the beginning is shown: <a href="README.md">the whole file</a>.</p>',
    );
    expect(long.length).toBeLessThan(80 * 1024);
    await page.close();
    await txt.close();
  });

  it('the album player shows the cover and plays through to the next track', async () => {
    const page = await open('desktop', `${ALBUM}01%20-%20Morning.m4a?view`);
    const cover = page.locator('.audio-art img.cover');
    await page.waitForFunction(
      (el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0,
      await cover.elementHandle(),
    );
    expect(await cover.getAttribute('src')).toBe('/Music/Tiny%20Orchestra%20-%20Test%20Tones/cover.jpg');
    expect(await page.$$eval('.album li a', (a) => a.map((n) => n.textContent))).toEqual([
      '01 - Morning.m4a',
      '02 - Noon.m4a',
      '03 - Evening.m4a',
      '04 - Night.m4a',
    ]);
    await page.click('h1.title'); // a user gesture, so that play() is allowed
    await page.evaluate(async () => {
      const media = document.getElementById('media') as HTMLAudioElement;
      await media.play();
      media.currentTime = Math.max(0, media.duration - 0.3);
    });
    await page.waitForFunction(() => document.querySelector('h1.title')?.textContent === '02 - Noon.m4a');
    await page.waitForFunction(() => {
      const media = document.getElementById('media') as HTMLAudioElement;
      return !media.paused && media.currentTime > 0 && media.src.endsWith('/02%20-%20Noon.m4a');
    });
    expect(page.url()).toBe(`${srv.url}${ALBUM}02%20-%20Noon.m4a?view`);
    expect(await page.title()).toBe('02 - Noon.m4a — aqua-serve');
    expect(await page.getAttribute('.album a[aria-current="true"]', 'data-src')).toMatch(/02%20-%20Noon\.m4a$/);
    expect(await page.getAttribute('a.step[rel="next"]', 'href')).toMatch(/03%20-%20Evening\.m4a\?view$/);
    expect(await page.getAttribute('.actions a.primary', 'href')).toMatch(/02%20-%20Noon\.m4a\?download$/);
    await page.close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`fits every screen, with 44 px touch targets and no serious axe-core violation (${scheme})`, async () => {
      const wide: Record<string, number> = {};
      const small: Record<string, string[]> = {};
      const found: Record<string, string[]> = {};
      for (const where of ['phone', 'desktop', 'tv'] as const) {
        for (const url of [FILMS, SHOW, SEASON1, PHOTOS, `${ALBUM}01%20-%20Morning.m4a?view`]) {
          const page = await open(where, url, scheme);
          const key = `${where} ${decodeURIComponent(url)}`;
          if (!url.endsWith('?view')) await asGrid(page);
          if (url === SEASON1 || url === FILMS) {
            const name = `library-${where}-${url === FILMS ? 'films' : 'season'}-${scheme}.png`;
            await page.screenshot({ path: path.join(artifacts, name) });
            if (updateDocs && url === SEASON1 && where !== 'tv')
              await page.screenshot({ path: path.join(repo, 'docs', `library-${where}-${scheme}.png`) });
          }
          await page.$$eval('details.sidecars', (d) => d.forEach((n) => ((n as HTMLDetailsElement).open = true)));
          wide[key] = await overflow(page);
          if (where === 'phone')
            small[key] = await smallTargets(
              page,
              '.view-toggle button, a.card-link, .sidecars summary, .sidecars a, .album a, .readme a',
            );
          if (where === 'desktop') found[key] = await violations(page);
          if (!url.endsWith('?view')) {
            await asList(page);
            wide[`${key} (list)`] = await overflow(page);
            if (where === 'desktop') found[`${key} (list)`] = await violations(page);
          }
          await page.close();
        }
      }
      expect(Object.entries(wide).filter(([, px]) => px > 0)).toEqual([]);
      expect(Object.entries(small).filter(([, list]) => list.length > 0)).toEqual([]);
      expect(Object.entries(found).filter(([, list]) => list.length > 0)).toEqual([]);
    }, 120_000);
  }
});
