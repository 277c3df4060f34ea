/**
 * The library grid with real thumbnails (issue 14 on top of issue 15's `?thumb`): with ffmpeg, each card's
 * picture is the server's thumbnail — a JPEG at most 320 px — for a film's frame, a photo and a poster.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, tempDir, type Running } from './helpers.js';
import { launchChromium, SKIP_BROWSER, type Chromium } from './support/chromium.js';
import { ffmpeg, NO_FFMPEG } from './support/media.js';

describe.skipIf(SKIP_BROWSER || NO_FFMPEG !== '')(`library grid thumbnails${NO_FFMPEG}`, () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let server: Running;
  let browser: Chromium;
  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir());
    const films = path.join(root, 'Films');
    await mkdir(films);
    const pattern = ['-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=10'];
    await ffmpeg([...pattern, '-t', '2', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', path.join(films, 'Frame Only.mp4')]);
    await ffmpeg([...pattern, '-t', '2', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', path.join(films, 'Posted.mp4')]);
    await ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=1000x1500',
      '-frames:v',
      '1',
      path.join(films, 'Posted-poster.jpg'),
    ]);
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=1600x1200', '-frames:v', '1', path.join(films, 'Beach.jpg')]);
    server = await start({ root, ffmpeg: true });
    browser = await launchChromium({ viewport: { width: 1440, height: 900 } });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await cleanup?.();
  });

  it('each card shows the server-made thumbnail, not the full picture and not the placeholder', async () => {
    const page = await browser.context.newPage();
    const thumbs: { url: string; status: number; type: string }[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).search === '?thumb')
        thumbs.push({ url: new URL(r.url()).pathname, status: r.status(), type: r.headers()['content-type'] ?? '' });
    });
    await page.goto(`${server.url}/Films/`);
    await page.click('.view-toggle [data-view="grid"]');
    await page.waitForSelector('.library:not([hidden]) .card');
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll<HTMLImageElement>('.card img')].every((i) => i.complete && i.naturalWidth > 0),
      undefined,
      { timeout: 30_000 },
    );
    const cards = await page.$$eval('.card img', (imgs) =>
      (imgs as HTMLImageElement[]).map((i) => ({ src: i.getAttribute('src'), w: i.naturalWidth, h: i.naturalHeight })),
    );
    expect(cards.length).toBeGreaterThanOrEqual(3);
    for (const card of cards) {
      expect(card.src, JSON.stringify(card)).toMatch(/\?thumb$/);
      expect(Math.max(card.w, card.h), JSON.stringify(card)).toBeLessThanOrEqual(320);
    }
    expect(
      thumbs.every((t) => t.status === 200 && t.type === 'image/jpeg'),
      JSON.stringify(thumbs),
    ).toBe(true);
    // The film with a poster shows the poster's thumbnail; the one without, a frame of its own.
    expect(thumbs.map((t) => decodeURIComponent(t.url))).toEqual(
      expect.arrayContaining(['/Films/Posted-poster.jpg', '/Films/Frame Only.mp4', '/Films/Beach.jpg']),
    );
    await page.close();
  });
});
