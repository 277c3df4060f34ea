/**
 * Issue 15 in headless Chromium: films the browser cannot play as they are (H.264 + AC3 in Matroska, XviD +
 * MP3 in AVI, HEVC, MPEG-2 TS, an embedded SRT) play through the real CLI's remux or transcode, seek to 80 %
 * and play on from there, show their embedded subtitles; closing the page ends its ffmpeg; and after every
 * case the server has no ffmpeg child left.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request, spawnCli, tempDir, type SpawnedCli } from './helpers.js';
import { launchChromium, SKIP_BROWSER, type Chromium } from './support/chromium.js';
import { make720p, makeSamples, mediaChildren, NO_FFMPEG, noMediaChildren, SAMPLES } from './support/media.js';
import { artifacts } from './support/library.js';

const SKIP = SKIP_BROWSER || NO_FFMPEG !== '';
let dir: { dir: string; cleanup: () => Promise<void> };
let cache: { dir: string; cleanup: () => Promise<void> };
let cli: SpawnedCli;
let browser: Chromium;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (SKIP) return;
  await mkdir(artifacts, { recursive: true });
  dir = await tempDir('aqua-media-');
  cache = await tempDir('aqua-media-cache-');
  await makeSamples(dir.dir);
  await make720p(path.join(dir.dir, 'Long 720p.avi'), 40);
  await copyFile(path.join(dir.dir, 'Long 720p.avi'), path.join(dir.dir, 'Busy 720p.avi')); // nobody's cache
  const args = ['-p', '0', '-H', '127.0.0.1', '--transcodes', '1', '--cache-dir', cache.dir, '--log-level', 'warn'];
  cli = await spawnCli([...args, dir.dir]);
  browser = await launchChromium({
    args: ['--autoplay-policy=no-user-gesture-required'],
    viewport: { width: 900, height: 700 },
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await cli?.stop();
  await dir?.cleanup();
  await cache?.cleanup();
});

afterEach(async () => {
  if (SKIP) return;
  for (const page of browser.context.pages()) await page.close();
  // No orphan: every ffmpeg the pages needed is gone a few seconds after they closed.
  await noMediaChildren(cli.child.pid!, 5000);
});

async function open(name: string): Promise<Page> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (err) => pageErrors.push(`${name}: ${err.message}`));
  await page.goto(`http://127.0.0.1:${cli.port}/${encodeURIComponent(name)}?view`, { waitUntil: 'load' });
  return page;
}

interface State {
  readonly width: number;
  readonly time: number;
  readonly duration: number;
  readonly audioBytes: number;
  readonly playing: string;
}

const state = (page: Page): Promise<State> =>
  page.$eval('#media', (v) => {
    const video = v as HTMLVideoElement & { webkitAudioDecodedByteCount?: number };
    return {
      width: video.videoWidth,
      time: video.currentTime,
      duration: video.duration,
      audioBytes: video.webkitAudioDecodedByteCount ?? 0,
      playing: video.dataset.playing ?? '',
    };
  });

/** Play from the start: the picture decodes, time advances, sound decodes. */
async function plays(page: Page): Promise<State> {
  await page.$eval('#media', (v) => (v as HTMLVideoElement).play().catch(() => {}));
  await page.waitForFunction(() => {
    const video = document.getElementById('media') as HTMLVideoElement;
    return video.videoWidth > 0 && video.currentTime > 1;
  });
  return state(page);
}

/** Seek to `fraction` of the duration and wait until it plays on from there; the time that took. */
async function seeksTo(page: Page, fraction: number): Promise<number> {
  const started = Date.now();
  const target = await page.$eval(
    '#media',
    (v, f) => {
      const video = v as HTMLVideoElement;
      const t = video.duration * f;
      video.currentTime = t;
      return t;
    },
    fraction,
  );
  await page.waitForFunction((t) => {
    const video = document.getElementById('media') as HTMLVideoElement;
    return !video.seeking && video.currentTime > t + 0.5;
  }, target);
  return Date.now() - started;
}

