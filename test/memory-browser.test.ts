/**
 * Issue 14's library in headless Chromium: search all folders from the filter (accent-free, every word,
 * across folders), "Continue watching" and "Recently added" rows, watched marks, and a player that
 * remembers — resume after a reload, watched at the end, autoplay of the next episode after a countdown
 * that Cancel stops, next across seasons, a share link with `#t=` and a LAN address, its QR code — and
 * swipes in the image viewer. Videos are made with ffmpeg: tiny, a second or twelve long.
 */
import { copyFile, mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAquaServer, type AquaServer } from '../src/index.js';
import { lanAddresses } from '../src/http/lan.js';
import { tempDir } from './helpers.js';
import { launchChromium, SKIP_BROWSER, type Chromium } from './support/chromium.js';
import { overflow } from './support/library.js';
import { violations } from './support/axe.js';
import { ffmpeg, H264 } from './support/media.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const docs = path.join(repo, 'docs');

let root: string;
let cleanups: (() => Promise<void>)[] = [];
let aqua: AquaServer;
let base: string;
let port: number;
let desktop: Chromium | undefined;
let phone: Chromium | undefined;
const errors: string[] = [];

/** An H.264 video of `seconds`, 96×64 at 10 fps, with a quiet tone: a few KiB. */
async function tinyVideo(file: string, seconds: number): Promise<void> {
  const lavfi = ['-f', 'lavfi', '-i', 'testsrc=size=96x64:rate=10', '-f', 'lavfi', '-i', 'sine=frequency=300'];
  await ffmpeg([...lavfi, '-t', String(seconds), ...H264, '-c:a', 'aac', file]);
}

async function place(src: string, file: string, ageDays: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await copyFile(src, file);
  const when = new Date(Date.now() - ageDays * 86_400_000);
  await utimes(file, when, when);
}

beforeAll(async () => {
  if (SKIP_BROWSER) return;
  const made = await tempDir('aqua-lib-browser-');
  const out = await tempDir('aqua-lib-out-');
  cleanups = [made.cleanup, out.cleanup];
  root = made.dir;
  const short = path.join(out.dir, 'short.mp4');
  const long = path.join(out.dir, 'long.mp4');
  await tinyVideo(short, 1);
  await tinyVideo(long, 12);
  await place(long, path.join(root, 'Films', 'Amélie (2001).mp4'), 40);
  await place(long, path.join(root, 'Films', 'The Grand Budapest Hotel (2014).mp4'), 30);
  await place(long, path.join(root, 'Films', 'Long Take.mp4'), 20);
  const show = path.join(root, 'Series', 'The Show');
  await place(short, path.join(show, 'Season 1', 'S01E01 - Pilot.mp4'), 10);
  await writeFile(path.join(show, 'Season 1', 'S01E01 - Pilot.nfo'), '<episodedetails/>\n');
  await place(short, path.join(show, 'Season 1', 'S01E02 - The Second One.mp4'), 9);
  await place(short, path.join(show, 'Season 2', 'S02E01 - Return.mp4'), 1);
  await place(short, path.join(root, '.private', 'Pilot secret.mp4'), 0);
  await place(short, path.join(out.dir, 'Pilot elsewhere.mp4'), 0);
  await symlink(out.dir, path.join(root, 'Outside'));
  const png = path.join(repo, 'files', 'pictures', 'banner.png');
  for (const n of [1, 2, 3]) await place(png, path.join(root, 'Photos', `photo ${n}.png`), 50);
  // Every interface, as the CLI listens by default: a page opened on 127.0.0.1 shares the LAN address.
  aqua = createAquaServer({ root, graceSeconds: 1 });
  port = (await aqua.listen(0, '0.0.0.0')).port;
  base = `http://127.0.0.1:${port}`;
  const common = {
    locale: 'en-US',
    colorScheme: 'light' as const,
    args: ['--autoplay-policy=no-user-gesture-required'],
  };
  desktop = await launchChromium({ ...common, viewport: { width: 1440, height: 900 } });
  phone = await launchChromium({
    ...common,
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
  });
}, 90_000);

afterAll(async () => {
  await desktop?.close();
  await phone?.close();
  await aqua?.close();
  for (const c of cleanups) await c();
  expect(errors).toEqual([]);
});

