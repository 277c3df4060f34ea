/**
 * The browser's player through a cache in front of aqua-serve with its defaults (issue 13): headless
 * Chromium opens the player page of a 60 s clip whose `moov` is at its end through stock nginx
 * `proxy_cache` and through stock Varnish, seeks to 50 s, and plays there — once with the cache cold and
 * once from what it cached. Every answer the browser gets for a Range request must be a 206 with the right
 * `Content-Range` (a cache that turned them into 200s would make the player download the whole film on
 * every seek). Needs /usr/bin/chromium and ffmpeg (AQUA_SKIP_BROWSER=1 skips it), nginx and varnishd.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, type Running } from './helpers.js';
import { launchChromium, SKIP_BROWSER, type Chromium } from './support/chromium.js';
import { observedOrigin } from './support/origin.js';
import { findBinary, freePort, startNginx, startVarnish, stockNginx, titled, type Peer } from './support/proxies.js';

const FFMPEG = findBinary('ffmpeg');
const skip = SKIP_BROWSER || FFMPEG === null;
const run = promisify(execFile);

let dir: string;
let cleanup: () => Promise<void>;
let origin: Running;
let size = 0;
let browser: Chromium | undefined;

beforeAll(async () => {
  if (skip) return;
  ({ dir, cleanup } = await tempDir('aqua-proxy-browser-'));
  await chmod(dir, 0o755); // nginx's workers run as nobody when the test runs as root
  await mkdir(path.join(dir, 'www'));
  const clip = path.join(dir, 'www', 'clip.mp4');
  // 60 s at about 1 Mbit/s, a keyframe every second, moov at the end (no faststart): to start, the
  // player must ask for the file's tail with Range; to seek, for the middle.
  await run(FFMPEG as string, [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=duration=60:size=640x360:rate=25'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '1M', '-g', '25', '-pix_fmt', 'yuv420p', clip],
  ]);
  size = (await stat(clip)).size;
  origin = await observedOrigin(path.join(dir, 'www'), () => undefined);
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await origin?.close();
  await cleanup?.();
});

interface MediaAnswer {
  readonly range: string | undefined;
  readonly status: number;
  readonly contentRange: string | undefined;
}

/** Open the player page through `port`, seek to 50 s and play a little; what the video answered for it. */
async function seekInPlayer(port: number): Promise<{ at: number; played: number; media: MediaAnswer[] }> {
  const page = await (browser as Chromium).context.newPage();
  page.setDefaultTimeout(20_000);
  const media: MediaAnswer[] = [];
  page.on('response', (res) => {
    if (!new URL(res.url()).pathname.endsWith('/clip.mp4') || new URL(res.url()).search !== '') return;
    const headers = res.headers();
    media.push({ range: res.request().headers().range, status: res.status(), contentRange: headers['content-range'] });
  });
  try {
    await page.goto(`http://127.0.0.1:${port}/clip.mp4?view`, { waitUntil: 'load' });
    await page.waitForFunction(() => (document.getElementById('media') as HTMLVideoElement).readyState >= 1);
    const at = await page.$eval('#media', (v) => {
      const video = v as HTMLVideoElement;
      video.muted = true;
      return new Promise<number>((resolve) => {
        video.addEventListener('seeked', () => resolve(video.currentTime), { once: true });
        video.currentTime = 50;
      });
    });
    await page.$eval('#media', (v) => (v as HTMLVideoElement).play());
    await page.waitForFunction(() => (document.getElementById('media') as HTMLVideoElement).currentTime > 50.5);
    const played = await page.$eval('#media', (v) => (v as HTMLVideoElement).currentTime);
    return { at, played, media };
  } finally {
    await page.close();
  }
}

/** Every Range request of the video was answered 206 with a Content-Range of this file's size. */
function expectPartial(media: readonly MediaAnswer[]): void {
  const ranged = media.filter((m) => m.range !== undefined);
  expect(ranged.length).toBeGreaterThan(0);
  for (const m of ranged) {
    expect(m.status, `Range ${m.range}`).toBe(206);
    expect(m.contentRange).toMatch(new RegExp(`^bytes \\d+-\\d+/${size}$`));
  }
  // Somewhere past the start: the moov at the end, or the bytes at 50 s.
  expect(ranged.some((m) => Number(/^bytes (\d+)/.exec(m.contentRange ?? '')?.[1]) > 0)).toBe(true);
}

const FRONTS: {
  name: string;
  binary: string;
  start: (folder: string, ports: { port: number; origin: number }) => Promise<Peer>;
}[] = [
  {
    name: 'nginx proxy_cache, stock settings',
    binary: 'nginx',
    start: (folder, ports) => startNginx(folder, stockNginx(ports, path.join(folder, 'cache')), ports.port),
  },
  {
    name: 'Varnish, stock VCL',
    binary: 'varnishd',
    start: (folder, ports) => startVarnish(folder, ports.port, ports.origin),
  },
];

for (const front of FRONTS) {
  const { title, missing } = titled(
    `Chromium's player through ${front.name}, aqua-serve with its defaults`,
    front.binary,
  );
  describe.skipIf(skip || missing)(title, () => {
    let peer: Peer;
    beforeAll(async () => {
      const folder = path.join(dir, front.binary);
      await mkdir(folder, { recursive: true });
      peer = await front.start(folder, { port: await freePort(), origin: origin.port });
    }, 30_000);
    afterAll(async () => peer?.stop());

    it('seeks to 50 s and plays from there, cold and then from the cache, every Range answered 206', async () => {
      for (const round of ['cold', 'cached']) {
        const { at, played, media } = await seekInPlayer(peer.port);
        expect(Math.abs(at - 50), round).toBeLessThan(1);
        expect(played, round).toBeGreaterThan(50.5);
        expectPartial(media);
      }
    }, 90_000);
  });
}
