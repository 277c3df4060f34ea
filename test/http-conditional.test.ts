import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, start, type Running } from './helpers.js';

const DATA = Buffer.from('hello, conditional world\n'.repeat(40));
const MTIME_S = Date.UTC(2026, 0, 15, 12, 0, 0) / 1000 + 0.5; // half a second into the second
const LAST_MODIFIED = 'Thu, 15 Jan 2026 12:00:00 GMT';
const EARLIER = 'Thu, 15 Jan 2026 11:59:59 GMT';
const LATER = 'Thu, 15 Jan 2026 12:00:01 GMT';

let dir = '';
let server: Running;
let etag = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aqua-cond-'));
  await writeFile(path.join(dir, 'page.txt'), DATA);
  await utimes(path.join(dir, 'page.txt'), MTIME_S, MTIME_S);
  await writeFile(path.join(dir, 'café ünïcode "q".txt'), 'x');
  await writeFile(path.join(dir, 'plain.txt'), 'x');
  server = await start({ root: dir });
  etag = String((await request(server.port, '/page.txt', { headers: { method: 'HEAD' } })).headers.etag);
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

type Headers = Record<string, string>;

describe('preconditions over the socket (RFC 9110 §13.2.2)', () => {
  it.each<[string, () => Headers, 200 | 206 | 304 | 412]>([
    ['no precondition', () => ({}), 200],
    ['If-Match current tag', () => ({ 'if-match': etag }), 200],
    ['If-Match *', () => ({ 'if-match': '*' }), 200],
    ['If-Match list containing the tag', () => ({ 'if-match': `"nope", ${etag}` }), 200],
    ['If-Match other tag', () => ({ 'if-match': '"nope"' }), 412],
    ['If-Match weak form of the tag (strong comparison)', () => ({ 'if-match': `W/${etag}` }), 412],
    ['If-Unmodified-Since Last-Modified', () => ({ 'if-unmodified-since': LAST_MODIFIED }), 200],
    ['If-Unmodified-Since earlier', () => ({ 'if-unmodified-since': EARLIER }), 412],
    ['If-Unmodified-Since invalid date ignored', () => ({ 'if-unmodified-since': 'soon' }), 200],
    ['If-None-Match current tag', () => ({ 'if-none-match': etag }), 304],
    ['If-None-Match weak form matches (weak comparison)', () => ({ 'if-none-match': `W/${etag}` }), 304],
    ['If-None-Match list containing the tag', () => ({ 'if-none-match': `"a", "b", ${etag}` }), 304],
    ['If-None-Match *', () => ({ 'if-none-match': '*' }), 304],
    ['If-None-Match other tag', () => ({ 'if-none-match': '"nope"' }), 200],
    ['If-Modified-Since Last-Modified (mtime has 500 ms more)', () => ({ 'if-modified-since': LAST_MODIFIED }), 304],
    ['If-Modified-Since later', () => ({ 'if-modified-since': LATER }), 304],
    ['If-Modified-Since earlier', () => ({ 'if-modified-since': EARLIER }), 200],
    [
      'If-Modified-Since obsolete RFC 850 form',
      () => ({ 'if-modified-since': 'Thursday, 15-Jan-26 12:00:00 GMT' }),
      304,
    ],
    ['If-Modified-Since invalid date ignored', () => ({ 'if-modified-since': '2026-01-15' }), 200],
    [
      'If-None-Match differs: If-Modified-Since ignored',
      () => ({ 'if-none-match': '"nope"', 'if-modified-since': LATER }),
      200,
    ],
    [
      'If-None-Match matches: If-Modified-Since irrelevant',
      () => ({ 'if-none-match': etag, 'if-modified-since': EARLIER }),
      304,
    ],
    ['If-Match passes: If-Unmodified-Since ignored', () => ({ 'if-match': etag, 'if-unmodified-since': EARLIER }), 200],
    [
      'If-Match fails: If-Unmodified-Since irrelevant',
      () => ({ 'if-match': '"nope"', 'if-unmodified-since': LATER }),
      412,
    ],
    ['If-Match fails before If-None-Match', () => ({ 'if-match': '"nope"', 'if-none-match': etag }), 412],
    ['304 wins over Range', () => ({ 'if-none-match': etag, range: 'bytes=0-9' }), 304],
    ['412 wins over Range', () => ({ 'if-match': '"nope"', range: 'bytes=0-9' }), 412],
    ['preconditions pass, Range applies', () => ({ 'if-match': etag, range: 'bytes=0-9' }), 206],
  ])('%s → %s', async (_name, headers, status) => {
    const reply = await request(server.port, '/page.txt', { headers: headers() });
    expect(reply.status).toBe(status);
    if (status === 200) expect(reply.body.equals(DATA)).toBe(true);
    if (status === 206) expect(reply.body.equals(DATA.subarray(0, 10))).toBe(true);
    if (status === 304) expect(reply.body.length).toBe(0);
  });

  it('HEAD gets 304 like GET', async () => {
    expect(
      (await request(server.port, '/page.txt', { method: 'HEAD', headers: { 'if-none-match': etag } })).status,
    ).toBe(304);
  });
});

