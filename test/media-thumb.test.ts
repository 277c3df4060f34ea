/**
 * Issue 14's thumbnail contract, over a real socket: `GET <file>?thumb` for a video or an image answers a JPEG
 * of at most 320 × 320 with validators from the file's identity (304 on If-None-Match, a new tag when the file
 * changes), 404 without ffmpeg, for a folder or an undecodable file, and a bounded number of ffmpeg processes
 * however many thumbnails are asked for at once. Plus the media cache folder: outside the root, swept on start.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, start, tempDir, type Running } from './helpers.js';
import { ffmpeg, H264, mediaChildren, NO_FFMPEG } from './support/media.js';
import { defaultThumbJobs } from '../src/media/service.js';

const run = promisify(execFile);
let root: { dir: string; cleanup: () => Promise<void> };
let cache: { dir: string; cleanup: () => Promise<void> };
let srv: Running;

/** Width and height of a JPEG, read by ffprobe. */
async function dimensions(bytes: Buffer, dir: string): Promise<[number, number]> {
  const file = path.join(dir, `probe-${Math.random().toString(36).slice(2)}.jpg`);
  await writeFile(file, bytes);
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'stream=width,height',
    '-of',
    'csv=p=0',
    file,
  ]);
  const [w, h] = stdout.trim().split(',').map(Number);
  return [w!, h!];
}

const isJpeg = (b: Buffer): boolean => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

