import express from 'express';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDirectory } from '../src/index.js';
import { request, start, tempDir, type Running } from './helpers.js';

let srv: Running;
let cleanup: () => Promise<void>;
let root: string;

beforeAll(async () => {
  const t = await tempDir('aqua-ui-http-');
  root = t.dir;
  cleanup = t.cleanup;
  await mkdir(path.join(root, 'films'));
  await writeFile(path.join(root, 'films', 'a film.mp4'), Buffer.alloc(3000, 1));
  await writeFile(path.join(root, 'films', 'a film.en.vtt'), 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n');
  await writeFile(path.join(root, 'films', 'a film.srt'), '1\r\n00:00:01,000 --> 00:00:02,000\r\nHallo\r\n');
  await writeFile(path.join(root, 'films', 'b.mkv'), 'x');
  await writeFile(path.join(root, 'films', 'c.avi'), 'x');
  await writeFile(path.join(root, 'films', '.hidden.mp4'), 'x');
  await writeFile(path.join(root, 'films', 'z.mp3'), 'x');
  await writeFile(path.join(root, 'big.txt'), 'abcdefgh\n'.repeat(200_000)); // 1.8 MB
  await writeFile(path.join(root, 'bin.txt'), Buffer.from([1, 0, 2, 0]));
  await writeFile(path.join(root, 'small.txt'), '<b>bold</b> & more');
  await writeFile(path.join(root, 'pic.png'), 'x');
  await writeFile(path.join(root, 'pack.zip'), 'zip!');
  await mkdir(path.join(root, '.aqua'));
  await writeFile(path.join(root, '.aqua', 'style.css'), 'user file, never served');
  await symlink(path.join(root, 'films', 'a film.mp4'), path.join(root, 'linked.mp4'));
  srv = await start({ root });
});

afterAll(async () => {
  await srv?.close();
  await cleanup?.();
});

function assetPaths(html: string): string[] {
  return [...html.matchAll(/(?:href|src)="(\/\.aqua\/[^"]+)"/g)].map((m) => m[1] as string);
}

describe('assets under /.aqua/', () => {
  it('serves every asset a page links, content-hashed and cached for a year', async () => {
    const page = (await request(srv.port, '/')).body.toString();
    const paths = assetPaths(page);
    expect(paths.length).toBe(10); // favicon, 4 stylesheets (style, listing, shelves, screens), 5 scripts
    for (const p of paths) {
      const r = await request(srv.port, p);
      expect(r.status, p).toBe(200);
      expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(r.headers['content-type']).toMatch(/^(text\/css|text\/javascript|image\/svg\+xml)/);
      expect(Number(r.headers['content-length'])).toBe(r.body.length);
      const again = await request(srv.port, p, { headers: { 'If-None-Match': r.headers.etag as string } });
      expect(again.status).toBe(304);
      const head = await request(srv.port, p, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
    }
  });

  it("answers 404 for unknown or stale asset names, never the user's own .aqua folder", async () => {
    expect((await request(srv.port, '/.aqua/style.css')).status).toBe(404);
    expect((await request(srv.port, '/.aqua/style.000000000000.css')).status).toBe(404);
    expect((await request(srv.port, '/.aqua/')).status).toBe(404);
    expect((await request(srv.port, '/.aqua/../small.txt')).status).toBe(404);
    expect((await request(srv.port, '/.aqua/x', { method: 'POST' })).status).toBe(405);
  });
});

describe('pages', () => {
  it('the listing carries a strict CSP and follows ?sort=&order=', async () => {
    const r = await request(srv.port, '/?sort=size&order=desc');
    expect(r.status).toBe(200);
    const csp = r.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    const html = r.body.toString();
    const names = [...html.matchAll(/<td><a href="[^"]*">([^<]*)<\/a>/g)].map((m) => m[1]);
    expect(names).toEqual(['films', 'big.txt', 'linked.mp4', 'small.txt', 'bin.txt', 'pack.zip', 'pic.png']);
    expect(html).not.toContain('>.aqua<');
    expect(html).toContain('aria-sort="descending"');
  });

  it('?view on a video: the player with its subtitles (vtt as is, srt converted), next, and no dotfiles', async () => {
    const r = await request(srv.port, '/films/a%20film.mp4?view');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toContain("media-src 'self'");
    const html = r.body.toString();
    expect(html).toContain('src="/films/a%20film.mp4"');
    expect(html).toContain('<track kind="subtitles" src="/films/a%20film.srt?format=vtt" label="Subtitles" default>');
    expect(html).toContain('<track kind="subtitles" src="/films/a%20film.en.vtt" srclang="en" label="English">');
    expect(html).toContain('rel="next" href="/films/b.mkv?view"');
    expect(html).not.toContain('hidden.mp4');
  });

  it('?format=vtt converts a .srt; other formats and files are untouched', async () => {
    const r = await request(srv.port, '/films/a%20film.srt?format=vtt');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/vtt; charset=utf-8');
    expect(r.body.toString()).toBe('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHallo\n');
    const raw = await request(srv.port, '/films/a%20film.srt');
    expect(raw.body.toString()).toContain('00:00:01,000');
    const vtt = await request(srv.port, '/films/a%20film.en.vtt?format=vtt');
    expect(vtt.body.toString()).toContain('WEBVTT');
  });

  it('formats browsers cannot play get a note; maybe-playable ones get the player and a hidden note', async () => {
    const avi = (await request(srv.port, '/films/c.avi?view')).body.toString();
    expect(avi).not.toContain('<video');
    expect(avi).toContain('cannot play this video');
    expect(avi).toContain('rel="prev" href="/films/b.mkv?view"');
    expect(avi).toContain('rel="next" href="/films/z.mp3?view"');
    const mkv = (await request(srv.port, '/films/b.mkv?view')).body.toString();
    expect(mkv).toContain('<video');
    expect(mkv).toContain('data-media-error');
    const mp3 = (await request(srv.port, '/films/z.mp3?view')).body.toString();
    expect(mp3).toContain('<audio id="media"');
  });

  it('text view: escaped, capped at 1 MiB, binary detected', async () => {
    const small = (await request(srv.port, '/small.txt?view')).body.toString();
    expect(small).toContain('&lt;b&gt;bold&lt;/b&gt; &amp; more');
    const big = await request(srv.port, '/big.txt?view');
    expect(big.status).toBe(200);
    expect(big.body.length).toBeLessThan(1.2 * 1024 * 1024);
    expect(big.body.toString()).toContain('Showing the first 1 MiB of 1.7 MiB');
    expect((await request(srv.port, '/bin.txt?view')).body.toString()).toContain('does not look like text');
  });

  it('?view on a kind without a viewer serves the file; HEAD of a page has no body', async () => {
    const zip = await request(srv.port, '/pack.zip?view');
    expect(zip.body.toString()).toBe('zip!');
    const head = await request(srv.port, '/pic.png?view', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(100);
    expect(head.body.length).toBe(0);
  });

  it("a symlinked file's viewer steps through the folder the URL names", async () => {
    const html = (await request(srv.port, '/linked.mp4?view')).body.toString();
    expect(html).toContain('src="/linked.mp4"');
    expect(html).not.toContain('a%20film.en.vtt');
  });

  it('a file already served raw (and so in the metadata cache) still gets its viewer and its conversion', async () => {
    for (let i = 0; i < 2; i++) {
      expect((await request(srv.port, '/small.txt')).body.toString()).toBe('<b>bold</b> & more');
      expect((await request(srv.port, '/films/a%20film.srt')).body.toString()).toContain(',000');
    }
    expect((await request(srv.port, '/small.txt?view')).headers['content-type']).toBe('text/html; charset=utf-8');
    expect((await request(srv.port, '/films/a%20film.srt?format=vtt')).body.toString()).toMatch(/^WEBVTT/);
    expect((await request(srv.port, '/small.txt')).body.toString()).toBe('<b>bold</b> & more');
  });

  it('?view on a missing file or a dotfile is 404', async () => {
    expect((await request(srv.port, '/films/nope.mp4?view')).status).toBe(404);
    expect((await request(srv.port, '/films/.hidden.mp4?view')).status).toBe(404);
  });
});

describe('under a mount prefix (Express)', () => {
  it('links assets, files and viewers under the prefix, and serves them there', async () => {
    const app = express();
    app.use('/media', serveDirectory(root));
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    try {
      const html = (await request(port, '/media/films/')).body.toString();
      const assets = assetPaths(html.replaceAll('"/media/.aqua/', '"/.aqua/')).map((p) => `/media${p}`);
      expect(html).toContain('href="/media/.aqua/style.');
      for (const p of assets) expect((await request(port, p)).status, p).toBe(200);
      // Rows link the file itself, relative to the folder (the script opens the viewer on click).
      expect(html).toContain('<a href="a%20film.mp4">a film.mp4</a>');
      const player = (await request(port, '/media/films/a%20film.mp4?view')).body.toString();
      expect(player).toContain('src="/media/films/a%20film.mp4"');
      expect(player).toContain('src="/media/films/a%20film.srt?format=vtt"');
      expect(player).toContain('<a href="/media/films/">films</a>');
      expect((await request(port, '/media/films/a%20film.srt?format=vtt')).body.toString()).toMatch(/^WEBVTT/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
