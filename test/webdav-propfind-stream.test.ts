/**
 * A large PROPFIND is streamed (issue 16: "Large PROPFIND answers are streamed, not built in memory"): a Depth 1
 * PROPFIND of a folder of 20,000 files answers chunked (no Content-Length: its size is not known up front), its
 * first bytes — the folder's own response — arrive long before the last, in many writes, and every entry is there
 * exactly once.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDirectory } from '../src/index.js';
import { start, tempDir, type Running } from './helpers.js';

const ENTRIES = 20_000;

let cleanup: () => Promise<void>;
let server: Running;
let top: string;

beforeAll(async () => {
  const t = await tempDir('aqua-dav-big-');
  cleanup = t.cleanup;
  top = t.dir;
  const big = path.join(t.dir, 'big');
  await mkdir(big);
  for (let i = 0; i < ENTRIES; i += 500) {
    const batch = Array.from({ length: 500 }, (_, j) => writeFile(path.join(big, `file-${i + j}.txt`), ''));
    await Promise.all(batch);
  }
  server = await start({ root: t.dir, webdav: true });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await cleanup?.();
});

interface Timed {
  readonly headers: http.IncomingHttpHeaders;
  readonly firstChunk: string;
  readonly firstMs: number;
  readonly endMs: number;
  readonly chunks: number;
  readonly body: string;
}

function propfind(port: number, rawPath: string): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      { host: '127.0.0.1', port, path: rawPath, method: 'PROPFIND', headers: { Depth: '1' }, agent: false },
      (res) => {
        const parts: Buffer[] = [];
        let firstMs = 0;
        res.on('data', (c: Buffer) => {
          if (parts.length === 0) firstMs = performance.now() - t0;
          parts.push(c);
        });
        res.on('end', () =>
          resolve({
            headers: res.headers,
            firstChunk: parts[0]?.toString() ?? '',
            firstMs,
            endMs: performance.now() - t0,
            chunks: parts.length,
            body: Buffer.concat(parts).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('a PROPFIND of a 20,000-entry folder', () => {
  it('is streamed: chunked, the first response out long before the last, every entry once', async () => {
    const r = await propfind(server.port, '/big/');
    expect(r.headers['content-length']).toBeUndefined();
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.firstChunk).toContain('<D:href>/big/</D:href>');
    expect(r.firstChunk).not.toContain('</D:multistatus>');
    expect(r.chunks).toBeGreaterThan(20);
    expect(r.firstMs).toBeLessThan(r.endMs / 3);
    const hrefs = [...r.body.matchAll(/<D:href>\/big\/file-(\d+)\.txt<\/D:href>/g)].map((m) => Number(m[1]));
    expect(new Set(hrefs).size).toBe(ENTRIES);
    expect(hrefs.length).toBe(ENTRIES);
    expect(r.body.endsWith('</D:multistatus>\n')).toBe(true);
    console.log(
      `PROPFIND of ${ENTRIES} entries: first bytes ${r.firstMs.toFixed(0)} ms, all ${r.endMs.toFixed(0)} ms, ${(r.body.length / 2 ** 20).toFixed(1)} MiB in ${r.chunks} chunks`,
    );
  }, 60_000);

  it('is written as a slow reader takes it: the server never holds more than a few batches', async () => {
    let res: http.ServerResponse | undefined;
    const handler = serveDirectory(top, { webdav: true });
    const plain = http.createServer((q, r) => {
      res = r;
      handler(q, r);
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const port = (plain.address() as { port: number }).port;
    let most = 0;
    let total = 0;
    await new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/big/', method: 'PROPFIND', headers: { Depth: '1' } });
      req.on('response', (r) => {
        r.on('data', (c: Buffer) => {
          total += c.length;
          most = Math.max(most, res?.writableLength ?? 0);
          r.pause();
          setTimeout(() => r.resume(), 2); // about 30 MB/s at most: slower than the server writes
        });
        r.on('end', resolve);
        r.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    await new Promise<void>((resolve) => plain.close(() => resolve()));
    handler.close();
    expect(total).toBeGreaterThan(7 * 2 ** 20);
    // One batch of 256 responses is ~100 KiB; the whole answer (8 MiB) never waits in the server.
    expect(most).toBeLessThan(512 * 1024);
  }, 60_000);
});
