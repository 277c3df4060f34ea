import { rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descriptors } from '../src/fs/descriptors.js';
import { request, start, tempDir, type Running } from './helpers.js';

let root: string;
let outside: string;
let srv: Running;
const cleanups: (() => Promise<void>)[] = [];
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  const t = await tempDir();
  const o = await tempDir('aqua-outside-');
  root = t.dir;
  outside = o.dir;
  cleanups.push(t.cleanup, o.cleanup);
  srv = await start({ root });
});
afterAll(async () => {
  await srv.close();
  for (const c of cleanups) await c();
});

/** Requests that warm the caches (metadata and blocks) for a path. */
async function warm(p: string): Promise<void> {
  for (let i = 0; i < 3; i++) await request(srv.port, p);
}

describe('the caches never serve a changed file', () => {
  it('serves new content after an in-place rewrite of the same size', async () => {
    const f = path.join(root, 'same-size.txt');
    await writeFile(f, 'aaaaaaaaaa');
    await warm('/same-size.txt');
    await writeFile(f, 'bbbbbbbbbb');
    const r = await request(srv.port, '/same-size.txt');
    expect(r.body.toString()).toBe('bbbbbbbbbb');
  });

  it('serves new content and length after a rewrite of another size', async () => {
    const f = path.join(root, 'grow.txt');
    await writeFile(f, 'short');
    await warm('/grow.txt');
    await writeFile(f, 'a much longer content');
    const r = await request(srv.port, '/grow.txt');
    expect(r.headers['content-length']).toBe('21');
    expect(r.body.toString()).toBe('a much longer content');
  });

  it('serves the new file after an atomic replace (rename over it)', async () => {
    const f = path.join(root, 'replaced.bin');
    const first = randomBytes(300_000);
    const second = randomBytes(300_000);
    await writeFile(f, first);
    await warm('/replaced.bin');
    await writeFile(f + '.tmp', second);
    await rename(f + '.tmp', f);
    const r = await request(srv.port, '/replaced.bin');
    expect(sha(r.body)).toBe(sha(second));
  });

  it('answers 404 once a cached file is deleted', async () => {
    const f = path.join(root, 'gone.txt');
    await writeFile(f, 'here');
    await warm('/gone.txt');
    await unlink(f);
    expect((await request(srv.port, '/gone.txt')).status).toBe(404);
  });

  it('answers 404 once a cached symlink is retargeted outside the root', async () => {
    await writeFile(path.join(root, 'target.txt'), 'inside');
    await writeFile(path.join(outside, 'secret.txt'), 'outside');
    const link = path.join(root, 'link.txt');
    await symlink(path.join(root, 'target.txt'), link);
    await warm('/link.txt');
    await rm(link);
    await symlink(path.join(outside, 'secret.txt'), link);
    const r = await request(srv.port, '/link.txt');
    expect(r.status).toBe(404);
    expect(r.body.toString()).not.toContain('outside');
  });

  it('gives every one of many concurrent requests after a rewrite the new content', async () => {
    const f = path.join(root, 'burst.txt');
    await writeFile(f, 'old content');
    await warm('/burst.txt');
    await writeFile(f, 'new content!');
    const all = await Promise.all(Array.from({ length: 50 }, () => request(srv.port, '/burst.txt')));
    for (const r of all) expect(r.body.toString()).toBe('new content!');
  });

  it('streams exact bytes to many concurrent clients of one file (shared blocks)', async () => {
    const big = randomBytes(5 * 1024 * 1024 + 7);
    await writeFile(path.join(root, 'shared.bin'), big);
    const all = await Promise.all(Array.from({ length: 20 }, () => request(srv.port, '/shared.bin')));
    for (const r of all) expect(sha(r.body)).toBe(sha(big));
    const ranged = await request(srv.port, '/shared.bin', { headers: { range: 'bytes=65530-200000' } });
    expect(ranged.status).toBe(206);
    expect(ranged.body.equals(big.subarray(65530, 200001))).toBe(true);
  });

  it('serves correctly with the memory cache turned off', async () => {
    const off = await start({ root, memoryCacheBytes: 0 });
    try {
      const big = randomBytes(1_000_000);
      await writeFile(path.join(root, 'nocache.bin'), big);
      for (let i = 0; i < 2; i++) expect(sha((await request(off.port, '/nocache.bin')).body)).toBe(sha(big));
    } finally {
      await off.close();
    }
  });
});

describe('downloads of one known file share its descriptor', () => {
  /** Open `count` downloads of `p` that each read their headers and then stop reading; returns their sockets. */
  async function stalled(p: string, count: number): Promise<http.ClientRequest[]> {
    const requests: http.ClientRequest[] = [];
    await Promise.all(
      Array.from({ length: count }, () => {
        return new Promise<void>((resolve, reject) => {
          const req = http.get({ host: '127.0.0.1', port: srv.port, path: p, agent: false }, (res) => {
            res.pause();
            resolve();
          });
          req.once('error', reject);
          requests.push(req);
        });
      }),
    );
    return requests;
  }

  it('four stalled downloads of a known 24 MiB file hold one descriptor, closed when the last ends', async () => {
    await writeFile(path.join(root, 'shared.bin'), randomBytes(24 * 1024 * 1024));
    await warm('/shared.bin');
    const idle = descriptors.inUse;
    const downloads = await stalled('/shared.bin', 4);
    expect(descriptors.inUse - idle).toBe(1);
    for (const req of downloads) req.destroy();
    await expect.poll(() => descriptors.inUse, { timeout: 5_000 }).toBe(idle);
  });

  it('four simultaneous first downloads of a file not yet known end up on one descriptor', async () => {
    await writeFile(path.join(root, 'fresh.bin'), randomBytes(24 * 1024 * 1024));
    const idle = descriptors.inUse;
    const downloads = await stalled('/fresh.bin', 4);
    await expect.poll(() => descriptors.inUse - idle, { timeout: 5_000 }).toBe(1);
    for (const req of downloads) req.destroy();
    await expect.poll(() => descriptors.inUse, { timeout: 5_000 }).toBe(idle);
  });

  it('a download running when the file is replaced keeps the old descriptor; the next one opens the new file', async () => {
    const f = path.join(root, 'swapped.bin');
    const old = randomBytes(24 * 1024 * 1024);
    const next = randomBytes(24 * 1024 * 1024);
    await writeFile(f, old);
    await writeFile(f + '.new', next);
    await warm('/swapped.bin');
    const idle = descriptors.inUse;
    const [running] = await stalled('/swapped.bin', 1);
    await rename(f + '.new', f);
    const fresh = await request(srv.port, '/swapped.bin');
    expect(sha(fresh.body)).toBe(sha(next));
    expect(descriptors.inUse - idle).toBe(1); // the running download's, of the old file
    running.destroy();
    await expect.poll(() => descriptors.inUse, { timeout: 5_000 }).toBe(idle);
  });
});
