/**
 * Issue 17 over a real socket: SPA fallback, compression and its negotiation, precompressed siblings,
 * and the aqua.json rules (redirects, rewrites, clean URLs, trailing slash, headers, 404 page, reload).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AquaServerOptions } from '../src/index.js';
import { request, start, tempDir, type RawResponse, type Running } from './helpers.js';

const NAV = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const INDEX = '<!doctype html><title>spa</title><script src="/app.3f2a.js"></script>';
const APP = Buffer.from(
  Array.from({ length: 1200 }, (_, i) => `export const value${i} = ${i} * 2; // line ${i}\n`).join(''),
);
const LIB = Buffer.from('export function lib() { return "precompressed"; }\n'.repeat(100));
const LIB_BR = brotliCompressSync(LIB);
const LIB_GZ = gzipSync(LIB);
const VIDEO = Buffer.alloc(8192, 7);

let dir: string;
let cleanup: () => Promise<void>;
const servers: Running[] = [];

async function serve(options: Omit<AquaServerOptions, 'root'> = {}, root = dir): Promise<Running> {
  const srv = await start({ root, ...options });
  servers.push(srv);
  return srv;
}

function decoded(res: RawResponse): Buffer {
  const coding = res.headers['content-encoding'];
  if (coding === 'br') return brotliDecompressSync(res.body);
  if (coding === 'gzip') return gunzipSync(res.body);
  return res.body;
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('aqua-site-'));
  const files: Record<string, string | Buffer> = {
    'index.html': INDEX,
    'app.3f2a.js': APP,
    'about.html': '<!doctype html><title>about</title>',
    'docs/index.html': '<!doctype html><title>docs</title>',
    '404.html': '<!doctype html><title>custom 404</title>',
    'small.txt': 'tiny text',
    'video.mp4': VIDEO,
    'big.css': 'body { color: red; }\n'.repeat(500),
    'pre/lib.js': LIB,
    'pre/lib.js.br': LIB_BR,
    'pre/lib.js.gz': LIB_GZ,
  };
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await cleanup();
});

describe('--spa: routes get index.html, assets stay 404', () => {
  let srv: Running;
  beforeAll(async () => (srv = await serve({ spa: true })));
  // [method, path, Accept, status, answered with the SPA entry]
  const rows: [string, string, string | undefined, number, boolean][] = [
    ['GET', '/dashboard', NAV, 200, true],
    ['GET', '/dashboard/settings/profile', NAV, 200, true],
    ['GET', '/deep/route/', NAV, 200, true],
    ['HEAD', '/dashboard', NAV, 200, true],
    ['GET', '/app.0000.js', NAV, 404, false],
    ['GET', '/missing.css', 'text/css,*/*;q=0.1', 404, false],
    ['GET', '/api/user', 'application/json', 404, false],
    ['GET', '/api/user', '*/*', 404, false],
    ['GET', '/api/user', undefined, 404, false],
    // The folder's own index.html, not a fallback: sent as a file, with the files' cache policy.
    ['GET', '/', NAV, 200, false],
    ['GET', '/about.html', NAV, 200, false],
  ];
  it.each(rows)('%s %s (Accept %j) → %i', async (method, p, accept, status, spa) => {
    const res = await request(srv.port, p, { method, headers: accept ? { accept } : {} });
    expect(res.status).toBe(status);
    if (spa) {
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      if (method === 'GET') expect(res.body.toString()).toBe(INDEX);
    } else if (status === 404) {
      expect(res.body.toString()).not.toContain('spa');
    }
  });

  it('serves another entry file with --spa <file>', async () => {
    await writeFile(path.join(dir, 'shell.html'), '<!doctype html><title>shell</title>');
    const other = await serve({ spa: '/shell.html' });
    const res = await request(other.port, '/some/route', { headers: { accept: NAV } });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toContain('shell');
  });
});

