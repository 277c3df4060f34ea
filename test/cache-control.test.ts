import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileCacheControl, immutableCacheControl, pageCacheControl, type CachePolicy } from '../src/http/cache.js';
import { request, start, tempDir, type Running } from './helpers.js';

describe('Cache-Control policy (RFC 9111 §5.2.2)', () => {
  it.each<[string, CachePolicy, string, string, string]>([
    [
      'default: browsers revalidate each time, shared caches after 1 s',
      { cacheSeconds: null, private: false },
      'max-age=0, s-maxage=1, must-revalidate',
      'no-cache',
      'public, max-age=31536000, immutable',
    ],
    [
      '--cache 3600',
      { cacheSeconds: 3600, private: false },
      'public, max-age=3600',
      'no-cache',
      'public, max-age=31536000, immutable',
    ],
    [
      '--cache 0',
      { cacheSeconds: 0, private: false },
      'public, max-age=0',
      'no-cache',
      'public, max-age=31536000, immutable',
    ],
    [
      '--auth: nothing for shared caches',
      { cacheSeconds: null, private: true },
      'private, no-cache',
      'private, no-cache',
      'private, max-age=31536000, immutable',
    ],
    [
      '--auth --cache 600',
      { cacheSeconds: 600, private: true },
      'private, max-age=600',
      'private, no-cache',
      'private, max-age=31536000, immutable',
    ],
  ])('%s', (_name, policy, file, page, immutable) => {
    expect(fileCacheControl(policy)).toBe(file);
    expect(pageCacheControl(policy)).toBe(page);
    expect(immutableCacheControl(policy)).toBe(immutable);
  });

  it('the default never says no-cache, private, no-store or max-age=0 alone: nginx would not cache it', () => {
    const value = fileCacheControl({ cacheSeconds: null, private: false });
    expect(value).not.toMatch(/no-cache|no-store|private/);
    expect(value).toMatch(/s-maxage=[1-9]/);
  });
});

describe('with --auth every answer is private', () => {
  const AUTH = { authorization: 'Basic ' + Buffer.from('u:p').toString('base64') };
  let root: string;
  let cleanup: () => Promise<void>;
  let server: Running;
  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir());
    await mkdir(path.join(root, 'films'));
    await writeFile(path.join(root, 'films', 'a.txt'), 'hello\n');
    await writeFile(path.join(root, 'films', 'b.srt'), '1\n00:00:01,000 --> 00:00:02,000\nhi\n');
    server = await start({ root, auth: 'u:p' });
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  it.each<[string, string, number]>([
    ['a file', '/films/a.txt', 200],
    ['a listing', '/films/', 200],
    ['a viewer page', '/films/a.txt?view', 200],
    ['a converted subtitle', '/films/b.srt?format=vtt', 200],
    ['a redirect', '/films', 301],
  ])('%s: %s', async (_name, url, status) => {
    const reply = await request(server.port, url, { headers: AUTH });
    expect(reply.status).toBe(status);
    expect(reply.headers['cache-control']).toMatch(/^private, /);
  });

  it('a 304 carries the same private Cache-Control', async () => {
    const first = await request(server.port, '/films/a.txt', { headers: AUTH });
    const again = await request(server.port, '/films/a.txt', {
      headers: { ...AUTH, 'if-none-match': String(first.headers.etag) },
    });
    expect(again.status).toBe(304);
    expect(again.headers['cache-control']).toBe('private, no-cache');
  });

  it("the pages' assets too", async () => {
    const page = await request(server.port, '/films/', { headers: AUTH });
    const asset = /href="(\/\.aqua\/[^"]+\.css)"/.exec(page.body.toString())?.[1] ?? '';
    const reply = await request(server.port, asset, { headers: AUTH });
    expect(reply.status).toBe(200);
    expect(reply.headers['cache-control']).toBe('private, max-age=31536000, immutable');
  });
});
