/**
 * Issue 14's player defects, in headless Chromium: a video whose codec the browser cannot decode shows
 * the "cannot play" note instead of sound over a black box; the subtitle chips switch the track and the
 * choice is remembered; the video has focus at load and answers the usual player keys.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type Running } from './helpers.js';
import { launchChromium, SKIP_BROWSER, type Chromium } from './support/chromium.js';
import { artifacts, makeLibrary, viewUrl, type Library } from './support/library.js';

let library: Library;
let srv: Running;
let browser: Chromium | undefined;
const consoleErrors: string[] = [];

beforeAll(async () => {
  if (SKIP_BROWSER) return;
  await mkdir(artifacts, { recursive: true });
  library = await makeLibrary();
  srv = await start({ root: library.root });
  browser = await launchChromium({
    args: ['--autoplay-policy=no-user-gesture-required'],
    viewport: { width: 1000, height: 700 },
    locale: 'en-US',
    colorScheme: 'light',
  });
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
  page.on('pageerror', (err) => consoleErrors.push(`${page.url()}: ${err.message}`));
  await page.goto(srv.url + url, { waitUntil: 'load' });
  await page.waitForFunction(() => (document.getElementById('media') as HTMLMediaElement | null)?.readyState !== 0);
  return page;
}

/** Each text track as `label:mode`. */
function tracks(page: Page): Promise<string[]> {
  return page.$eval('#media', (v) => Array.from((v as HTMLVideoElement).textTracks).map((t) => `${t.label}:${t.mode}`));
}

/** The chips that are pressed, by label. */
function pressed(page: Page): Promise<string[]> {
  return page.$$eval('.subs .chip[aria-pressed="true"]', (chips) => chips.map((c) => c.textContent ?? ''));
}

/** What the player is doing: muted, paused, and the position in whole seconds. */
function state(page: Page): Promise<{ muted: boolean; paused: boolean; at: number }> {
  return page.$eval('#media', (m) => {
    const v = m as HTMLVideoElement;
    return { muted: v.muted, paused: v.paused, at: Math.round(v.currentTime) };
  });
}

describe.skipIf(SKIP_BROWSER)('the player', () => {
  it('an mkv whose video cannot be decoded (XviD) shows the "cannot play" note', async () => {
    const page = await open(viewUrl('Films', 'Broken XviD.mkv'));
    await page.waitForSelector('[data-media-error]', { state: 'visible', timeout: 8000 });
    expect(await page.isHidden('#media')).toBe(true);
    await page.screenshot({ path: path.join(artifacts, 'defects-undecodable.png') });
    // A film that plays keeps its player and no note.
    const good = await open(viewUrl('Films', 'Amélie (2001).mp4'));
    await good.waitForTimeout(500);
    expect(await good.isVisible('#media')).toBe(true);
    expect(await good.isHidden('.note')).toBe(true);
  });

  it('the subtitle chips switch the track, show which is on, turn it off, and are remembered', async () => {
    const film = viewUrl('Films', 'The Grand Budapest Hotel (2014).mp4');
    const page = await open(film);
    expect(await tracks(page)).toEqual(['German:disabled', 'English:showing']);
    expect(await pressed(page)).toEqual(['English']);
    await page.click('.subs .chip >> text=German');
    expect(await tracks(page)).toEqual(['German:showing', 'English:disabled']);
    expect(await pressed(page)).toEqual(['German (SRT)']);
    await page.screenshot({ path: path.join(artifacts, 'defects-chips.png'), fullPage: true });
    await page.click('.subs .chip >> text=German'); // the active chip: subtitles off
    expect(await tracks(page)).toEqual(['German:disabled', 'English:disabled']);
    expect(await pressed(page)).toEqual([]);
    // Off is remembered: on a reload and on the next film with subtitles.
    await page.reload();
    expect(await tracks(page)).toEqual(['German:disabled', 'English:disabled']);
    const other = await open(viewUrl('Films', 'Long Take.mp4'));
    expect(await tracks(other)).toEqual(['English:disabled']);
    await other.click('.subs .chip >> text=English');
    const again = await open(film);
    expect(await tracks(again)).toEqual(['German:disabled', 'English:showing']);
  });

  it('the video has focus at load; Space/k, arrows and j/l, f, c and m work; p, n and Esc still do', async () => {
    const page = await open(viewUrl('Films', 'Long Take.mp4'));
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.waitForFunction(() => (document.getElementById('media') as HTMLMediaElement).readyState >= 1);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('media');
    await page.keyboard.press('m');
    expect((await state(page)).muted).toBe(true);
    await page.keyboard.press(' ');
    await page.waitForFunction(() => !(document.getElementById('media') as HTMLMediaElement).paused);
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    await page.keyboard.press('k');
    expect((await state(page)).paused).toBe(true);
    await page.$eval('#media', (v) => ((v as HTMLVideoElement).currentTime = 5));
    const seek = async (key: string): Promise<number> => {
      await page.keyboard.press(key);
      return (await state(page)).at;
    };
    expect([await seek('ArrowRight'), await seek('ArrowLeft'), await seek('l'), await seek('j')]).toEqual([
      15, 5, 15, 5,
    ]);
    expect(await tracks(page)).toEqual(['English:showing']);
    await page.keyboard.press('c');
    expect(await tracks(page)).toEqual(['English:disabled']);
    await page.keyboard.press('c');
    expect(await tracks(page)).toEqual(['English:showing']);
    await page.keyboard.press('f');
    await page.waitForFunction(() => document.fullscreenElement?.id === 'media');
    await page.keyboard.press('f');
    await page.waitForFunction(() => document.fullscreenElement === null);
    await page.keyboard.press('m');
    expect((await state(page)).muted).toBe(false);
    await Promise.all([page.waitForURL('**/Films/The%20Extraordinarily*'), page.keyboard.press('n')]);
    await Promise.all([page.waitForURL('**/Films/Long%20Take.mp4?view'), page.keyboard.press('p')]);
    await Promise.all([page.waitForURL(`${srv.url}/Films/`), page.keyboard.press('Escape')]);
  });

  it('threw no uncaught errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