describe('response headers', () => {
  it('304 carries ETag, Last-Modified, Cache-Control and no Content-*', async () => {
    const reply = await request(server.port, '/page.txt', { headers: { 'if-none-match': etag } });
    expect(reply.status).toBe(304);
    expect(reply.headers.etag).toBe(etag);
    expect(reply.headers['last-modified']).toBe(LAST_MODIFIED);
    expect(reply.headers['cache-control']).toBe('max-age=0, s-maxage=1, must-revalidate');
    expect(Object.keys(reply.headers).filter((name) => name.startsWith('content-'))).toEqual([]);
    expect(reply.headers['accept-ranges']).toBeUndefined();
    expect(reply.headers['transfer-encoding']).toBeUndefined();
  });

  it('200 carries the validators, the default Cache-Control, Accept-Ranges and no Content-Disposition', async () => {
    const reply = await request(server.port, '/page.txt');
    expect(reply.headers).toMatchObject({
      etag: expect.stringMatching(/^"[0-9a-f]+-[0-9a-f]+"$/),
      'last-modified': LAST_MODIFIED,
      'cache-control': 'max-age=0, s-maxage=1, must-revalidate',
      'accept-ranges': 'bytes',
      'content-length': String(DATA.length),
    });
    expect(reply.headers['content-disposition']).toBeUndefined();
  });

  it('412 is the fixed error page, never cached', async () => {
    const reply = await request(server.port, '/page.txt', { headers: { 'if-match': '"nope"' } });
    expect(reply.status).toBe(412);
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.body.toString()).toContain('Precondition Failed');
  });

  it('--cache N gives public, max-age=N on 200 and on 304', async () => {
    const cached = await start({ root: dir, cacheSeconds: 3600 });
    try {
      const ok = await request(cached.port, '/page.txt');
      const notModified = await request(cached.port, '/page.txt', { headers: { 'if-none-match': etag } });
      expect([ok.headers['cache-control'], notModified.headers['cache-control']]).toEqual([
        'public, max-age=3600',
        'public, max-age=3600',
      ]);
    } finally {
      await cached.close();
    }
  });

  it.each<[string, string, string]>([
    ['plain name', '/plain.txt?download', 'attachment; filename="plain.txt"'],
    [
      'non-ASCII and quote',
      `/${encodeURIComponent('café ünïcode "q".txt')}?download`,
      `attachment; filename="cafe unicode _q_.txt"; filename*=UTF-8''caf%C3%A9%20%C3%BCn%C3%AFcode%20%22q%22.txt`,
    ],
    ['with other query parameters', '/plain.txt?x=1&download=1', 'attachment; filename="plain.txt"'],
  ])('?download (%s) → Content-Disposition: attachment', async (_name, url, disposition) => {
    const reply = await request(server.port, url);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-disposition']).toBe(disposition);
  });
});

describe('Last-Modified', () => {
  it('a file dated in the future is announced as modified now, never later than Date', async () => {
    const file = path.join(dir, 'future.txt');
    await writeFile(file, 'from the future');
    const future = Date.now() / 1000 + 86_400;
    await utimes(file, future, future);
    const reply = await request(server.port, '/future.txt');
    const lastModified = Date.parse(String(reply.headers['last-modified']));
    expect(lastModified).toBeLessThanOrEqual(Date.parse(String(reply.headers.date)));
    // Its date moves with the clock, so revalidation relies on the ETag.
    const revalidated = await request(server.port, '/future.txt', {
      headers: { 'if-none-match': String(reply.headers.etag) },
    });
    expect(revalidated.status).toBe(304);
  });
});

describe('ETag', () => {
  it('is identical across instances and restarts', async () => {
    const other = await start({ root: dir });
    try {
      expect((await request(other.port, '/page.txt', { headers: { method: 'HEAD' } })).headers.etag).toBe(etag);
    } finally {
      await other.close();
    }
  });

  it('changes when the mtime or the size changes', async () => {
    const file = path.join(dir, 'changing.txt');
    await writeFile(file, 'abcdef');
    await utimes(file, MTIME_S, MTIME_S);
    const first = (await request(server.port, '/changing.txt', { headers: { method: 'HEAD' } })).headers.etag;
    await utimes(file, MTIME_S + 0.25, MTIME_S + 0.25);
    const touched = (await request(server.port, '/changing.txt', { headers: { method: 'HEAD' } })).headers.etag;
    await truncate(file, 3);
    await utimes(file, MTIME_S + 0.25, MTIME_S + 0.25);
    const shrunk = (await request(server.port, '/changing.txt', { headers: { method: 'HEAD' } })).headers.etag;
    expect(new Set([first, touched, shrunk]).size).toBe(3);
    expect((await request(server.port, '/changing.txt', { headers: { 'if-none-match': String(first) } })).status).toBe(
      200,
    );
  });
});

describe('real client', () => {
  const curl = '/usr/bin/curl';
  it.skipIf(!existsSync(curl))('a download interrupted and resumed with curl -C - gives identical bytes', async () => {
    const run = promisify(execFile);
    const size = 6 * 1024 * 1024;
    const big = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    await writeFile(path.join(dir, 'movie.bin'), big);
    const out = path.join(dir, 'download.part');
    const url = `http://127.0.0.1:${server.port}/movie.bin`;
    // Interrupted: curl gives up after 1.5 s at 1 MB/s, leaving part of the file on disk (exit 28).
    const first = await run(curl, [
      '-sS',
      '--limit-rate',
      '1M',
      '--max-time',
      '1.5',
      '-o',
      out,
      '-w',
      '%{http_code} %{size_download} %{time_total}',
      url,
    ]).then(
      (r) => `exit 0 ${r.stdout}`,
      (err: { code?: number; stderr?: string }) => `exit ${err.code ?? '?'} ${err.stderr ?? ''}`.trim(),
    );
    expect(first).toMatch(/^exit 28 /);
    const partial = (await stat(out)).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(size);
    // Resumed: curl asks for bytes=<partial>- and appends the 206 body.
    const resumed = await run(curl, ['-sS', '--max-time', '20', '-C', '-', '-o', out, '-w', '%{http_code}', url]);
    expect(resumed.stdout).toBe('206');
    expect((await readFile(out)).equals(big)).toBe(true);
  });
});
