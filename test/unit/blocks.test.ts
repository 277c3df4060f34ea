import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BlockCache, FileChangedError, identityKey } from '../../src/fs/cache/blocks.js';
import { tempDir } from '../helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
const content = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  await writeFile(path.join(dir, 'f.bin'), content);
});
afterAll(() => cleanup());

describe('BlockCache', () => {
  it('reads aligned blocks, the last one short, and caches them', async () => {
    const cache = new BlockCache({ blockSize: 4096, maxBytes: 1 << 20 });
    const fh = await open(path.join(dir, 'f.bin'));
    try {
      const id = identityKey(await fh.stat());
      const blocks = await Promise.all([0, 1, 2].map((i) => cache.get(fh, id, i, content.length)));
      expect(Buffer.concat(blocks).equals(content)).toBe(true);
      expect(blocks[2].length).toBe(10_000 - 8192);
      expect(cache.size).toBe(10_000);
      expect(cache.peek(id, 1)).toBe(blocks[1]);
    } finally {
      await fh.close();
    }
  });

  it('shares one read among concurrent misses of the same block', async () => {
    const cache = new BlockCache({ blockSize: 4096, maxBytes: 1 << 20 });
    const fh = await open(path.join(dir, 'f.bin'));
    try {
      const id = identityKey(await fh.stat());
      const [a, b, c] = await Promise.all([
        cache.get(fh, id, 0, content.length),
        cache.get(fh, id, 0, content.length),
        cache.get(fh, id, 0, content.length),
      ]);
      expect(a).toBe(b);
      expect(b).toBe(c);
    } finally {
      await fh.close();
    }
  });

  it('evicts the least recently used blocks beyond its budget', async () => {
    const cache = new BlockCache({ blockSize: 4096, maxBytes: 8192 });
    const fh = await open(path.join(dir, 'f.bin'));
    try {
      const id = identityKey(await fh.stat());
      await cache.get(fh, id, 0, content.length);
      await cache.get(fh, id, 1, content.length);
      cache.peek(id, 0); // 0 is now the most recent
      await cache.get(fh, id, 2, content.length);
      expect(cache.size).toBeLessThanOrEqual(8192);
      expect(cache.peek(id, 1)).toBeUndefined();
      expect(cache.peek(id, 0)).toBeDefined();
    } finally {
      await fh.close();
    }
  });

  it('keeps a block hit again and again while a scan of blocks read once passes through (issue 12)', async () => {
    // 2,000 downloads of large files each read their blocks once; a 13-byte page asked for every 100 ms must stay
    // cached, or every request for it needs a descriptor (503 when the budget is spent) and a thread-pool read.
    const big = Buffer.alloc(1024 * 1024, 1);
    await writeFile(path.join(dir, 'big.bin'), big);
    const cache = new BlockCache({ blockSize: 4096, maxBytes: 64 * 4096 });
    const small = await open(path.join(dir, 'f.bin'));
    const scan = await open(path.join(dir, 'big.bin'));
    try {
      const hot = identityKey(await small.stat());
      const cold = identityKey(await scan.stat());
      await cache.get(small, hot, 0, content.length);
      expect(cache.peek(hot, 0)).toBeDefined(); // asked for a second time: it is in use
      for (let index = 0; index < 256; index++) {
        // Four times the cache's size, each block once; the hot block is asked for again only after the scan has
        // gone twice round the cache.
        await cache.get(scan, cold, index, big.length);
        if (index % 128 === 127) expect(cache.peek(hot, 0), `after ${index + 1} scanned blocks`).toBeDefined();
      }
      expect(cache.size).toBeLessThanOrEqual(64 * 4096);
    } finally {
      await small.close();
      await scan.close();
    }
  });

  it('caches nothing with a zero budget, and still reads', async () => {
    const cache = new BlockCache({ blockSize: 4096, maxBytes: 0 });
    const fh = await open(path.join(dir, 'f.bin'));
    try {
      const id = identityKey(await fh.stat());
      expect((await cache.get(fh, id, 1, content.length)).equals(content.subarray(4096, 8192))).toBe(true);
      expect(cache.size).toBe(0);
    } finally {
      await fh.close();
    }
  });

  it('throws FileChangedError when the file is shorter than promised', async () => {
    const cache = new BlockCache({ blockSize: 4096, maxBytes: 1 << 20 });
    const fh = await open(path.join(dir, 'f.bin'));
    try {
      await expect(cache.get(fh, 'x', 3, 20_000)).rejects.toBeInstanceOf(FileChangedError);
      expect(cache.size).toBe(0);
    } finally {
      await fh.close();
    }
  });

  it('reads a run of blocks with one read: the bytes, the last block short, each block cached as a view', async () => {
    const cache = new BlockCache({ blockSize: 4096, maxBytes: 1 << 20 });
    const fh = await open(path.join(dir, 'f.bin'));
    try {
      const id = identityKey(await fh.stat());
      const run = await cache.getRun(fh, id, 1, 5, content.length); // blocks 1 and 2: the file ends first
      expect(run.equals(content.subarray(4096))).toBe(true);
      expect(cache.size).toBe(10_000 - 4096);
      expect(cache.peek(id, 1)?.equals(content.subarray(4096, 8192))).toBe(true);
      expect(cache.peek(id, 2)?.equals(content.subarray(8192))).toBe(true);
      expect(cache.peek(id, 0)).toBeUndefined();
    } finally {
      await fh.close();
    }
  });

  it('does not cache a run of a file larger than a quarter of the cache (a lone reader would flush it)', async () => {
    const cache = new BlockCache({ blockSize: 4096, maxBytes: 4 * 4096 });
    const fh = await open(path.join(dir, 'f.bin'));
    try {
      const id = identityKey(await fh.stat());
      const run = await cache.getRun(fh, id, 0, 2, content.length);
      expect(run.equals(content.subarray(0, 8192))).toBe(true);
      expect(cache.size).toBe(0);
    } finally {
      await fh.close();
    }
  });

  it('throws FileChangedError when a run reaches past the end of a file that shrank', async () => {
    const cache = new BlockCache({ blockSize: 4096, maxBytes: 1 << 20 });
    const fh = await open(path.join(dir, 'f.bin'));
    try {
      await expect(cache.getRun(fh, 'x', 2, 3, 20_000)).rejects.toBeInstanceOf(FileChangedError);
      expect(cache.size).toBe(0);
    } finally {
      await fh.close();
    }
  });

  it('shares reads between runs and blocks: a run stops before a block being read, a block joins a run', async () => {
    const cache = new BlockCache({ blockSize: 1024, maxBytes: 1 << 20 });
    const fh = await open(path.join(dir, 'f.bin'));
    const reads = vi.spyOn(fh, 'read');
    try {
      const id = identityKey(await fh.stat());
      const [run, joined, after] = await Promise.all([
        cache.getRun(fh, id, 0, 4, content.length), // blocks 0–3, one read
        cache.get(fh, id, 2, content.length), // shares the run's read
        cache.getRun(fh, id, 3, 3, content.length), // block 3 is being read: it waits for it, reads nothing
      ]);
      expect(run.equals(content.subarray(0, 4096))).toBe(true);
      expect(joined.equals(content.subarray(2048, 3072))).toBe(true);
      expect(after.equals(content.subarray(3072, 4096))).toBe(true);
      expect(reads).toHaveBeenCalledTimes(1);
      const next = await cache.getRun(fh, id, 3, 3, content.length); // 3 is cached now: no read either
      expect(next.equals(content.subarray(3072, 4096))).toBe(true);
      expect(reads).toHaveBeenCalledTimes(1);
    } finally {
      await fh.close();
    }
  });
});