async function open(url: string, browser = desktop): Promise<Page> {
  if (!browser) throw new Error('no browser');
  const page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`));
  await page.goto(base + url, { waitUntil: 'load' });
  return page;
}

const seg = (s: string): string => s.split('/').map(encodeURIComponent).join('/');
const view = (file: string): string => `/${seg(file)}?view`;

/** The names of the results shown, with the folder each is in. */
function results(page: Page): Promise<string[]> {
  return page.$$eval('.results .hit', (hits) =>
    hits.map((h) => `${h.querySelector('.hit-name')?.textContent} ${h.querySelector('.hit-in')?.textContent}`),
  );
}

async function mediaReady(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const m = document.getElementById('media') as HTMLMediaElement | null;
    return m !== null && m.readyState >= 1 && Number.isFinite(m.duration);
  });
}

describe.skipIf(SKIP_BROWSER)('search all folders', () => {
  it('a filter that finds nothing here offers every folder below; Enter searches them, accents ignored', async () => {
    const page = await open('/');
    await page.fill('#filter', 'amelie');
    await page.waitForSelector('a.search-all', { state: 'visible' });
    expect(await page.textContent('a.search-all')).toBe('Search all folders for “amelie”');
    await page.press('#filter', 'Enter');
    await page.waitForURL(/\?q=amelie$/);
    await page.waitForSelector('[data-done]');
    expect(await results(page)).toEqual(['Amélie (2001).mp4 in Films']);
    await page.click('.hit-name');
    await page.waitForURL(/Am%C3%A9lie%20%282001%29\.mp4\?view$/);
  });

  it('every word must match, in any order; "pilot" from the top finds the episode, not hidden or outside files', async () => {
    const page = await open('/?q=grand%20hotel');
    await page.waitForSelector('[data-done]');
    expect(await results(page)).toEqual(['The Grand Budapest Hotel (2014).mp4 in Films']);
    await page.goto(`${base}/?q=pilot`);
    await page.waitForSelector('[data-done]');
    expect((await results(page)).sort()).toEqual([
      'S01E01 - Pilot.mp4 in Series / The Show / Season 1',
      'S01E01 - Pilot.nfo in Series / The Show / Season 1',
    ]);
    expect(await page.textContent('.tally')).toBe('2 results, 16 names looked at.');
    await page.screenshot({ path: path.join(docs, 'search.png') });
    const small = await open('/?q=pilot', phone);
    await small.waitForSelector('[data-done]');
    expect(await overflow(small)).toBe(0);
    await small.screenshot({ path: path.join(docs, 'search-phone.png') });
  });
});

describe.skipIf(SKIP_BROWSER)('the player remembers', () => {
  it('resumes where it was left after a reload, and the folder shows "Continue watching" and a bar', async () => {
    const page = await open(view('Films/Long Take.mp4'));
    await mediaReady(page);
    await page.$eval('#media', (m) => {
      (m as HTMLMediaElement).currentTime = 7;
    });
    await page.waitForFunction(() => !(document.getElementById('media') as HTMLMediaElement).seeking);
    await page.reload({ waitUntil: 'load' });
    await mediaReady(page);
    await page.waitForSelector('.toast');
    expect(await page.textContent('.toast span')).toBe('Resumed at 0:07');
    expect(await page.$eval('#media', (m) => Math.round((m as HTMLMediaElement).currentTime))).toBe(7);
    const folder = await open('/');
    await folder.waitForSelector('.shelf.continue');
    expect(await folder.$$eval('.continue .card-name', (c) => c.map((e) => e.textContent))).toEqual(['Long Take.mp4']);
    expect(await folder.textContent('.continue .card-in')).toBe('in Films');
    const films = await open('/Films/');
    const marked = await films.$eval('tr .seen.part', (m) => m.closest('tr')?.querySelector('a')?.textContent);
    expect(marked).toBe('Long Take.mp4');
  });

  it('marks a file watched at its end; the countdown to the next episode is stopped by Cancel', async () => {
    const page = await open(view('Series/The Show/Season 1/S01E01 - Pilot.mp4'));
    await mediaReady(page);
    await page.$eval('#media', (m) => (m as HTMLMediaElement).play());
    await page.waitForSelector('.up-next', { timeout: 8000 });
    expect(await page.textContent('.up-next p')).toMatch(/^Next: S01E02 - The Second One\.mp4 in [1-5] s$/);
    await page.click('.up-next [data-cancel]');
    await page.waitForTimeout(6000);
    expect(page.url()).toContain('S01E01');
    expect(await page.$('.up-next')).toBeNull();
    const folder = await open('/Series/The%20Show/Season%201/');
    // The row's own link (a video row also holds its folded sidecars' links, in its "more files" list).
    const watched = await folder.$$eval('tr.is-watched > td:first-child > a', (a) => a.map((l) => l.textContent));
    expect(watched).toEqual(['S01E01 - Pilot.mp4']);
    const top = await open('/');
    await top.waitForSelector('.shelf.recent');
    expect(await top.textContent('.recent li:first-child .card-name')).toBe('S02E01 - Return.mp4');
    expect(await top.$$eval('.continue .card-name', (c) => c.map((e) => e.textContent))).not.toContain(
      'S01E01 - Pilot.mp4',
    );
    await top.screenshot({ path: path.join(docs, 'library-rows.png') });
  }, 30_000);

  it('the last episode of a season leads to the first of the next, and plays it after the countdown', async () => {
    const page = await open(view('Series/The Show/Season 1/S01E02 - The Second One.mp4'));
    const next = await page.getAttribute('a[rel=next]', 'href');
    expect(next).toBe('/Series/The%20Show/Season%202/S02E01%20-%20Return.mp4?view');
    expect(await page.textContent('a[rel=next] .step-name')).toBe('Season 2 / S02E01 - Return.mp4');
    await mediaReady(page);
    await page.$eval('#media', (m) => (m as HTMLMediaElement).play());
    await page.waitForURL(/S02E01/, { timeout: 12_000 });
    await mediaReady(page);
    await page.waitForFunction(() => !(document.getElementById('media') as HTMLMediaElement).paused);
    expect(await page.getAttribute('a[rel=prev]', 'href')).toBe(
      '/Series/The%20Show/Season%201/S01E02%20-%20The%20Second%20One.mp4?view',
    );
  }, 30_000);

  it('shares the player page at this moment with the LAN address, and shows its QR code', async () => {
    const lan = lanAddresses(false)[0];
    const film = view('Films/The Grand Budapest Hotel (2014).mp4');
    const page = await open(film);
    await mediaReady(page);
    await page.$eval('#media', (m) => {
      (m as HTMLMediaElement).currentTime = 5;
    });
    await page.click('button[data-share]');
    const link = new URL(await page.inputValue('.share-url'));
    expect(link.hash).toBe('#t=5');
    expect(link.pathname + link.search).toBe(film);
    if (lan !== undefined) expect(link.host).toBe(`${lan}:${port}`);
    expect(['127.0.0.1', 'localhost', '[::1]']).not.toContain(link.hostname);
    await page.click('button[data-qr]');
    await page.waitForFunction(() => {
      const img = document.querySelector('img.qr') as HTMLImageElement | null;
      return img !== null && !img.hidden && img.complete && img.naturalWidth > 0;
    });
    const src = await page.getAttribute('img.qr', 'src');
    const qr = await fetch(new URL(src ?? '', base));
    expect(qr.headers.get('content-type')).toBe('image/svg+xml');
    expect(await qr.text()).toMatch(/^<svg /);
    await page.screenshot({ path: path.join(docs, 'player-share.png'), fullPage: true });
    // A shared link starts where it was shared.
    const friend = await open(`${link.pathname}${link.search}#t=9`);
    await mediaReady(friend);
    await friend.waitForFunction(() => (document.getElementById('media') as HTMLMediaElement).currentTime >= 8.9);
  }, 30_000);

  it('on a phone the player page fits and its share panel too', async () => {
    const page = await open(view('Films/Amélie (2001).mp4'), phone);
    await mediaReady(page);
    await page.click('button[data-share]');
    await page.click('button[data-qr]');
    await page.waitForFunction(() => (document.querySelector('img.qr') as HTMLImageElement).naturalWidth > 0);
    expect(await overflow(page)).toBe(0);
    await page.screenshot({ path: path.join(docs, 'player-phone.png'), fullPage: true });
  });
});