describe.skipIf(SKIP)(`films the browser cannot play as they are${NO_FFMPEG}`, () => {
  for (const sample of SAMPLES) {
    it(`${sample.name}: plays (${sample.expect}), seeks to 80 % and plays on`, async () => {
      const page = await open(sample.name);
      const first = await plays(page);
      expect(first.playing).toBe(sample.expect);
      expect(first.width).toBeGreaterThan(0);
      expect(first.duration).toBeGreaterThan(9); // the whole duration, known from the start
      expect(first.audioBytes).toBeGreaterThan(0);
      const ms = await seeksTo(page, 0.8);
      console.info(`${sample.name}: seek to 80 % playing on after ${ms} ms`);
      expect(ms).toBeLessThan(6000); // about 2 s on an idle machine; two shared cores here
      await page.screenshot({
        path: path.join(artifacts, `media-${sample.expect}-${sample.name.replace(/\W+/g, '-')}.png`),
      });
      if (sample.cue) {
        const cues = await page.waitForFunction(() => {
          const track = (document.getElementById('media') as HTMLVideoElement).textTracks[0];
          return track && track.mode === 'showing' && track.activeCues?.length
            ? (track.activeCues[0] as VTTCue).text
            : null;
        });
        expect(await cues.jsonValue()).toBe(sample.cue);
      }
    }, 60_000);
  }

  it('a 720p transcode seeks to a point not yet converted and plays on from there within a bound', async () => {
    const page = await open('Long 720p.avi');
    const first = await plays(page);
    expect(first.playing).toBe('transcode');
    expect(first.duration).toBeGreaterThan(39);
    const ms = await seeksTo(page, 0.8); // 32 s: far past what is buffered
    console.info(`Long 720p.avi: seek to 80 % (not yet converted) playing on after ${ms} ms`);
    expect(ms).toBeLessThan(8000); // about 2 s on an idle machine; two shared cores here
  }, 60_000);

  it('closing the page ends its ffmpeg within a few seconds', async () => {
    const page = await open('Long 720p.avi');
    await page.$eval('#media', (v) => (v as HTMLVideoElement).play().catch(() => {}));
    await page.waitForFunction(() => (document.getElementById('media') as HTMLVideoElement).duration > 30);
    let running: number[] = [];
    for (let i = 0; i < 200 && running.length === 0; i++) {
      running = await mediaChildren(cli.child.pid!);
      if (running.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(running.length).toBeGreaterThan(0);
    await page.close();
    const ms = await noMediaChildren(cli.child.pid!, 4000);
    expect(ms).toBeLessThan(4000);
  }, 60_000);

  it('--transcodes 1: two viewers both play, and no more than one conversion runs at a time', async () => {
    const a = await open('XviD MP3.avi');
    const b = await open('TV recording.ts');
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const n = (await mediaChildren(cli.child.pid!)).length;
        most = Math.max(most, n);
        await new Promise((r) => setTimeout(r, 30));
      }
    })();
    const [sa, sb] = await Promise.all([plays(a), plays(b)]);
    sampling = false;
    await sampler;
    expect(sa.width).toBeGreaterThan(0);
    expect(sb.width).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(1);
    expect(await b.$eval('.transcode-status', (p) => p.textContent)).toMatch(/server/);
  }, 60_000);

  it('a small file and a listing are not slowed by more than a few ms while a 720p transcode runs', async () => {
    await writeFile(path.join(dir.dir, 'note.txt'), '13 bytes here');
    const times = async (): Promise<number> => {
      const ms: number[] = [];
      for (let i = 0; i < 15; i++) {
        for (const target of ['/note.txt', '/']) {
          const t0 = performance.now();
          const r = await request(cli.port, target);
          ms.push(performance.now() - t0);
          expect(r.status).toBe(200);
        }
      }
      return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)]!;
    };
    const idle = await times();
    let converting = true;
    const conversions = (async () => {
      for (let seg = 2; converting && seg < 9; seg++) {
        const r = await request(cli.port, `/${encodeURIComponent('Busy 720p.avi')}?hls=transcode&seg=${seg}`);
        expect(r.status).toBe(200);
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    expect((await mediaChildren(cli.child.pid!)).length).toBe(1);
    const busy = await times();
    converting = false;
    await conversions;
    console.info(`small file / listing median: ${idle.toFixed(1)} ms idle, ${busy.toFixed(1)} ms during a transcode`);
    expect(busy - idle).toBeLessThan(15);
  }, 90_000);

  it('raised no page error', () => {
    expect(pageErrors).toEqual([]);
  });
});
