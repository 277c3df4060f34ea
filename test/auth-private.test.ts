import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, start, tempDir, type Running } from './helpers.js';

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