describe.skipIf(NO_FFMPEG !== '')(`?thumb${NO_FFMPEG}`, () => {
  let scratch: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    root = await tempDir('aqua-thumb-');
    cache = await tempDir('aqua-thumb-cache-');
    scratch = await tempDir('aqua-thumb-scratch-');
    const d = root.dir;
    const lavfi = ['-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=10'];
    await ffmpeg([...lavfi, '-t', '5', ...H264, path.join(d, 'film.mkv')]);
    await ffmpeg([...lavfi, '-t', '2', '-c:v', 'mpeg4', path.join(d, 'old.avi')]);
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=400x1200', '-frames:v', '1', path.join(d, 'tall.png')]);
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=100x80', '-frames:v', '1', path.join(d, 'small.jpg')]);
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=1000x500', '-frames:v', '1', path.join(d, 'wide.webp')]);
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=500x500:rate=5', '-t', '1', path.join(d, 'anim.gif')]);
    await writeFile(path.join(d, 'broken.mp4'), 'this is not a film');
    await writeFile(path.join(d, 'notes.txt'), 'hello');
    // A "film" that is really an HLS playlist pointing outside the root: ffmpeg must not follow it.
    await writeFile(path.join(scratch.dir, 'secret.png'), 'x');
    await copyFile(path.join(d, 'tall.png'), path.join(scratch.dir, 'secret.png'));
    await writeFile(
      path.join(d, 'crafted.mkv'),
      `#EXTM3U\n#EXTINF:1,\nfile:${path.join(scratch.dir, 'secret.png')}\n#EXT-X-ENDLIST\n`,
    );
    await mkdir(path.join(d, 'Photos'));
    for (let i = 0; i < 40; i++) await copyFile(path.join(d, 'small.jpg'), path.join(d, 'Photos', `p${i}.jpg`));
    srv = await start({ root: d, ffmpeg: true, cacheDir: cache.dir });
  }, 60_000);

  afterAll(async () => {
    await srv?.close();
    await root?.cleanup();
    await cache?.cleanup();
    await scratch?.cleanup();
  });

  for (const [name, fits] of [
    ['film.mkv', [320, 180]],
    ['old.avi', [320, 180]],
    ['tall.png', [107, 320]],
    ['small.jpg', [100, 80]],
    ['wide.webp', [320, 160]],
    ['anim.gif', [320, 320]],
  ] as const) {
    it(`${name}: a JPEG of at most 320 × 320, aspect kept, with validators`, async () => {
      const r = await request(srv.port, `/${name}?thumb`);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('image/jpeg');
      expect(isJpeg(r.body)).toBe(true);
      const [w, h] = await dimensions(r.body, cache.dir);
      expect(Math.abs(w - fits[0])).toBeLessThanOrEqual(1);
      expect(Math.abs(h - fits[1])).toBeLessThanOrEqual(1);
      expect(r.headers.etag).toMatch(/^"t[\w-]+"$/);
      expect(r.headers['last-modified']).toBeDefined();
      expect(r.headers['cache-control']).toBe('public, max-age=86400');
      const again = await request(srv.port, `/${name}?thumb`, { headers: { 'If-None-Match': r.headers.etag! } });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
    }, 30_000);
  }

  it('a versioned URL is cacheable for ever', async () => {
    const r = await request(srv.port, '/film.mkv?thumb&v=123');
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('a changed file gets a new thumbnail and a new ETag', async () => {
    const file = path.join(root.dir, 'changing.png');
    await ffmpeg(['-f', 'lavfi', '-i', 'color=red:size=64x64', '-frames:v', '1', file]);
    const before = await request(srv.port, '/changing.png?thumb');
    await ffmpeg(['-f', 'lavfi', '-i', 'color=blue:size=64x32', '-frames:v', '1', file]);
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    const after = await request(srv.port, '/changing.png?thumb', {
      headers: { 'If-None-Match': before.headers.etag! },
    });
    expect(after.status).toBe(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(await dimensions(after.body, cache.dir)).toEqual([64, 32]);
  }, 30_000);

  for (const target of [
    '/broken.mp4?thumb',
    '/notes.txt?thumb',
    '/Photos/?thumb',
    '/Photos?thumb',
    '/crafted.mkv?thumb',
    '/missing.mkv?thumb',
  ]) {
    it(`${target}: 404, no path in the body`, async () => {
      const r = await request(srv.port, target);
      expect(r.status === 404 || (target === '/Photos?thumb' && r.status === 301)).toBe(true);
      expect(r.body.toString()).not.toContain(root.dir);
      expect(r.body.toString()).not.toContain('Error');
    }, 30_000);
  }

  it('40 thumbnails at once: a bounded number of ffmpeg runs, and a small file answers meanwhile', async () => {
    const most = { n: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        most.n = Math.max(most.n, (await mediaChildren(process.pid)).length);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const all = Array.from({ length: 40 }, (_, i) => request(srv.port, `/Photos/p${i}.jpg?thumb`));
    const t0 = Date.now();
    const small = await request(srv.port, '/notes.txt');
    const smallMs = Date.now() - t0;
    const answers = await Promise.all(all);
    sampling = false;
    await sampler;
    expect(small.status).toBe(200);
    expect(smallMs).toBeLessThan(500);
    expect(answers.every((a) => a.status === 200 || a.status === 503)).toBe(true);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(0);
    for (const a of answers.filter((x) => x.status === 503)) expect(a.headers['retry-after']).toBeDefined();
    expect(most.n).toBeGreaterThan(0);
    expect(most.n).toBeLessThanOrEqual(defaultThumbJobs());
  }, 60_000);

  it('keeps its cache outside the root, one folder per file identity', async () => {
    const folders = await readdir(path.join(cache.dir, 'media-v1'));
    expect(folders.length).toBeGreaterThan(5);
    expect((await readdir(root.dir)).some((n) => n.startsWith('.'))).toBe(false);
  });
});

describe.skipIf(NO_FFMPEG !== '')(`?thumb without ffmpeg${NO_FFMPEG}`, () => {
  it('answers 404 with --ffmpeg /nonexistent, and the player says what ffmpeg would add', async () => {
    const dir = await tempDir('aqua-noff-');
    await writeFile(path.join(dir.dir, 'a.png'), 'x');
    await writeFile(path.join(dir.dir, 'film.avi'), 'x');
    const s = await start({ root: dir.dir, ffmpeg: '/nonexistent/ffmpeg' });
    try {
      expect((await request(s.port, '/a.png?thumb')).status).toBe(404);
      expect((await request(s.port, '/film.avi?hls=transcode')).status).toBe(404);
      const page = (await request(s.port, '/film.avi?view')).body.toString();
      expect(page).toContain('With ffmpeg installed on the server');
      expect(page).not.toContain('transcode.js');
      expect((await request(s.port, '/a.png')).status).toBe(200);
    } finally {
      await s.close();
      await dir.cleanup();
    }
  });

  it('a cache folder inside the root is refused', async () => {
    const dir = await tempDir('aqua-inside-');
    try {
      await expect(start({ root: dir.dir, ffmpeg: true, cacheDir: path.join(dir.dir, 'cache') })).rejects.toThrow(
        RangeError,
      );
    } finally {
      await dir.cleanup();
    }
  });
});
