// The one send path (issue 11), over a real socket: every kind of answer — file, listing, viewer page,
// converted subtitle, asset, redirect, error — gets validators, preconditions, HEAD and the policy
// headers from the same code, and error answers keep the policy an app or --cors set.
import express from 'express';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDirectory } from '../src/index.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function request(port: number, target: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function listen(handler: http.RequestListener): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let dir = '';
const closers: (() => Promise<void>)[] = [];
let plain = 0;
let cors = 0;
let app = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'aqua-engine-'));
  await writeFile(path.join(dir, 'a.txt'), 'abcdefghijklmnopqrstuvwxyz');
  await writeFile(path.join(dir, 'clip.mp4'), Buffer.alloc(2048, 1));
  await writeFile(path.join(dir, 'clip.en.srt'), '1\n00:00:01,000 --> 00:00:02,000\nHello\n');
  await mkdir(path.join(dir, 'site'));
  await writeFile(path.join(dir, 'site', 'index.html'), '<link rel="stylesheet" href="style.css"><p>site</p>');
  const a = await listen(serveDirectory(dir));
  const b = await listen(serveDirectory(dir, { cors: true }));
  const expressApp = express();
  // What helmet-like middleware does: headers set before the handler runs.
  expressApp.use((_req, res, next) => {
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Content-Language', 'en');
    next();
  });
  expressApp.use('/media', serveDirectory(dir));
  const c = await listen(expressApp);
  plain = a.port;
  cors = b.port;
  app = c.port;
  closers.push(a.close, b.close, c.close);
});

afterAll(async () => {
  for (const close of closers) await close();
  await rm(dir, { recursive: true, force: true });
});

describe('generated answers get validators and answer 304', () => {
  it.each([
    ['a listing', '/'],
    ['a JSON listing', '/?format=json'],
    ['a player page', '/clip.mp4?view'],
    ['a text view', '/a.txt?view'],
    ['an SRT converted to WebVTT', '/clip.en.srt?format=vtt'],
  ])('%s (%s): ETag, then If-None-Match → 304 without Content-*', async (_what, target) => {
    const first = await request(plain, target);
    expect(first.status).toBe(200);
    expect(first.headers.etag).toMatch(/^"[^"]+"$/);
    const again = await request(plain, target, { 'If-None-Match': first.headers.etag ?? '' });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    expect(
      Object.keys(again.headers).filter((h) => h.startsWith('content-') && h !== 'content-security-policy'),
    ).toEqual([]);
    expect(again.headers.etag).toBe(first.headers.etag);
  });

  it('an asset answers 304 for its ETag and to HEAD with the headers of GET', async () => {
    const page = await request(plain, '/');
    const css = /href="(\/\.aqua\/style\.[^"]+\.css)"/.exec(page.body)?.[1] ?? '';
    const get = await request(plain, css);
    expect(get.status).toBe(200);
    const head = await request(plain, css, {}, 'HEAD');
    expect([head.status, head.body, head.headers['content-length']]).toEqual([200, '', get.headers['content-length']]);
    const cached = await request(plain, css, { 'If-None-Match': `W/${get.headers.etag}` });
    expect(cached.status).toBe(304);
  });

  it('a Range request on a generated page gets 206 with exactly those bytes', async () => {
    const whole = await request(plain, '/a.txt?view');
    const part = await request(plain, '/a.txt?view', { Range: 'bytes=0-14' });
    expect(part.status).toBe(206);
    expect(part.body).toBe(whole.body.slice(0, 15));
  });
});

describe('policy headers stay on error answers; only representation headers go', () => {
  it('with --cors a 404 and a 416 carry Access-Control-Allow-Origin, and the 416 its Content-Range', async () => {
    const missing = await request(cors, '/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.headers['access-control-allow-origin']).toBe('*');
    const unsatisfiable = await request(cors, '/a.txt', { Range: 'bytes=100-200' });
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.headers['access-control-allow-origin']).toBe('*');
    expect(unsatisfiable.headers['content-range']).toBe('bytes */26');
    expect(unsatisfiable.headers['access-control-expose-headers']).toContain('Content-Range');
    expect(unsatisfiable.headers.etag).toBeUndefined();
  });

  it('a 412 keeps nosniff and drops the validators of the file', async () => {
    const res = await request(plain, '/a.txt', { 'If-Match': '"nope"' });
    expect(res.status).toBe(412);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['last-modified']).toBeUndefined();
  });

  it('headers an app set before the handler survive a 404 under Express', async () => {
    const res = await request(app, '/media/clip.mp4', { Range: 'bytes=9999-' });
    expect(res.status).toBe(416);
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('a 304 drops Content-* headers the app set earlier (RFC 9110 §15.4.5)', async () => {
    const first = await request(app, '/media/a.txt');
    expect(first.headers['content-language']).toBe('en');
    const again = await request(app, '/media/a.txt', { 'If-None-Match': first.headers.etag ?? '' });
    expect(again.status).toBe(304);
    expect(again.headers['content-language']).toBeUndefined();
    expect(again.headers['content-type']).toBeUndefined();
    expect(again.headers['x-frame-options']).toBe('DENY');
  });
});

describe('under a mount', () => {
  it('GET /media (the mount itself, no slash) is a 301 to /media/, never //', async () => {
    const res = await request(app, '/media');
    expect([res.status, res.headers.location]).toEqual([301, '/media/']);
    const query = await request(app, '/media?sort=size');
    expect([query.status, query.headers.location]).toEqual([301, '/media/?sort=size']);
  });

  it('a folder with index.html under the mount is redirected to its slash form too', async () => {
    const res = await request(app, '/media/site');
    expect([res.status, res.headers.location]).toEqual([301, '/media/site/']);
    const page = await request(app, '/media/site/');
    expect(page.body).toContain('href="style.css"');
  });

  it('error pages link back to the top of the mount, not to /', async () => {
    const res = await request(app, '/media/a.txt', { 'If-Match': '"nope"' });
    expect(res.status).toBe(412);
    expect(res.body).toContain('href="/media/"');
    expect(res.body).not.toContain('href="/"');
  });
});