describe.skipIf(SKIP_BROWSER)('the library pages', () => {
  // After the player tests: the folder pages have their rows and marks.
  for (const scheme of ['light', 'dark'] as const) {
    it(`axe-core finds no serious or critical violation on them (${scheme})`, async () => {
      const found: Record<string, string[]> = {};
      const pages = {
        top: '/',
        films: '/Films/',
        search: '/?q=pilot',
        recent: '/?recent',
        player: view('Films/Long Take.mp4'),
      };
      for (const [kind, url] of Object.entries(pages)) {
        const page = await open(url);
        await page.emulateMedia({ colorScheme: scheme });
        if (kind === 'top') await page.waitForSelector('.shelf.recent');
        if (kind === 'films') await page.waitForSelector('tr .seen');
        if (kind === 'player') {
          await mediaReady(page);
          await page.click('button[data-share]');
        }
        found[kind] = await violations(page);
        await page.close();
      }
      expect(found).toEqual({ top: [], films: [], search: [], recent: [], player: [] });
    });
  }

  it('on a phone the rows at the top scroll sideways inside the page', async () => {
    const page = await open('/', phone);
    await page.waitForSelector('.shelf.recent');
    expect(await overflow(page)).toBe(0);
    await page.screenshot({ path: path.join(docs, 'library-rows-phone.png') });
  });
});

describe.skipIf(SKIP_BROWSER)('the image viewer', () => {
  it('a swipe left opens the next image, a swipe right the previous', async () => {
    const page = await open(view('Photos/photo 2.png'), phone);
    const swipe = (from: number, to: number): Promise<void> =>
      page.evaluate(
        ([x0, x1]) => {
          const stage = document.querySelector('.stage') as HTMLElement;
          const touch = (x: number): Touch => new Touch({ identifier: 1, target: stage, clientX: x, clientY: 300 });
          stage.dispatchEvent(new TouchEvent('touchstart', { touches: [touch(x0)], changedTouches: [touch(x0)] }));
          stage.dispatchEvent(new TouchEvent('touchend', { touches: [], changedTouches: [touch(x1)] }));
        },
        [from, to],
      );
    await swipe(300, 80);
    await page.waitForURL(/photo%203\.png\?view$/);
    await swipe(80, 300);
    await page.waitForURL(/photo%202\.png\?view$/);
    await swipe(200, 190); // too short: stays
    await page.waitForTimeout(300);
    expect(page.url()).toMatch(/photo%202\.png\?view$/);
  });
});
