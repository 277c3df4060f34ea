/**
 * Issue 14's folder-page defects, in headless Chromium: the filter ignores case and accents and matches
 * every word in any order; Enter opens the film, not its sidecar; Esc from a viewer comes back to the
 * folder where it was left (scroll and selection) without a new history entry; tab titles and headings.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type Running } from './helpers.js';
import { launchChromium, SKIP_BROWSER, type Chromium } from './support/chromium.js';
import { artifacts, makeLibrary, type Library } from './support/library.js';

let library: Library;
let srv: Running;
let browser: Chromium | undefined;

beforeAll(async () => {
  if (SKIP_BROWSER) return;
  await mkdir(artifacts, { recursive: true });
  library = await makeLibrary();
  srv = await start({ root: library.root });
  browser = await launchChromium({ viewport: { width: 1000, height: 700 }, locale: 'en-US', colorScheme: 'light' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await library?.cleanup();
});

async function open(url: string): Promise<Page> {
  if (!browser) throw new Error('no browser');
  const page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(srv.url + url, { waitUntil: 'load' });
  return page;
}

function shown(page: Page): Promise<string[]> {
  return page.$$eval('tbody tr:not([hidden]):not(.up) > td:first-child > a', (links) =>
    links.map((a) => (a.textContent ?? '').normalize('NFC')),
  );
}

async function filterBy(page: Page, text: string): Promise<string[]> {
  await page.fill('#filter', text);
  return shown(page);
}

/** Where the folder page is: its scroll position, the selected row, and how long the history is. */
function where(page: Page): Promise<{ y: number; selected: string | null; history: number }> {
  return page.evaluate(() => ({
    y: Math.round(window.scrollY),
    selected: document.querySelector('tr.selected > td:first-child > a')?.textContent ?? null,
    history: history.length,
  }));
}

describe.skipIf(SKIP_BROWSER)('the folder page', () => {
  it('the filter ignores case and accents, and every word matches in any order', async () => {
    const page = await open('/Films/');
    expect(await filterBy(page, 'amelie')).toEqual(['Amélie (2001).mp4']);
    expect(await filterBy(page, 'AMÉLIE')).toEqual(['Amélie (2001).mp4']);
    expect(await filterBy(page, 'cafe')).toEqual(['Café Society (2016).mp4']); // the name is NFD on disk
    expect(await filterBy(page, 'café')).toEqual(['Café Society (2016).mp4']);
    const budapest = [
      'The Grand Budapest Hotel (2014).de.srt',
      'The Grand Budapest Hotel (2014).en.vtt',
      'The Grand Budapest Hotel (2014).mp4',
    ];
    expect(await filterBy(page, 'grand hotel')).toEqual(budapest);
    expect(await filterBy(page, '  hotel   GRAND ')).toEqual(budapest);
    expect(await filterBy(page, 'grand xyz')).toEqual([]);
    expect(await page.textContent('footer .shown')).toBe('0 of 11 shown');
  });

  it('filter + Enter opens the video, not the sidecar that sorts before it', async () => {
    const page = await open('/Series/Season%201/');
    await page.keyboard.press('/');
    await page.keyboard.type('pilot');
    expect(await shown(page)).toEqual(['S01E01 - Pilot.en.vtt', 'S01E01 - Pilot.mp4', 'S01E01 - Pilot.nfo']);
    await Promise.all([page.waitForURL('**/S01E01%20-%20Pilot.mp4?view'), page.keyboard.press('Enter')]);
    // Photos are no sidecars where there is no film: the first match is still the one.
    const photos = await open('/Many%20photos/');
    await photos.fill('#filter', 'photo 02');
    await Promise.all([photos.waitForURL('**/photo%20002.png?view'), photos.keyboard.press('Enter')]);
  });

  it('Esc from a viewer restores the scroll position and the selection, with no new history entry', async () => {
    const page = await open('/Many%20photos/');
    const row = page.locator('tbody tr', { hasText: 'photo 250.png' });
    await row.scrollIntoViewIfNeeded();
    await page.mouse.wheel(0, 120);
    await page.waitForTimeout(200);
    await row.locator('td:nth-child(2)').click(); // selects the row without opening it
    const before = await where(page);
    expect(before.y).toBeGreaterThan(5000);
    await Promise.all([page.waitForURL('**/photo%20250.png?view'), row.locator('td:first-child > a').click()]);
    const inViewer = await page.evaluate(() => history.length);
    await Promise.all([page.waitForURL(`${srv.url}/Many%20photos/`), page.keyboard.press('Escape')]);
    await page.waitForFunction(() => document.querySelector('tr.selected') !== null);
    expect(await where(page)).toEqual({ ...before, selected: 'photo 250.png', history: inViewer });
    await page.screenshot({ path: path.join(artifacts, 'defects-esc-return.png') });

    // Stepped on in the viewer: back in the folder the last picture seen is selected, and in view.
    await Promise.all([page.waitForURL('**/photo%20250.png?view'), page.keyboard.press('Enter')]);
    await Promise.all([page.waitForURL('**/photo%20251.png?view'), page.keyboard.press('ArrowRight')]);
    const stepped = await page.evaluate(() => history.length);
    await Promise.all([page.waitForURL(`${srv.url}/Many%20photos/`), page.keyboard.press('Escape')]);
    await page.waitForFunction(() => document.querySelector('tr.selected a')?.textContent === 'photo 251.png');
    const after = await where(page);
    expect(after.history).toBe(stepped);
    expect(Math.abs(after.y - before.y)).toBeLessThan(200);
    const box = await page.locator('tr.selected').boundingBox();
    expect(box && box.y > 0 && box.y + box.height < 700).toBe(true);
  });

  it('tab titles name the folder, and a listing has one h1', async () => {
    const page = await open('/Films/');
    expect(await page.title()).toBe('Films — aqua-serve');
    expect(await page.$$eval('h1', (h) => h.map((e) => e.textContent))).toEqual(['Films']);
    const season = await open('/Series/Season%201/');
    expect(await season.title()).toBe('Season 1 — aqua-serve');
    const home = await open('/');
    expect(await home.title()).toBe('Home — aqua-serve');
  });
});
