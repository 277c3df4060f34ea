/**
 * Issue 14's layout defects, in headless Chromium on a phone (390×844, touch), a desktop (1,440×900) and a
 * TV (1,920×1,080): no page is wider than the screen, whatever the names; on a phone every touch target
 * is at least 44 px, the Modified column stays, and a sticky header takes at most ~12 % of the screen.
 * Screenshots of every page on every screen go to test/artifacts/.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type Running } from './helpers.js';
import { launchChromium, SKIP_BROWSER, type Chromium } from './support/chromium.js';
import { artifacts, LONG, makeLibrary, overflow, viewUrl, type Library } from './support/library.js';

const SCREENS = {
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  desktop: { viewport: { width: 1440, height: 900 } },
  tv: { viewport: { width: 1920, height: 1080 } },
  /** The phone without JavaScript: the folder page is a plain list of links. */
  nojs: {
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
    javaScriptEnabled: false,
  },
} as const;

const PAGES = {
  listing: '/Films/',
  player: viewUrl('Films', `${LONG} 2.mp4`),
  image: viewUrl('Photos', `${LONG} 2.png`),
  text: viewUrl('Texts', `${LONG} 2.txt`),
} as const;

let library: Library;
let srv: Running;
const browsers: Partial<Record<keyof typeof SCREENS, Chromium>> = {};

beforeAll(async () => {
  if (SKIP_BROWSER) return;
  await mkdir(artifacts, { recursive: true });
  library = await makeLibrary();
  srv = await start({ root: library.root });
  for (const [name, screen] of Object.entries(SCREENS))
    browsers[name as keyof typeof SCREENS] = await launchChromium({ ...screen, locale: 'en-US', colorScheme: 'light' });
}, 60_000);

afterAll(async () => {
  for (const browser of Object.values(browsers)) await browser?.close();
  await srv?.close();
  await library?.cleanup();
});

async function open(screen: keyof typeof SCREENS, url: string): Promise<Page> {
  const browser = browsers[screen];
  if (!browser) throw new Error(`no browser for ${screen}`);
  const page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(srv.url + url, { waitUntil: 'load' });
  return page;
}

/** Width and height of everything `selector` matches that is shown, with a label to read failures by. */
function boxes(page: Page, selector: string): Promise<{ what: string; width: number; height: number }[]> {
  return page.$$eval(selector, (elements) =>
    elements
      .filter((e) => (e as HTMLElement).offsetParent !== null)
      .map((e) => {
        const box = e.getBoundingClientRect();
        return { what: (e.textContent ?? '').trim().slice(0, 30), width: box.width, height: box.height };
      }),
  );
}

describe.skipIf(SKIP_BROWSER)('layout with very long names', () => {
  for (const screen of ['phone', 'desktop', 'tv'] as const) {
    it(`no page is wider than the ${screen} screen`, async () => {
      const wider: Record<string, number> = {};
      for (const [kind, url] of Object.entries(PAGES)) {
        const page = await open(screen, url);
        await page.screenshot({ path: path.join(artifacts, `defects-${kind}-${screen}.png`) });
        wider[kind] = await overflow(page);
        await page.close();
      }
      expect(wider).toEqual({ listing: 0, player: 0, image: 0, text: 0 });
    });
  }

  it('on a phone, touch targets are at least 44 px and the Modified column stays', async () => {
    const page = await open('phone', '/Series/Season%201/');
    await page.keyboard.press('ArrowDown'); // the parent folder
    await page.keyboard.press('ArrowDown'); // the first file: its download button appears
    expect(await page.isVisible('tbody a.dl')).toBe(true);
    const small = [
      ...(await boxes(page, 'tbody a.dl')),
      ...(await boxes(page, 'th button[data-sort]')),
      ...(await boxes(page, '.crumbs a')),
      ...(await boxes(page, 'tbody td:first-child > a')),
    ].filter((b) => b.width < 44 || b.height < 44);
    expect(small).toEqual([]);
    expect(await page.isVisible('th.col-date button')).toBe(true);
    expect(await page.isVisible('tbody tr:not(.up):not([hidden]) > td:nth-child(3)')).toBe(true);
    await page.screenshot({ path: path.join(artifacts, 'defects-touch-phone.png') });
    const player = await open('phone', viewUrl('Films', `${LONG} 2.mp4`));
    const buttons = [...(await boxes(player, '.actions .btn')), ...(await boxes(player, '.prevnext a'))];
    expect(buttons.filter((b) => b.height < 44)).toEqual([]);
  });

  it('on a phone, a sticky header takes at most 12 % of the screen', async () => {
    const tall: Record<string, number> = {};
    for (const [kind, url] of Object.entries(PAGES)) {
      const page = await open('phone', url);
      tall[kind] = await page.$eval('header.bar', (bar) =>
        getComputedStyle(bar).position === 'sticky' ? bar.getBoundingClientRect().height / window.innerHeight : 0,
      );
      await page.close();
    }
    for (const share of Object.values(tall)) expect(share).toBeLessThanOrEqual(0.12);
  });

  it('without JavaScript, on a phone, the folder is a plain list of links to the files, as wide as the screen', async () => {
    const page = await open('nojs', '/Series/Season%201/');
    const links = await page.$$eval('tbody tr:not(.up) > td:first-child > a', (a) =>
      a.map((l) => ({ href: l.getAttribute('href'), shown: (l as HTMLElement).offsetParent !== null })),
    );
    expect(links.map((l) => l.href)).toEqual([
      'S01E01%20-%20Pilot.en.vtt',
      'S01E01%20-%20Pilot.mp4',
      'S01E01%20-%20Pilot.nfo',
      'S01E02%20-%20The%20Second%20One.mp4',
    ]);
    expect(links.every((l) => l.shown)).toBe(true);
    expect(await overflow(page)).toBe(0);
    await page.screenshot({ path: path.join(artifacts, 'defects-nojs-phone.png') });
    const player = await open('nojs', viewUrl('Films', 'The Grand Budapest Hotel (2014).mp4'));
    expect(await player.isHidden('.subs')).toBe(true); // the chips need the script; the browser's menu remains
    expect(await overflow(player)).toBe(0);
  });
});
