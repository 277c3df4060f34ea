/**
 * Issue 14's accessibility defects, in headless Chromium: axe-core finds no serious or critical
 * violation (contrast included) on the listing, player, image, text and error pages, in light and dark;
 * every row's download link is named after its file; error pages have landmarks.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type Running } from './helpers.js';
import { launchChromium, SKIP_BROWSER, type Chromium } from './support/chromium.js';
import { artifacts, LONG, makeLibrary, viewUrl, type Library } from './support/library.js';
import { violations } from './support/axe.js';

const PAGES = {
  listing: '/Series/Season%201/',
  films: '/Films/',
  player: viewUrl('Films', 'The Grand Budapest Hotel (2014).mp4'),
  image: viewUrl('Photos', `${LONG} 2.png`),
  text: viewUrl('Texts', `${LONG} 2.txt`),
  error: '/no/such/file',
} as const;

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

async function open(url: string, colorScheme: 'light' | 'dark'): Promise<Page> {
  if (!browser) throw new Error('no browser');
  const page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
  await page.emulateMedia({ colorScheme });
  await page.goto(srv.url + url, { waitUntil: 'load' });
  return page;
}

describe.skipIf(SKIP_BROWSER)('accessibility', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`axe-core finds no serious or critical violation on any kind of page (${scheme})`, async () => {
      const found: Record<string, string[]> = {};
      for (const [kind, url] of Object.entries(PAGES)) {
        const page = await open(url, scheme);
        if (kind === 'listing') await page.keyboard.press('ArrowDown'); // the download link shows on a row
        if (kind === 'player') await page.waitForSelector('.subs .chip[aria-pressed="true"]');
        found[kind] = await violations(page);
        await page.screenshot({ path: path.join(artifacts, `defects-a11y-${kind}-${scheme}.png`) });
        await page.close();
      }
      expect(found).toEqual({ listing: [], films: [], player: [], image: [], text: [], error: [] });
    });
  }

  it("each row's download link is named after its file", async () => {
    const page = await open(PAGES.listing, 'light');
    await page.hover('tbody tr:nth-child(3) td:first-child > a');
    const link = page.getByRole('link', { name: 'Download S01E01 - Pilot.mp4', exact: true });
    expect(await link.count()).toBe(1);
    expect(await page.getAttribute('a.dl', 'title')).toBe('Download S01E01 - Pilot.mp4');
  });

  it('error pages have a main landmark and a navigation one', async () => {
    const page = await open(PAGES.error, 'dark');
    expect(await page.getByRole('main').count()).toBe(1);
    expect(await page.getByRole('navigation').count()).toBe(1);
  });
});