describe('compression negotiated by Accept-Encoding (RFC 9110 §12.5.3)', () => {
  let srv: Running;
  beforeAll(async () => (srv = await serve()));
  // [Accept-Encoding, status, Content-Encoding sent]
  const rows: [string | undefined, number, string | undefined][] = [
    ['gzip, deflate, br, zstd', 200, 'br'],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', 200, 'br'],
    ['gzip', 200, 'gzip'],
    ['x-gzip', 200, 'gzip'],
    ['br;q=0.2, gzip;q=0.9', 200, 'gzip'],
    ['br;q=0, gzip;q=0', 200, undefined],
    [undefined, 200, undefined],
    ['', 200, undefined],
    ['identity', 200, undefined],
    ['compress, deflate', 200, undefined],
    ['zstd', 200, undefined],
    ['*;q=0, gzip', 200, 'gzip'],
    ['*', 200, 'br'],
    ['br;q=abc, gzip', 200, 'gzip'],
  ];
  it.each(rows)('Accept-Encoding %j → %i %s', async (ae, status, coding) => {
    const res = await request(srv.port, '/app.3f2a.js', { headers: ae === undefined ? {} : { 'accept-encoding': ae } });
    expect(res.status).toBe(status);
    expect(res.headers['content-encoding']).toBe(coding);
    expect(res.headers.vary).toBe('Accept-Encoding');
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    expect(decoded(res).equals(APP)).toBe(true);
    if (coding) expect(res.body.length).toBeLessThan(APP.length / 3);
  });

  // [path, Accept-Encoding]: nothing acceptable left → 406; a small file or no coding at all.
  const refused: [string, string][] = [
    ['/small.txt', 'identity;q=0'],
    ['/small.txt', '*;q=0'],
    ['/app.3f2a.js', 'identity;q=0'],
    ['/app.3f2a.js', 'identity;q=0, compress'],
  ];
  it.each(refused)('%s with %j → 406', async (p, ae) => {
    const res = await request(srv.port, p, { headers: { 'accept-encoding': ae } });
    expect(res.status).toBe(406);
    expect(res.headers.vary).toBe('Accept-Encoding');
  });

  it('gives each coding its own ETag, and a 304 for each', async () => {
    const tags = new Map<string, string>();
    for (const ae of ['br', 'gzip', 'identity']) {
      const res = await request(srv.port, '/app.3f2a.js', { headers: { 'accept-encoding': ae } });
      tags.set(ae, String(res.headers.etag));
    }
    expect(new Set(tags.values()).size).toBe(3);
    for (const [ae, tag] of tags) {
      const hit = await request(srv.port, '/app.3f2a.js', { headers: { 'accept-encoding': ae, 'if-none-match': tag } });
      expect(hit.status).toBe(304);
      expect(hit.headers.etag).toBe(tag);
      expect(hit.headers.vary).toBe('Accept-Encoding');
      const other = ae === 'br' ? 'gzip' : 'br';
      const miss = await request(srv.port, '/app.3f2a.js', {
        headers: { 'accept-encoding': other, 'if-none-match': tag },
      });
      expect(miss.status).toBe(200);
    }
  });

  it('answers HEAD with the headers of the GET', async () => {
    const get = await request(srv.port, '/big.css', { headers: { 'accept-encoding': 'br' } });
    const head = await request(srv.port, '/big.css', { method: 'HEAD', headers: { 'accept-encoding': 'br' } });
    expect(head.headers['content-encoding']).toBe('br');
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.headers.etag).toBe(get.headers.etag);
    expect(head.body.length).toBe(0);
  });

  it('serves a Range request from the identity bytes', async () => {
    const res = await request(srv.port, '/app.3f2a.js', { headers: { 'accept-encoding': 'br', range: 'bytes=10-19' } });
    expect(res.status).toBe(206);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers.vary).toBe('Accept-Encoding');
    expect(res.body.equals(APP.subarray(10, 20))).toBe(true);
  });

  it('never compresses media, and does not Vary it', async () => {
    const res = await request(srv.port, '/video.mp4', { headers: { 'accept-encoding': 'br, gzip' } });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers.vary).toBeUndefined();
    expect(res.body.equals(VIDEO)).toBe(true);
  });

  it('compresses nothing with compress: false', async () => {
    const off = await serve({ compress: false });
    const res = await request(off.port, '/app.3f2a.js', { headers: { 'accept-encoding': 'br' } });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.equals(APP)).toBe(true);
  });

  it('exposes Content-Encoding and keeps CORS on compressed answers', async () => {
    const cors = await serve({ cors: true });
    const res = await request(cors.port, '/app.3f2a.js', {
      headers: { 'accept-encoding': 'br', origin: 'http://x.test' },
    });
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('precompressed siblings', () => {
  let srv: Running;
  beforeAll(async () => (srv = await serve()));
  // [Accept-Encoding, Content-Encoding, body]
  const rows: [string, string | undefined, Buffer][] = [
    ['br, gzip', 'br', LIB_BR],
    ['gzip', 'gzip', LIB_GZ],
    ['identity', undefined, LIB],
  ];
  it.each(rows)('%j → %s', async (ae, coding, body) => {
    const res = await request(srv.port, '/pre/lib.js', { headers: { 'accept-encoding': ae } });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe(coding);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['content-length']).toBe(String(body.length));
    expect(res.headers.vary).toBe('Accept-Encoding');
    expect(res.body.equals(body)).toBe(true);
    expect(decoded(res).equals(LIB)).toBe(true);
  });

  it('serves Range on the encoded bytes, with a strong ETag usable in If-Range', async () => {
    const full = await request(srv.port, '/pre/lib.js', { headers: { 'accept-encoding': 'gzip' } });
    const tag = String(full.headers.etag);
    expect(tag.startsWith('"')).toBe(true);
    const part = await request(srv.port, '/pre/lib.js', {
      headers: { 'accept-encoding': 'gzip', range: 'bytes=0-9', 'if-range': tag },
    });
    expect(part.status).toBe(206);
    expect(part.headers['content-encoding']).toBe('gzip');
    expect(part.headers['content-range']).toBe(`bytes 0-9/${LIB_GZ.length}`);
    expect(part.body.equals(LIB_GZ.subarray(0, 10))).toBe(true);
  });

  it('answers 304 per encoding', async () => {
    const br = await request(srv.port, '/pre/lib.js', { headers: { 'accept-encoding': 'br' } });
    const gz = await request(srv.port, '/pre/lib.js', { headers: { 'accept-encoding': 'gzip' } });
    expect(br.headers.etag).not.toBe(gz.headers.etag);
    const again = { 'if-none-match': String(br.headers.etag) };
    expect((await request(srv.port, '/pre/lib.js', { headers: { 'accept-encoding': 'br', ...again } })).status).toBe(
      304,
    );
    expect((await request(srv.port, '/pre/lib.js', { headers: { 'accept-encoding': 'gzip', ...again } })).status).toBe(
      200,
    );
  });
});

describe('aqua.json rules', () => {
  let srv: Running;
  let site: string;
  beforeAll(async () => {
    site = path.join(dir, 'configured');
    await mkdir(path.join(site, 'blog'), { recursive: true });
    await mkdir(path.join(site, 'guide'), { recursive: true });
    await writeFile(path.join(site, 'index.html'), 'home');
    await writeFile(path.join(site, 'about.html'), 'about page');
    await writeFile(path.join(site, 'blog', 'index.html'), 'blog index');
    await writeFile(path.join(site, 'guide', 'index.html'), 'guide index');
    await writeFile(path.join(site, 'user.html'), 'user page');
    await writeFile(path.join(site, 'missing.html'), 'custom missing page');
    await writeFile(path.join(site, 'engine.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
    await mkdir(path.join(site, 'static'));
    await writeFile(path.join(site, 'static', 'app.css'), 'body { margin: 0 }\n'.repeat(100));
    await writeFile(
      path.join(site, 'aqua.json'),
      JSON.stringify({
        cleanUrls: true,
        notFound: '/missing.html',
        headers: [
          { source: '/**/*.wasm', headers: { 'Cross-Origin-Embedder-Policy': 'require-corp' } },
          { source: '/**', headers: { 'X-Frame-Options': 'DENY' } },
          { source: '/static/**', headers: { 'Cache-Control': 'public, max-age=31536000, immutable' } },
        ],
        redirects: [
          { source: '/old/:slug', destination: '/blog/:slug', status: 308 },
          { source: '/docs/:rest*', destination: 'https://docs.example.test/:rest', status: 302 },
          { source: '/gone', destination: '/', status: 307 },
        ],
        rewrites: [{ source: '/users/:id', destination: '/user.html' }],
      }),
    );
    srv = await serve({ config: true, headers: [{ source: '/**', headers: { 'X-From-Code': 'yes' } }] }, site);
  });

  // [path, status, Location or body]
  const rows: [string, number, string][] = [
    ['/old/hello%20world', 308, '/blog/hello%20world'],
    ['/old/hello?x=1', 308, '/blog/hello?x=1'],
    ['/docs/a/b', 302, 'https://docs.example.test/a/b'],
    ['/gone', 307, '/'],
    ['/about', 200, 'about page'],
    ['/about.html', 301, '/about'],
    ['/about/', 301, '/about'],
    ['/blog/index.html', 301, '/blog/'],
    ['/blog/', 200, 'blog index'],
    ['/blog', 301, '/blog/'],
    ['/users/42', 200, 'user page'],
    ['/nothing/here', 404, 'custom missing page'],
    ['/aqua.json', 404, 'custom missing page'],
  ];
  it.each(rows)('%s → %i %s', async (p, status, expected) => {
    const res = await request(srv.port, p);
    expect(res.status).toBe(status);
    if (status >= 300 && status < 400) expect(res.headers.location).toBe(expected);
    else expect(res.body.toString()).toBe(expected);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('adds per-glob headers and the code’s one-off headers', async () => {
    const wasm = await request(srv.port, '/engine.wasm');
    expect(wasm.headers['content-type']).toBe('application/wasm');
    expect(wasm.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(wasm.headers['x-frame-options']).toBe('DENY');
    expect(wasm.headers['x-from-code']).toBe('yes');
    const asset = await request(srv.port, '/static/app.css', { headers: { 'accept-encoding': 'br' } });
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-encoding']).toBe('br');
    const page = await request(srv.port, '/about');
    expect(page.headers['cross-origin-embedder-policy']).toBeUndefined();
    expect(page.headers['x-frame-options']).toBe('DENY');
  });

  it('reloads aqua.json on change; a bad edit keeps the last good config', async () => {
    const file = path.join(site, 'aqua.json');
    const good = JSON.stringify({ redirects: [{ source: '/new-rule', destination: '/about', status: 302 }] });
    await writeFile(file, good);
    let res = await request(srv.port, '/new-rule');
    for (let i = 0; i < 100 && res.status !== 302; i++) {
      await new Promise((r) => setTimeout(r, 30));
      res = await request(srv.port, '/new-rule');
    }
    expect(res.status).toBe(302);
    await writeFile(file, '{ "redirects": [ { "source": "/x", "destination": "/y", "status": 200 } ] }');
    await new Promise((r) => setTimeout(r, 300));
    expect((await request(srv.port, '/new-rule')).status).toBe(302);
  });
});

describe('trailing-slash policy', () => {
  let site: string;
  beforeAll(async () => {
    site = path.join(dir, 'slashes');
    await mkdir(path.join(site, 'guide'), { recursive: true });
    await writeFile(path.join(site, 'guide', 'index.html'), 'guide index');
    await writeFile(path.join(site, 'about.html'), 'about page');
  });
  // [trailingSlash, path, status, Location or body]
  const rows: [boolean, string, number, string][] = [
    [false, '/guide', 200, 'guide index'],
    [false, '/guide/', 301, '/guide'],
    [false, '/about', 200, 'about page'],
    [false, '/about/', 301, '/about'],
    [true, '/guide', 301, '/guide/'],
    [true, '/about', 301, '/about/'],
    [true, '/about/', 200, 'about page'],
    [true, '/about.html', 301, '/about/'],
  ];
  it.each(rows)('trailingSlash %s: %s → %i %s', async (trailingSlash, p, status, expected) => {
    const srv = await serve({ cleanUrls: true, trailingSlash }, site);
    const res = await request(srv.port, p);
    expect(res.status).toBe(status);
    if (status === 301) expect(res.headers.location).toBe(expected);
    else expect(res.body.toString()).toBe(expected);
  });
});

describe('bad options from the library', () => {
  it('throw a RangeError naming the key', async () => {
    await expect(serve({ redirects: [{ source: 'x', destination: '/y' }] })).rejects.toThrow(
      'options: redirects[0].source: must start with "/"',
    );
  });
});
